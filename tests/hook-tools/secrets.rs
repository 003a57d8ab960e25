//! The stand-in `secret-*` hook tools, a module of `tests/src/bin/hook-tool.rs` (included
//! with `#[path]`): Juju 3.6's command lines, argument rules and error texts, over the
//! secrets of the state file. See `tests/hook-tools/README.md`.
//!
//! As Juju's tools do, each checks its arguments first (a bad one is exit 2, `ERROR ...`)
//! and only then looks at the model (a refusal is exit 1). Content values given as
//! `key#file=<path>` are read from the file; `key#base64=<value>` is decoded.

use std::collections::BTreeMap;
use std::time::SystemTime;

use reconciler_core::secrets::{SecretRotate, SecretUri, format_rfc3339, parse_rfc3339};
use serde_json::{Map, Value};

use super::state::{Bag, SimGrant, SimOwner, SimSecret, SimState};
use super::{Fail, Flags, Outcome, json, refuse, usage};

/// Juju 3.6's limits, on base64-encoded sizes.
const MAX_VALUE: usize = 1_000_000;
const MAX_CONTENT: usize = 1_000_000;

const BASE32HEX: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A new id: "stnd" and a counter, in base32hex as Juju writes ids.
fn new_id(state: &SimState) -> String {
    (1u64..)
        .map(|n| {
            let mut bytes = [0u8; 12];
            bytes[..4].copy_from_slice(b"stnd");
            bytes[4..].copy_from_slice(&n.to_be_bytes());
            let mut out = String::new();
            let (mut buffer, mut bits) = (0u32, 0);
            for byte in bytes {
                buffer = (buffer << 8) | u32::from(byte);
                bits += 8;
                while bits >= 5 {
                    bits -= 5;
                    out.push(BASE32HEX[((buffer >> bits) & 31) as usize] as char);
                }
            }
            out.push(BASE32HEX[((buffer << (5 - bits)) & 31) as usize] as char);
            out
        })
        .find(|id| state.secrets.iter().all(|s| s.id != *id))
        .expect("an unused id")
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let trimmed = text.trim_end_matches('=');
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in trimmed.bytes() {
        buffer = (buffer << 6) | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

fn encoded_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// Juju's key rule: `^[a-z](-?[a-z0-9]){2,}$`.
fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let (mut groups, mut after_dash) = (0, false);
    for c in chars {
        match c {
            '-' if !after_dash => after_dash = true,
            'a'..='z' | '0'..='9' => {
                after_dash = false;
                groups += 1;
            }
            _ => return false,
        }
    }
    !after_dash && groups >= 2
}

/// A Go duration of whole units (`3600s`, `24h`, `1h30m`, `500ms`), in seconds.
fn go_duration(text: &str) -> Option<f64> {
    let mut rest = text;
    let mut total = 0.0;
    let mut sign = 1.0;
    if let Some(r) = rest.strip_prefix('-') {
        sign = -1.0;
        rest = r;
    }
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Some(sign * total)
}

/// The flags secret-add and secret-set share, checked as Juju's Init checks them.
struct Upsert {
    label: Option<String>,
    description: Option<String>,
    expiry: Option<String>,
    rotation: Option<String>,
    owner: String,
    content: Bag,
}

const UPSERT_FLAGS: &[&str] = &[
    "--label",
    "--description",
    "--expire",
    "--rotate",
    "--owner",
    "--file",
];

fn upsert(flags: &Flags, content_args: &[String]) -> Result<Upsert, Fail> {
    let expiry = match flags.value("--expire") {
        None | Some("") => None,
        Some(spec) => {
            let at = parse_rfc3339(spec)
                .or_else(|| parse_rfc3339(&format!("{spec}Z")))
                .map(Ok)
                .unwrap_or_else(|| match go_duration(spec) {
                    None => Err(usage(format!("expire time or duration {spec:?} not valid"))),
                    Some(d) if d <= 0.0 => Err(usage(format!(
                        "negative expire duration {spec:?} not valid"
                    ))),
                    Some(d) => Ok(SystemTime::now() + std::time::Duration::from_secs_f64(d)),
                })?;
            Some(format_rfc3339(at))
        }
    };
    let rotation = match flags.value("--rotate") {
        None | Some("") => None,
        Some(policy) if SecretRotate::parse(policy).is_some() => Some(policy.to_owned()),
        Some(policy) => return Err(usage(format!("rotate policy {policy:?} not valid"))),
    };
    let owner = flags.value("--owner").unwrap_or("application").to_owned();
    if owner != "application" && owner != "unit" {
        return Err(usage(format!("secret owner {owner:?} not valid")));
    }
    let mut raw: Vec<(String, String)> = Vec::new();
    for arg in content_args {
        // As Juju: base64 padding is not where the key ends.
        let idx = arg.trim_end_matches('=').find('=').unwrap_or(0);
        if idx < 1 {
            return Err(usage(format!("key value {arg:?} not valid")));
        }
        let (key, value) = (&arg[..idx], &arg[idx + 1..]);
        if let Some(key) = key.strip_suffix("#file") {
            let size = std::fs::metadata(value).map(|m| m.len()).unwrap_or(0);
            if size > MAX_VALUE as u64 {
                return Err(usage(format!(
                    "secret content in file {value:?} too large: {size} bytes"
                )));
            }
            let text = std::fs::read_to_string(value)
                .map_err(|e| usage(format!("reading content for secret key {key:?}: {e}")))?;
            raw.push((key.to_owned(), text));
        } else {
            raw.push((key.to_owned(), value.to_owned()));
        }
    }
    if let Some(file) = flags.value("--file") {
        let text = std::fs::read_to_string(file).map_err(|e| usage(e.to_string()))?;
        let map: BTreeMap<String, String> = serde_json::from_str(&text)
            .map_err(|_| usage("this stand-in only reads --file as a JSON map of strings"))?;
        raw.extend(map);
    }
    let mut content = Bag::new();
    let mut total = 0;
    for (key, value) in raw {
        let (key, value, encoded) = match key.strip_suffix("#base64") {
            Some(plain) => {
                let decoded = decode_base64(&value)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| usage(format!("key {plain:?}: illegal base64 data")))?;
                (plain.to_owned(), decoded, value.len())
            }
            None => {
                let len = encoded_len(value.len());
                (key, value, len)
            }
        };
        if !valid_key(&key) {
            return Err(usage(format!("key {key:?} not valid")));
        }
        if encoded > MAX_VALUE {
            return Err(usage(format!(
                "base64 encoded secret content for key {key:?} too large: {encoded} bytes"
            )));
        }
        total += encoded;
        content.insert(key, value);
    }
    if total > MAX_CONTENT {
        return Err(usage(format!(
            "base64 encoded secret content too large: {total} bytes"
        )));
    }
    Ok(Upsert {
        label: flags
            .value("--label")
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
        description: flags
            .value("--description")
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        expiry,
        rotation,
        owner,
        content,
    })
}

