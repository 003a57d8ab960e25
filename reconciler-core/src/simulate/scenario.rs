//! A scenario file: its typed model and its parser.
//!
//! The parser checks everything a scenario can get wrong while serde reads the step it is
//! in, so that the YAML parser's error carries the line: the event names against the
//! charm's metadata, relation ids against the relations the scenario has set up by then,
//! and each event against the state the steps before it left (the harness's consistency
//! check). To do that it keeps a shadow of the state the scenario sets up (never the
//! charm's own changes, which only a run produces) in a thread-local parse context, the
//! way `reconciler-metadata` checks names across sections.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::backend::{ConfigValue, Databag, JsonMap, RelationId};
use crate::event::{Event, PebbleEventKind, RelationEventKind};
use crate::juju::strip_suffix;
use crate::metadata::Metadata;
use crate::scenario_section::ScenarioSection;
use crate::status::{Status, StatusKind};
use crate::testing::{Container, Harness, Relation, State};

/// A scenario, read and checked.
#[derive(Debug)]
pub(crate) struct Scenario {
    /// The file it was read from.
    pub(crate) path: PathBuf,
    /// Its `description:`.
    pub(crate) description: Option<String>,
    /// The state before the first step.
    pub(crate) initial: State,
    /// The steps, in order.
    pub(crate) steps: Vec<Step>,
}

/// One step: the state changes, then an event or an action.
#[derive(Debug)]
pub(crate) struct Step {
    /// Its `note:`.
    pub(crate) note: Option<String>,
    /// What `set:` changes, before the event.
    pub(crate) changes: Vec<Change>,
    /// The event or action.
    pub(crate) trigger: Trigger,
    /// What changes after the event on its own (a broken relation goes away).
    pub(crate) after: Vec<Change>,
    /// Its `expect:`.
    pub(crate) expect: Option<Expect>,
}

/// What a step runs.
#[derive(Debug, Clone)]
pub(crate) enum Trigger {
    /// A hook.
    Event(Event),
    /// An action with its parameters.
    Action {
        /// The action's name.
        name: String,
        /// Its parameters.
        params: JsonMap,
    },
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Event(event) => write!(f, "{event}"),
            Trigger::Action { name, params } if params.is_empty() => {
                write!(f, "action {name}")
            }
            Trigger::Action { name, params } => {
                write!(
                    f,
                    "action {name} {}",
                    serde_json::Value::Object(params.clone())
                )
            }
        }
    }
}

/// The unit status a step expects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expect {
    /// Only the kind (`expect: active`).
    Kind(StatusKind),
    /// Kind and message (`expect: "blocked: [workload] ..."`).
    Exact(Status),
}

impl Expect {
    /// Whether `status` is what was expected.
    pub(crate) fn holds(&self, status: &Status) -> bool {
        match self {
            Expect::Kind(kind) => status.kind == *kind,
            Expect::Exact(expected) => status == expected,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Kind(kind) => write!(f, "{kind}"),
            Expect::Exact(status) => write!(f, "{status}"),
        }
    }
}

/// One change to the state, from `state:` or `set:`.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// `leader:`
    Leader(bool),
    /// `unit:`
    Unit(String),
    /// `model:`
    Model(String),
    /// One key of `config:`; `None` unsets it.
    Config(String, Option<ConfigValue>),
    /// One container of `containers:`.
    ContainerReady(String, bool),
    /// One relation of `relations:` (replacing a relation with its id).
    Relate(Relation),
    /// One relation of `relation-data:`.
    RelationData {
        id: RelationId,
        app_data: Option<Databag>,
        unit_data: Option<Databag>,
    },
    /// One id of `unrelate:`, or a broken relation going away.
    Unrelate(RelationId),
    /// A departing unit leaving its relation.
    RemoveUnit(RelationId, String),
    /// A component's section.
    Section(ScenarioSection, serde_json::Value),
}

