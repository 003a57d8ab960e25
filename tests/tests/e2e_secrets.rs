//! End to end: secrets through the real charm binary (`tests/charms/secrets`) with the
//! stand-in `secret-*` hook tools, against the same charm in the in-memory harness.
//!
//! - The same script of secret operations gives the same outcomes in memory and through
//!   the hook tools, and leaves the same secrets behind.
//! - Secret events: the charm reads the event's secret as Juju gives it
//!   (`JUJU_SECRET_ID`, `_LABEL`, `_REVISION`), and a consumer's `--refresh` moves its
//!   tracked revision, in both.
//! - Bad input: a malformed URI, a secret the unit may not see, oversized content; the
//!   stand-ins' own argument rules.
//! - Secret content is never shown: not in the hook's output, `juju-log`, statuses, or any
//!   command line, even when a tool fails and prints it.

mod juju_sim;

use std::collections::BTreeMap;

use reconciler_core::Event;
use reconciler_core::event::SecretEventKind;
use reconciler_core::secrets::SecretUri;
use reconciler_core::testing::{Harness, Relation, Secret, State};
use reconciler_tests::secrets_charm::SecretsCharm;
use serde_json::{Value, json};

use juju_sim::{
    Fault, Run, SimAction, SimGrant, SimOwner, SimSecret, SimState, Unit, relation, secret_env,
    workspace,
};

const UNIT: &str = "secrets-charm/0";
/// A secret the vault application shares with this unit: revision 2 is out, the unit
/// tracks revision 1.
const VAULT: &str = "vaultvaultvaultvaul0";
/// A secret of the vault application not granted to this unit.
const HIDDEN: &str = "hiddenhiddenhiddenh0";
/// A well-formed id no secret has.
const MISSING: &str = "cn2rfm3nji6c4n1dqjmg";

fn harness() -> Harness {
    Harness::from_charm_dir(workspace().join("tests/charms/secrets")).unwrap()
}

/// The model both runs start from, in memory.
fn memory_state(leader: bool) -> State {
    let uri = |id: &str| SecretUri::parse(id).unwrap();
    State::default()
        .with_unit_name(UNIT)
        .with_leader(leader)
        .with_relation(
            Relation::new(1, "db", "pg").with_remote_unit_data("pg/1", [("ready", "yes")]),
        )
        .with_secret(
            Secret::observed("vault", [("token", "t1")])
                .with_uri(uri(VAULT))
                .with_revision(2, [("token", "t2")])
                .tracking(1),
        )
        .with_secret(
            Secret::observed("vault", [("token", "h")])
                .with_uri(uri(HIDDEN))
                .not_granted(),
        )
}

/// The same model for the stand-in hook tools.
fn sim_state(leader: bool) -> SimState {
    let bag = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    SimState {
        unit: UNIT.into(),
        leader,
        relations: vec![relation(1, "db", "pg", &["pg/0", "pg/1"])],
        secrets: vec![
            SimSecret {
                id: VAULT.into(),
                owner: SimOwner::Observed("vault".into()),
                revisions: BTreeMap::from([
                    (1, bag(&[("token", "t1")])),
                    (2, bag(&[("token", "t2")])),
                ]),
                tracked: Some(1),
                ..SimSecret::default()
            },
            SimSecret {
                id: HIDDEN.into(),
                owner: SimOwner::Observed("vault".into()),
                revisions: BTreeMap::from([(1, bag(&[("token", "h")]))]),
                granted: false,
                ..SimSecret::default()
            },
        ],
        ..SimState::default()
    }
}

/// Juju runs the `script` action with `ops`.
fn run_script(unit: &Unit, ops: &Value) -> Run {
    unit.update(|s| {
        s.action = Some(SimAction {
            params: json!({ "ops": ops }).as_object().cloned().unwrap(),
            ..SimAction::default()
        });
    });
    unit.dispatch(
        "actions/script",
        &[("JUJU_ACTION_NAME", "script"), ("JUJU_ACTION_UUID", "1")],
    )
}

/// The outcomes the script set through the hook tools.
fn sim_outcomes(unit: &Unit, run: &Run) -> Vec<Value> {
    assert_eq!(
        run.code,
        0,
        "stderr:\n{}\ncalls: {:#?}",
        run.stderr,
        run.lines()
    );
    let action = unit.state().action.unwrap();
    assert_eq!(action.failed, None, "{:?}", action.logs);
    let text = action.results["outcomes"].as_str().unwrap().to_owned();
    serde_json::from_str(&text).unwrap()
}

