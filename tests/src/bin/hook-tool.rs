//! Stand-in Juju hook tools for end-to-end tests: ONE binary, installed as symlinks named
//! `is-leader`, `config-get`, `relation-set`, ... It dispatches on the name it was run as,
//! parses Juju's documented command lines (the ones the Python `ops` library uses), reads
//! and writes the JSON model named by `HOOK_TOOLS_STATE`, and appends every call's argv as
//! a JSON line to `HOOK_TOOLS_CALLS`.
//!
//! It fails like Juju does: a non-leader writing application data or status, an unknown
//! relation id, a bad argument (exit 2, `ERROR ...` on stderr). Told so by the state file,
//! it fails on purpose (`faults`), hangs (`hangs`) or prints floods of output (`floods`).
//! It is a stand-in for tests, not Juju. See `tests/hook-tools/README.md`.

use std::io::{Read, Write};
use std::process::ExitCode;

use serde_json::{Map, Value};

#[path = "../../hook-tools/state.rs"]
mod state;

// Tools: storage, network, goal state, resources, credentials, the model, reboot.
#[path = "../../hook-tools/surface.rs"]
mod surface;

use state::TOOLS;

// Secrets (secret-*).
#[path = "../../hook-tools/secrets.rs"]
mod secrets;

use state::{Bag, Flood, SimLog, SimState, SimStatus};

/// The config `config-get` reports: the defaults the charm's metadata declares (read from
/// `JUJU_CHARM_DIR`), overlaid with the options the model sets. Without a charm directory
/// (a tool run outside a hook) only the model's options.
fn effective_config(set: &Map<String, Value>) -> Result<Map<String, Value>, Fail> {
    let mut config = Map::new();
    if let Some(dir) = std::env::var_os("JUJU_CHARM_DIR") {
        let metadata = reconciler_core::metadata::Metadata::load(std::path::Path::new(&dir))
            .map_err(|e| Fail(1, format!("ERROR cannot read the charm's metadata: {e}")))?;
        for (key, value) in metadata.default_config() {
            let value = serde_json::to_value(value)
                .map_err(|e| Fail(1, format!("ERROR default of {key}: {e}")))?;
            config.insert(key, value);
        }
    }
    config.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(config)
}

/// A tool failure: exit code and the message for stderr.
struct Fail(u8, String);

fn usage(message: impl Into<String>) -> Fail {
    Fail(2, message.into())
}

fn refuse(message: impl Into<String>) -> Fail {
    Fail(1, message.into())
}

type Outcome = Result<Vec<u8>, Fail>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let tool = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let args = &args[1..];
    if let Ok(path) = std::env::var("HOOK_TOOLS_CALLS") {
        let mut line: Vec<&str> = vec![&tool];
        line.extend(args.iter().map(String::as_str));
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{}", serde_json::to_string(&line).unwrap_or_default());
        }
    }
    if !TOOLS.contains(&tool.as_str()) {
        eprintln!(
            "ERROR hook-tool stand-in: unknown tool {tool:?} (run it as one of its symlinks)"
        );
        return ExitCode::from(2);
    }
    let Ok(state_path) = std::env::var("HOOK_TOOLS_STATE") else {
        eprintln!("ERROR hook-tool stand-in: HOOK_TOOLS_STATE is not set");
        return ExitCode::from(2);
    };
    let mut state: SimState = match std::fs::read(&state_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(state) => state,
        Err(e) => {
            eprintln!("ERROR hook-tool stand-in: cannot read {state_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let flood = state.floods.get(&tool).cloned().unwrap_or_default();
    let hangs = state.hangs.contains(&tool);
    if let Some(fault) = state.faults.get(&tool).cloned() {
        let _ = std::io::stdout().write_all(&fault.stdout);
        let _ = std::io::stderr().write_all(fault.stderr.as_bytes());
        misbehave(&flood, hangs);
        return ExitCode::from(u8::try_from(fault.exit_code).unwrap_or(1));
    }
    if hangs {
        misbehave(&flood, hangs);
    }
    let before = state.clone();
    match handle(&tool, args, &mut state) {
        Ok(stdout) => {
            if state != before {
                let json = serde_json::to_vec_pretty(&state).unwrap_or_default();
                if let Err(e) = std::fs::write(&state_path, json) {
                    eprintln!("ERROR hook-tool stand-in: cannot write {state_path}: {e}");
                    return ExitCode::from(2);
                }
            }
            let _ = std::io::stdout().write_all(&stdout);
            misbehave(&flood, false);
            ExitCode::SUCCESS
        }
        Err(Fail(code, message)) => {
            eprintln!("ERROR {message}");
            misbehave(&flood, false);
            ExitCode::from(code)
        }
    }
}

/// Writes the flood, then hangs if told to: until killed, or until the process that ran
/// this tool has gone (then it exits 1), so that no stand-in outlives a failed test.
fn misbehave(flood: &Flood, hang: bool) {
    fill(&mut std::io::stdout().lock(), b'x', flood.stdout);
    fill(&mut std::io::stderr().lock(), b'E', flood.stderr);
    if !hang {
        return;
    }
    let parent = std::os::unix::process::parent_id();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(20));
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(1);
        }
    }
}

