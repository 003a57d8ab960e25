//! `docs/running-under-juju.md` has a table of every Juju hook tool and how a component
//! reaches it. Every tool the stand-in hook tools implement (the tools the backend calls)
//! must be a row of that table, and every row must name a real tool, so the table cannot
//! fall behind the backend.

#[path = "../hook-tools/state.rs"]
mod state;

use std::collections::BTreeSet;

/// The first cell of each row of the table under the heading "Every hook tool".
fn table_rows(doc: &str) -> BTreeSet<String> {
    let start = doc
        .find("## Every hook tool, and how a component reaches it")
        .expect("the heading of the hook-tool table");
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| hook tool |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`').to_owned())
        .collect()
}

#[test]
fn every_hook_tool_the_backend_calls_has_a_row() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/running-under-juju.md"),
    )
    .expect("docs/running-under-juju.md");
    let rows = table_rows(&doc);
    assert_eq!(rows.len(), 38, "Juju 3 has 38 hook tools: {rows:?}");
    let missing: Vec<&&str> = state::TOOLS
        .iter()
        .filter(|tool| !rows.contains(**tool))
        .collect();
    assert!(missing.is_empty(), "tools without a row: {missing:?}");
    // `unit-get` is the one tool the backend does not call (deprecated by Juju).
    let unwrapped: Vec<&String> = rows
        .iter()
        .filter(|row| !state::TOOLS.contains(&row.as_str()))
        .collect();
    assert_eq!(unwrapped, ["unit-get"]);
}
