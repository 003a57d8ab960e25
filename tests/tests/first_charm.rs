//! `docs/first-charm.md` builds a charm from an empty directory. This test builds that
//! charm from the page's own code blocks, so the page cannot drift from what works:
//!
//! 1. Every code block after a `<!-- file: PATH -->` line is written to `PATH` in a fresh
//!    temporary directory, outside the repository, as a reader would lay the crate out.
//! 2. The page's `Cargo.toml` depends on this repository's crates by the path a reader
//!    uses, `../reconciler/<crate>` (the charm beside a clone of the repository). That
//!    prefix, and nothing else, is replaced by this workspace's absolute path; the
//!    workspace's `Cargo.lock` is copied in so the charm builds with the same versions,
//!    offline.
//! 3. `cargo test --offline` runs the page's tests: they must pass, and their output
//!    must be the one the page shows after `<!-- output: cargo-test -->`.
//! 4. `cargo run --offline -- simulate scenarios/first.yaml` plays the page's scenario: it
//!    must exit 0 (every `expect` of the scenario held) and print what the page shows after
//!    `<!-- output: simulate -->`.
//! 5. `cargo build --offline` with the relation name misspelt as the page describes must
//!    fail with the compile error the page shows after `<!-- output: misspelt-relation -->`,
//!    and with the dependency misspelt, with the error the page quotes for that.
//!
//! The charm builds in `<target>/first-charm`, where `<target>` is `CARGO_TARGET_DIR` when
//! set, else the workspace's `target/`, so that repeated runs reuse the build of the
//! dependencies (the charm itself is rebuilt: its directory is new each time). Durations
//! (`finished in 0.00s`, `ran in 12.3µs`, `failed in 31.8µs`) are replaced by `<t>` in both
//! the page's and the real output before they are compared; nothing else is changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The page, relative to the workspace.
const DOC: &str = "docs/first-charm.md";

/// The files a charm needs, each of which the page must show.
const REQUIRED_FILES: [&str; 7] = [
    "Cargo.toml",
    "charmcraft.yaml",
    "dispatch",
    "src/main.rs",
    "src/lib.rs",
    "tests/charm.rs",
    SCENARIO,
];

/// The scenario the page simulates.
const SCENARIO: &str = "scenarios/first.yaml";

/// The path prefix of the page's dependencies on this repository's crates.
const DOCUMENTED_PATH: &str = "\"../reconciler/";

/// The attribute the page misspells, and how it misspells it.
const RELATION_ATTRIBUTE: &str = "relations = [\"website\"]";
const MISSPELT_ATTRIBUTE: &str = "relations = [\"websight\"]";

/// The dependency the page misspells, and the error it quotes for it.
const DEPENDENCY: &str = "depends_on = [web]";
const MISSPELT_DEPENDENCY: &str = "depends_on = [wbe]";
const MISSPELT_DEPENDENCY_ERROR: &str = "unknown dependency `wbe`: `HelloCharm` has no component field of that name; did you mean `web`?";

/// The workspace root (this crate is `tests/` in it).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// What the page holds: the charm's files and the outputs it shows, by name.
#[derive(Debug, Default)]
struct Page {
    files: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
}

/// Reads the blocks marked `<!-- file: PATH -->` and `<!-- output: NAME -->` (the marker
/// line right before the opening fence). A marker without a code block after it, a block
/// that is not closed, a path that leaves the charm's directory, and a path or name used
/// twice are errors naming the line.
fn parse(doc: &str) -> Result<Page, String> {
    let mut page = Page::default();
    let mut lines = doc.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let line_no = index + 1;
        let line = line.trim();
        let (kind, name) = if let Some(rest) = line.strip_prefix("<!-- file: ") {
            ("file", rest)
        } else if let Some(rest) = line.strip_prefix("<!-- output: ") {
            ("output", rest)
        } else {
            continue;
        };
        let name = name
            .strip_suffix("-->")
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                format!("{DOC}:{line_no}: a {kind} marker must be `<!-- {kind}: NAME -->`")
            })?;
        let fence = match lines.next() {
            Some((_, fence)) if fence.starts_with("```") => fence,
            other => {
                return Err(format!(
                    "{DOC}:{line_no}: the {kind} marker for {name} must be followed by a code block, found {:?}",
                    other.map(|(_, l)| l).unwrap_or("the end of the page")
                ));
            }
        };
        let fence_len = fence.len() - fence.trim_start_matches('`').len();
        let mut text = String::new();
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            if line.trim_end() == "`".repeat(fence_len) {
                closed = true;
                break;
            }
            text.push_str(line);
            text.push('\n');
        }
        if !closed {
            return Err(format!(
                "{DOC}:{line_no}: the code block of {name} is not closed"
            ));
        }
        let map = if kind == "file" {
            let path = Path::new(name);
            let inside = path
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                return Err(format!(
                    "{DOC}:{line_no}: {name} is not a relative path inside the charm's directory"
                ));
            }
            &mut page.files
        } else {
            &mut page.outputs
        };
        if map.insert(name.to_owned(), text).is_some() {
            return Err(format!("{DOC}:{line_no}: {name} is shown twice"));
        }
    }
    Ok(page)
}