/// Writes `count` bytes of `byte`, stopping early if the reader has gone.
fn fill(out: &mut impl Write, byte: u8, count: u64) {
    let chunk = [byte; 64 * 1024];
    let mut left = count;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if out.write_all(&chunk[..n]).is_err() {
            return;
        }
        left -= n as u64;
    }
    let _ = out.flush();
}

/// Parsed flags: `--name=value`, `--name value` for flags that take one, bare flags, and
/// positionals (everything after `--` is positional).
struct Flags {
    values: Vec<(String, String)>,
    bare: Vec<String>,
    positional: Vec<String>,
}

impl Flags {
    fn parse(args: &[String], with_value: &[&str], bare: &[&str]) -> Result<Flags, Fail> {
        let mut flags = Flags {
            values: Vec::new(),
            bare: Vec::new(),
            positional: Vec::new(),
        };
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if arg == "--" {
                flags.positional.extend(args[i + 1..].iter().cloned());
                break;
            }
            if arg.starts_with('-') && arg != "-" {
                let (name, inline) = match arg.split_once('=') {
                    Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                    None => (arg.clone(), None),
                };
                if with_value.contains(&name.as_str()) {
                    let value = match inline {
                        Some(v) => v,
                        None => {
                            i += 1;
                            args.get(i)
                                .cloned()
                                .ok_or_else(|| usage(format!("flag needs an argument: {name}")))?
                        }
                    };
                    flags.values.push((name, value));
                } else if bare.contains(&name.as_str()) && inline.is_none() {
                    flags.bare.push(name);
                } else {
                    return Err(usage(format!("flag provided but not defined: {arg}")));
                }
            } else {
                flags.positional.push(arg.clone());
            }
            i += 1;
        }
        Ok(flags)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.bare.iter().any(|n| n == name)
    }

    fn json_format(&self) -> Result<(), Fail> {
        match self.value("--format") {
            Some("json") => Ok(()),
            Some(other) => Err(usage(format!(
                "this stand-in only prints --format=json, not {other:?}"
            ))),
            None => Err(usage("this stand-in needs --format=json")),
        }
    }

    fn positional_count(
        &self,
        tool: &str,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<(), Fail> {
        if range.contains(&self.positional.len()) {
            Ok(())
        } else {
            Err(usage(format!(
                "{tool}: unrecognized args: {:?}",
                self.positional
            )))
        }
    }
}