/// Makes `changes` to `state`, in order; fails naming the change that cannot be made.
pub(crate) fn apply(changes: &[Change], state: &mut State) -> Result<(), String> {
    for change in changes {
        match change {
            Change::Leader(leader) => state.leader = *leader,
            Change::Unit(unit) => state.unit_name = unit.clone(),
            Change::Model(model) => state.model_name = model.clone(),
            Change::Config(key, None) => {
                state.config.remove(key);
            }
            Change::Config(key, Some(value)) => {
                state.config.insert(key.clone(), value.clone());
            }
            Change::ContainerReady(name, ready) => {
                state
                    .containers
                    .entry(name.clone())
                    .or_insert_with(|| Container::new(name.clone()))
                    .can_connect = *ready;
            }
            Change::Relate(relation) => {
                state.relations.retain(|r| r.id != relation.id);
                state.relations.push(relation.clone());
                state.relations.sort_by_key(|r| r.id);
            }
            Change::RelationData {
                id,
                app_data,
                unit_data,
            } => {
                let known = relation_list(state);
                let relation = state.relation_mut(*id).ok_or_else(|| {
                    format!("`relation-data`: there is no relation with id {id} at this step (relations: {known})")
                })?;
                if let Some(data) = app_data {
                    relation.remote_app_data = data.clone();
                }
                if let Some(data) = unit_data {
                    for bag in relation.remote_units_data.values_mut() {
                        *bag = data.clone();
                    }
                }
            }
            Change::Unrelate(id) => {
                if state.relation(*id).is_none() {
                    return Err(format!(
                        "`unrelate`: there is no relation with id {id} at this step (relations: {})",
                        relation_list(state)
                    ));
                }
                state.relations.retain(|r| r.id != *id);
            }
            Change::RemoveUnit(id, unit) => {
                if let Some(relation) = state.relation_mut(*id) {
                    relation.remote_units_data.remove(unit);
                }
            }
            Change::Section(section, value) => section
                .load(value, &mut state.extensions)
                .map_err(|e| format!("`{}`: {e}", section.key()))?,
        }
    }
    Ok(())
}

/// Refuses more relations on an endpoint than its `limit` allows: Juju refuses to make them.
fn check_limits(state: &State, metadata: &Metadata) -> Result<(), String> {
    for (name, endpoint) in &metadata.endpoints {
        let Some(limit) = endpoint.limit else {
            continue;
        };
        let ids: Vec<String> = state.relations_on(name).map(|r| r.id.to_string()).collect();
        if ids.len() as u64 > limit {
            return Err(format!(
                "endpoint {name:?} has `limit: {limit}` in the charm's metadata, so Juju makes at most {limit} relation{} on it, but the state has {} (ids {})",
                if limit == 1 { "" } else { "s" },
                ids.len(),
                ids.join(", ")
            ));
        }
    }
    Ok(())
}

/// `1 on relation-1 (frontend), 2 on relation-2 (consumer)`, or `none`.
fn relation_list(state: &State) -> String {
    if state.relations.is_empty() {
        return "none".to_owned();
    }
    state
        .relations
        .iter()
        .map(|r| format!("{} on {} ({})", r.id, r.endpoint, r.remote_app))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A scenario that could not be read: the file, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScenarioError {
    /// The file.
    pub(crate) path: PathBuf,
    /// The line (from 1), where known.
    pub(crate) line: Option<usize>,
    /// The column (from 1), where known.
    pub(crate) column: Option<usize>,
    /// What is wrong.
    pub(crate) message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// What the parser needs at hand while serde reads the file.
struct ParseContext {
    harness: Harness,
    sections: Vec<ScenarioSection>,
    /// The state as the scenario has set it up so far.
    shadow: State,
    /// Whether `steps:` has been read (so a later `state:` is refused).
    steps_seen: bool,
}

thread_local! {
    static CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

fn with_context<T>(f: impl FnOnce(&mut ParseContext) -> T) -> T {
    CONTEXT.with(|c| {
        let mut context = c.borrow_mut();
        f(context
            .as_mut()
            .expect("scenario parse context set by `parse`"))
    })
}

/// The state a scenario starts from before its `state:`: this charm's unit 0, every
/// container of the metadata with Pebble answering.
pub(crate) fn default_state(metadata: &Metadata) -> State {
    let mut state = State::default().with_unit_name(format!("{}/0", metadata.name));
    for name in metadata.containers.keys() {
        state = state.with_container(Container::new(name.clone()));
    }
    state
}

/// Reads the scenario at `path`.
pub(crate) fn load(
    path: &Path,
    harness: &Harness,
    sections: &[ScenarioSection],
) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        path: path.to_owned(),
        line: None,
        column: None,
        message: format!("cannot read the scenario: {e}"),
    })?;
    parse(&text, path, harness, sections)
}

