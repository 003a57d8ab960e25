//! The shapes of the files, as serde reads them. Checks that need a position in the file
//! (an endpoint without an interface, a default of the wrong type) run while parsing, inside
//! the mapping they are about, so the parser's error carries its key path, line and column.
//!
//! Checks that refer from one section to another (a container's mount names a storage, its
//! `resource` a resource) need the other section's names while the first is parsed: a
//! lenient first pass over the file ([`Declared::scan`]) collects them, and the real parse
//! runs with them at hand ([`with_declared`]), so those errors have a line too.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::action::{Action, valid_action_name};
use crate::assumes;
use crate::entities::{
    Container, Mount, RelationScope, Resource, ResourceKind, Storage, StorageCount, StorageKind,
    parse_size,
};
use crate::{ConfigValue, EndpointSchema, OptionType, SchemaVersion};

/// `charmcraft.yaml` or `metadata.yaml`. Keys the runtime does not need are ignored.
#[derive(Deserialize, Default)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) provides: BTreeMap<String, Endpoint>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) requires: BTreeMap<String, Endpoint>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) peers: BTreeMap<String, Endpoint>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) containers: BTreeMap<String, RawContainer>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) storage: BTreeMap<String, RawStorage>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) resources: BTreeMap<String, RawResource>,
    #[serde(default)]
    pub(crate) config: Option<Config>,
    #[serde(default)]
    pub(crate) actions: Actions,
    #[serde(default)]
    pub(crate) assumes: Option<assumes::List>,
    #[serde(default)]
    pub(crate) subordinate: Option<bool>,
    #[serde(default, rename = "extra-bindings")]
    pub(crate) extra_bindings: Option<ExtraBindings>,
}

/// The names a file declares, for the checks that refer across sections.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    /// The charm's name.
    pub(crate) charm: Option<String>,
    /// Storage names.
    pub(crate) storage: BTreeSet<String>,
    /// Resource names, with their `type` as written (`file` when not written).
    pub(crate) resources: BTreeMap<String, String>,
    /// Relation endpoint names.
    pub(crate) endpoints: BTreeSet<String>,
}

impl Declared {
    /// The names in `text`, read leniently: a malformed file gives what can be read, and
    /// the real parse reports what is wrong.
    pub(crate) fn scan(text: &str) -> Declared {
        use serde_yaml_ng::Value;
        let mut declared = Declared::default();
        let Ok(Value::Mapping(root)) = serde_yaml_ng::from_str::<Value>(text) else {
            return declared;
        };
        let keys = |section: &str| -> Vec<String> {
            match root.get(section) {
                Some(Value::Mapping(m)) => m
                    .keys()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            }
        };
        declared.charm = root.get("name").and_then(Value::as_str).map(str::to_owned);
        declared.storage = keys("storage").into_iter().collect();
        for section in ["provides", "requires", "peers"] {
            declared.endpoints.extend(keys(section));
        }
        if let Some(Value::Mapping(resources)) = root.get("resources") {
            for (name, resource) in resources {
                let Some(name) = name.as_str() else { continue };
                let kind = resource
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("file");
                declared.resources.insert(name.to_owned(), kind.to_owned());
            }
        }
        declared
    }
}

thread_local! {
    /// The names of the file being parsed on this thread, while [`with_declared`] runs.
    static DECLARED: RefCell<Option<Rc<Declared>>> = const { RefCell::new(None) };
}

/// Runs `parse` with `declared` at hand for the checks that refer across sections.
pub(crate) fn with_declared<R>(declared: Declared, parse: impl FnOnce() -> R) -> R {
    /// Puts back what was there before, even if `parse` panics.
    struct Restore(Option<Rc<Declared>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            DECLARED.with(|d| *d.borrow_mut() = previous);
        }
    }
    let previous = DECLARED.with(|d| d.borrow_mut().replace(Rc::new(declared)));
    let _restore = Restore(previous);
    parse()
}

/// The names of the file being parsed, when [`with_declared`] gave them.
fn declared() -> Option<Rc<Declared>> {
    DECLARED.with(|d| d.borrow().clone())
}

