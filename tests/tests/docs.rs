//! `docs/reading-the-generated-code.md` quotes the derive's expansion snapshots. Every code
//! block marked `<!-- excerpt -->` must appear verbatim in one of the snapshots (a line
//! `// ...` marks a cut: the pieces around it must appear in that order), so the doc cannot
//! drift from what the derive generates.

use std::path::Path;

const DOC: &str = "../docs/reading-the-generated-code.md";
/// The seed charm, a charm with two dependencies of one type, and a charm with relations,
/// containers and storage in its attributes.
const SNAPSHOTS: [&str; 3] = [
    "../reconciler-macros/src/snapshots/reconciler_macros__expand__tests__seed_charm.snap",
    "../reconciler-macros/src/snapshots/reconciler_macros__expand__tests__same_type_dependencies.snap",
    "../reconciler-macros/src/snapshots/reconciler_macros__expand__tests__static_names.snap",
];

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
    let snapshots: Vec<String> = SNAPSHOTS.iter().map(|path| read(path)).collect();
    // A snapshot's body follows insta's `---` metadata header.
    let expansions: Vec<&str> = snapshots
        .iter()
        .map(|snapshot| {
            snapshot
                .splitn(3, "---\n")
                .nth(2)
                .expect("insta snapshot with a metadata header")
        })
        .collect();
    let excerpts = excerpts(&doc);
    assert!(
        excerpts.len() >= 4,
        "expected the doc to quote the expansions, found {} excerpts",
        excerpts.len()
    );
    for excerpt in excerpts {
        if !expansions
            .iter()
            .any(|expansion| contains_in_order(expansion, &excerpt))
        {
            panic!(
                "this excerpt of {DOC} is in no expansion snapshot (copy the excerpt again \
                 from the snapshot):\n{excerpt}"
            );
        }
    }
}

/// Whether the pieces of `excerpt` (cut at `// ...` lines) appear in `expansion` in order.
fn contains_in_order(expansion: &str, excerpt: &str) -> bool {
    let mut rest = expansion;
    for piece in excerpt.split("\n    // ...\n") {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}