/// Reads a scenario from `text`; `path` names it in errors.
pub(crate) fn parse(
    text: &str,
    path: &Path,
    harness: &Harness,
    sections: &[ScenarioSection],
) -> Result<Scenario, ScenarioError> {
    let context = ParseContext {
        harness: harness.clone(),
        sections: sections.to_vec(),
        shadow: default_state(harness.metadata()),
        steps_seen: false,
    };
    let previous = CONTEXT.with(|c| c.borrow_mut().replace(context));
    let parsed = serde_yaml_ng::from_str::<RawScenario>(text);
    let context = CONTEXT.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
    let raw = parsed.map_err(|e| {
        let location = e.location();
        let mut message = e.to_string();
        // The location is given separately, like a compiler's `file:line:column`.
        if let Some(at) = message.rfind(" at line ") {
            message.truncate(at);
        }
        let message = number_steps(&message);
        ScenarioError {
            path: path.to_owned(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message,
        }
    })?;
    let context = context.expect("the parse context is still set");
    let Some(steps) = raw.steps else {
        return Err(ScenarioError {
            path: path.to_owned(),
            line: None,
            column: None,
            message:
                "the scenario has no `steps:`; list at least one, e.g. `steps: [{event: install}]`"
                    .to_owned(),
        });
    };
    Ok(Scenario {
        path: path.to_owned(),
        description: raw.description,
        initial: raw
            .initial
            .unwrap_or_else(|| default_state(context.harness.metadata())),
        steps,
    })
}

/// Reads a `T` from a mapping and hands it to `check`, inside the mapping's own visit, so
/// that the YAML parser's error for what `check` refuses points at that mapping's line
/// (an error returned after the visit would point at the enclosing one).
fn checked_map<'de, D, T, U>(
    deserializer: D,
    expecting: &'static str,
    check: impl FnOnce(T) -> Result<U, String>,
) -> Result<U, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Checked<F, T> {
        expecting: &'static str,
        check: F,
        marker: std::marker::PhantomData<T>,
    }
    impl<'de, T, U, F> Visitor<'de> for Checked<F, T>
    where
        T: Deserialize<'de>,
        F: FnOnce(T) -> Result<U, String>,
    {
        type Value = U;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<U, A::Error> {
            let value = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
            (self.check)(value).map_err(de::Error::custom)
        }
    }
    deserializer.deserialize_map(Checked {
        expecting,
        check,
        marker: std::marker::PhantomData,
    })
}

/// The parser's key path with steps numbered from 1, as the output numbers them:
/// `steps[1].set: ...` becomes `step 2, set: ...`.
fn number_steps(message: &str) -> String {
    let Some(rest) = message.strip_prefix("steps[") else {
        return message.to_owned();
    };
    let Some((index, rest)) = rest.split_once(']') else {
        return message.to_owned();
    };
    let Ok(index) = index.parse::<usize>() else {
        return message.to_owned();
    };
    match rest.strip_prefix('.') {
        Some(path) => format!("step {}, {path}", index + 1),
        None => format!("step {}{rest}", index + 1),
    }
}

/// The top level of the file.
struct RawScenario {
    description: Option<String>,
    initial: Option<State>,
    steps: Option<Vec<Step>>,
}

const TOP_KEYS: &[&str] = &["description", "state", "steps"];

impl<'de> Deserialize<'de> for RawScenario {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawScenario, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = RawScenario;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scenario: a mapping with `state:` (optional) and `steps:`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawScenario, A::Error> {
                let mut raw = RawScenario {
                    description: None,
                    initial: None,
                    steps: None,
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "description" => raw.description = Some(map.next_value()?),
                        "state" => {
                            if with_context(|c| c.steps_seen) {
                                return Err(de::Error::custom(
                                    "`state:` comes after `steps:`; move it before them, since the steps start from it",
                                ));
                            }
                            let spec: StateSpec = map.next_value()?;
                            raw.initial = Some(spec.0);
                        }
                        "steps" => {
                            with_context(|c| c.steps_seen = true);
                            raw.steps = Some(map.next_value()?);
                        }
                        other => return Err(de::Error::unknown_field(other, TOP_KEYS)),
                    }
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_map(Top)
    }
}

/// `state:`: the changes it makes to the default state, made to the shadow state.
struct StateSpec(State);

impl<'de> Deserialize<'de> for StateSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StateSpec, D::Error> {
        // The visitor makes the changes to the shadow state itself, inside the mapping, so
        // that an error points at `state:`.
        deserializer.deserialize_map(ChangesVisitor { initial: true })?;
        Ok(StateSpec(with_context(|c| c.shadow.clone())))
    }
}