/// Parses a URI argument as Juju's tools do.
fn uri_arg(text: &str) -> Result<SecretUri, Fail> {
    SecretUri::parse(text).map_err(|_| usage(format!("secret URI {text:?} not valid")))
}

fn find(state: &SimState, uri: &SecretUri) -> Result<usize, Fail> {
    state
        .secrets
        .iter()
        .position(|s| s.id == uri.id())
        .ok_or_else(|| refuse(format!("secret {:?} not found", uri.id())))
}

/// The secret at `index`, if this unit manages it.
fn managed(state: &mut SimState, index: usize) -> Result<&mut SimSecret, Fail> {
    let leader = state.leader;
    let secret = &mut state.secrets[index];
    match secret.owner {
        SimOwner::Observed(_) => Err(refuse("permission denied")),
        SimOwner::Application if !leader => Err(refuse("this unit is not the leader")),
        _ => Ok(secret),
    }
}

fn listed(secret: &SimSecret, leader: bool) -> bool {
    match secret.owner {
        SimOwner::Unit => true,
        SimOwner::Application => leader,
        SimOwner::Observed(_) => false,
    }
}

fn check_label(state: &SimState, label: Option<&str>, except: Option<usize>) -> Result<(), Fail> {
    if let Some(label) = label
        && state
            .secrets
            .iter()
            .enumerate()
            .any(|(i, s)| Some(i) != except && s.owned() && s.label.as_deref() == Some(label))
    {
        return Err(refuse(format!(
            "secret with label {label:?} already exists"
        )));
    }
    Ok(())
}