fn read_page() -> Page {
    let path = workspace().join(DOC);
    let doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    parse(&doc).unwrap_or_else(|error| panic!("{error}"))
}

/// Replaces the durations in libtest's and the simulator's output with `<t>`: after
/// `finished in `, `ran in ` and `failed in `, a number with a unit (`ns`, `µs`, `ms`,
/// `s`), as libtest and `{:.1?}` print them.
fn normalise(text: &str) -> String {
    reconciler_tests::normalise_durations_after(text, &["finished in ", "ran in ", "failed in "])
}

/// The sections of libtest's output (`running N tests` to `test result: ...`) that ran at
/// least one test, each with its test lines sorted (libtest prints them in the order they
/// finish), joined as one text.
fn tests_run(stdout: &str) -> String {
    let mut shown = String::new();
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("running ") || line.starts_with("running 0 tests") {
            continue;
        }
        let mut tests = Vec::new();
        let mut result = None;
        for line in lines.by_ref() {
            if line.starts_with("test result: ") {
                result = Some(line);
                break;
            }
            if line.starts_with("test ") {
                tests.push(line);
            }
        }
        tests.sort_unstable();
        shown.push_str(line);
        shown.push('\n');
        for test in tests {
            shown.push_str(test);
            shown.push('\n');
        }
        shown.push('\n');
        shown.push_str(result.unwrap_or("(no test result line)"));
        shown.push('\n');
    }
    shown
}

/// The compile errors in cargo's output: from the first `error` line to the line before
/// `error: could not compile`, without trailing blank lines.
fn compile_errors(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .skip_while(|line| !line.starts_with("error"))
        .take_while(|line| !line.starts_with("error: could not compile"))
        .collect();
    lines.join("\n").trim_end().to_owned() + "\n"
}

/// A cargo run in the charm's directory.
struct Run {
    success: bool,
    /// The exit code; `None` when killed by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo {}: {error}", args.join(" ")));
    Run {
        success: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Where the charm builds: `<target>/first-charm`.
fn target_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace().join(dir),
        None => workspace().join("target"),
    };
    target.join("first-charm")
}

/// Writes the page's files into `dir`, with the dependency paths pointed at this
/// workspace, and the workspace's `Cargo.lock`.
fn write_charm(page: &Page, dir: &Path) {
    let workspace = workspace();
    let workspace_path = format!("\"{}/", workspace.display());
    for (path, text) in &page.files {
        let text = if path == "Cargo.toml" {
            text.replace(DOCUMENTED_PATH, &workspace_path)
        } else {
            text.clone()
        };
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("a file in a directory"))
            .expect("creating the charm's directories");
        std::fs::write(&file, text).expect("writing the charm's files");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dispatch = dir.join("dispatch");
        std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755))
            .expect("chmod +x dispatch");
    }
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copying the workspace's Cargo.lock");
}

#[test]
fn the_page_shows_every_file_a_charm_needs() {
    let page = read_page();
    for path in REQUIRED_FILES {
        assert!(
            page.files.contains_key(path),
            "{DOC} does not show {path} (marked `<!-- file: {path} -->`); it shows {:?}",
            page.files.keys().collect::<Vec<_>>()
        );
    }
    let manifest = &page.files["Cargo.toml"];
    for krate in ["reconciler-core", "reconciler-components"] {
        assert!(
            manifest.contains(&format!("path = {DOCUMENTED_PATH}{krate}\"")),
            "{DOC}: Cargo.toml must depend on {krate} by `path = {DOCUMENTED_PATH}{krate}\"` \
             (the test replaces that prefix):\n{manifest}"
        );
    }
    assert_eq!(
        page.files["src/lib.rs"].matches(RELATION_ATTRIBUTE).count(),
        1,
        "{DOC}: src/lib.rs must have `{RELATION_ATTRIBUTE}` once, the attribute the page misspells"
    );
    assert_eq!(
        page.files["src/lib.rs"].matches(DEPENDENCY).count(),
        1,
        "{DOC}: src/lib.rs must have `{DEPENDENCY}` once, the dependency the page misspells"
    );
    // The prose wraps lines: compare with runs of white space as one space.
    let doc = std::fs::read_to_string(workspace().join(DOC)).expect(DOC);
    let prose = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        prose.contains(MISSPELT_DEPENDENCY) && prose.contains(MISSPELT_DEPENDENCY_ERROR),
        "{DOC} must quote the error for `{MISSPELT_DEPENDENCY}`: {MISSPELT_DEPENDENCY_ERROR}"
    );
    for name in ["cargo-test", "simulate", "misspelt-relation"] {
        assert!(
            page.outputs.contains_key(name),
            "{DOC} does not show the output {name}"
        );
    }
}