/// `set:` of a step: its changes (made by the step).
struct SetSpec(Vec<Change>);

impl<'de> Deserialize<'de> for SetSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SetSpec, D::Error> {
        Ok(SetSpec(
            deserializer.deserialize_map(ChangesVisitor { initial: false })?,
        ))
    }
}

const STATE_KEYS: &[&str] = &[
    "unit",
    "model",
    "leader",
    "config",
    "containers",
    "relations",
];
const SET_KEYS: &[&str] = &[
    "leader",
    "config",
    "containers",
    "relations",
    "relation-data",
    "unrelate",
];

/// Reads the keys of `state:` (`initial`) or of a `set:` into changes, checking names
/// against the metadata.
struct ChangesVisitor {
    initial: bool,
}

impl<'de> Visitor<'de> for ChangesVisitor {
    type Value = Vec<Change>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.initial {
            f.write_str("the state before the first step: a mapping with keys such as `leader`, `config`, `containers`, `relations`")
        } else {
            f.write_str("the changes before the event: a mapping with keys such as `leader`, `config`, `containers`, `relations`, `relation-data`, `unrelate`")
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Change>, A::Error> {
        let mut changes = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "unit" if self.initial => {
                    let unit: String = map.next_value()?;
                    let valid = unit
                        .split_once('/')
                        .is_some_and(|(app, n)| !app.is_empty() && n.parse::<u32>().is_ok());
                    if !valid {
                        return Err(de::Error::custom(format!(
                            "`unit`: {unit:?} is not a unit name; expected <application>/<number>, like my-charm/0"
                        )));
                    }
                    changes.push(Change::Unit(unit));
                }
                "model" if self.initial => changes.push(Change::Model(map.next_value()?)),
                "leader" => changes.push(Change::Leader(map.next_value()?)),
                "config" => changes.extend(map.next_value::<ConfigSpec>()?.0),
                "containers" => changes.extend(map.next_value::<ContainersSpec>()?.0),
                "relations" => {
                    let relations: Vec<CheckedRelation> = map.next_value()?;
                    changes.extend(relations.into_iter().map(|r| Change::Relate(r.0)));
                }
                "relation-data" if !self.initial => {
                    let data: BTreeMap<u64, RelationDataSpec> = map.next_value()?;
                    for (id, spec) in data {
                        changes.push(Change::RelationData {
                            id: RelationId(id),
                            app_data: spec.app_data.map(databag),
                            unit_data: spec.unit_data.map(databag),
                        });
                    }
                }
                "unrelate" if !self.initial => {
                    let ids: Vec<u64> = map.next_value()?;
                    changes.extend(ids.into_iter().map(|id| Change::Unrelate(RelationId(id))));
                }
                other => {
                    let section =
                        with_context(|c| c.sections.iter().find(|s| s.key() == other).copied());
                    let Some(section) = section else {
                        let mut expected: Vec<&str> =
                            if self.initial { STATE_KEYS } else { SET_KEYS }.to_vec();
                        let sections: Vec<&'static str> =
                            with_context(|c| c.sections.iter().map(|s| s.key()).collect());
                        expected.extend(sections);
                        return Err(de::Error::custom(format!(
                            "unknown key `{other}` in `{}`; expected one of {}{}",
                            if self.initial { "state" } else { "set" },
                            expected
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            if with_context(|c| c.sections.is_empty()) {
                                " (a section such as `kubernetes` is there only when one of the charm's components offers it)"
                            } else {
                                ""
                            }
                        )));
                    };
                    let value = map.next_value_seed(SectionSeed(section))?;
                    changes.push(Change::Section(section, value));
                }
            }
        }
        if self.initial {
            with_context(|c| {
                apply(&changes, &mut c.shadow)
                    .and_then(|()| check_limits(&c.shadow, c.harness.metadata()))
            })
            .map_err(de::Error::custom)?;
        }
        Ok(changes)
    }
}

/// `config:`, each option checked against the charm's options and their types.
struct ConfigSpec(Vec<Change>);

impl<'de> Deserialize<'de> for ConfigSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ConfigSpec, D::Error> {
        checked_map(
            deserializer,
            "option values by name, e.g. `{port: 8080}`",
            |values: BTreeMap<String, Option<Scalar>>| {
                let changes = values
                    .into_iter()
                    .map(|(name, value)| config_change(name, value))
                    .collect::<Result<_, String>>()?;
                Ok(ConfigSpec(changes))
            },
        )
    }
}