fn apply(secret: &mut SimSecret, upsert: &Upsert) {
    if let Some(label) = &upsert.label {
        secret.label = Some(label.clone());
    }
    if let Some(description) = &upsert.description {
        secret.description = Some(description.clone());
    }
    if let Some(expiry) = &upsert.expiry {
        secret.expiry = Some(expiry.clone());
    }
    if let Some(rotation) = &upsert.rotation {
        secret.rotation = Some(rotation.clone());
        secret.rotates = SecretRotate::parse(rotation)
            .and_then(|p| p.next_rotation(SystemTime::now()))
            .map(format_rfc3339);
    }
}

/// A relation given as `-r`/`--relation` (`3` or `db:3`).
fn relation_flag(flags: &Flags, state: &SimState) -> Result<Option<u64>, Fail> {
    let (name, text) = match (flags.value("-r"), flags.value("--relation")) {
        (_, Some(text)) => ("--relation", text),
        (Some(text), None) => ("-r", text),
        (None, None) => return Ok(None),
    };
    let number = text.rsplit_once(':').map_or(text, |(_, n)| n);
    let id: u64 = number.parse().map_err(|_| {
        usage(format!(
            "invalid value {text:?} for option {name}: invalid relation id"
        ))
    })?;
    if state.relation(id).is_none() {
        return Err(usage(format!(
            "invalid value {text:?} for option {name}: relation not found"
        )));
    }
    Ok(Some(id))
}

