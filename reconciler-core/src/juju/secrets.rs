//! The `secret-*` hook tools, with the command lines Juju documents (the ones the Python
//! `ops` library uses): what [`HookToolBackend`](super::hook_tools::HookToolBackend)'s
//! secret methods run.
//!
//! Content never goes on a command line, where `ps` and error messages would show it:
//! each value is written to a file of its own, readable by this user only, in a directory
//! removed when the call returns, and passed as `key#file=<path>` (as `ops` does). The
//! values are also blanked out of a failed tool's stderr before it goes into an error.
//!
//! Juju's refusals come back typed, as the in-memory model gives them: `ERROR secret "x"
//! not found` is a [`BackendError::NotFound`], `permission denied` and `this unit is not
//! the leader` a [`BackendError::Refused`].

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::backend::{BackendError, RelationId};
use crate::juju::tools::{HookTools, ToolFailure, parse_json};
use crate::secrets::{
    SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretQuery, SecretRead, SecretRef,
    SecretRotate, SecretUri,
};

/// A directory of content files, one per key, removed on drop.
struct ContentFiles {
    dir: PathBuf,
    /// `key#file=<path>` arguments.
    args: Vec<String>,
}

impl ContentFiles {
    /// Writes each value of `content` to a file of its own in a new directory only this
    /// user can read.
    fn write(operation: &str, content: &SecretContent) -> Result<ContentFiles, BackendError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "reconciler-secret-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| {
                BackendError::failed(
                    operation,
                    format!(
                        "cannot create a directory for the secret's content at {}: {e}",
                        dir.display()
                    ),
                )
            })?;
        let mut files = ContentFiles {
            dir,
            args: Vec::new(),
        };
        for (key, value) in content.iter() {
            // Keys are checked: lowercase letters, digits and dashes, a safe file name.
            let path = files.dir.join(key);
            let written = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut file| file.write_all(value.as_bytes()));
            if let Err(e) = written {
                return Err(BackendError::failed(
                    operation,
                    format!(
                        "cannot write the value of key {key:?} to {}: {e}",
                        path.display()
                    ),
                ));
            }
            files.args.push(format!("{key}#file={}", path.display()));
        }
        Ok(files)
    }
}

impl Drop for ContentFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Juju's exit code and message, if `error` is a tool that failed with `ERROR <message>`.
fn juju_message(error: &BackendError) -> Option<(Option<i32>, String)> {
    let BackendError::Failed {
        source: Some(source),
        ..
    } = error
    else {
        return None;
    };
    let failure = source.downcast_ref::<ToolFailure>()?;
    let message = failure.stderr.lines().next()?.strip_prefix("ERROR ")?;
    Some((failure.exit_code, message.trim().to_owned()))
}

/// What Juju says when it refuses a secret operation it understood (exit code 1).
const REFUSALS: &[&str] = &[
    "permission denied",
    "not the leader",
    "already exists",
    "need to be revoked",
];

/// `error` typed as the in-memory model types it: a secret, revision or label Juju does
/// not find is [`BackendError::NotFound`]; arguments Juju's tool refuses (exit code 2), a
/// secret this unit may not read or change, an application's secret changed by a
/// non-leader, a label taken, are [`BackendError::Refused`] with Juju's message. Anything
/// else (the agent unreachable, say) stays [`BackendError::Failed`].
fn typed(error: BackendError) -> BackendError {
    let Some((code, message)) = juju_message(&error) else {
        return error;
    };
    let BackendError::Failed { operation, .. } = &error else {
        return error;
    };
    if let Some(what) = message.strip_suffix(" not found") {
        return BackendError::NotFound {
            operation: operation.clone(),
            what: what.to_owned(),
        };
    }
    if code == Some(2) || REFUSALS.iter().any(|r| message.contains(r)) {
        return BackendError::refused(operation.clone(), message);
    }
    error
}

/// The `--label`, `--description`, `--expire` and `--rotate` flags of `options`.
fn option_flags(operation: &str, options: &SecretOptions) -> Result<Vec<String>, BackendError> {
    options.check(operation)?;
    let mut flags = Vec::new();
    if let Some(label) = &options.label {
        flags.push(format!("--label={label}"));
    }
    if let Some(description) = &options.description {
        flags.push(format!("--description={description}"));
    }
    if let Some(expire) = options.expire {
        let argument = expire
            .argument()
            .map_err(|reason| BackendError::refused(operation, reason))?;
        flags.push(format!("--expire={argument}"));
    }
    if let Some(rotate) = options.rotate {
        flags.push(format!("--rotate={rotate}"));
    }
    Ok(flags)
}