/// `containers:`, each name checked against the charm's containers.
struct ContainersSpec(Vec<Change>);

impl<'de> Deserialize<'de> for ContainersSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ContainersSpec, D::Error> {
        checked_map(
            deserializer,
            "containers by name, e.g. `{workload: {ready: false}}`",
            |containers: BTreeMap<String, ContainerSpec>| {
                let declared: Vec<String> =
                    with_context(|c| c.harness.metadata().containers.keys().cloned().collect());
                let mut changes = Vec::new();
                for (name, spec) in containers {
                    if !declared.contains(&name) {
                        return Err(format!(
                            "the charm has no container {name:?} (its containers: {})",
                            list_or_none(&declared)
                        ));
                    }
                    changes.push(Change::ContainerReady(name, spec.ready));
                }
                Ok(ContainersSpec(changes))
            },
        )
    }
}

/// One relation of `relations:`, checked against the charm's endpoints.
struct CheckedRelation(Relation);

impl<'de> Deserialize<'de> for CheckedRelation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CheckedRelation, D::Error> {
        checked_map(
            deserializer,
            "a relation, e.g. `{id: 1, endpoint: db, app: postgresql}`",
            |spec: RelationSpec| spec.into_relation().map(CheckedRelation),
        )
    }
}

/// A component's section: its value, checked by the section on a scratch copy of the
/// stand-ins so that a bad value is reported at its line.
struct SectionSeed(ScenarioSection);

impl<'de> de::DeserializeSeed<'de> for SectionSeed {
    type Value = serde_json::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let section = self.0;
        checked_map(
            deserializer,
            "a mapping (a component's section)",
            move |value: serde_json::Value| {
                let mut scratch = with_context(|c| c.shadow.extensions.clone());
                section.load(&value, &mut scratch)?;
                Ok(value)
            },
        )
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// A YAML scalar: a config value, or a relation data value.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a string, number or boolean")]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
}

impl Scalar {
    fn text(self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::String(s) => s,
        }
    }
}