/// A comma-separated list of names for messages, `none` when empty.
fn names<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let list: Vec<&str> = names.into_iter().map(String::as_str).collect();
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    }
}

/// The actions of `charmcraft.yaml`'s `actions:` or of `actions.yaml`, each name checked
/// against Juju's rules where it is written.
#[derive(Default)]
pub(crate) struct Actions(pub(crate) BTreeMap<String, Action>);

impl<'de> Deserialize<'de> for Actions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Actions, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Actions;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of action names to their descriptions and parameters")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Actions, E> {
                Ok(Actions::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Actions, A::Error> {
                let mut actions = BTreeMap::new();
                let charm = declared().and_then(|d| d.charm.clone()).unwrap_or_default();
                while let Some(name) = map.next_key::<String>()? {
                    if !valid_action_name(&name) {
                        return Err(de::Error::custom(format!(
                            "{name:?} is not a valid action name: use lowercase letters, digits and dashes, starting and ending with a letter or digit"
                        )));
                    }
                    if !charm.starts_with("juju-") && (name == "juju" || name.starts_with("juju-"))
                    {
                        return Err(de::Error::custom(format!(
                            "the action name {name:?} is reserved: Juju keeps `juju` and the `juju-` prefix for itself"
                        )));
                    }
                    let action: Action = map.next_value()?;
                    actions.insert(name, action);
                }
                Ok(Actions(actions))
            }
        }
        deserializer.deserialize_any(Entries)
    }
}

/// `actions.yaml`: one mapping of action names.
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub(crate) struct ActionsFile(pub(crate) Actions);

