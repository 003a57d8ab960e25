//! Text as Juju's hook tools can take it, shared by the hook-tool backend, the `juju-log`
//! sink and the in-memory backend, so the in-memory harness shows what Juju would.
//!
//! Every message reaches Juju as a command-line argument, which cannot hold a NUL
//! character: spawning the tool would fail, and for the final `status-set` that means an
//! exit code of 1 and a hook Juju retries forever. Other control characters pass, but
//! they garble `juju status` and terminals. So, one rule:
//!
//! - **Escaping.** A control character (Unicode category Cc: U+0000 to U+001F and U+007F
//!   to U+009F) is written as its Rust escape: `\0`, `\t`, `\n`, `\r`, or `\u{1b}` for the
//!   others. Status messages and the application version escape every control character,
//!   since `juju status` shows them on one line; `juju-log`, `action-fail` and
//!   `action-log` messages keep line feeds and tabs (a batch of log lines is one line per
//!   record) and escape the rest. Backslashes are left as they are: the result is for
//!   reading, not for parsing back.
//! - **Length.** A status message is cut to [`MAX_STATUS_MESSAGE`] bytes (on a character
//!   boundary, ending in `…`); a `juju-log`, `action-fail` or `action-log` message to
//!   [`MAX_TOOL_MESSAGE`] bytes, ending in `… (cut; N bytes in all)`. Linux refuses a
//!   single argument over 128 KiB.
//! - **Action results.** A NUL in an `action-set` result (its key or its value) cannot be
//!   escaped without changing the result the charm meant to record, so
//!   [`action_result_pairs`] refuses it with an error naming the key, never the value.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::backend::{BackendError, JsonMap};

/// Longest status message sent to `status-set`, in bytes, ellipsis included.
pub(crate) const MAX_STATUS_MESSAGE: usize = 1024;

/// Longest `juju-log`, `action-fail` or `action-log` message, in bytes, the note about the
/// cut included.
pub(crate) const MAX_TOOL_MESSAGE: usize = 64 * 1024;

/// What ends a message that was cut.
pub(crate) const ELLIPSIS: &str = "…";

/// Which control characters a message keeps as they are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// None: everything is escaped (one-line texts).
    Nothing,
    /// Line feeds and tabs (multi-line texts).
    LineBreaks,
}

fn needs_escape(c: char, keep: Keep) -> bool {
    c.is_control() && !(keep == Keep::LineBreaks && (c == '\n' || c == '\t'))
}

fn push_escaped(out: &mut String, c: char, keep: Keep) {
    if !needs_escape(c, keep) {
        out.push(c);
        return;
    }
    match c {
        '\0' => out.push_str("\\0"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `text` with control characters escaped as `keep` says, no longer than `max` bytes: if
/// the escaped text is longer, it is cut on a character boundary (never inside an escape)
/// and `suffix` is appended, all within `max`.
fn sanitise<'a>(text: &'a str, keep: Keep, max: usize, suffix: &str) -> Cow<'a, str> {
    if text.len() <= max && !text.chars().any(|c| needs_escape(c, keep)) {
        return Cow::Borrowed(text);
    }
    let budget = max.saturating_sub(suffix.len());
    let mut out = String::with_capacity(text.len().min(max));
    let mut cut_at = None;
    for c in text.chars() {
        let before = out.len();
        push_escaped(&mut out, c, keep);
        if cut_at.is_none() && out.len() > budget {
            cut_at = Some(before);
        }
        if out.len() > max {
            out.truncate(cut_at.unwrap_or(before));
            out.push_str(suffix);
            return Cow::Owned(out);
        }
    }
    Cow::Owned(out)
}

/// A status message as `status-set` gets it: every control character escaped, at most
/// [`MAX_STATUS_MESSAGE`] bytes, ending in `…` if cut.
pub(crate) fn status_message(text: &str) -> Cow<'_, str> {
    sanitise(text, Keep::Nothing, MAX_STATUS_MESSAGE, ELLIPSIS)
}

/// A `juju-log`, `action-fail` or `action-log` message: control characters but line feeds
/// and tabs escaped, at most [`MAX_TOOL_MESSAGE`] bytes, ending in
/// `… (cut; N bytes in all)` if cut (N: the length of `text`).
pub(crate) fn tool_message(text: &str) -> Cow<'_, str> {
    let suffix = format!("{ELLIPSIS} (cut; {} bytes in all)", text.len());
    sanitise(text, Keep::LineBreaks, MAX_TOOL_MESSAGE, &suffix)
}

