//! The test charm `tests/charms/secrets` (binary `src/bin/secrets-charm.rs`): it runs
//! scripts of secret operations, so the same calls can be made against the in-memory model
//! (the harness) and under the stand-in hook tools (the real binary), and the outcomes
//! compared; and it reads the secret of every secret event.
//!
//! - The `script` action runs the operations of its `ops` parameter (a JSON array, see
//!   [`run_script`]) and sets the result `outcomes` to a JSON array of their outcomes.
//!   Every outcome is also logged (`juju-log`) with its `Debug` form, so a test can check
//!   that no secret value is shown there.
//! - The `keeper` component observes secrets: on a secret event it reads the secret (with
//!   `--refresh` on `secret-changed`) and stores what it saw, never a value, in the charm
//!   state under `seen`. A `JUJU_SECRET_ID` that does not parse blocks it with the parse
//!   error.

use reconciler_core::prelude::*;
use reconciler_core::secrets::{
    SecretContent, SecretExpiry, SecretOptions, SecretOwner, SecretQuery, SecretRef, SecretRotate,
    SecretUri,
};
use reconciler_core::{Backend, BackendError, JsonMap, LogLevel, RelationId};
use serde_json::{Value, json};

/// Reads the secret of each secret event; see the module.
#[derive(Default)]
pub struct Keeper {
    problem: Option<String>,
}

impl Component for Keeper {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let event = ctx.event().clone();
        let Event::Secret {
            kind,
            label,
            revision,
            ..
        } = &event
        else {
            return Ok(());
        };
        let uri = match event.secret_uri() {
            Some(Ok(uri)) => uri,
            Some(Err(e)) => {
                self.problem = Some(e.to_string());
                return Err(ComponentError::blocked(e.to_string()));
            }
            None => return Ok(()),
        };
        let query = SecretQuery::uri(uri.clone());
        let query = if *kind == reconciler_core::event::SecretEventKind::Changed {
            query.refresh()
        } else {
            query
        };
        let read = ctx.backend().secret_get(&query)?;
        let keys: Vec<&str> = read.keys().collect();
        let seen = format!(
            "{} {} label={label:?} revision={revision:?} keys={keys:?}",
            kind.name(),
            uri.id()
        );
        ctx.backend().state_set("seen", &seen)?;
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.problem {
            Some(problem) => Status::blocked(problem.clone()),
            None => Status::active(),
        }
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::Secrets]
    }
}

/// The charm: one component, [`Keeper`], and the `script` action.
#[derive(CharmReconciler)]
pub struct SecretsCharm {
    #[component]
    keeper: Keeper,
}

impl Charm for SecretsCharm {
    fn new() -> SecretsCharm {
        SecretsCharm {
            keeper: Keeper::default(),
        }
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        match ctx.event() {
            Event::Action { name, .. } if name == "script" => {
                let params = ctx.backend().action_params()?;
                let ops = params
                    .get("ops")
                    .and_then(Value::as_array)
                    .cloned()
                    .ok_or_else(|| ComponentError::new("the ops parameter must be an array"))?;
                let outcomes = run_script(ctx.backend(), &ops);
                let mut results = JsonMap::new();
                results.insert(
                    "outcomes".into(),
                    Value::String(Value::Array(outcomes).to_string()),
                );
                ctx.backend().action_set(&results)?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::Ignored),
        }
    }
}

/// An error as a script outcome: its kind and the part of its message both backends
/// share (without the operation, which is a command line under Juju), with the ids of
/// the secrets the script added written `$N`.
fn error_outcome(error: &BackendError, added: &[Option<SecretUri>]) -> Value {
    let (kind, mut detail) = match error {
        BackendError::NotFound { what, .. } => ("not-found", what.clone()),
        BackendError::Refused { reason, .. } => ("refused", reason.clone()),
        BackendError::Undeclared { name, .. } => ("undeclared", name.clone()),
        other => ("failed", other.to_string()),
    };
    for (n, uri) in added.iter().enumerate() {
        if let Some(uri) = uri {
            detail = detail.replace(uri.id(), &format!("${n}"));
        }
    }
    json!({ "err": { "kind": kind, "detail": detail } })
}

