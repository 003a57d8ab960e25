use std::path::Path;

use super::*;

const MY_CHARM: &str = r#"
name: my-charm
type: charm
containers:
  workload:
    resource: workload-image
resources:
  workload-image:
    type: oci-image
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

/// The names of a map, in order.
fn keys<V>(map: &BTreeMap<String, V>) -> Vec<&str> {
    map.keys().map(String::as_str).collect()
}

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
    assert_eq!(keys(&m.containers), ["workload"]);
    assert_eq!(keys(&m.storage), ["data"]);
    assert_eq!(m.endpoints["relation-1"].role, Role::Requires);
    assert_eq!(m.endpoints["relation-1"].interface, "rel1");
    assert_eq!(m.endpoints["relation-2"].role, Role::Provides);
    assert_eq!(m.endpoints["replicas"].role, Role::Peers);
    assert_eq!(keys(&m.actions), ["backup"]);
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
            "name: legacy\nrequires:\n  database:\n    interface: postgresql_client\ncontainers:\n  app:\n    resource: app-image\nresources:\n  app-image: {type: oci-image}\n",
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
    assert_eq!(keys(&m.containers), ["app"]);
    assert_eq!(m.options["port"].default, Some(ConfigValue::Int(80)));
    assert_eq!(keys(&m.actions), ["restart"]);
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

// ---- the details Juju reads: containers, storage, resources, endpoints, assumes, actions ----

const FULL: &str = r#"name: full
subordinate: true
assumes:
  - juju >= 3.4
  - any-of:
      - k8s-api
      - all-of: [lxd, "juju < 4"]
containers:
  web:
    resource: web-image
    mounts:
      - storage: data
        location: /srv/data
      - {storage: logs, location: /var/log/web}
    uid: 584792
  sidecar: {}
resources:
  web-image:
    type: oci-image
    description: The web server's image.
  license:
    filename: license.txt
storage:
  data:
    type: filesystem
    description: The data.
    location: /data
    shared: true
    minimum-size: 1.5G
    properties: [transient]
  logs:
    type: filesystem
    multiple:
      range: 2+
  scratch:
    type: block
    read-only: true
    multiple: {range: 3}
requires:
  host:
    interface: juju-info
    scope: container
    limit: 1
    optional: true
  db: postgresql_client
extra-bindings:
  metrics:
  public:
"#;

const FULL_ACTIONS: &str = r#"backup:
  description: Back up the data.
  params:
    target:
      type: string
      description: Where to.
    retries:
      type: integer
      minimum: 0
      default: 3
    options:
      type: object
      properties:
        compress: {type: boolean, default: true}
  required: [target]
  additionalProperties: true
  parallel: true
  execution-group: maintenance
  title: Backup
restart: {}
"#;

#[test]
fn keeps_container_mounts_and_resources() {
    let m = Metadata::parse(FULL, Path::new("charmcraft.yaml")).unwrap();
    let web = &m.containers["web"];
    assert_eq!(web.resource.as_deref(), Some("web-image"));
    assert_eq!(
        web.mounts,
        [
            Mount::new("data", "/srv/data"),
            Mount::new("logs", "/var/log/web")
        ]
    );
    assert_eq!(web.uid, Some(584792));
    assert_eq!(web.gid, None);
    assert_eq!(m.containers["sidecar"], Container::new());
    let image = &m.resources["web-image"];
    assert_eq!(image.kind, ResourceKind::OciImage);
    assert_eq!(image.filename, None);
    assert_eq!(image.description, "The web server's image.");
    let license = &m.resources["license"];
    assert_eq!(license.kind, ResourceKind::File, "file is the default");
    assert_eq!(license.filename.as_deref(), Some("license.txt"));
}