/// Flattens action results into the `key=value` pairs `action-set` takes (nested keys
/// joined with dots, strings as they are, other values as JSON), refusing a key or a
/// string value that holds a NUL character. The error names the key (escaped), never the
/// value, and nothing is set.
pub(crate) fn action_result_pairs(
    results: &JsonMap,
) -> Result<Vec<(String, String)>, BackendError> {
    let mut pairs = Vec::new();
    flatten("", results, &mut pairs);
    for (key, value) in &pairs {
        let part = if key.contains('\0') {
            "key"
        } else if value.contains('\0') {
            "value"
        } else {
            continue;
        };
        return Err(BackendError::refused(
            "action-set",
            format!(
                "the {part} of the result {key:?} contains a NUL character, which a hook-tool \
                 argument cannot hold; no result was set"
            ),
        ));
    }
    Ok(pairs)
}

fn flatten(prefix: &str, map: &JsonMap, out: &mut Vec<(String, String)>) {
    for (key, value) in map {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            serde_json::Value::Object(inner) => flatten(&key, inner, out),
            serde_json::Value::String(s) => out.push((key, s.clone())),
            other => out.push((key, other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_plain_text_is_borrowed_unchanged() {
        assert!(matches!(status_message("ready"), Cow::Borrowed("ready")));
        assert!(matches!(
            tool_message("two\nlines\tand a tab"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn control_characters_are_escaped_readably() {
        assert_eq!(
            status_message("a\0b\nc\rd\te\u{1b}[31mf\u{7f}g\u{85}h"),
            "a\\0b\\nc\\rd\\te\\u{1b}[31mf\\u{7f}g\\u{85}h"
        );
        // Multi-line texts keep line feeds and tabs, and escape the rest.
        assert_eq!(tool_message("a\0b\nc\td\re"), "a\\0b\nc\td\\re");
        // Not control characters: left alone.
        assert_eq!(status_message("é ✓ \\0 \u{2028}"), "é ✓ \\0 \u{2028}");
    }

    #[test]
    fn a_status_message_is_cut_to_one_kibibyte_with_an_ellipsis() {
        let long = "x".repeat(5000);
        let cut = status_message(&long);
        assert_eq!(cut.len(), MAX_STATUS_MESSAGE);
        assert!(cut.ends_with(ELLIPSIS));
        assert_eq!(cut.len() - ELLIPSIS.len(), cut.matches('x').count());
        // Exactly at the limit: unchanged.
        let exact = "y".repeat(MAX_STATUS_MESSAGE);
        assert_eq!(status_message(&exact), exact);
        // One over: cut.
        let over = "y".repeat(MAX_STATUS_MESSAGE + 1);
        assert!(status_message(&over).ends_with(ELLIPSIS));
    }

    #[test]
    fn the_cut_falls_on_a_character_boundary_with_multibyte_characters() {
        // Every offset of a 1-, 2-, 3- and 4-byte character relative to the cut.
        for prefix in 0..4 {
            for ch in ['a', 'é', '✓', '🦀'] {
                let text = format!("{}{}", "p".repeat(prefix), ch.to_string().repeat(2000));
                let cut = status_message(&text);
                assert!(cut.len() <= MAX_STATUS_MESSAGE, "{prefix} {ch}");
                assert!(
                    cut.len() > MAX_STATUS_MESSAGE - ELLIPSIS.len() - 4,
                    "{prefix} {ch}"
                );
                let body = cut.strip_suffix(ELLIPSIS).expect("ends with the ellipsis");
                assert!(text.starts_with(body), "{prefix} {ch}");
            }
        }
    }

    #[test]
    fn the_cut_never_splits_an_escape() {
        let text = "\0".repeat(2000);
        let cut = status_message(&text);
        assert!(cut.len() <= MAX_STATUS_MESSAGE);
        let body = cut.strip_suffix(ELLIPSIS).unwrap();
        assert_eq!(body, "\\0".repeat(body.len() / 2));
        // An escape that would cross the limit is dropped whole.
        let text = format!("{}\u{1b}", "x".repeat(MAX_STATUS_MESSAGE - 5));
        let cut = status_message(&text);
        assert_eq!(
            cut,
            format!("{}{ELLIPSIS}", "x".repeat(MAX_STATUS_MESSAGE - 5))
        );
    }

    #[test]
    fn a_tool_message_is_cut_at_64_kibibytes_saying_how_long_it_was() {
        let long = "é".repeat(MAX_TOOL_MESSAGE);
        let cut = tool_message(&long);
        assert!(cut.len() <= MAX_TOOL_MESSAGE);
        assert!(cut.ends_with(&format!("… (cut; {} bytes in all)", long.len())));
        let with_nul = format!("{}\0", "z".repeat(MAX_TOOL_MESSAGE));
        assert!(!tool_message(&with_nul).contains('\0'));
    }

    #[test]
    fn action_results_flatten_with_dots() {
        let results: JsonMap =
            serde_json::from_str(r#"{"a":{"b":"x","c":2},"d":true,"e":["\u0000"]}"#).unwrap();
        let pairs = action_result_pairs(&results).unwrap();
        let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["a.b=x", "a.c=2", "d=true", r#"e=["\u0000"]"#]);
    }

    #[test]
    fn a_nul_in_an_action_result_is_refused_naming_the_key_not_the_value() {
        let results: JsonMap =
            serde_json::from_str(r#"{"ok":"1","creds":{"password":"hunter2\u0000x"}}"#).unwrap();
        let e = action_result_pairs(&results).unwrap_err();
        assert_eq!(
            e.to_string(),
            "action-set: refused: the value of the result \"creds.password\" contains a NUL \
             character, which a hook-tool argument cannot hold; no result was set"
        );
        assert!(!e.to_string().contains("hunter2"));
        let results: JsonMap = serde_json::from_str(r#"{"a\u0000b":"v"}"#).unwrap();
        let e = action_result_pairs(&results).unwrap_err();
        assert!(
            e.to_string()
                .contains("the key of the result \"a\\0b\" contains a NUL character"),
            "{e}"
        );
    }

    /// The in-memory backend records what Juju would have been told, so the harness shows
    /// the same text as a real unit.
    #[test]
    fn the_memory_backend_applies_the_same_rules() {
        use crate::backend::{Backend, LogLevel, Scope};
        use crate::status::Status;
        use crate::testing::{MemoryBackend, State};

        let mut backend = MemoryBackend::new(State::default().with_leader(true));
        let text = format!("bad\0byte {}", "x".repeat(5000));
        backend
            .status_set(Scope::Unit, &Status::blocked(text.clone()))
            .unwrap();
        let shown = &backend.state.unit_status.message;
        assert_eq!(*shown, status_message(&text));
        assert!(shown.starts_with("bad\\0byte xxx"), "{shown}");
        assert!(shown.len() <= MAX_STATUS_MESSAGE && shown.ends_with(ELLIPSIS));
        assert_eq!(backend.statuses_set[0].1.message, *shown);

        backend.log(LogLevel::Info, "a\0b\nc").unwrap();
        assert_eq!(backend.logs[0].1, "a\\0b\nc");

        backend.action_params = Some(JsonMap::new());
        let results: JsonMap = serde_json::from_str(r#"{"token":"hunter2\u0000"}"#).unwrap();
        let e = backend.action_set(&results).unwrap_err();
        assert!(
            e.to_string()
                .contains("the result \"token\" contains a NUL"),
            "{e}"
        );
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(backend.action_results.is_empty(), "nothing was set");
        backend.action_fail("it\0broke").unwrap();
        assert_eq!(backend.action_failure.as_deref(), Some("it\\0broke"));
    }

    /// Through the harness: a component whose error holds a NUL and 5000 characters shows
    /// the status Juju would show.
    #[test]
    fn the_harness_shows_the_status_juju_would_show() {
        use crate::prelude::*;
        use crate::testing::{Harness, State};

        struct Loud;
        impl Component for Loud {
            fn configure_unit(
                &mut self,
                _: &mut Context<'_>,
                (): (),
            ) -> Result<(), ComponentError> {
                Err(ComponentError::new(format!("bad\0{}", "z".repeat(5000))))
            }
            fn status(&self, _: &mut Context<'_>) -> Status {
                Status::active()
            }
        }
        #[derive(CharmReconciler)]
        struct Charmed {
            #[component]
            loud: Loud,
        }
        impl Charm for Charmed {
            fn new() -> Charmed {
                Charmed { loud: Loud }
            }
        }

        let harness = Harness::from_yaml("name: charmed\n").unwrap();
        let out = harness
            .run::<Charmed>(Event::ConfigChanged, State::default())
            .unwrap();
        let head = "[loud] bad\\0";
        let expected = format!(
            "{head}{}{ELLIPSIS}",
            "z".repeat(MAX_STATUS_MESSAGE - head.len() - ELLIPSIS.len())
        );
        assert_eq!(out.unit_status, Status::blocked(expected));
    }
}
