use std::path::Path;

use super::*;

const MY_CHARM: &str = r#"
name: my-charm
type: charm
containers:
  workload:
    resource: workload-image
storage:
  data:
    type: filesystem
requires:
  relation-1:
    interface: rel1
provides:
  relation-2:
    interface: rel2
peers:
  replicas:
    interface: my-charm-peers
config:
  options:
    port:
      type: int
      default: 8080
    name:
      type: string
    debug:
      type: boolean
      default: false
actions:
  backup: {}
"#;

/// A charm directory holding `files` (name, text).
fn charm_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("writes the file");
    }
    dir
}

#[test]
fn reads_charmcraft_yaml() {
    let m = Metadata::parse(MY_CHARM, Path::new("charmcraft.yaml")).unwrap();
    assert_eq!(m.name, "my-charm");
    assert_eq!(m.path, Path::new("charmcraft.yaml"));
    assert_eq!(m.containers, ["workload"]);
    assert_eq!(m.storage, ["data"]);
    assert_eq!(m.endpoints["relation-1"].role, Role::Requires);
    assert_eq!(m.endpoints["relation-1"].interface, "rel1");
    assert_eq!(m.endpoints["relation-2"].role, Role::Provides);
    assert_eq!(m.endpoints["replicas"].role, Role::Peers);
    assert_eq!(m.actions, ["backup"]);
    assert_eq!(
        m.default_config(),
        BTreeMap::from([
            ("debug".into(), ConfigValue::Bool(false)),
            ("port".into(), ConfigValue::Int(8080)),
        ])
    );
    assert!(m.options["name"].default.is_none());
}

#[test]
fn loads_a_charm_directory_with_charmcraft_yaml_only() {
    let dir = charm_dir(&[("charmcraft.yaml", MY_CHARM)]);
    let m = Metadata::load(dir.path()).unwrap();
    assert_eq!(m.path, dir.path().join("charmcraft.yaml"));
    assert_eq!(
        m,
        Metadata::read(&dir.path().join("charmcraft.yaml")).unwrap()
    );
    assert_eq!(m.endpoints.len(), 3);
    assert_eq!(m.options.len(), 3);
}

#[test]
fn loads_the_legacy_layout() {
    let dir = charm_dir(&[
        (
            "metadata.yaml",
            "name: legacy\nrequires:\n  database:\n    interface: postgresql_client\ncontainers:\n  app:\n    resource: app-image\n",
        ),
        (
            "config.yaml",
            "options:\n  port:\n    type: int\n    default: 80\n",
        ),
        ("actions.yaml", "restart:\n  description: Restart.\n"),
    ]);
    let m = Metadata::load(dir.path()).unwrap();
    assert_eq!(m.path, dir.path().join("metadata.yaml"));
    assert_eq!(m.name, "legacy");
    assert_eq!(m.endpoints["database"].interface, "postgresql_client");
    assert_eq!(m.containers, ["app"]);
    assert_eq!(m.options["port"].default, Some(ConfigValue::Int(80)));
    assert_eq!(m.actions, ["restart"]);
}

#[test]
fn a_nameless_charmcraft_yaml_leaves_declarations_to_metadata_yaml() {
    let dir = charm_dir(&[
        ("charmcraft.yaml", "type: charm\nbases: []\n"),
        (
            "metadata.yaml",
            "name: legacy\npeers:\n  cluster:\n    interface: c\n",
        ),
    ]);
    let m = Metadata::load(dir.path()).unwrap();
    assert_eq!(m.name, "legacy");
    assert_eq!(m.path, dir.path().join("metadata.yaml"));
    assert_eq!(m.endpoints["cluster"].role, Role::Peers);
}

#[test]
fn an_error_in_config_yaml_names_config_yaml() {
    let dir = charm_dir(&[
        ("metadata.yaml", "name: legacy\n"),
        ("config.yaml", "options:\n  port:\n    type: integer\n"),
    ]);
    let e = Metadata::load(dir.path()).unwrap_err();
    assert_eq!(e.path(), dir.path().join("config.yaml"));
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().contains("integer"), "{e}");
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let e = Metadata::parse(
        "name: x\nrequires:\n  db:\n    interface: a\n  - oops\n",
        Path::new("charm/charmcraft.yaml"),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("charm/charmcraft.yaml: "), "{text}");
    assert!(text.contains("line 5 column 3"), "{text}");
    assert_eq!((e.line(), e.column()), (Some(5), Some(3)));
    assert_eq!(e.path(), Path::new("charm/charmcraft.yaml"));
}

#[test]
fn an_endpoint_without_an_interface_is_an_error_at_its_line() {
    for (text, line) in [
        ("name: x\nrequires:\n  db: {}\n", 3),
        ("name: x\nprovides:\n  web:\n    limit: 1\n", 4),
        ("name: x\npeers:\n  cluster:\n    interface: ''\n", 4),
    ] {
        let e = Metadata::parse(text, Path::new("charmcraft.yaml")).unwrap_err();
        assert!(
            matches!(e, MetadataError::Invalid { .. }),
            "{text:?}: {e:?}"
        );
        assert_eq!(e.line(), Some(line), "{text:?}: {e}");
        assert!(e.to_string().contains("interface"), "{e}");
    }
    let e = Metadata::parse("requires:\n  db: {}\n", Path::new("charmcraft.yaml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "charmcraft.yaml: requires.db: the endpoint has no `interface`; every relation endpoint \
         names one, e.g. `interface: http` at line 2 column 7"
    );
}

#[test]
fn an_endpoint_written_without_a_mapping_says_what_is_expected() {
    let e = Metadata::parse("requires:\n  db:\n", Path::new("charmcraft.yaml")).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("requires.db"), "{text}");
    assert!(text.contains("`interface`"), "{text}");
}