/// The outcomes of the same script in memory, and the state after it.
fn memory_outcomes(ops: &Value, state: State) -> (Vec<Value>, State) {
    let params = json!({ "ops": ops }).as_object().cloned().unwrap();
    let out = harness()
        .run_action::<SecretsCharm>("script", params, state)
        .unwrap();
    let action = out.action.unwrap();
    assert_eq!(action.failure, None);
    let text = action.results["outcomes"].as_str().unwrap().to_owned();
    (serde_json::from_str(&text).unwrap(), out.state)
}

fn ok(value: Value) -> Value {
    json!({ "ok": value })
}

fn err(kind: &str, detail: &str) -> Value {
    json!({ "err": { "kind": kind, "detail": detail } })
}

#[test]
fn the_same_script_has_the_same_outcomes_in_memory_and_through_the_hook_tools() {
    let ops = json!([
        // 0..=5: an owner's lifecycle.
        {"op": "add", "content": {"password": "pw-one-value"}, "label": "db-password",
         "description": "the db password", "rotate": "daily", "expire-secs": 3600},
        {"op": "get", "label": "db-password", "show": true},
        {"op": "set", "uri": "$0", "content": {"password": "pw-two-value"}},
        {"op": "get", "uri": "$0", "show": true},
        {"op": "set", "uri": "$0", "content": {"password": "pw-two-value"}},
        {"op": "info", "label": "db-password"},
        // 6, 7: a unit's own secret; the leader lists both.
        {"op": "add", "content": {"api-token": "abc"}, "owner": "unit"},
        {"op": "ids"},
        // 8..=12: grants.
        {"op": "grant", "uri": "$0", "relation": 1, "unit": "pg/1"},
        {"op": "grant", "uri": "$0", "relation": 1},
        {"op": "revoke", "uri": "$0", "relation": 1, "unit": "pg/1"},
        {"op": "grant", "uri": "$0", "relation": 1},
        {"op": "grant", "uri": "$0", "relation": 1, "unit": "other/0"},
        // 13..=16: a consumer tracks, peeks, refreshes binding a label, reads by it.
        {"op": "get", "uri": format!("secret:{VAULT}"), "show": true},
        {"op": "get", "uri": format!("secret:{VAULT}"), "read": "peek", "show": true},
        {"op": "get", "uri": format!("secret:{VAULT}"), "label": "vault-token",
         "read": "refresh", "show": true},
        {"op": "get", "label": "vault-token", "show": true},
        // 17..=21: refusals.
        {"op": "get", "uri": format!("secret:{HIDDEN}")},
        {"op": "get", "uri": format!("secret:{MISSING}")},
        {"op": "set", "uri": format!("secret:{VAULT}"), "content": {"token": "t3"}},
        {"op": "add", "content": {"big": {"fill": 750_001}}},
        {"op": "get", "uri": "secret:nope"},
        // 22..=27: removal.
        {"op": "remove", "uri": "$0", "revision": 1},
        {"op": "info", "uri": "$0"},
        {"op": "remove", "uri": "$0", "revision": 1},
        {"op": "remove", "uri": "$0"},
        {"op": "ids"},
        {"op": "info", "uri": "$0"},
    ]);
    let (memory, after) = memory_outcomes(&ops, memory_state(true));
    let unit = Unit::secrets_charm(&sim_state(true));
    let run = run_script(&unit, &ops);
    let sim = sim_outcomes(&unit, &run);
    for (i, (m, s)) in memory.iter().zip(&sim).enumerate() {
        assert_eq!(
            m, s,
            "op {i} ({}): in memory, through the hook tools",
            ops[i]
        );
    }
    assert_eq!(memory.len(), sim.len());

    // What the outcomes are.
    let info = |revision: u64| {
        ok(
            json!({"uri": "$0", "label": "db-password", "owner": "application",
                  "description": "the db password", "rotation": "daily",
                  "revision": revision, "expires": true, "rotates": true}),
        )
    };
    let expected = [
        ok(json!("$0")),
        ok(json!({"password": "pw-one-value"})),
        ok(Value::Null),
        ok(json!({"password": "pw-two-value"})),
        ok(Value::Null),
        info(2),
        ok(json!("$6")),
        ok(json!(["$0", "$6"])),
        ok(Value::Null),
        err(
            "refused",
            "any unit level grants need to be revoked before granting access to the corresponding application",
        ),
        ok(Value::Null),
        ok(Value::Null),
        err(
            "refused",
            "cannot specify unit \"other/0\" in relation to application \"pg\"",
        ),
        ok(json!({"token": "t1"})),
        ok(json!({"token": "t2"})),
        ok(json!({"token": "t2"})),
        ok(json!({"token": "t2"})),
        err("refused", "permission denied"),
        err("not-found", &format!("secret {MISSING:?}")),
        err("refused", "permission denied"),
        err(
            "bad-content",
            "secret content for key \"big\" too large: 1000004 bytes base64-encoded (750001 bytes), more than Juju's limit of 1000000 bytes",
        ),
        err(
            "bad-uri",
            "secret URI \"secret:nope\" not valid: the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not 4 characters",
        ),
        ok(Value::Null),
        info(2),
        err("not-found", "secret \"$0\" revision 1"),
        ok(Value::Null),
        ok(json!(["$6"])),
        err("not-found", "secret \"$0\""),
    ];
    for (i, (got, want)) in memory.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "op {i}: {}", ops[i]);
    }

    // The same secrets are left: the unit's own, and the consumer's view of vault's.
    let state = unit.state();
    assert_eq!(state.secrets.len(), after.secrets.len());
    let own = state
        .secrets
        .iter()
        .find(|s| s.owner == SimOwner::Unit)
        .unwrap();
    let own_memory = after.secrets.iter().find(|s| s.is_owned()).unwrap();
    assert_eq!(own.revisions[&1]["api-token"], "abc");
    assert_eq!(own_memory.revisions[&1].get("api-token"), Some("abc"));
    let vault = state.secrets.iter().find(|s| s.id == VAULT).unwrap();
    let vault_memory = after.secret(&SecretUri::parse(VAULT).unwrap()).unwrap();
    assert_eq!(vault.tracked, Some(2));
    assert_eq!(vault_memory.tracked, Some(2));
    assert_eq!(vault.consumer_label.as_deref(), Some("vault-token"));
    assert_eq!(vault_memory.consumer_label.as_deref(), Some("vault-token"));
    // Revision 1 of the vault secret untouched by the refused set.
    assert_eq!(vault.latest(), 2);

    // Content went to the tools in files, never on a command line.
    let add = run
        .calls
        .iter()
        .find(|c| c[0] == "secret-add")
        .expect("secret-add ran");
    assert!(
        add.iter().any(|a| a.starts_with("password#file=/")),
        "{add:?}"
    );
    assert!(add.contains(&"--owner=application".to_owned()), "{add:?}");
    unit.assert_not_shown(&run, "pw-one-value", &["action-set"]);
}