fn json(value: &impl serde::Serialize) -> Outcome {
    let mut out = serde_json::to_vec(value).map_err(|e| refuse(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

fn parse_bool(flag: &str, value: &str) -> Result<bool, Fail> {
    // Go's strconv.ParseBool, which Juju's flag parsing uses.
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(usage(format!(
            "invalid boolean value {value:?} for -{flag}: parse error"
        ))),
    }
}

fn relation_id(flags: &Flags, state: &SimState) -> Result<u64, Fail> {
    let text = flags
        .value("-r")
        .ok_or_else(|| usage("no relation id specified"))?;
    let number = text.rsplit_once(':').map_or(text, |(_, n)| n);
    let id: u64 = number.parse().map_err(|_| {
        usage(format!(
            "invalid value {text:?} for option -r: invalid relation id"
        ))
    })?;
    if state.relation(id).is_none() {
        return Err(usage(format!(
            "invalid value {text:?} for option -r: relation not found"
        )));
    }
    Ok(id)
}

fn read_stdin_map(flags: &Flags) -> Result<Bag, Fail> {
    match flags.value("--file") {
        Some("-") => {}
        Some(other) => {
            return Err(usage(format!(
                "this stand-in only reads --file -, not {other:?}"
            )));
        }
        None => return Err(usage("this stand-in needs --file -")),
    }
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| refuse(format!("reading stdin: {e}")))?;
    let value: Value = serde_json::from_slice(&input)
        .map_err(|e| usage(format!("cannot parse settings from stdin: {e}")))?;
    let Value::Object(map) = value else {
        return Err(usage("settings on stdin must be a map"));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            other => Err(usage(format!("value of {k:?} is not a string: {other}"))),
        })
        .collect()
}