fn refuse_content(operation: &str, content: &SecretContent) -> Result<(), BackendError> {
    content
        .validate()
        .map_err(|e| BackendError::refused(operation, e.to_string()))
}

/// Runs `tool` with `args`, the content's values hidden from its stderr.
fn run(
    tools: &HookTools,
    tool: &str,
    args: &[String],
    content: Option<&SecretContent>,
) -> Result<Vec<u8>, BackendError> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let hidden: Vec<&str> = content
        .map(|c| c.iter().map(|(_, v)| v).collect())
        .unwrap_or_default();
    tools.run_hiding(tool, &args, None, &hidden).map_err(typed)
}

fn run_json<T: serde::de::DeserializeOwned>(
    tools: &HookTools,
    tool: &str,
    args: &[String],
) -> Result<T, BackendError> {
    let stdout = run(tools, tool, args, None)?;
    let shown: Vec<&str> = args.iter().map(String::as_str).collect();
    parse_json(&HookTools::display(tool, &shown), &stdout)
}

/// `secret-add [--owner=unit] [options] key#file=<path>...`.
pub(crate) fn add(
    tools: &HookTools,
    content: &SecretContent,
    owner: SecretOwner,
    options: &SecretOptions,
) -> Result<SecretUri, BackendError> {
    refuse_content("secret-add", content)?;
    let mut args = option_flags("secret-add", options)?;
    args.push(format!("--owner={owner}"));
    let files = ContentFiles::write("secret-add", content)?;
    args.extend(files.args.iter().cloned());
    let stdout = run(tools, "secret-add", &args, Some(content))?;
    drop(files);
    let text = String::from_utf8_lossy(&stdout);
    SecretUri::parse(text.trim()).map_err(|e| {
        BackendError::failed(
            "secret-add",
            format!(
                "unexpected output ({} bytes, not shown): not a secret URI ({})",
                stdout.len(),
                e.reason
            ),
        )
    })
}

/// `secret-get --format=json [--label=L] [--peek|--refresh] [<uri>]`.
pub(crate) fn get(tools: &HookTools, query: &SecretQuery) -> Result<SecretContent, BackendError> {
    query.check()?;
    let mut args = vec!["--format=json".to_owned()];
    if let Some(label) = &query.label {
        args.push(format!("--label={label}"));
    }
    match query.read {
        SecretRead::Tracked => {}
        SecretRead::Peek => args.push("--peek".to_owned()),
        SecretRead::Refresh => args.push("--refresh".to_owned()),
    }
    if let Some(uri) = &query.uri {
        args.push(uri.to_string());
    }
    let values: Option<BTreeMap<String, String>> = run_json(tools, "secret-get", &args)?;
    Ok(SecretContent::from_map_unchecked(
        values.unwrap_or_default(),
    ))
}

/// `secret-set [options] <uri> [key#file=<path>...]`.
pub(crate) fn set(
    tools: &HookTools,
    uri: &SecretUri,
    content: Option<&SecretContent>,
    options: &SecretOptions,
) -> Result<(), BackendError> {
    if let Some(content) = content {
        refuse_content("secret-set", content)?;
    }
    let mut args = option_flags("secret-set", options)?;
    args.push(uri.to_string());
    let files = content
        .map(|c| ContentFiles::write("secret-set", c))
        .transpose()?;
    if let Some(files) = &files {
        args.extend(files.args.iter().cloned());
    }
    run(tools, "secret-set", &args, content)?;
    drop(files);
    Ok(())
}

/// `secret-remove [--revision=N] <uri>`.
pub(crate) fn remove(
    tools: &HookTools,
    uri: &SecretUri,
    revision: Option<u64>,
) -> Result<(), BackendError> {
    let mut args = Vec::new();
    match revision {
        Some(0) => {
            return Err(BackendError::refused(
                "secret-remove",
                "revision 0 does not exist: secret revisions start at 1",
            ));
        }
        Some(revision) => args.push(format!("--revision={revision}")),
        None => {}
    }
    args.push(uri.to_string());
    run(tools, "secret-remove", &args, None).map(drop)
}