#[test]
fn keeps_storage_details() {
    let m = Metadata::parse(FULL, Path::new("charmcraft.yaml")).unwrap();
    let data = &m.storage["data"];
    assert_eq!(data.kind, StorageKind::Filesystem);
    assert_eq!(data.description, "The data.");
    assert_eq!(data.location.as_deref(), Some("/data"));
    assert!(data.shared && !data.read_only);
    assert_eq!(data.count, StorageCount::default());
    assert_eq!(data.minimum_size, Some(1536));
    assert_eq!(data.properties, ["transient"]);
    let logs = &m.storage["logs"];
    assert_eq!(logs.count, StorageCount { min: 2, max: None });
    assert!(logs.count.is_multiple());
    assert_eq!(logs.minimum_size, None);
    let scratch = &m.storage["scratch"];
    assert_eq!(scratch.kind, StorageKind::Block);
    assert!(scratch.read_only);
    assert_eq!(
        scratch.count,
        StorageCount {
            min: 3,
            max: Some(3)
        }
    );
}

#[test]
fn keeps_endpoint_scope_limit_optional_and_the_short_form() {
    let m = Metadata::parse(FULL, Path::new("charmcraft.yaml")).unwrap();
    let host = &m.endpoints["host"];
    assert_eq!(host.scope, RelationScope::Container);
    assert_eq!(host.limit, Some(1));
    assert!(host.optional);
    assert_eq!(host.interface, "juju-info");
    // `db: postgresql_client` is the interface alone, every other key at its default.
    assert_eq!(
        m.endpoints["db"],
        Endpoint::new(Role::Requires, "postgresql_client")
    );
    assert_eq!(m.endpoints["db"].scope, RelationScope::Global);
    assert!(m.subordinate);
    assert_eq!(
        m.extra_bindings
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["metrics", "public"]
    );
}

#[test]
fn keeps_assumes_as_written() {
    let m = Metadata::parse(FULL, Path::new("charmcraft.yaml")).unwrap();
    let feature = |name: &str, version: Option<(VersionConstraint, &str)>| {
        let mut feature: Feature = name.parse().unwrap();
        feature.version = version.map(|(c, v)| (c, v.to_owned()));
        Assumption::Feature(feature)
    };
    assert_eq!(
        m.assumes,
        [
            feature("juju", Some((VersionConstraint::AtLeast, "3.4"))),
            Assumption::AnyOf(vec![
                feature("k8s-api", None),
                Assumption::AllOf(vec![
                    feature("lxd", None),
                    feature("juju", Some((VersionConstraint::LessThan, "4")))
                ]),
            ]),
        ]
    );
}

#[test]
fn keeps_action_parameter_schemas() {
    let text = format!(
        "{FULL}actions:\n{}",
        FULL_ACTIONS
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    );
    let m = Metadata::parse(&text, Path::new("charmcraft.yaml")).unwrap();
    let backup = &m.actions["backup"];
    assert_eq!(backup.description.as_deref(), Some("Back up the data."));
    assert_eq!(backup.required, ["target"]);
    assert!(backup.additional_properties);
    assert!(backup.parallel);
    assert_eq!(backup.execution_group.as_deref(), Some("maintenance"));
    assert_eq!(backup.params["retries"]["minimum"], 0);
    assert_eq!(
        backup.schema("backup"),
        serde_json::json!({
            "type": "object",
            "title": "Backup",
            "description": "Back up the data.",
            "properties": {
                "target": {"type": "string", "description": "Where to."},
                "retries": {"type": "integer", "minimum": 0, "default": 3},
                "options": {"type": "object", "properties": {"compress": {"type": "boolean", "default": true}}},
            },
            "required": ["target"],
            "additionalProperties": true,
        })
    );
    let given = serde_json::json!({"target": "s3", "options": {}});
    assert_eq!(
        serde_json::Value::Object(backup.with_defaults(given.as_object().unwrap())),
        serde_json::json!({"target": "s3", "retries": 3, "options": {"compress": true}})
    );
    // An action written as `{}`: no parameters, and none accepted (Juju's default).
    let restart = &m.actions["restart"];
    assert_eq!(restart, &Action::new());
    assert_eq!(
        restart.schema("restart"),
        serde_json::json!({
            "type": "object",
            "title": "restart",
            "description": "No description",
            "properties": {},
            "additionalProperties": false,
        })
    );
}

