//! The layer format: YAML -> `Layer` -> YAML keeps every field, known or not, and every
//! word, known or not; bad input is an error naming the field and what was wrong.

use std::time::Duration;

use reconciler_core::pebble::{
    Check, CheckLevel, Layer, LogTargetType, Override, Service, ServiceAction, Startup,
};
use serde_json::json;

/// Every field Pebble 1.19 knows, fields and words it does not, at every level.
const EVERY_FIELD: &str = r#"
summary: every field
description: all of them
future-section:
  anything: [1, 2, {a: b}]
services:
  main:
    summary: the main service
    description: runs the workload
    startup: enabled
    override: replace
    command: /bin/main --port 8080 [ --verbose ]
    after: [helper]
    before: [late]
    requires: [helper]
    environment:
      PORT: 8080
      VERSION: 1.10
      QUOTED: "yes"
      FLAG: true
    user: app
    user-id: 1000
    group: app
    group-id: 1001
    working-dir: /srv
    on-success: ignore
    on-failure: shutdown
    on-check-failure:
      alive: restart
      ready: some-future-action
    backoff-delay: 500ms
    backoff-factor: 1.5
    backoff-limit: 1m30s
    kill-delay: 10s
    future-field: {nested: true}
checks:
  alive:
    override: merge
    level: alive
    startup: disabled
    period: 10s
    timeout: 3s
    threshold: 5
    http:
      url: http://localhost:8080/health
      headers: {X-Probe: pebble}
      future-http: 1
  port:
    override: replace
    level: some-future-level
    tcp: {port: 8080, host: localhost, future-tcp: x}
  cmd:
    override: replace
    exec:
      command: /bin/check
      service-context: main
      environment: {B: "2"}
      user: app
      user-id: 1000
      group: app
      group-id: 1001
      working-dir: /srv
      future-exec: [a]
    future-check: 3
log-targets:
  loki:
    override: replace
    type: loki
    location: http://loki:3100/loki/api/v1/push
    services: [all, -helper]
    labels: {env: prod}
    future-target: 1
  otel:
    override: merge
    type: some-future-type
    location: otel:4317
    services: [main]
"#;

/// YAML text as a value: for comparing documents regardless of layout and order.
fn value(yaml: &str) -> serde_json::Value {
    serde_yaml_ng::from_str(yaml).unwrap()
}

#[test]
fn yaml_to_layer_to_yaml_keeps_every_field_known_or_not() {
    let layer: Layer = serde_yaml_ng::from_str(EVERY_FIELD).unwrap();
    let written = serde_yaml_ng::to_string(&layer).unwrap();
    let mut expected = value(EVERY_FIELD);
    // Scalars in string fields are read as the text they were written as, so they come
    // back as strings (Pebble reads them so too).
    expected["services"]["main"]["environment"] =
        json!({"PORT": "8080", "VERSION": "1.10", "QUOTED": "yes", "FLAG": "true"});
    assert_eq!(value(&written), expected, "{written}");
    // And again: the output reads back to the same value.
    let again: Layer = serde_yaml_ng::from_str(&written).unwrap();
    assert_eq!(again, layer);
}