#[test]
fn wrong_default_type_is_named_with_its_line() {
    let e = Metadata::parse(
        "config:\n  options:\n    port:\n      type: int\n      default: eighty\n",
        Path::new("charmcraft.yaml"),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(
            "charmcraft.yaml: config.options.port: the default eighty is not a valid int"
        ),
        "{text}"
    );
    assert!(e.line().is_some(), "{text}");
}

#[test]
fn unknown_option_type_is_refused() {
    let e = Metadata::parse(
        "config:\n  options:\n    port:\n      type: integer\n",
        Path::new("charmcraft.yaml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("integer"), "{e}");
    assert_eq!(e.line(), Some(4), "{e}");
}

#[test]
fn an_endpoint_declared_twice_is_refused() {
    let e = Metadata::parse(
        "requires:\n  db: {interface: a}\nprovides:\n  db: {interface: b}\n",
        Path::new("charmcraft.yaml"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "charmcraft.yaml: endpoint `db` is declared under both provides and requires; endpoint \
         names are unique across provides, requires and peers"
    );
}

#[test]
fn empty_files_sections_and_comments_declare_nothing() {
    let path = Path::new("charmcraft.yaml");
    for text in ["", "\n\n", "# only a comment\n  # indented\n"] {
        let m = Metadata::parse(text, path).unwrap();
        assert_eq!(m.endpoints.len() + m.containers.len() + m.options.len(), 0);
    }
    let m = Metadata::parse(
        "requires:\nprovides:\npeers:\ncontainers:\nstorage:\nactions:\nconfig:\n  options:\n",
        path,
    )
    .unwrap();
    assert_eq!(
        m,
        Metadata {
            path: path.to_path_buf(),
            ..Metadata::default()
        }
    );
}

#[test]
fn a_missing_charm_directory_is_an_error() {
    let dir = charm_dir(&[]);
    let e = Metadata::load(dir.path()).unwrap_err();
    assert!(matches!(e, MetadataError::Missing { .. }));
    assert_eq!(e.path(), dir.path());
}

#[test]
fn an_unreadable_file_names_it() {
    let dir = charm_dir(&[]);
    let path = dir.path().join("charmcraft.yaml");
    let e = Metadata::read(&path).unwrap_err();
    assert!(matches!(e, MetadataError::Io { .. }));
    assert_eq!(e.path(), path);
    assert!(
        e.to_string()
            .starts_with(&format!("cannot read {}: ", path.display())),
        "{e}"
    );
}

#[test]
fn option_types_accept_their_values() {
    assert!(OptionType::Float.accepts(&ConfigValue::Int(1)));
    assert!(!OptionType::Int.accepts(&ConfigValue::Float(1.0)));
    assert!(OptionType::Secret.accepts(&ConfigValue::from("secret:abc")));
    assert!(!OptionType::Boolean.accepts(&ConfigValue::from("true")));
}

const SDI: &str = r#"
name: istio-pilot
provides:
  ingress:
    interface: ingress
    schema:
      v1:
        requires:
          type: object
          properties:
            service: {type: string}
            port: {type: integer}
          required: [service, port]
    versions: [v1]
  gateway:
    interface: gateway
    schema: https://example.invalid/gateway.yaml
    versions: [1, v2]
requires:
  plain:
    interface: http
"#;

#[test]
fn keeps_sdi_schemas_and_versions() {
    let m = Metadata::parse(SDI, Path::new("metadata.yaml")).unwrap();
    let ingress = &m.endpoints["ingress"];
    assert_eq!(
        ingress.versions,
        [SchemaVersion {
            number: 1,
            prefixed: true
        }]
    );
    let Some(EndpointSchema::Inline(schema)) = &ingress.schema else {
        panic!("an inline schema: {ingress:?}");
    };
    assert!(schema["v1"]["requires"]["properties"]["port"].is_mapping());
    let gateway = &m.endpoints["gateway"];
    assert_eq!(
        gateway.schema,
        Some(EndpointSchema::Url(
            "https://example.invalid/gateway.yaml".into()
        ))
    );
    let versions: Vec<String> = gateway.versions.iter().map(|v| v.to_string()).collect();
    assert_eq!(versions, ["1", "v2"]);
    assert_eq!(m.endpoints["plain"], Endpoint::new(Role::Requires, "http"));
}

/// The error message of `yaml`, which must be refused.
fn refused(yaml: &str) -> String {
    Metadata::parse(yaml, Path::new("metadata.yaml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn sdi_keys_are_checked_with_the_endpoint_and_line() {
    let cases = [
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: https://x\n",
            "the endpoint has a `schema` but no `versions`",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    versions: [v1]\n",
            "the endpoint has `versions` but no `schema`",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: https://x\n    versions: []\n",
            "`versions` is empty",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: https://x\n    versions: v1\n",
            "`versions` must be a list of versions such as `[v1, v2]`, not v1",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: https://x\n    versions: [one]\n",
            "`versions`: one is not a version",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: {v1: {}}\n    versions: [v1, v2]\n",
            "`schema` has no version v2, which `versions` lists",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: {latest: {}}\n    versions: [v1]\n",
            "`schema`: the key latest is not a version",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: {v1: 3}\n    versions: [v1]\n",
            "`schema`: version v1 must be a mapping of roles",
        ),
        (
            "provides:\n  ingress:\n    interface: ingress\n    schema: [a]\n    versions: [v1]\n",
            "`schema` must be a URL or a mapping of versions to schemas",
        ),
    ];
    for (yaml, expected) in cases {
        let message = refused(yaml);
        assert!(
            message.starts_with("metadata.yaml: provides.ingress: ") && message.contains(expected),
            "{yaml:?}: {message}"
        );
        assert!(message.contains("line 3"), "{message}");
    }
}
