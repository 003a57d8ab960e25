//! `docs/reading-the-generated-code.md` quotes the derive's expansion snapshot. Every code
//! block marked `<!-- excerpt -->` must appear verbatim in the snapshot (a line `// ...`
//! marks a cut: the pieces around it must appear in that order), so the doc cannot drift
//! from what the derive generates.

use std::path::Path;

const DOC: &str = "../docs/reading-the-generated-code.md";
const SNAPSHOT: &str =
    "../reconciler-macros/src/snapshots/reconciler_macros__expand__tests__seed_charm.snap";

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The code blocks that follow an `<!-- excerpt -->` line.
fn excerpts(doc: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "<!-- excerpt -->" {
            continue;
        }
        let fence = lines.next().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "an <!-- excerpt --> marker must be followed by a code block, found {fence:?}"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        found.push(block.join("\n"));
    }
    found
}

#[test]
fn excerpts_match_the_expansion_snapshot() {
    let doc = read(DOC);
    let snapshot = read(SNAPSHOT);
    // The snapshot's body follows insta's `---` metadata header.
    let expansion = snapshot
        .splitn(3, "---\n")
        .nth(2)
        .expect("insta snapshot with a metadata header");
    let excerpts = excerpts(&doc);
    assert!(
        excerpts.len() >= 3,
        "expected the doc to quote the expansion, found {} excerpts",
        excerpts.len()
    );
    for excerpt in excerpts {
        let mut rest = expansion;
        for piece in excerpt.split("\n    // ...\n") {
            match rest.find(piece) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => panic!(
                    "this excerpt of {DOC} is not in the expansion snapshot (copy the excerpt \
                     again from the snapshot):\n{piece}"
                ),
            }
        }
    }
}