/// Result keys Juju keeps for itself (`action-set` refuses them at any depth).
const RESERVED_ACTION_KEYS: &[&str] = &["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// One dot-separated part of an `action-set` key, as Juju checks it:
/// `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
fn valid_action_key(part: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    part.starts_with(alnum) && part.ends_with(alnum) && part.chars().all(|c| alnum(c) || c == '-')
}

fn handle(tool: &str, args: &[String], state: &mut SimState) -> Outcome {
    match tool {
        "is-leader" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            json(&state.leader)
        }
        "config-get" => {
            let flags = Flags::parse(args, &["--format"], &["--all", "-a"])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=1)?;
            // As Juju does, options the operator has not set report their default from
            // the charm's metadata.
            let config = effective_config(&state.config)?;
            match flags.positional.first() {
                Some(key) => json(config.get(key).unwrap_or(&Value::Null)),
                None => json(&config),
            }
        }
        "relation-ids" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 1..=1)?;
            let endpoint = &flags.positional[0];
            let ids: Vec<String> = state
                .relations
                .iter()
                .filter(|r| &r.endpoint == endpoint)
                .map(|r| format!("{}:{}", r.endpoint, r.id))
                .collect();
            json(&ids)
        }
        "relation-list" => {
            let flags = Flags::parse(args, &["--format", "-r"], &["--app"])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            let id = relation_id(&flags, state)?;
            let relation = state.relation(id).expect("checked");
            if flags.has("--app") {
                json(&relation.remote_app)
            } else {
                json(&relation.remote_units.keys().collect::<Vec<_>>())
            }
        }
        "relation-get" => {
            let flags = Flags::parse(args, &["--format", "-r"], &["--app"])?;
            flags.json_format()?;
            flags.positional_count(tool, 2..=2)?;
            // `-` reads the whole bag, any other key one value (null when unset).
            let key = flags.positional[0].clone();
            let id = relation_id(&flags, state)?;
            let member = &flags.positional[1];
            let app = state.app().to_owned();
            let relation = state.relation(id).expect("checked");
            let bag = if flags.has("--app") {
                if *member == app {
                    if !state.leader {
                        return Err(refuse(
                            "permission denied: only the leader can read its own application data",
                        ));
                    }
                    &relation.local_app_data
                } else if *member == relation.remote_app {
                    &relation.remote_app_data
                } else {
                    return Err(refuse(format!(
                        "cannot read settings for application {member:?} in relation {id}: not related"
                    )));
                }
            } else if *member == state.unit {
                &relation.local_unit_data
            } else if let Some(bag) = relation.remote_units.get(member) {
                bag
            } else {
                return Err(refuse(format!(
                    "cannot read settings for unit {member:?} in relation {id}: unit not found"
                )));
            };
            if key == "-" {
                json(bag)
            } else {
                json(&bag.get(&key))
            }
        }
        "relation-set" => {
            let flags = Flags::parse(args, &["-r", "--file"], &["--app"])?;
            flags.positional_count(tool, 0..=0)?;
            let id = relation_id(&flags, state)?;
            let changes = read_stdin_map(&flags)?;
            let app = flags.has("--app");
            if app && !state.leader {
                return Err(refuse(
                    "cannot write relation settings: this unit is not the leader",
                ));
            }
            let relation = state
                .relations
                .iter_mut()
                .find(|r| r.id == id)
                .expect("checked");
            let bag = if app {
                &mut relation.local_app_data
            } else {
                &mut relation.local_unit_data
            };
            for (key, value) in changes {
                if value.is_empty() {
                    bag.remove(&key);
                } else {
                    bag.insert(key, value);
                }
            }
            Ok(Vec::new())
        }
        "status-set" => {
            let flags = Flags::parse(args, &["--application"], &[])?;
            flags.positional_count(tool, 1..=2)?;
            let app = match flags.value("--application") {
                Some(v) => parse_bool("application", v)?,
                None => false,
            };
            let status = &flags.positional[0];
            if !["maintenance", "blocked", "waiting", "active"].contains(&status.as_str()) {
                return Err(usage(format!(
                    "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
                )));
            }
            let new = SimStatus {
                status: status.clone(),
                message: flags.positional.get(1).cloned().unwrap_or_default(),
            };
            if app {
                if !state.leader {
                    return Err(refuse(
                        "setting application status: this unit is not the leader",
                    ));
                }
                state.app_status = new;
            } else {
                state.unit_status = new;
            }
            Ok(Vec::new())
        }
        "status-get" => {
            let flags = Flags::parse(args, &["--format", "--application"], &["--include-data"])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            let app = match flags.value("--application") {
                Some(v) => parse_bool("application", v)?,
                None => false,
            };
            let body = |s: &SimStatus| serde_json::json!({"status": s.status, "message": s.message, "status-data": {}});
            if app {
                if !state.leader {
                    return Err(refuse(
                        "finding application status: this unit is not the leader",
                    ));
                }
                let mut units = Map::new();
                units.insert(state.unit.clone(), body(&state.unit_status));
                let mut app_body = body(&state.app_status);
                app_body["units"] = Value::Object(units);
                json(&serde_json::json!({ "application-status": app_body }))
            } else {
                json(&body(&state.unit_status))
            }
        }
        "juju-log" => {
            let flags = Flags::parse(args, &["--log-level", "-l"], &["--debug"])?;
            flags.positional_count(tool, 1..=usize::MAX)?;
            let level = flags
                .value("--log-level")
                .or(flags.value("-l"))
                .unwrap_or("INFO");
            if !["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].contains(&level) {
                return Err(usage(format!("invalid log level {level:?}")));
            }
            state.juju_log.push(SimLog {
                level: level.to_owned(),
                message: flags.positional.join(" "),
            });
            Ok(Vec::new())
        }
        "application-version-set" => {
            let flags = Flags::parse(args, &[], &[])?;
            flags.positional_count(tool, 1..=1)?;
            state.app_version = Some(flags.positional[0].clone());
            Ok(Vec::new())
        }
        "action-get" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            let action = state
                .action
                .as_ref()
                .ok_or_else(|| refuse("not running an action"))?;
            json(&action.params)
        }
        "action-set" => {
            // As Juju's action-set: every argument is checked (Init) before any is set or
            // the action is looked at (Run), so a bad argument is exit 2 and sets nothing.
            let flags = Flags::parse(args, &[], &[])?;
            let mut pairs = Vec::new();
            for pair in &flags.positional {
                let (key, value) = pair.split_once('=').ok_or_else(|| {
                    usage(format!(
                        "argument {pair:?} must be of the form key...=value"
                    ))
                })?;
                let parts: Vec<&str> = key.split('.').collect();
                for part in &parts {
                    if !valid_action_key(part) {
                        return Err(usage(format!(
                            "key {part:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
                        )));
                    }
                    if RESERVED_ACTION_KEYS.contains(part) {
                        return Err(usage(format!("cannot set reserved action key {part:?}")));
                    }
                }
                pairs.push((parts, value));
            }
            let action = state
                .action
                .as_mut()
                .ok_or_else(|| refuse("not running an action"))?;
            for (parts, value) in pairs {
                let mut map = &mut action.results;
                for part in &parts[..parts.len() - 1] {
                    let entry = map
                        .entry((*part).to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !entry.is_object() {
                        *entry = Value::Object(Map::new());
                    }
                    map = entry.as_object_mut().expect("object");
                }
                map.insert(
                    parts[parts.len() - 1].to_owned(),
                    Value::String(value.to_owned()),
                );
            }
            Ok(Vec::new())
        }
        "action-fail" => {
            // Juju's action-fail takes at most one argument, and has a default message.
            let flags = Flags::parse(args, &[], &[])?;
            if flags.positional.len() > 1 {
                return Err(usage(format!(
                    "unrecognized args: {:?}",
                    &flags.positional[1..]
                )));
            }
            let message = flags.positional.first().cloned().unwrap_or_else(|| {
                "action failed without reason given, check action for errors".to_owned()
            });
            let action = state
                .action
                .as_mut()
                .ok_or_else(|| refuse("not running an action"))?;
            action.failed = Some(message);
            Ok(Vec::new())
        }
        "action-log" => {
            let flags = Flags::parse(args, &[], &[])?;
            if flags.positional.is_empty() {
                return Err(usage("no message specified"));
            }
            let message = flags.positional.join(" ");
            let action = state
                .action
                .as_mut()
                .ok_or_else(|| refuse("not running an action"))?;
            action.logs.push(message);
            Ok(Vec::new())
        }
        "state-get" => {
            let flags = Flags::parse(args, &["--format"], &["--strict"])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=1)?;
            match flags.positional.first().map(String::as_str) {
                None | Some("-") => json(&state.charm_state),
                Some(key) => match state.charm_state.get(key) {
                    Some(value) => json(value),
                    None if flags.has("--strict") => Err(refuse(format!("key {key:?} not found"))),
                    None => json(&Value::Null),
                },
            }
        }
        "state-set" => {
            let flags = Flags::parse(args, &["--file"], &[])?;
            flags.positional_count(tool, 0..=0)?;
            let changes = read_stdin_map(&flags)?;
            for (key, value) in changes {
                if value.is_empty() {
                    state.charm_state.remove(&key);
                } else {
                    state.charm_state.insert(key, value);
                }
            }
            Ok(Vec::new())
        }
        "state-delete" => {
            let flags = Flags::parse(args, &[], &[])?;
            flags.positional_count(tool, 1..=1)?;
            state.charm_state.remove(&flags.positional[0]);
            Ok(Vec::new())
        }
        "open-port" | "close-port" => {
            let flags = Flags::parse(args, &["--endpoints"], &[])?;
            flags.positional_count(tool, 1..=1)?;
            let port = flags.positional[0].clone();
            let valid = port == "icmp"
                || port.split_once('/').is_some_and(|(n, p)| {
                    (p == "tcp" || p == "udp")
                        && n.split('-').all(|x| x.parse::<u16>().is_ok_and(|v| v > 0))
                });
            if !valid {
                return Err(usage(format!(
                    "invalid port or range {port:?}: expected <port>[-<port>]/<protocol> or icmp"
                )));
            }
            if tool == "open-port" {
                if !state.ports.contains(&port) {
                    state.ports.push(port);
                }
            } else {
                state.ports.retain(|p| *p != port);
            }
            Ok(Vec::new())
        }
        "opened-ports" => {
            let flags = Flags::parse(args, &["--format"], &["--endpoints"])?;
            flags.json_format()?;
            json(&state.ports)
        }
        // Secrets (secret-*).
        tool if tool.starts_with("secret-") => secrets::handle(tool, args, state),
        // Tools: storage, network, goal state, resources, credentials, the model, reboot.
        tool if surface::TOOLS.contains(&tool) => surface::handle(tool, args, state),
        _ => Err(usage(format!("unknown tool {tool:?}"))),
    }
}