/// `secret-grant --relation=<id> [--unit=<unit>] <uri>`, or `secret-revoke`.
pub(crate) fn grant_or_revoke(
    tools: &HookTools,
    tool: &str,
    uri: &SecretUri,
    relation: RelationId,
    unit: Option<&str>,
) -> Result<(), BackendError> {
    let mut args = vec![format!("--relation={relation}")];
    if let Some(unit) = unit {
        args.push(format!("--unit={unit}"));
    }
    args.push(uri.to_string());
    run(tools, tool, &args, None).map(drop)
}

/// `secret-ids --format=json`, sorted.
pub(crate) fn ids(tools: &HookTools) -> Result<Vec<SecretUri>, BackendError> {
    let args = vec!["--format=json".to_owned()];
    let raw: Option<Vec<String>> = run_json(tools, "secret-ids", &args)?;
    let mut uris = raw
        .unwrap_or_default()
        .iter()
        .map(|text| {
            SecretUri::parse(text).map_err(|e| {
                BackendError::failed("secret-ids --format=json", format!("unexpected id: {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    uris.sort();
    Ok(uris)
}

/// One secret in `secret-info-get --format=json`.
#[derive(serde::Deserialize)]
struct InfoJson {
    revision: u64,
    #[serde(default)]
    label: String,
    owner: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    expiry: Option<String>,
    #[serde(default)]
    rotates: Option<String>,
}

/// `secret-info-get --format=json <uri>` or `secret-info-get --format=json --label=L`.
pub(crate) fn info_get(tools: &HookTools, secret: &SecretRef) -> Result<SecretInfo, BackendError> {
    let mut args = vec!["--format=json".to_owned()];
    match secret {
        SecretRef::Uri(uri) => args.push(uri.to_string()),
        SecretRef::Label(label) if label.is_empty() => {
            return Err(BackendError::refused(
                "secret-info-get",
                "a secret label cannot be empty",
            ));
        }
        SecretRef::Label(label) => args.push(format!("--label={label}")),
    }
    let shown: Vec<&str> = args.iter().map(String::as_str).collect();
    let operation = HookTools::display("secret-info-get", &shown);
    let bad = |what: String| BackendError::failed(operation.clone(), what);
    let all: BTreeMap<String, InfoJson> = run_json(tools, "secret-info-get", &args)?;
    let mut entries = all.into_iter();
    let (id, info) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        _ => return Err(bad("expected exactly one secret in the output".to_owned())),
    };
    let uri = SecretUri::parse(&id).map_err(|e| bad(format!("unexpected id: {e}")))?;
    let owner = SecretOwner::parse(&info.owner)
        .ok_or_else(|| bad(format!("unexpected owner {:?}", info.owner)))?;
    let rotation = info
        .rotation
        .filter(|r| !r.is_empty())
        .map(|r| SecretRotate::parse(&r).ok_or_else(|| bad(format!("unexpected rotation {r:?}"))))
        .transpose()?;
    let time = |field: &str, text: Option<String>| {
        text.filter(|t| !t.is_empty())
            .map(|t| {
                crate::secrets::parse_rfc3339(&t)
                    .ok_or_else(|| bad(format!("unexpected {field} time {t:?}")))
            })
            .transpose()
    };
    Ok(SecretInfo {
        uri,
        label: Some(info.label).filter(|l| !l.is_empty()),
        owner,
        description: Some(info.description).filter(|d| !d.is_empty()),
        expiry: time("expiry", info.expiry)?,
        rotation,
        revision: info.revision,
        next_rotation: time("rotates", info.rotates)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(stderr: &str) -> BackendError {
        HookTools::new()
            .run("sh", &["-c", &format!("echo '{stderr}' >&2; exit 1")], None)
            .unwrap_err()
    }

    #[test]
    fn jujus_refusals_come_back_typed() {
        let error = typed(failing("ERROR secret \"cn2rfm3nji6c4n1dqjmg\" not found"));
        assert!(matches!(error, BackendError::NotFound { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .ends_with(": secret \"cn2rfm3nji6c4n1dqjmg\" not found"),
            "{error}"
        );
        let error = typed(failing("ERROR permission denied"));
        assert!(
            matches!(&error, BackendError::Refused { reason, .. } if reason == "permission denied")
        );
        let error = typed(failing("ERROR this unit is not the leader"));
        assert!(matches!(error, BackendError::Refused { .. }));
        let error = typed(failing("ERROR secret with label \"x\" already exists"));
        assert!(matches!(error, BackendError::Refused { .. }));
        // Arguments the tool refuses (exit code 2).
        let error = typed(
            HookTools::new()
                .run(
                    "sh",
                    &["-c", "echo 'ERROR key \"X\" not valid' >&2; exit 2"],
                    None,
                )
                .unwrap_err(),
        );
        assert!(
            matches!(&error, BackendError::Refused { reason, .. } if reason == "key \"X\" not valid")
        );
        // Anything else stays a failure with the tool's stderr.
        let error = typed(failing("ERROR connection is shut down"));
        assert!(matches!(error, BackendError::Failed { .. }));
        assert!(
            error
                .to_string()
                .contains("exited with code 1: ERROR connection")
        );
    }

    /// The event of a hook with these variables, for a charm declaring nothing.
    fn event(vars: &[(&str, &str)]) -> Result<crate::Event, crate::juju::env::EnvError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("charmcraft.yaml"), "name: c\n").unwrap();
        let mut map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert("JUJU_UNIT_NAME".into(), "c/0".into());
        map.insert("JUJU_CHARM_DIR".into(), dir.path().display().to_string());
        crate::juju::env::HookEnv::from_vars(&map, "dispatch", dir.path()).map(|(env, _)| env.event)
    }

    #[test]
    fn every_secret_event_carries_jujus_id_label_and_revision() {
        use crate::event::SecretEventKind;
        let id = "secret://00000000-0000-4000-8000-000000000000/cn2rfm3nji6c4n1dqjmg";
        for (kind, revision) in [
            (SecretEventKind::Changed, None),
            (SecretEventKind::Rotate, None),
            (SecretEventKind::Expired, Some("2")),
            (SecretEventKind::Remove, Some("1")),
        ] {
            let path = format!("hooks/{}", kind.name());
            let mut vars = vec![
                ("JUJU_DISPATCH_PATH", path.as_str()),
                ("JUJU_SECRET_ID", id),
                ("JUJU_SECRET_LABEL", "db"),
            ];
            if let Some(revision) = revision {
                vars.push(("JUJU_SECRET_REVISION", revision));
            }
            let event = event(&vars).unwrap();
            assert_eq!(
                event,
                crate::Event::Secret {
                    kind,
                    id: id.into(),
                    label: Some("db".into()),
                    revision: revision.map(|r| r.parse().unwrap()),
                }
            );
            assert_eq!(
                event.secret_uri().unwrap().unwrap().id(),
                "cn2rfm3nji6c4n1dqjmg"
            );
        }
        let error = event(&[("JUJU_DISPATCH_PATH", "hooks/secret-changed")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "secret-changed: JUJU_SECRET_ID is not set; Juju sets it for this event"
        );
        let error = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/secret-remove"),
            ("JUJU_SECRET_ID", id),
            ("JUJU_SECRET_REVISION", "latest"),
        ])
        .unwrap_err();
        assert!(
            error.to_string().contains("expected a revision number"),
            "{error}"
        );
    }

    #[test]
    fn content_files_hold_the_values_privately_and_are_removed() {
        use std::os::unix::fs::PermissionsExt as _;
        let content =
            SecretContent::from_pairs([("password", "hunter2-secret"), ("user", "admin")]).unwrap();
        let files = ContentFiles::write("secret-add", &content).unwrap();
        let dir = files.dir.clone();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(files.args.len(), 2);
        for (arg, (key, value)) in files.args.iter().zip(content.iter()) {
            let path = arg
                .strip_prefix(&format!("{key}#file="))
                .expect("key#file=<path>");
            assert!(!arg.contains(value), "the value is not on the command line");
            assert_eq!(std::fs::read_to_string(path).unwrap(), value);
            assert_eq!(
                std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        drop(files);
        assert!(!dir.exists(), "removed on drop");
    }
}