/// A relation endpoint: its interface (required), its scope, limit and whether it is
/// optional, and the serialized-data-interface keys `schema` and `versions` (optional,
/// together). Juju also accepts the interface alone (`db: postgresql_client`).
pub(crate) struct Endpoint {
    pub(crate) interface: String,
    pub(crate) scope: RelationScope,
    pub(crate) limit: Option<u64>,
    pub(crate) optional: bool,
    pub(crate) schema: Option<EndpointSchema>,
    pub(crate) versions: Vec<SchemaVersion>,
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Endpoint, D::Error> {
        // Checked inside the endpoint's own mapping, so the error carries its key path
        // (`requires.db`) and line.
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Endpoint;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a mapping with the endpoint's `interface`, e.g. `{interface: http}`, or the interface's name alone",
                )
            }

            fn visit_str<E: de::Error>(self, interface: &str) -> Result<Endpoint, E> {
                if interface.trim().is_empty() {
                    return Err(E::custom(
                        "the endpoint's interface is empty; write the interface's name",
                    ));
                }
                Ok(Endpoint {
                    interface: interface.to_owned(),
                    scope: RelationScope::Global,
                    limit: None,
                    optional: false,
                    schema: None,
                    versions: Vec::new(),
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Endpoint, A::Error> {
                let mut interface: Option<String> = None;
                let mut schema: Option<serde_yaml_ng::Value> = None;
                let mut versions: Option<serde_yaml_ng::Value> = None;
                let mut scope = RelationScope::Global;
                let mut limit: Option<u64> = None;
                let mut optional = false;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "interface" => interface = Some(map.next_value()?),
                        "schema" => schema = Some(map.next_value()?),
                        "versions" => versions = Some(map.next_value()?),
                        "scope" => {
                            let written: String = map.next_value()?;
                            scope = match written.as_str() {
                                "global" => RelationScope::Global,
                                "container" => RelationScope::Container,
                                other => {
                                    return Err(de::Error::custom(format!(
                                        "`scope: {other}` is not a relation scope; write `global` or `container`"
                                    )));
                                }
                            };
                        }
                        "limit" => {
                            limit = map.next_value().map_err(|e| {
                                de::Error::custom(format!(
                                    "`limit` must be a non-negative integer: {e}"
                                ))
                            })?
                        }
                        "optional" => {
                            optional = map.next_value().map_err(|e| {
                                de::Error::custom(format!("`optional` must be true or false: {e}"))
                            })?
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let interface = match interface {
                    Some(interface) if !interface.trim().is_empty() => interface,
                    Some(_) => {
                        return Err(de::Error::custom(
                            "the endpoint's `interface` is empty; write the interface's name",
                        ));
                    }
                    None => {
                        return Err(de::Error::custom(
                            "the endpoint has no `interface`; every relation endpoint names one, e.g. `interface: http`",
                        ));
                    }
                };
                let (schema, versions) = sdi_keys(schema, versions).map_err(de::Error::custom)?;
                Ok(Endpoint {
                    interface,
                    scope,
                    limit,
                    optional,
                    schema,
                    versions,
                })
            }
        }
        deserializer.deserialize_any(Fields)
    }
}

/// A container: its resource (declared, an OCI image), its mounts (of declared storage)
/// and its user and group ids (outside Juju's reserved range 1000-9999).
pub(crate) struct RawContainer(pub(crate) Container);

impl<'de> Deserialize<'de> for RawContainer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawContainer, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RawContainer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the container's `resource` and `mounts`, or `{}`")
            }

            fn visit_unit<E: de::Error>(self) -> Result<RawContainer, E> {
                Ok(RawContainer(Container::default()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawContainer, A::Error> {
                let mut container = Container::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "resource" => container.resource = Some(map.next_value()?),
                        "mounts" => {
                            let mounts: Option<Vec<RawMount>> = map.next_value()?;
                            container.mounts = mounts
                                .unwrap_or_default()
                                .into_iter()
                                .map(|m| m.0)
                                .collect();
                        }
                        "uid" | "gid" => {
                            let id: u32 = map.next_value().map_err(|e| {
                                de::Error::custom(format!(
                                    "`{key}` must be a non-negative integer: {e}"
                                ))
                            })?;
                            if (1000..10000).contains(&id) {
                                return Err(de::Error::custom(format!(
                                    "`{key}: {id}` is in the range Juju reserves (1000-9999); choose another id"
                                )));
                            }
                            if key == "uid" {
                                container.uid = Some(id);
                            } else {
                                container.gid = Some(id);
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if let (Some(resource), Some(declared)) = (&container.resource, declared()) {
                    match declared.resources.get(resource) {
                        None => {
                            return Err(de::Error::custom(format!(
                                "the container's resource `{resource}` is not declared under resources (declared: {}); declare it with `type: oci-image`",
                                names(declared.resources.keys())
                            )));
                        }
                        Some(kind) if kind != ResourceKind::OciImage.as_str() => {
                            return Err(de::Error::custom(format!(
                                "the container's resource `{resource}` is declared with `type: {kind}`; a container runs a resource of `type: oci-image`"
                            )));
                        }
                        Some(_) => {}
                    }
                }
                Ok(RawContainer(container))
            }
        }
        deserializer.deserialize_any(Fields)
    }
}

/// One item of a container's `mounts`: a declared storage and where it is mounted.
struct RawMount(Mount);

impl<'de> Deserialize<'de> for RawMount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawMount, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RawMount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mount: a mapping with `storage` and `location`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMount, A::Error> {
                let mut storage: Option<String> = None;
                let mut location: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "storage" => storage = Some(map.next_value()?),
                        "location" => location = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let storage = storage.filter(|s| !s.is_empty()).ok_or_else(|| {
                    de::Error::custom(
                        "the mount has no `storage`; name a storage declared under storage",
                    )
                })?;
                let location = location.filter(|l| !l.is_empty()).ok_or_else(|| {
                    de::Error::custom("the mount has no `location`; give the path it is mounted at")
                })?;
                if let Some(declared) = declared()
                    && !declared.storage.contains(&storage)
                {
                    return Err(de::Error::custom(format!(
                        "the mount's storage `{storage}` is not declared under storage (declared: {})",
                        names(&declared.storage)
                    )));
                }
                Ok(RawMount(Mount { storage, location }))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A storage: its type (required), and the details Juju reads.
pub(crate) struct RawStorage(pub(crate) Storage);

impl<'de> Deserialize<'de> for RawStorage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawStorage, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RawStorage;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the storage's `type` (filesystem or block)")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStorage, A::Error> {
                let mut kind: Option<StorageKind> = None;
                let mut storage = Storage::new(StorageKind::Filesystem);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => {
                            let written: String = map.next_value()?;
                            kind = Some(match written.as_str() {
                                "filesystem" => StorageKind::Filesystem,
                                "block" => StorageKind::Block,
                                other => {
                                    return Err(de::Error::custom(format!(
                                        "`type: {other}` is not a storage type; write `filesystem` or `block`"
                                    )));
                                }
                            });
                        }
                        "description" => storage.description = map.next_value()?,
                        "location" => storage.location = Some(map.next_value()?),
                        "shared" => {
                            storage.shared = map.next_value().map_err(|e| {
                                de::Error::custom(format!("`shared` must be true or false: {e}"))
                            })?
                        }
                        "read-only" => {
                            storage.read_only = map.next_value().map_err(|e| {
                                de::Error::custom(format!("`read-only` must be true or false: {e}"))
                            })?
                        }
                        "multiple" => storage.count = map.next_value::<Multiple>()?.0,
                        "minimum-size" => {
                            let written: serde_yaml_ng::Value = map.next_value()?;
                            let Some(text) = written.as_str() else {
                                return Err(de::Error::custom(format!(
                                    "`minimum-size` must be a size with a unit, written as a string such as `10G`, not {}",
                                    describe_yaml(&written)
                                )));
                            };
                            storage.minimum_size =
                                Some(parse_size(text).map_err(|e| {
                                    de::Error::custom(format!("`minimum-size`: {e}"))
                                })?);
                        }
                        "properties" => {
                            let properties: Vec<String> = map.next_value()?;
                            if let Some(other) = properties.iter().find(|p| *p != "transient") {
                                return Err(de::Error::custom(format!(
                                    "`properties` lists `{other}`; the only storage property is `transient`"
                                )));
                            }
                            storage.properties = properties;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let Some(kind) = kind else {
                    return Err(de::Error::custom(
                        "the storage has no `type`; write `type: filesystem` or `type: block`",
                    ));
                };
                storage.kind = kind;
                if kind == StorageKind::Block && storage.location.is_some() {
                    return Err(de::Error::custom(
                        "a `location` is only for `type: filesystem`; a block device is not mounted",
                    ));
                }
                Ok(RawStorage(storage))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A storage's `multiple:` mapping, with its `range`.
struct Multiple(StorageCount);

impl<'de> Deserialize<'de> for Multiple {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Multiple, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Multiple;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the `range` of instances, e.g. `{range: 1-3}`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Multiple, A::Error> {
                let mut range: Option<StorageCount> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "range" {
                        let written: serde_yaml_ng::Value = map.next_value()?;
                        range = Some(match &written {
                            serde_yaml_ng::Value::Number(n) => match n.as_u64() {
                                Some(count @ 1..=0xffff_ffff) => {
                                    let count = u32::try_from(count).unwrap_or(u32::MAX);
                                    StorageCount {
                                        min: count,
                                        max: Some(count),
                                    }
                                }
                                _ => {
                                    return Err(de::Error::custom(format!(
                                        "`range: {n}` is not a count; write a positive integer, `m-n` or `m+`"
                                    )));
                                }
                            },
                            serde_yaml_ng::Value::String(text) => text
                                .parse()
                                .map_err(|e| de::Error::custom(format!("`range`: {e}")))?,
                            other => {
                                return Err(de::Error::custom(format!(
                                    "`range` must be a positive integer, `m-n` or `m+`, not {}",
                                    describe_yaml(other)
                                )));
                            }
                        });
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                range.map(Multiple).ok_or_else(|| {
                    de::Error::custom(
                        "`multiple` has no `range`; write e.g. `range: 1-3` or `range: 2+`",
                    )
                })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A resource: its type (`file` unless written), filename (required for a file) and
/// description.
pub(crate) struct RawResource(pub(crate) Resource);

impl<'de> Deserialize<'de> for RawResource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawResource, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RawResource;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the resource's `type`, `filename` and `description`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawResource, A::Error> {
                let mut resource = Resource::new(ResourceKind::File);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => {
                            let written: String = map.next_value()?;
                            resource.kind = match written.as_str() {
                                "file" => ResourceKind::File,
                                "oci-image" => ResourceKind::OciImage,
                                other => {
                                    return Err(de::Error::custom(format!(
                                        "`type: {other}` is not a resource type; write `file` or `oci-image`"
                                    )));
                                }
                            };
                        }
                        "filename" => resource.filename = Some(map.next_value()?),
                        "description" => resource.description = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                match (&resource.kind, &resource.filename) {
                    (ResourceKind::File, None) => {
                        return Err(de::Error::custom(
                            "a file resource needs a `filename` (the name the charm finds it under)",
                        ));
                    }
                    (ResourceKind::File, Some(name)) if name.is_empty() || name.contains('/') => {
                        return Err(de::Error::custom(format!(
                            "`filename: {name:?}` must be a file name, not empty and without `/`"
                        )));
                    }
                    _ => {}
                }
                Ok(RawResource(resource))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// `extra-bindings:`: names with nothing under them, none of them a relation endpoint.
pub(crate) struct ExtraBindings(pub(crate) BTreeSet<String>);

impl<'de> Deserialize<'de> for ExtraBindings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ExtraBindings, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = ExtraBindings;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of binding names, each with nothing under it")
            }

            fn visit_unit<E: de::Error>(self) -> Result<ExtraBindings, E> {
                Ok(ExtraBindings(BTreeSet::new()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExtraBindings, A::Error> {
                let mut bindings = BTreeSet::new();
                let declared = declared();
                while let Some(name) = map.next_key::<String>()? {
                    let value: serde_yaml_ng::Value = map.next_value()?;
                    if name.is_empty() {
                        return Err(de::Error::custom("an extra binding has an empty name"));
                    }
                    if !value.is_null() {
                        return Err(de::Error::custom(format!(
                            "the extra binding `{name}` must have nothing under it, not {}",
                            describe_yaml(&value)
                        )));
                    }
                    if let Some(declared) = &declared
                        && declared.endpoints.contains(&name)
                    {
                        return Err(de::Error::custom(format!(
                            "`{name}` is a relation endpoint; an extra binding must have another name"
                        )));
                    }
                    bindings.insert(name);
                }
                if bindings.is_empty() {
                    return Err(de::Error::custom(
                        "`extra-bindings` is empty; list binding names, or leave the key out",
                    ));
                }
                Ok(ExtraBindings(bindings))
            }
        }
        deserializer.deserialize_any(Entries)
    }
}

/// Checks an endpoint's `schema` and `versions` (the serialized-data-interface keys):
/// both or neither; `versions` a non-empty list of versions; `schema` a URL or a mapping
/// of versions to per-role schemas that has every listed version.
fn sdi_keys(
    schema: Option<serde_yaml_ng::Value>,
    versions: Option<serde_yaml_ng::Value>,
) -> Result<(Option<EndpointSchema>, Vec<SchemaVersion>), String> {
    use serde_yaml_ng::Value;
    let (schema, versions) = match (schema, versions) {
        (None, None) => return Ok((None, Vec::new())),
        (Some(_), None) => {
            return Err(
                "the endpoint has a `schema` but no `versions`; list the schema versions this charm supports, e.g. `versions: [v1]`"
                    .to_owned(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "the endpoint has `versions` but no `schema`; give the schema (a URL or a mapping of versions to schemas)"
                    .to_owned(),
            );
        }
        (Some(schema), Some(versions)) => (schema, versions),
    };
    let Value::Sequence(list) = versions else {
        return Err(format!(
            "`versions` must be a list of versions such as `[v1, v2]`, not {}",
            describe_yaml(&versions)
        ));
    };
    if list.is_empty() {
        return Err("`versions` is empty; list at least one version, e.g. `[v1]`".to_owned());
    }
    let versions = list
        .iter()
        .map(|v| {
            SchemaVersion::from_yaml(v).ok_or_else(|| {
                format!(
                    "`versions`: {} is not a version; write an integer or `v` and an integer, e.g. `v1`",
                    describe_yaml(v)
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schema = match schema {
        Value::String(url) if !url.trim().is_empty() => EndpointSchema::Url(url),
        Value::Mapping(mapping) => {
            for (key, value) in &mapping {
                let version = SchemaVersion::from_yaml(key).ok_or_else(|| {
                    format!(
                        "`schema`: the key {} is not a version; write an integer or `v` and an integer, e.g. `v1`",
                        describe_yaml(key)
                    )
                })?;
                if !value.is_mapping() {
                    return Err(format!(
                        "`schema`: version {version} must be a mapping of roles (`provides`, `requires`) to JSON schemas, not {}",
                        describe_yaml(value)
                    ));
                }
            }
            for version in &versions {
                let found = mapping.keys().any(|key| {
                    SchemaVersion::from_yaml(key).is_some_and(|k| k.number == version.number)
                });
                if !found {
                    return Err(format!(
                        "`schema` has no version {version}, which `versions` lists"
                    ));
                }
            }
            EndpointSchema::Inline(Value::Mapping(mapping))
        }
        other => {
            return Err(format!(
                "`schema` must be a URL or a mapping of versions to schemas, not {}",
                describe_yaml(&other)
            ));
        }
    };
    Ok((Some(schema), versions))
}

/// The `config` section of charmcraft.yaml, or the whole `config.yaml`.
#[derive(Deserialize, Default)]
pub(crate) struct Config {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) options: BTreeMap<String, ConfigOption>,
}

/// One config option, its default checked against its type.
pub(crate) struct ConfigOption {
    pub(crate) kind: OptionType,
    pub(crate) default: Option<ConfigValue>,
}

impl<'de> Deserialize<'de> for ConfigOption {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ConfigOption, D::Error> {
        // Checked inside the option's own mapping, so the error carries its key path
        // (`config.options.port`) and line.
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = ConfigOption;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the option's `type` and optionally its `default`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConfigOption, A::Error> {
                let mut kind: Option<OptionType> = None;
                let mut default: Option<serde_yaml_ng::Value> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => kind = Some(map.next_value()?),
                        "default" => default = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| {
                    de::Error::custom(
                        "the option has no `type`; write one of string, int, float, boolean, secret",
                    )
                })?;
                let default = match default {
                    None | Some(serde_yaml_ng::Value::Null) => None,
                    Some(value) => Some(config_value(&value, kind).ok_or_else(|| {
                        de::Error::custom(format!(
                            "the default {} is not a valid {}",
                            describe_yaml(&value),
                            kind.as_str()
                        ))
                    })?),
                };
                Ok(ConfigOption { kind, default })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A mapping, where a key written with nothing under it (`requires:`) reads as empty.
fn null_as_empty<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    Ok(Option::<BTreeMap<String, V>>::deserialize(deserializer)?.unwrap_or_default())
}

fn config_value(value: &serde_yaml_ng::Value, kind: OptionType) -> Option<ConfigValue> {
    use serde_yaml_ng::Value;
    match (kind, value) {
        (OptionType::String | OptionType::Secret, Value::String(s)) => {
            Some(ConfigValue::String(s.clone()))
        }
        (OptionType::Int, Value::Number(n)) => n.as_i64().map(ConfigValue::Int),
        (OptionType::Float, Value::Number(n)) => n.as_f64().map(ConfigValue::Float),
        (OptionType::Boolean, Value::Bool(b)) => Some(ConfigValue::Bool(*b)),
        _ => None,
    }
}

fn describe_yaml(value: &serde_yaml_ng::Value) -> String {
    serde_yaml_ng::to_string(value)
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| format!("{value:?}"))
}