#[test]
fn the_legacy_layout_keeps_the_same_details() {
    let dir = charm_dir(&[("metadata.yaml", FULL), ("actions.yaml", FULL_ACTIONS)]);
    let legacy = Metadata::load(dir.path()).unwrap();
    let text = format!(
        "{FULL}actions:\n{}",
        FULL_ACTIONS
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    );
    let mut charmcraft = Metadata::parse(&text, Path::new("charmcraft.yaml")).unwrap();
    charmcraft.path = dir.path().join("metadata.yaml");
    assert_eq!(legacy, charmcraft);
    assert_eq!(legacy.actions["backup"].params.len(), 3);
}

/// The error of `yaml`, which must be refused: its message, and its line.
fn refusal(yaml: &str) -> (String, Option<usize>) {
    let error = Metadata::parse(yaml, Path::new("charmcraft.yaml")).unwrap_err();
    (error.to_string(), error.line())
}

#[track_caller]
fn assert_refused(yaml: &str, prefix: &str, needle: &str, line: usize) {
    let (message, at) = refusal(yaml);
    assert!(
        message.starts_with(&format!("charmcraft.yaml: {prefix}")),
        "{yaml:?}:\n{message}"
    );
    assert!(message.contains(needle), "{yaml:?}:\n{message}");
    assert_eq!(at, Some(line), "{yaml:?}:\n{message}");
}

#[test]
fn containers_refer_to_declared_storage_and_images() {
    let storage = "storage:\n  data: {type: filesystem}\n";
    assert_refused(
        &format!(
            "containers:\n  web:\n    mounts:\n      - storage: data\n        location: /a\n      - storage: logs\n        location: /b\n{storage}"
        ),
        "containers.web.mounts[1]: ",
        "the mount's storage `logs` is not declared under storage (declared: data)",
        6,
    );
    assert_refused(
        &format!("containers:\n  web:\n    mounts:\n      - storage: data\n{storage}"),
        "containers.web.mounts[0]: ",
        "the mount has no `location`",
        4,
    );
    assert_refused(
        "containers:\n  web:\n    mounts:\n      - location: /a\n",
        "containers.web.mounts[0]: ",
        "the mount has no `storage`",
        4,
    );
    assert_refused(
        "containers:\n  web:\n    resource: image\n",
        "containers.web: ",
        "the container's resource `image` is not declared under resources (declared: none)",
        3,
    );
    assert_refused(
        "resources:\n  image: {filename: a.tar}\ncontainers:\n  web:\n    resource: image\n",
        "containers.web: ",
        "is declared with `type: file`; a container runs a resource of `type: oci-image`",
        5,
    );
    assert_refused(
        "containers:\n  web:\n    uid: 1000\n",
        "containers.web: ",
        "`uid: 1000` is in the range Juju reserves (1000-9999)",
        3,
    );
    assert_refused(
        "containers:\n  web:\n    gid: -1\n",
        "containers.web: ",
        "`gid` must be a non-negative integer",
        3,
    );
    // The sections may come in any order.
    let m = Metadata::parse(
        &format!(
            "containers:\n  web:\n    resource: img\n    mounts: [{{storage: data, location: /d}}]\n{storage}resources:\n  img: {{type: oci-image}}\n"
        ),
        Path::new("charmcraft.yaml"),
    )
    .unwrap();
    assert_eq!(m.containers["web"].mounts[0].storage, "data");
}