/// Content from a JSON map: a string value as it is, `{"fill": n}` as `n` bytes of `x`.
fn content_of(value: Option<&Value>) -> Result<Option<SecretContent>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let map = value.as_object().ok_or("content must be a map")?;
    let mut content = SecretContent::new();
    for (key, value) in map {
        let text = match value {
            Value::String(s) => s.clone(),
            other => {
                let n = other
                    .get("fill")
                    .and_then(Value::as_u64)
                    .ok_or("bad value")?;
                "x".repeat(n as usize)
            }
        };
        content
            .insert(key.clone(), text)
            .map_err(|e| e.to_string())?;
    }
    Ok(Some(content))
}

fn options_of(op: &Value) -> SecretOptions {
    let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut options = SecretOptions::new();
    options.label = text("label");
    options.description = text("description");
    options.rotate = text("rotate").and_then(|r| SecretRotate::parse(&r));
    options.expire = op
        .get("expire-secs")
        .and_then(Value::as_u64)
        .map(|s| SecretExpiry::After(std::time::Duration::from_secs(s)));
    options
}

/// Runs `ops` against `backend` and returns one outcome per operation: `{"ok": value}`
/// or `{"err": {"kind", "detail"}}`.
///
/// Operations (JSON objects, `op` naming the tool): `add` (`content`, `owner`: `unit`,
/// `label`, `description`, `rotate`, `expire-secs`), `get` (`uri`, `label`, `read`:
/// `peek`/`refresh`, `show`: the values too, else the keys only), `set` (`uri`,
/// `content`, and `add`'s options), `remove` (`uri`, `revision`), `grant` and `revoke`
/// (`uri`, `relation`, `unit`), `ids`, `info` (`uri` or `label`). A `uri` of `$N` is the
/// URI `add` number `N` returned; URIs in outcomes are written the same way (others by
/// their id), so outcomes do not depend on the ids a backend picks. Content values given
/// as `{"fill": n}` are `n` bytes of `x`.
pub fn run_script(backend: &mut dyn Backend, ops: &[Value]) -> Vec<Value> {
    let mut added: Vec<Option<SecretUri>> = Vec::new();
    let mut outcomes = Vec::new();
    for (index, op) in ops.iter().enumerate() {
        let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let name_uri = |uri: &SecretUri, added: &[Option<SecretUri>]| -> String {
            added
                .iter()
                .position(|a| a.as_ref() == Some(uri))
                .map_or_else(|| uri.id().to_owned(), |n| format!("${n}"))
        };
        let uri = match op.get("uri").and_then(Value::as_str) {
            None => None,
            Some(text) => match text.strip_prefix('$') {
                Some(n) => n
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| added.get(n).cloned().flatten()),
                None => match SecretUri::parse(text) {
                    Ok(uri) => Some(uri),
                    Err(e) => {
                        outcomes
                            .push(json!({ "err": { "kind": "bad-uri", "detail": e.to_string() } }));
                        added.push(None);
                        continue;
                    }
                },
            },
        };
        let content = match content_of(op.get("content")) {
            Ok(content) => content,
            Err(e) => {
                outcomes.push(json!({ "err": { "kind": "bad-content", "detail": e } }));
                added.push(None);
                continue;
            }
        };
        let relation = op.get("relation").and_then(Value::as_u64).map(RelationId);
        let unit = op.get("unit").and_then(Value::as_str);
        let label = op.get("label").and_then(Value::as_str);
        let (outcome, debug, new_uri) = match (name, uri) {
            ("add", _) => {
                let owner = match op.get("owner").and_then(Value::as_str) {
                    Some("unit") => SecretOwner::Unit,
                    _ => SecretOwner::Application,
                };
                let result =
                    backend.secret_add(&content.unwrap_or_default(), owner, &options_of(op));
                let debug = format!("{result:?}");
                match result {
                    Ok(uri) => (json!({ "ok": format!("${index}") }), debug, Some(uri)),
                    Err(e) => (error_outcome(&e, &added), debug, None),
                }
            }
            ("get", uri) => {
                let mut query = match (uri, label) {
                    (Some(uri), Some(label)) => SecretQuery::uri(uri).with_label(label),
                    (Some(uri), None) => SecretQuery::uri(uri),
                    (None, Some(label)) => SecretQuery::label(label),
                    (None, None) => SecretQuery::label(""),
                };
                match op.get("read").and_then(Value::as_str) {
                    Some("peek") => query = query.peek(),
                    Some("refresh") => query = query.refresh(),
                    _ => {}
                }
                let result = backend.secret_get(&query);
                let debug = format!("{result:?}");
                let show = op.get("show").and_then(Value::as_bool).unwrap_or(false);
                let outcome = match result {
                    Ok(content) if show => {
                        let map: serde_json::Map<String, Value> = content
                            .iter()
                            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                            .collect();
                        json!({ "ok": map })
                    }
                    Ok(content) => json!({ "ok": content.keys().collect::<Vec<_>>() }),
                    Err(e) => error_outcome(&e, &added),
                };
                (outcome, debug, None)
            }
            ("set", Some(uri)) => {
                let result = backend.secret_set(&uri, content.as_ref(), &options_of(op));
                let debug = format!("{result:?}");
                (
                    result.map_or_else(|e| error_outcome(&e, &added), |()| json!({ "ok": null })),
                    debug,
                    None,
                )
            }
            ("remove", Some(uri)) => {
                let revision = op.get("revision").and_then(Value::as_u64);
                let result = backend.secret_remove(&uri, revision);
                let debug = format!("{result:?}");
                (
                    result.map_or_else(|e| error_outcome(&e, &added), |()| json!({ "ok": null })),
                    debug,
                    None,
                )
            }
            ("grant" | "revoke", Some(uri)) => {
                let relation = relation.unwrap_or(RelationId(0));
                let result = if name == "grant" {
                    backend.secret_grant(&uri, relation, unit)
                } else {
                    backend.secret_revoke(&uri, relation, unit)
                };
                let debug = format!("{result:?}");
                (
                    result.map_or_else(|e| error_outcome(&e, &added), |()| json!({ "ok": null })),
                    debug,
                    None,
                )
            }
            ("ids", _) => {
                let result = backend.secret_ids();
                let debug = format!("{result:?}");
                let outcome = match result {
                    Ok(ids) => {
                        let mut names: Vec<String> =
                            ids.iter().map(|uri| name_uri(uri, &added)).collect();
                        names.sort();
                        json!({ "ok": names })
                    }
                    Err(e) => error_outcome(&e, &added),
                };
                (outcome, debug, None)
            }
            ("info", uri) => {
                let secret = match (uri, label) {
                    (Some(uri), _) => SecretRef::Uri(uri),
                    (None, label) => SecretRef::Label(label.unwrap_or_default().to_owned()),
                };
                let result = backend.secret_info_get(&secret);
                let debug = format!("{result:?}");
                let outcome = match result {
                    Ok(info) => json!({ "ok": {
                        "uri": name_uri(&info.uri, &added),
                        "label": info.label,
                        "owner": info.owner.as_str(),
                        "description": info.description,
                        "rotation": info.rotation.map(|r| r.as_str()),
                        "revision": info.revision,
                        "expires": info.expiry.is_some(),
                        "rotates": info.next_rotation.is_some(),
                    }}),
                    Err(e) => error_outcome(&e, &added),
                };
                (outcome, debug, None)
            }
            _ => (
                json!({ "err": { "kind": "bad-op", "detail": format!("op {index}: {op}") } }),
                String::new(),
                None,
            ),
        };
        let _ = backend.log(
            LogLevel::Info,
            &format!("secret op {index} {name}: {debug}"),
        );
        added.push(new_uri);
        outcomes.push(outcome);
    }
    outcomes
}