fn valid_unit(unit: &str) -> bool {
    unit.split_once('/').is_some_and(|(app, n)| {
        !app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

pub(crate) fn handle(tool: &str, args: &[String], state: &mut SimState) -> Outcome {
    match tool {
        "secret-add" => {
            let flags = Flags::parse(args, UPSERT_FLAGS, &[])?;
            if flags.positional.is_empty() && flags.value("--file").is_none() {
                return Err(usage("missing secret value or filename"));
            }
            let upsert = upsert(&flags, &flags.positional)?;
            if upsert.owner == "application" && !state.leader {
                return Err(refuse("this unit is not the leader"));
            }
            if upsert.content.is_empty() {
                return Err(refuse("empty secret value not valid"));
            }
            check_label(state, upsert.label.as_deref(), None)?;
            let id = new_id(state);
            let mut secret = SimSecret {
                id: id.clone(),
                owner: if upsert.owner == "unit" {
                    SimOwner::Unit
                } else {
                    SimOwner::Application
                },
                revisions: BTreeMap::from([(1, upsert.content.clone())]),
                ..SimSecret::default()
            };
            apply(&mut secret, &upsert);
            state.secrets.push(secret);
            let uri = match std::env::var("JUJU_MODEL_UUID") {
                Ok(uuid) if !uuid.is_empty() => format!("secret://{uuid}/{id}"),
                _ => format!("secret:{id}"),
            };
            Ok(format!("{uri}\n").into_bytes())
        }
        "secret-get" => {
            let flags = Flags::parse(args, &["--format", "--label"], &["--peek", "--refresh"])?;
            flags.json_format()?;
            let mut positional = flags.positional.iter();
            let uri = positional.next().map(|a| uri_arg(a)).transpose()?;
            let label = flags.value("--label").filter(|l| !l.is_empty());
            if uri.is_none() && label.is_none() {
                return Err(usage("require either a secret URI or label"));
            }
            let (peek, refresh) = (flags.has("--peek"), flags.has("--refresh"));
            if peek && refresh {
                return Err(usage("specify one of --peek or --refresh but not both"));
            }
            let key = positional.next().cloned();
            let rest: Vec<&String> = positional.collect();
            if !rest.is_empty() {
                return Err(usage(format!("unrecognized args: {rest:?}")));
            }
            let index = match (&uri, label) {
                (Some(uri), _) => find(state, uri)?,
                (None, Some(label)) => state
                    .secrets
                    .iter()
                    .position(|s| s.owned() && s.label.as_deref() == Some(label))
                    .or_else(|| {
                        state
                            .secrets
                            .iter()
                            .position(|s| !s.owned() && s.consumer_label.as_deref() == Some(label))
                    })
                    .ok_or_else(|| refuse(format!("consumer label {label:?} not found")))?,
                (None, None) => return Err(usage("require either a secret URI or label")),
            };
            let bind = uri.is_some() && label.is_some();
            let leader = state.leader;
            let content = if state.secrets[index].owned() {
                let manages = state.secrets[index].owner == SimOwner::Unit || leader;
                if bind && manages {
                    check_label(state, label, Some(index))?;
                    state.secrets[index].label = label.map(str::to_owned);
                }
                let secret = &state.secrets[index];
                secret.revisions[&secret.latest()].clone()
            } else {
                if !state.secrets[index].granted {
                    return Err(refuse("permission denied"));
                }
                if bind
                    && state.secrets.iter().enumerate().any(|(i, s)| {
                        i != index && !s.owned() && s.consumer_label.as_deref() == label
                    })
                {
                    return Err(refuse(format!(
                        "secret with label {:?} already exists",
                        label.unwrap_or_default()
                    )));
                }
                let secret = &mut state.secrets[index];
                let latest = secret.latest();
                let refresh = refresh || secret.tracked.is_none();
                if refresh {
                    secret.tracked = Some(latest);
                }
                if bind {
                    secret.consumer_label = label.map(str::to_owned);
                }
                let revision = if refresh || peek {
                    latest
                } else {
                    secret.tracked.unwrap_or(latest)
                };
                secret.revisions.get(&revision).cloned().ok_or_else(|| {
                    refuse(format!(
                        "secret {:?} revision {revision} not found",
                        secret.id
                    ))
                })?
            };
            match key {
                None => json(&content),
                Some(key) => match content.get(&key) {
                    Some(value) => json(value),
                    None => Err(refuse(format!("secret key {key:?} not found"))),
                },
            }
        }
        "secret-set" => {
            let flags = Flags::parse(args, UPSERT_FLAGS, &[])?;
            let Some((first, content_args)) = flags.positional.split_first() else {
                return Err(usage("missing secret URI"));
            };
            let uri = uri_arg(first)?;
            let upsert = upsert(&flags, content_args)?;
            let index = find(state, &uri)?;
            managed(state, index)?;
            check_label(state, upsert.label.as_deref(), Some(index))?;
            let secret = &mut state.secrets[index];
            if !upsert.content.is_empty()
                && secret.revisions.get(&secret.latest()) != Some(&upsert.content)
            {
                let next = secret.latest() + 1;
                secret.revisions.insert(next, upsert.content.clone());
            }
            apply(secret, &upsert);
            Ok(Vec::new())
        }
        "secret-remove" => {
            let flags = Flags::parse(args, &["--revision"], &[])?;
            let Some(first) = flags.positional.first() else {
                return Err(usage("missing secret URI"));
            };
            let uri = uri_arg(first)?;
            if flags.positional.len() > 1 {
                return Err(usage(format!(
                    "unrecognized args: {:?}",
                    &flags.positional[1..]
                )));
            }
            let revision: u64 = match flags.value("--revision") {
                None => 0,
                Some(text) => text.parse().map_err(|_| {
                    usage(format!(
                        "invalid value {text:?} for flag --revision: parse error"
                    ))
                })?,
            };
            let index = find(state, &uri)?;
            let secret = managed(state, index)?;
            if revision > 0 {
                if secret.revisions.remove(&revision).is_none() {
                    return Err(refuse(format!(
                        "secret {:?} revision {revision} not found",
                        uri.id()
                    )));
                }
                if !secret.revisions.is_empty() {
                    return Ok(Vec::new());
                }
            }
            state.secrets.remove(index);
            Ok(Vec::new())
        }
        "secret-grant" | "secret-revoke" => {
            let value_flags: &[&str] = if tool == "secret-grant" {
                &["-r", "--relation", "--unit"]
            } else {
                &["-r", "--relation", "--unit", "--app", "--application"]
            };
            let flags = Flags::parse(args, value_flags, &[])?;
            let Some(first) = flags.positional.first() else {
                return Err(usage("missing secret URI"));
            };
            let uri = uri_arg(first)?;
            if flags.positional.len() > 1 {
                return Err(usage(format!(
                    "unrecognized args: {:?}",
                    &flags.positional[1..]
                )));
            }
            let relation = relation_flag(&flags, state)?;
            let unit = flags.value("--unit").filter(|u| !u.is_empty());
            if let Some(unit) = unit
                && !valid_unit(unit)
            {
                return Err(usage(format!("unit {unit:?} not valid")));
            }
            let app = flags
                .value("--app")
                .or(flags.value("--application"))
                .filter(|a| !a.is_empty());
            if tool == "secret-grant" {
                let Some(relation) = relation else {
                    return Err(usage("no relation id specified"));
                };
                let remote = state
                    .relation(relation)
                    .expect("checked")
                    .remote_app
                    .clone();
                if let Some(unit) = unit
                    && unit.split('/').next() != Some(remote.as_str())
                {
                    return Err(usage(format!(
                        "cannot specify unit {unit:?} in relation to application {remote:?}"
                    )));
                }
                let index = find(state, &uri)?;
                let secret = managed(state, index)?;
                let on: Vec<&SimGrant> = secret
                    .grants
                    .iter()
                    .filter(|g| g.relation == relation)
                    .collect();
                if on
                    .iter()
                    .any(|g| g.unit.is_none() || g.unit.as_deref() == unit)
                {
                    return Ok(Vec::new());
                }
                if unit.is_none() && !on.is_empty() {
                    return Err(refuse(
                        "any unit level grants need to be revoked before granting access to the corresponding application",
                    ));
                }
                secret.grants.push(SimGrant {
                    relation,
                    unit: unit.map(str::to_owned),
                });
                return Ok(Vec::new());
            }
            if app.is_some() && unit.is_some() {
                return Err(usage("specify only one of application or unit"));
            }
            if relation.is_some() && app.is_some() {
                return Err(usage("do not specify both relation and app"));
            }
            if relation.is_none() && app.is_none() && unit.is_none() {
                return Err(usage("missing relation or application or unit"));
            }
            let apps: BTreeMap<u64, String> = state
                .relations
                .iter()
                .map(|r| (r.id, r.remote_app.clone()))
                .collect();
            let index = find(state, &uri)?;
            let secret = managed(state, index)?;
            secret.grants.retain(|g| {
                let revoked = match (relation, app, unit) {
                    (Some(r), _, None) => g.relation == r,
                    (Some(r), _, Some(u)) => g.relation == r && g.unit.as_deref() == Some(u),
                    (None, Some(a), _) => apps.get(&g.relation).map(String::as_str) == Some(a),
                    (None, None, Some(u)) => g.unit.as_deref() == Some(u),
                    (None, None, None) => false,
                };
                !revoked
            });
            Ok(Vec::new())
        }
        "secret-ids" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            let mut ids: Vec<&str> = state
                .secrets
                .iter()
                .filter(|s| listed(s, state.leader))
                .map(|s| s.id.as_str())
                .collect();
            ids.sort();
            json(&ids)
        }
        "secret-info-get" => {
            let flags = Flags::parse(args, &["--format", "--label"], &[])?;
            flags.json_format()?;
            let uri = flags.positional.first().map(|a| uri_arg(a)).transpose()?;
            let label = flags.value("--label").filter(|l| !l.is_empty());
            match (&uri, label) {
                (None, None) => return Err(usage("require either a secret URI or label")),
                (Some(_), Some(_)) => {
                    return Err(usage("specify either a secret URI or label but not both"));
                }
                _ => {}
            }
            if flags.positional.len() > 1 {
                return Err(usage(format!(
                    "unrecognized args: {:?}",
                    &flags.positional[1..]
                )));
            }
            let found = state
                .secrets
                .iter()
                .filter(|s| listed(s, state.leader))
                .find(|s| match (&uri, label) {
                    (Some(uri), _) => s.id == uri.id(),
                    (None, Some(label)) => s.label.as_deref() == Some(label),
                    (None, None) => false,
                });
            let Some(secret) = found else {
                let want = uri.map(|u| u.id().to_owned()).or(label.map(str::to_owned));
                return Err(refuse(format!(
                    "secret {:?} not found",
                    want.unwrap_or_default()
                )));
            };
            let mut info = Map::new();
            info.insert("revision".into(), secret.latest().into());
            info.insert(
                "label".into(),
                secret.label.clone().unwrap_or_default().into(),
            );
            let owner = if secret.owner == SimOwner::Unit {
                "unit"
            } else {
                "application"
            };
            info.insert("owner".into(), owner.into());
            for (key, value) in [
                ("description", &secret.description),
                ("rotation", &secret.rotation),
                ("expiry", &secret.expiry),
                ("rotates", &secret.rotates),
            ] {
                if let Some(value) = value {
                    info.insert(key.into(), Value::String(value.clone()));
                }
            }
            let mut out = Map::new();
            out.insert(secret.id.clone(), Value::Object(info));
            json(&out)
        }
        _ => Err(usage(format!("unknown tool {tool:?}"))),
    }
}