/// One key of `config:`, checked against the charm's options and their types.
fn config_change(name: String, value: Option<Scalar>) -> Result<Change, String> {
    let option = with_context(|c| {
        let options = &c.harness.metadata().options;
        options
            .get(&name)
            .map(|o| o.kind)
            .ok_or_else(|| options.keys().cloned().collect::<Vec<_>>())
    });
    let kind = match option {
        Ok(kind) => kind,
        Err(known) => {
            return Err(format!(
                "the charm has no option {name:?} (its options: {})",
                list_or_none(&known)
            ));
        }
    };
    let Some(value) = value else {
        return Ok(Change::Config(name, None));
    };
    use crate::metadata::OptionType;
    let value = match (kind, value) {
        (OptionType::Boolean, Scalar::Bool(b)) => ConfigValue::Bool(b),
        (OptionType::Int, Scalar::Int(i)) => ConfigValue::Int(i),
        (OptionType::Float, Scalar::Float(x)) => ConfigValue::Float(x),
        (OptionType::Float, Scalar::Int(i)) => ConfigValue::Float(i as f64),
        (OptionType::String | OptionType::Secret, scalar) => ConfigValue::String(scalar.text()),
        (kind, scalar) => {
            return Err(format!(
                "option {name:?} is of type {}, and {:?} is not",
                kind.as_str(),
                scalar.text()
            ));
        }
    };
    Ok(Change::Config(name, Some(value)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerSpec {
    #[serde(default = "yes")]
    ready: bool,
}

fn yes() -> bool {
    true
}

/// One relation of `relations:`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RelationSpec {
    id: u64,
    endpoint: String,
    app: String,
    #[serde(default)]
    units: Option<UnitsSpec>,
    #[serde(default)]
    app_data: Option<BTreeMap<String, Scalar>>,
    #[serde(default)]
    unit_data: Option<BTreeMap<String, Scalar>>,
}

/// `units: 2` or `units: [frontend/0, frontend/3]`.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a number of units, or a list of unit names")]
enum UnitsSpec {
    Count(u32),
    Names(Vec<String>),
}

impl RelationSpec {
    fn into_relation(self) -> Result<Relation, String> {
        let endpoints: Vec<String> =
            with_context(|c| c.harness.metadata().endpoints.keys().cloned().collect());
        if !endpoints.contains(&self.endpoint) {
            return Err(format!(
                "relation {} is on {:?}, which is not one of the charm's endpoints ({})",
                self.id,
                self.endpoint,
                list_or_none(&endpoints)
            ));
        }
        let units: Vec<String> = match self.units {
            None => vec![format!("{}/0", self.app)],
            Some(UnitsSpec::Count(n)) => (0..n).map(|i| format!("{}/{i}", self.app)).collect(),
            Some(UnitsSpec::Names(names)) => names,
        };
        let mut relation = Relation::new(self.id, self.endpoint, self.app).without_remote_units();
        let unit_data = self.unit_data.map(databag).unwrap_or_default();
        for unit in units {
            relation = relation.with_remote_unit_data(unit, unit_data.clone());
        }
        if let Some(data) = self.app_data {
            relation.remote_app_data = databag(data);
        }
        Ok(relation)
    }
}

fn databag(data: BTreeMap<String, Scalar>) -> Databag {
    data.into_iter().map(|(k, v)| (k, v.text())).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RelationDataSpec {
    #[serde(default)]
    app_data: Option<BTreeMap<String, Scalar>>,
    #[serde(default)]
    unit_data: Option<BTreeMap<String, Scalar>>,
}

/// A step as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    params: Option<JsonMap>,
    #[serde(default)]
    relation: Option<u64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    set: Option<SetSpec>,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Step, D::Error> {
        checked_map(
            deserializer,
            "a step: a mapping with `event` or `action`, and optionally `set`, `expect`, `note`",
            |raw: RawStep| with_context(|c| build_step(raw, c)),
        )
    }
}

/// Checks a step against the state the steps before it set up, and makes its changes to
/// that state.
fn build_step(raw: RawStep, c: &mut ParseContext) -> Result<Step, String> {
    let changes = raw.set.map(|s| s.0).unwrap_or_default();
    apply(&changes, &mut c.shadow)?;
    check_limits(&c.shadow, c.harness.metadata())?;
    let expect = raw.expect.as_deref().map(parse_expect).transpose()?;
    let (trigger, before, after) = match (raw.event, raw.action) {
        (Some(_), Some(_)) => {
            return Err("has both `event` and `action`; a step runs one of them".to_owned());
        }
        (None, None) => {
            return Err(
                "has neither `event` nor `action`; e.g. `event: config-changed` or `action: restart`"
                    .to_owned(),
            );
        }
        (Some(name), None) => {
            if raw.params.is_some() {
                return Err("`params` go with an `action`, not an event".to_owned());
            }
            let (event, before, after) = build_event(&name, raw.relation, raw.unit, c)?;
            (Trigger::Event(event), before, after)
        }
        (None, Some(name)) => {
            if raw.relation.is_some() || raw.unit.is_some() {
                return Err(
                    "`relation` and `unit` go with a relation event, not an action".to_owned(),
                );
            }
            let params = raw.params.unwrap_or_default();
            if let Some(problem) = c.harness.check_action(&name, &params, &c.shadow).first() {
                return Err(problem.to_string());
            }
            (Trigger::Action { name, params }, Vec::new(), Vec::new())
        }
    };
    apply(&before, &mut c.shadow)?;
    if let Trigger::Event(event) = &trigger
        && let Some(problem) = c.harness.check(event, &c.shadow).first()
    {
        return Err(problem.to_string());
    }
    apply(&after, &mut c.shadow)?;
    let mut changes = changes;
    changes.extend(before);
    Ok(Step {
        note: raw.note,
        changes,
        trigger,
        after,
        expect,
    })
}

/// `active`, or `blocked: [workload] bad image`.
fn parse_expect(text: &str) -> Result<Expect, String> {
    let (kind, message) = match text.split_once(':') {
        Some((kind, message)) => (kind.trim(), Some(message.trim())),
        None => (text.trim(), None),
    };
    let parsed = StatusKind::parse(kind).ok_or_else(|| {
        format!(
            "`expect`: {text:?} does not start with a status (active, blocked, waiting, maintenance, error, unknown); write e.g. `expect: active` or `expect: \"blocked: [workload] bad image\"`"
        )
    })?;
    Ok(match message {
        None => Expect::Kind(parsed),
        Some(message) => Expect::Exact(Status::new(parsed, message)),
    })
}

/// The event called `name` (a Juju hook name), against the state set up so far; the
/// changes Juju makes before it (a departing unit leaves) and after it (a broken relation
/// goes away).
fn build_event(
    name: &str,
    relation: Option<u64>,
    unit: Option<String>,
    c: &ParseContext,
) -> Result<(Event, Vec<Change>, Vec<Change>), String> {
    let metadata = c.harness.metadata();
    if let Some(event) = crate::juju::fixed_event(name) {
        if relation.is_some() || unit.is_some() {
            return Err(format!(
                "`relation` and `unit` go with a relation event, not {name}"
            ));
        }
        return Ok((event, Vec::new(), Vec::new()));
    }
    for kind in RelationEventKind::ALL {
        let Some(endpoint) = strip_suffix(name, kind.suffix()) else {
            continue;
        };
        if !metadata.endpoints.contains_key(endpoint) {
            continue;
        }
        let on_endpoint: Vec<&Relation> = c.shadow.relations_on(endpoint).collect();
        let chosen = match relation {
            Some(id) => {
                let found = c.shadow.relation(RelationId(id)).ok_or_else(|| {
                    format!(
                        "`relation`: there is no relation with id {id} at this step (relations: {})",
                        relation_list(&c.shadow)
                    )
                })?;
                if found.endpoint != endpoint {
                    return Err(format!(
                        "`relation`: relation {id} is on {:?}, not on {endpoint:?} as {name} is",
                        found.endpoint
                    ));
                }
                found
            }
            None => match on_endpoint.as_slice() {
                [one] => *one,
                [] => {
                    return Err(format!(
                        "{name}: there is no relation on {endpoint:?} at this step; add one first, e.g. `set: {{relations: [{{id: 1, endpoint: {endpoint}, app: other}}]}}`"
                    ));
                }
                several => {
                    let ids: Vec<String> = several.iter().map(|r| r.id.to_string()).collect();
                    return Err(format!(
                        "{name}: there are several relations on {endpoint:?} (ids {}); say which with `relation: <id>`",
                        ids.join(", ")
                    ));
                }
            },
        };
        let units: Vec<&str> = chosen.remote_units().collect();
        if let Some(unit) = &unit
            && !units.contains(&unit.as_str())
        {
            return Err(format!(
                "`unit`: {unit:?} is not a unit of relation {} (its units: {})",
                chosen.id,
                if units.is_empty() {
                    "none".to_owned()
                } else {
                    units.join(", ")
                }
            ));
        }
        let id = chosen.id;
        return Ok(match kind {
            RelationEventKind::Departed => {
                let departing = unit
                    .or_else(|| units.last().map(|u| (*u).to_owned()))
                    .ok_or_else(|| {
                        format!("{name}: relation {id} has no remote unit left to depart")
                    })?;
                let mut after_departure = chosen.clone();
                after_departure.remote_units_data.remove(&departing);
                (
                    Event::relation_departed(&after_departure, departing.clone()),
                    vec![Change::RemoveUnit(id, departing)],
                    Vec::new(),
                )
            }
            RelationEventKind::Broken => (
                Event::relation_broken(chosen),
                Vec::new(),
                vec![Change::Unrelate(id)],
            ),
            kind => {
                let event = Event::relation(kind, chosen);
                let event = match (unit, kind) {
                    (Some(unit), RelationEventKind::Joined | RelationEventKind::Changed) => {
                        event.from_unit(unit)
                    }
                    (Some(_), _) => {
                        return Err(format!("`unit` does not go with {name}"));
                    }
                    (None, _) => event,
                };
                (event, Vec::new(), Vec::new())
            }
        });
    }
    if let Some(container) = strip_suffix(name, PebbleEventKind::Ready.suffix())
        && metadata.containers.contains_key(container)
    {
        let container = c
            .shadow
            .container(container)
            .cloned()
            .unwrap_or_else(|| Container::new(container));
        return Ok((Event::pebble_ready(&container), Vec::new(), Vec::new()));
    }
    let endpoints: Vec<String> = metadata.endpoints.keys().cloned().collect();
    let containers: Vec<String> = metadata.containers.keys().cloned().collect();
    Err(format!(
        "unknown event {name:?}; expected a Juju event name such as install, config-changed, update-status, <endpoint>-relation-changed (endpoints: {}), <container>-pebble-ready (containers: {}), or `action: <name>` for an action",
        list_or_none(&endpoints),
        list_or_none(&containers)
    ))
}