#[test]
fn the_charm_of_the_page_builds_passes_its_tests_and_simulates() {
    let page = read_page();
    let dir = tempfile::Builder::new()
        .prefix("first-charm-")
        .tempdir()
        .expect("a temporary directory");
    let target = target_dir();
    write_charm(&page, dir.path());

    let run = cargo(dir.path(), &target, &["test", "--offline"]);
    assert!(
        run.success,
        "cargo test failed in the charm of {DOC}:\n{}\n{}",
        run.stderr, run.stdout
    );
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning"))
        .collect();
    assert!(
        warnings.is_empty(),
        "{DOC}: the charm builds with warnings:\n{}",
        run.stderr
    );
    let shown = normalise(&page.outputs["cargo-test"]);
    let count: usize = shown
        .strip_prefix("running ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        count > 0,
        "{DOC}: the output cargo-test must start with `running N tests`, N > 0:\n{shown}"
    );
    let real = normalise(&tests_run(&run.stdout));
    assert_eq!(
        shown, real,
        "{DOC}: the output of cargo test differs from the page's (left: the page, right: the real one)"
    );

    let run = cargo(
        dir.path(),
        &target,
        &["run", "--offline", "--", "simulate", SCENARIO],
    );
    assert!(
        run.success,
        "{DOC}: simulate {SCENARIO} exited with {:?} (1: an `expect` did not hold; 2: bad input):\n{}\n{}",
        run.code, run.stdout, run.stderr
    );
    assert_eq!(
        normalise(&page.outputs["simulate"]),
        normalise(&run.stdout),
        "{DOC}: the output of simulate differs from the page's (left: the page, right: the real one)"
    );

    let lib = dir.path().join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).expect("src/lib.rs");
    std::fs::write(&lib, source.replace(RELATION_ATTRIBUTE, MISSPELT_ATTRIBUTE))
        .expect("misspelling the relation");
    let run = cargo(dir.path(), &target, &["build", "--offline"]);
    assert!(
        !run.success,
        "{DOC}: the charm built with {MISSPELT_ATTRIBUTE}:\n{}",
        run.stderr
    );
    assert_eq!(
        page.outputs["misspelt-relation"],
        compile_errors(&run.stderr),
        "{DOC}: the compile error differs from the page's; cargo said:\n{}",
        run.stderr
    );

    std::fs::write(&lib, source.replace(DEPENDENCY, MISSPELT_DEPENDENCY))
        .expect("misspelling the dependency");
    let run = cargo(dir.path(), &target, &["build", "--offline"]);
    assert!(
        !run.success
            && run
                .stderr
                .contains(&format!("error: {MISSPELT_DEPENDENCY_ERROR}")),
        "{DOC}: with {MISSPELT_DEPENDENCY}, cargo build should fail with `{MISSPELT_DEPENDENCY_ERROR}`; it said:\n{}",
        run.stderr
    );
}

#[test]
fn markers_must_be_followed_by_a_closed_code_block_with_a_path_inside_the_charm() {
    let page = parse(
        "text\n<!-- file: src/lib.rs -->\n```rust\nfn a() {}\n```\n<!-- output: x -->\n````text\n```\n````\n",
    )
    .unwrap();
    assert_eq!(page.files["src/lib.rs"], "fn a() {}\n");
    assert_eq!(page.outputs["x"], "```\n");

    let error = parse("a\n<!-- file: src/lib.rs -->\ntext\n").unwrap_err();
    assert_eq!(
        error,
        "docs/first-charm.md:2: the file marker for src/lib.rs must be followed by a code block, found \"text\""
    );
    let error = parse("<!-- output: x -->\n```\nnever closed\n").unwrap_err();
    assert_eq!(
        error,
        "docs/first-charm.md:1: the code block of x is not closed"
    );
    let error = parse("<!-- file: ../outside -->\n```\n```\n").unwrap_err();
    assert_eq!(
        error,
        "docs/first-charm.md:1: ../outside is not a relative path inside the charm's directory"
    );
    let error = parse("<!-- file: a -->\n```\n```\n<!-- file: a -->\n```\n```\n").unwrap_err();
    assert_eq!(error, "docs/first-charm.md:4: a is shown twice");
}

#[test]
fn outputs_are_normalised_for_durations_only() {
    assert_eq!(
        normalise("test result: ok. 4 passed; finished in 0.01s\nfinished in time\n"),
        "test result: ok. 4 passed; finished in <t>\nfinished in time\n"
    );
    assert_eq!(
        normalise("  INFO web ran in 636.2µs: active\n  WARNING web failed in 31.8ms: port\n"),
        "  INFO web ran in <t>: active\n  WARNING web failed in <t>: port\n"
    );
    assert_eq!(normalise("ran in 2 steps"), "ran in 2 steps");
    let stdout = "running 0 tests\n\ntest result: ok. 0 passed\n\nrunning 2 tests\ntest b ... ok\ntest a ... ok\n\ntest result: ok. 2 passed\n";
    assert_eq!(
        tests_run(stdout),
        "running 2 tests\ntest a ... ok\ntest b ... ok\n\ntest result: ok. 2 passed\n"
    );
    let stderr =
        "   Compiling x\nerror: bad\n  --> src/lib.rs:1:1\n\nerror: could not compile `x`\n";
    assert_eq!(compile_errors(stderr), "error: bad\n  --> src/lib.rs:1:1\n");
}