#[test]
fn known_fields_are_typed_and_unknown_ones_kept() {
    let layer: Layer = serde_yaml_ng::from_str(EVERY_FIELD).unwrap();
    assert_eq!(
        layer.extra["future-section"],
        json!({"anything": [1, 2, {"a": "b"}]})
    );
    let main = &layer.services["main"];
    assert_eq!(main.override_, Override::Replace);
    assert_eq!(main.startup, Some(Startup::Enabled));
    assert_eq!(main.environment["VERSION"], "1.10");
    assert_eq!(main.environment["PORT"], "8080");
    assert_eq!(main.user_id, Some(1000));
    assert_eq!(main.on_failure, Some(ServiceAction::Shutdown));
    assert_eq!(
        main.on_check_failure["ready"],
        ServiceAction::Other("some-future-action".into())
    );
    assert_eq!(main.backoff_delay, Some(Duration::from_millis(500)));
    assert_eq!(main.backoff_factor, Some(1.5));
    assert_eq!(main.backoff_limit, Some(Duration::from_secs(90)));
    assert_eq!(main.extra["future-field"], json!({"nested": true}));
    let alive = &layer.checks["alive"];
    assert_eq!(alive.level, Some(CheckLevel::Alive));
    assert_eq!(alive.startup, Some(Startup::Disabled));
    assert_eq!(alive.threshold, Some(5));
    assert_eq!(alive.http.as_ref().unwrap().extra["future-http"], json!(1));
    assert_eq!(
        layer.checks["port"].level,
        Some(CheckLevel::Other("some-future-level".into()))
    );
    assert_eq!(layer.checks["port"].tcp.as_ref().unwrap().port, Some(8080));
    assert_eq!(
        layer.checks["cmd"]
            .exec
            .as_ref()
            .unwrap()
            .service_context
            .as_deref(),
        Some("main")
    );
    assert_eq!(layer.log_targets["loki"].type_, Some(LogTargetType::Loki));
    assert_eq!(
        layer.log_targets["otel"].type_,
        Some(LogTargetType::Other("some-future-type".into()))
    );
}

#[test]
fn durations_compare_by_value_not_by_spelling() {
    let written: Service =
        serde_yaml_ng::from_str("override: merge\nkill-delay: 1m\nbackoff-limit: 90s\n").unwrap();
    let from_pebble: Service =
        serde_yaml_ng::from_str("override: merge\nkill-delay: 1m0s\nbackoff-limit: 1m30s\n")
            .unwrap();
    assert_eq!(written, from_pebble);
    let yaml = serde_yaml_ng::to_string(&written).unwrap();
    assert_eq!(
        yaml,
        "override: merge\nbackoff-limit: 1m30s\nkill-delay: 1m0s\n"
    );
}

#[test]
fn a_known_key_in_extra_is_not_written_twice() {
    let mut service = Service {
        command: Some("/bin/a".into()),
        ..Service::default()
    };
    service.extra.insert("command".into(), json!("/bin/b"));
    service.extra.insert("new".into(), json!(1));
    let yaml = serde_yaml_ng::to_string(&service).unwrap();
    assert_eq!(yaml, "override: merge\ncommand: /bin/a\nnew: 1\n");
}

#[test]
fn bad_input_names_the_field_and_the_problem() {
    let error = |yaml: &str| {
        serde_yaml_ng::from_str::<Layer>(yaml)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        error("services:\n  a:\n    override: merge\n    kill-delay: 5\n"),
        "services.a: kill-delay: invalid duration \"5\": missing unit at line 3 column 5"
    );
    assert_eq!(
        error("services:\n  a:\n    command: x\n"),
        "services.a: missing field `override` at line 3 column 5"
    );
    let e = error("checks:\n  c:\n    override: merge\n    threshold: many\n");
    assert!(
        e.starts_with("checks.c.threshold: invalid type: string \"many\", expected u32 at line 4"),
        "{e}"
    );
    let e = error("services: [a, b]\n");
    assert!(
        e.starts_with("services: invalid type: sequence, expected a map"),
        "{e}"
    );
    let e = error("checks:\n  c:\n    override: merge\n    period: -1s\n");
    assert!(
        e.starts_with("checks.c: period: invalid duration \"-1s\": negative"),
        "{e}"
    );
    let e = error("- a\n");
    assert!(e.contains("expected a Pebble layer (a map)"), "{e}");
}

#[test]
fn a_check_built_in_code_writes_only_what_is_set() {
    let check = Check {
        override_: Override::Replace,
        level: Some(CheckLevel::Ready),
        period: Some(Duration::from_secs(5)),
        ..Check::default()
    };
    assert_eq!(
        serde_yaml_ng::to_string(&check).unwrap(),
        "override: replace\nlevel: ready\nperiod: 5s\n"
    );
}