#[test]
fn bad_storage_is_refused_where_it_is_written() {
    let cases = [
        (
            "storage:\n  data:\n    location: /d\n",
            "the storage has no `type`",
        ),
        (
            "storage:\n  data:\n    type: disk\n",
            "`type: disk` is not a storage type",
        ),
        (
            "storage:\n  data:\n    type: block\n    location: /d\n",
            "a `location` is only for `type: filesystem`",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    multiple: {range: 5-2}\n",
            "the maximum (2) must be at least 1 and at least the minimum (5)",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    multiple: {range: 0}\n",
            "`range: 0` is not a count",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    multiple: {}\n",
            "`multiple` has no `range`",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    minimum-size: 10\n",
            "`minimum-size` must be a size with a unit, written as a string such as `10G`, not 10",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    minimum-size: 10K\n",
            "`minimum-size`: \"10K\" has the unit \"K\"",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    properties: [fast]\n",
            "`properties` lists `fast`; the only storage property is `transient`",
        ),
        (
            "storage:\n  data:\n    type: filesystem\n    shared: maybe\n",
            "`shared` must be true or false",
        ),
    ];
    for (yaml, needle) in cases {
        let (message, line) = refusal(yaml);
        assert!(
            message.starts_with("charmcraft.yaml: storage.data") && message.contains(needle),
            "{yaml:?}:\n{message}"
        );
        assert!(matches!(line, Some(2..=4)), "{yaml:?}: {line:?} {message}");
    }
}

#[test]
fn bad_resources_are_refused_where_they_are_written() {
    assert_refused(
        "resources:\n  license:\n    description: A license.\n",
        "resources.license: ",
        "a file resource needs a `filename`",
        3,
    );
    assert_refused(
        "resources:\n  license:\n    filename: a/b.txt\n",
        "resources.license: ",
        "`filename: \"a/b.txt\"` must be a file name",
        3,
    );
    assert_refused(
        "resources:\n  image:\n    type: docker\n",
        "resources.image: ",
        "`type: docker` is not a resource type; write `file` or `oci-image`",
        3,
    );
}

#[test]
fn bad_endpoint_details_are_refused_where_they_are_written() {
    assert_refused(
        "requires:\n  host:\n    interface: juju-info\n    scope: machine\n",
        "requires.host: ",
        "`scope: machine` is not a relation scope; write `global` or `container`",
        3,
    );
    assert_refused(
        "provides:\n  web:\n    interface: http\n    limit: -1\n",
        "provides.web: ",
        "`limit` must be a non-negative integer",
        3,
    );
    assert_refused(
        "provides:\n  web:\n    interface: http\n    optional: sometimes\n",
        "provides.web: ",
        "`optional` must be true or false",
        3,
    );
    assert_refused(
        "requires:\n  db: ''\n",
        "requires.db: ",
        "the endpoint's interface is empty",
        2,
    );
    // A subordinate relates to its principal through a container-scoped `requires`.
    let (message, line) = refusal("subordinate: true\nrequires:\n  host: {interface: juju-info}\n");
    assert_eq!(
        message,
        "charmcraft.yaml: subordinate: a subordinate charm needs a `requires` endpoint with \
         `scope: container` to relate to its principal"
    );
    assert_eq!(line, None);
    assert_refused("subordinate: yes please\n", "subordinate: ", "boolean", 1);
}

#[test]
fn bad_extra_bindings_are_refused() {
    assert_refused(
        "requires:\n  db: pg\nextra-bindings:\n  db:\n",
        "extra-bindings: ",
        "`db` is a relation endpoint; an extra binding must have another name",
        4,
    );
    assert_refused(
        "extra-bindings:\n  metrics: 9090\n",
        "extra-bindings: ",
        "the extra binding `metrics` must have nothing under it, not 9090",
        2,
    );
    assert_refused(
        "extra-bindings: {}\n",
        "extra-bindings: ",
        "`extra-bindings` is empty",
        1,
    );
    let m = Metadata::parse("extra-bindings:\n", Path::new("charmcraft.yaml")).unwrap();
    assert!(m.extra_bindings.is_empty());
}