#[test]
fn a_non_leader_reads_its_applications_secrets_but_does_not_manage_them() {
    let ops = json!([
        {"op": "add", "content": {"password": "p"}},
        {"op": "add", "content": {"password": "p"}, "owner": "unit", "label": "mine"},
        {"op": "get", "label": "mine", "show": true},
        {"op": "info", "label": "mine"},
        {"op": "ids"},
    ]);
    let (memory, _) = memory_outcomes(&ops, memory_state(false));
    let unit = Unit::secrets_charm(&sim_state(false));
    let sim = sim_outcomes(&unit, &run_script(&unit, &ops));
    assert_eq!(memory, sim);
    assert_eq!(memory[0], err("refused", "this unit is not the leader"));
    assert_eq!(memory[2], ok(json!({"password": "p"})));
    assert_eq!(memory[4], ok(json!(["$1"])));
}

#[test]
fn secret_events_carry_jujus_variables_and_a_refresh_moves_the_tracked_revision() {
    // In memory.
    let state = memory_state(true);
    let vault = state
        .secret(&SecretUri::parse(VAULT).unwrap())
        .unwrap()
        .clone();
    let out = harness()
        .run::<SecretsCharm>(Event::secret_changed(&vault), state.clone())
        .unwrap();
    let seen = format!("secret-changed {VAULT} label=None revision=None keys=[\"token\"]");
    assert_eq!(out.state.stored["seen"], seen);
    assert_eq!(out.state.secret(&vault.uri).unwrap().tracked, Some(2));

    // Through the hook tools, with the variables Juju sets.
    let unit = Unit::secrets_charm(&sim_state(true));
    let vars = secret_env(&format!("secret:{VAULT}"), None, None);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = unit.dispatch("hooks/secret-changed", &vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let state = unit.state();
    assert_eq!(state.charm_state["seen"], seen);
    assert_eq!(state.secrets[0].tracked, Some(2));
    assert!(
        run.lines().contains(&format!(
            "secret-get --format=json --refresh secret:{VAULT}"
        )),
        "{:#?}",
        run.lines()
    );
    assert_eq!(state.unit_status.text(), "active");

    // An owner's secret-remove, with its label and revision.
    let mut sim = sim_state(true);
    sim.secrets.push(SimSecret {
        id: MISSING.into(),
        owner: SimOwner::Application,
        label: Some("pw".into()),
        revisions: BTreeMap::from([
            (1, BTreeMap::from([("password".to_owned(), "a".to_owned())])),
            (2, BTreeMap::from([("password".to_owned(), "b".to_owned())])),
        ]),
        grants: vec![SimGrant {
            relation: 1,
            unit: None,
        }],
        ..SimSecret::default()
    });
    let unit = Unit::secrets_charm(&sim);
    let vars = secret_env(&format!("secret:{MISSING}"), Some("pw"), Some(1));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = unit.dispatch("hooks/secret-remove", &vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let seen =
        format!("secret-remove {MISSING} label=Some(\"pw\") revision=Some(1) keys=[\"password\"]");
    assert_eq!(unit.state().charm_state["seen"], seen);
    let own = Secret::new([("password", "a")])
        .with_uri(SecretUri::parse(MISSING).unwrap())
        .with_label("pw")
        .with_revision(2, [("password", "b")])
        .with_grant(1, None);
    let event = Event::secret_remove(&own, 1);
    assert!(matches!(
        event,
        Event::Secret {
            kind: SecretEventKind::Remove,
            ..
        }
    ));
    let out = harness()
        .run::<SecretsCharm>(event, memory_state(true).with_secret(own))
        .unwrap();
    assert_eq!(out.state.stored["seen"], seen);
}

#[test]
fn a_malformed_secret_id_blocks_the_charm_with_the_reason() {
    let unit = Unit::secrets_charm(&sim_state(true));
    let vars = secret_env("secret:not-an-id", Some("x"), None);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = unit.dispatch("hooks/secret-changed", &vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        unit.state().unit_status.text(),
        "blocked: [keeper] secret URI \"secret:not-an-id\" not valid: the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not 9 characters"
    );
    assert!(!run.tools().iter().any(|t| t.starts_with("secret-")));
}

#[test]
fn the_stand_in_tools_hold_to_jujus_argument_rules() {
    let unit = Unit::secrets_charm(&sim_state(true));
    let check = |tool: &str, args: &[&str], code: i32, stderr: &str| {
        let out = unit.run_tool(tool, args);
        assert_eq!(out.status.code(), Some(code), "{tool} {args:?}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            stderr,
            "{tool} {args:?}"
        );
    };
    check(
        "secret-add",
        &[],
        2,
        "ERROR missing secret value or filename",
    );
    check("secret-add", &["Bad=x"], 2, "ERROR key \"Bad\" not valid");
    check(
        "secret-add",
        &["abc"],
        2,
        "ERROR key value \"abc\" not valid",
    );
    check(
        "secret-add",
        &["--rotate=often", "abc=x"],
        2,
        "ERROR rotate policy \"often\" not valid",
    );
    check(
        "secret-add",
        &["--owner=model", "abc=x"],
        2,
        "ERROR secret owner \"model\" not valid",
    );
    check(
        "secret-add",
        &["--expire=soon", "abc=x"],
        2,
        "ERROR expire time or duration \"soon\" not valid",
    );
    check(
        "secret-add",
        &["--expire=-1h", "abc=x"],
        2,
        "ERROR negative expire duration \"-1h\" not valid",
    );
    // Too large once encoded (given in a file: an argument that long cannot be passed).
    let file = unit.scratch("content").join("big");
    std::fs::write(&file, "x".repeat(750_001)).unwrap();
    let big = format!("big#file={}", file.display());
    check(
        "secret-add",
        &[&big],
        2,
        "ERROR base64 encoded secret content for key \"big\" too large: 1000004 bytes",
    );
    check(
        "secret-get",
        &["--format=json"],
        2,
        "ERROR require either a secret URI or label",
    );
    check(
        "secret-get",
        &["--format=json", "secret:nope"],
        2,
        "ERROR secret URI \"secret:nope\" not valid",
    );
    check(
        "secret-get",
        &[
            "--format=json",
            "--peek",
            "--refresh",
            &format!("secret:{VAULT}"),
        ],
        2,
        "ERROR specify one of --peek or --refresh but not both",
    );
    check(
        "secret-get",
        &["--format=json", &format!("secret:{MISSING}")],
        1,
        &format!("ERROR secret {MISSING:?} not found"),
    );
    check(
        "secret-get",
        &["--format=json", &format!("secret:{HIDDEN}")],
        1,
        "ERROR permission denied",
    );
    check(
        "secret-grant",
        &[&format!("secret:{VAULT}")],
        2,
        "ERROR no relation id specified",
    );
    check(
        "secret-grant",
        &["--relation=7", &format!("secret:{VAULT}")],
        2,
        "ERROR invalid value \"7\" for option --relation: relation not found",
    );
    check(
        "secret-revoke",
        &[&format!("secret:{VAULT}")],
        2,
        "ERROR missing relation or application or unit",
    );
    check(
        "secret-info-get",
        &["--format=json", "--label=x", &format!("secret:{VAULT}")],
        2,
        "ERROR specify either a secret URI or label but not both",
    );
    check(
        "secret-ids",
        &["--format=json", "extra"],
        2,
        "ERROR secret-ids: unrecognized args: [\"extra\"]",
    );
    // A key with #base64 carries an encoded value.
    let out = unit.run_tool("secret-add", &["--owner=unit", "cert#base64=aGVsbG8="]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let uri = String::from_utf8(out.stdout).unwrap();
    assert!(
        uri.starts_with("secret://00000000-0000-4000-8000-000000000000/"),
        "{uri}"
    );
    let added = unit.state().secrets.last().cloned().unwrap();
    assert_eq!(added.revisions[&1]["cert"], "hello");
    // Nothing the refused calls asked for was stored.
    assert_eq!(unit.state().secrets.len(), 3);
}

#[test]
fn secret_content_is_never_shown_even_when_a_tool_fails_printing_it() {
    const SECRET: &str = "hunter2-e2e-secret-value";
    let ops = json!([
        {"op": "add", "content": {"password": SECRET}, "label": "pw"},
        {"op": "get", "label": "pw"},
        {"op": "set", "uri": "$0", "content": {"password": format!("{SECRET}-2")}},
        {"op": "add", "content": {"Bad": SECRET}},
    ]);
    let unit = Unit::secrets_charm(&sim_state(true));
    let run = run_script(&unit, &ops);
    let outcomes = sim_outcomes(&unit, &run);
    assert_eq!(outcomes[0], ok(json!("$0")));
    assert_eq!(outcomes[1], ok(json!(["password"])));
    assert!(run.juju_log_calls() > 0, "the outcomes were logged");
    unit.assert_not_shown(&run, SECRET, &[]);
    let logged: Vec<String> = unit
        .state()
        .juju_log
        .iter()
        .map(|l| l.message.clone())
        .collect();
    assert!(
        logged
            .iter()
            .any(|l| l.contains("SecretContent { password: <24 bytes> }")),
        "{logged:#?}"
    );

    // A tool that fails and prints the content on stderr: the error blanks it out.
    unit.update(|s| {
        s.faults.insert(
            "secret-set".into(),
            Fault {
                exit_code: 1,
                stdout: Vec::new(),
                stderr: format!("ERROR cannot store {SECRET}-3 for you\n"),
            },
        );
    });
    let ops = json!([
        {"op": "set", "uri": format!("secret:{}", unit.state().secrets[2].id),
         "content": {"password": format!("{SECRET}-3")}},
    ]);
    let run = run_script(&unit, &ops);
    let outcomes = sim_outcomes(&unit, &run);
    let detail = outcomes[0]["err"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("ERROR cannot store <hidden> for you"),
        "{detail}"
    );
    unit.assert_not_shown(&run, SECRET, &[]);
}