#[test]
fn bad_assumes_are_refused_where_they_are_written() {
    assert_refused(
        "assumes:\n  - k8s-api\n  - any-of: [juju, lxd]\n    all-of: [x]\n",
        "assumes[1]: ",
        "a composite expression has one key, `any-of`, but `all-of` follows it",
        3,
    );
    assert_refused(
        "assumes:\n  - one-of: [a, b]\n",
        "assumes[0]: ",
        "`one-of` is not an expression",
        2,
    );
    assert_refused(
        "assumes:\n  - any-of:\n      - juju >= 3\n      - Juju\n",
        "assumes[0].any-of[1]: ",
        "\"Juju\" is not a feature expression",
        4,
    );
    assert_refused(
        "assumes:\n  - any-of: k8s-api\n",
        "assumes[0].any-of: ",
        "a list of expressions",
        2,
    );
    assert_refused("assumes: juju\n", "assumes: ", "a list of expressions", 1);
    assert_refused("assumes:\n  - 3\n", "assumes[0]: ", "a feature", 2);
}

#[test]
fn bad_actions_are_refused_where_they_are_written() {
    let cases = [
        (
            "actions:\n  Backup: {}\n",
            "actions: ",
            "\"Backup\" is not a valid action name",
            2,
        ),
        (
            "actions:\n  juju-run: {}\n",
            "actions: ",
            "the action name \"juju-run\" is reserved",
            2,
        ),
        (
            "actions:\n  backup:\n    params:\n      count:\n        type: int\n",
            "actions.backup.params: ",
            "params.count: `type: int` is not a JSON type (did you mean `integer`?)",
            4,
        ),
        (
            "actions:\n  backup:\n    params:\n      count:\n        $ref: '#/definitions/count'\n",
            "actions.backup.params: ",
            "params.count: `$ref` is not supported in action schemas",
            4,
        ),
        (
            "actions:\n  backup:\n    params:\n      count: integer\n",
            "actions.backup.params: ",
            "params.count must be a mapping (a JSON schema such as `{type: string}`), not \"integer\"",
            4,
        ),
        (
            "actions:\n  backup:\n    required: target\n",
            "actions.backup: ",
            "`required` must be a list of parameter names",
            3,
        ),
        (
            "actions:\n  backup:\n    additionalProperties: {type: string}\n",
            "actions.backup: ",
            "`additionalProperties` must be true or false",
            3,
        ),
        (
            "actions:\n  backup:\n    properties: {a: {}}\n",
            "actions.backup: ",
            "`properties` cannot be set at the action's level",
            3,
        ),
        (
            "actions:\n  backup:\n    type: array\n",
            "actions.backup: ",
            "`type` at the action's level can only be `object`",
            2,
        ),
        (
            "actions:\n  backup:\n    definitions:\n      a: {$schema: x}\n",
            "actions.backup: ",
            "the action.definitions.a: `$schema` is not supported",
            2,
        ),
    ];
    for (yaml, prefix, needle, line) in cases {
        let (message, at) = refusal(yaml);
        assert!(
            message.starts_with(&format!("charmcraft.yaml: {prefix}")) && message.contains(needle),
            "{yaml:?}:\n{message}"
        );
        assert!(
            at.is_some_and(|at| at.abs_diff(line) <= 1),
            "{yaml:?}: line {at:?}, expected about {line}: {message}"
        );
    }
    // A charm named juju-* may use the prefix.
    let m = Metadata::parse(
        "name: juju-tools\nactions:\n  juju-run: {}\n",
        Path::new("charmcraft.yaml"),
    )
    .unwrap();
    assert!(m.actions.contains_key("juju-run"));
    // The older actions.yaml is checked the same way, naming that file.
    let dir = charm_dir(&[
        ("metadata.yaml", "name: legacy\n"),
        ("actions.yaml", "backup:\n  params:\n    n: {type: float}\n"),
    ]);
    let e = Metadata::load(dir.path()).unwrap_err();
    assert_eq!(e.path(), dir.path().join("actions.yaml"));
    assert!(
        e.to_string()
            .contains("backup.params: params.n: `type: float`"),
        "{e}"
    );
}
