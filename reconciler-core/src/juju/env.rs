//! The hook environment: which event Juju runs the charm for, and its context, read from
//! `JUJU_*` variables and resolved against the charm's metadata.
//!
//! The event comes from `JUJU_DISPATCH_PATH` (`hooks/db-relation-changed`,
//! `actions/backup`), or, for charms Juju runs the old way, from `argv[0]`
//! (`.../hooks/install`). Endpoint, container and storage names may contain `-`, so a
//! hook name is matched against the names the charm declares, never split blindly.

use std::path::{Path, PathBuf};

use crate::event::{
    Event, Notice, PebbleEventKind, RelationEventKind, SecretEventKind, StorageEventKind,
};
use crate::metadata::{Metadata, MetadataError};

/// Why the hook environment could not be turned into an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// Neither `JUJU_DISPATCH_PATH` nor `argv[0]` names a hook or an action.
    #[error(
        "cannot tell which event to handle: JUJU_DISPATCH_PATH is not set and argv[0] \
         ({argv0:?}) is not hooks/<event> or actions/<action>"
    )]
    NoEvent {
        /// The program name the charm was started as.
        argv0: String,
    },
    /// The name is not one of Juju's events.
    #[error("unknown event {name:?} (from {source_desc}); this charm does not handle it")]
    UnknownEvent {
        /// The hook name.
        name: String,
        /// Where the name came from, like `JUJU_DISPATCH_PATH=hooks/foo`.
        source_desc: String,
    },
    /// A relation, Pebble or storage event for a name the charm's metadata lacks.
    #[error("event {event} is for {kind} {name:?}, which {detail}")]
    Undeclared {
        /// The hook name and where it came from.
        event: String,
        /// `relation endpoint`, `container` or `storage`.
        kind: &'static str,
        /// The name the event is for.
        name: String,
        /// Which metadata file lacks it, and the names it declares.
        detail: String,
    },
    /// A variable the event needs is not set.
    #[error("{event}: {var} is not set; Juju sets it for this event")]
    MissingVar {
        /// The event name.
        event: String,
        /// The variable.
        var: &'static str,
    },
    /// A variable has a value that cannot be used.
    #[error("{var}={value:?}: {problem}")]
    BadVar {
        /// The variable.
        var: String,
        /// Its value (lossily decoded if it is not UTF-8).
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The charm's metadata could not be read.
    #[error("cannot read the charm's metadata: {0}")]
    Metadata(#[from] MetadataError),
}

impl EnvError {
    /// Whether Juju should retry the hook: true when the environment itself is unusable
    /// (no event, unreadable metadata, missing or malformed variables); false for an event
    /// this charm does not know, which a retry would not change.
    pub fn should_retry(&self) -> bool {
        !matches!(
            self,
            EnvError::UnknownEvent { .. } | EnvError::Undeclared { .. }
        )
    }
}

/// Everything the hook environment says about this run.
#[derive(Clone, Debug, PartialEq)]
pub struct HookEnv {
    /// The event, with its context.
    pub event: Event,
    /// `JUJU_UNIT_NAME`, like `my-charm/0`.
    pub unit_name: String,
    /// `JUJU_MODEL_NAME` (empty if unset).
    pub model_name: String,
    /// `JUJU_MODEL_UUID`, if set.
    pub model_uuid: Option<String>,
    /// `JUJU_VERSION`, if set.
    pub juju_version: Option<String>,
    /// `JUJU_MACHINE_ID`, if set: the machine's id on a machine model, empty on
    /// Kubernetes.
    pub machine_id: Option<String>,
    /// `JUJU_CHARM_DIR`, or the working directory when it is unset.
    pub charm_dir: PathBuf,
    /// `JUJU_DISPATCH_PATH`, if set.
    pub dispatch_path: Option<String>,
    /// Whether `JUJU_DEBUG` is set to a non-empty value.
    pub debug: bool,
}

/// Looks up one variable: `Ok(None)` when unset, an error when not UTF-8.
type Lookup<'a> = dyn Fn(&str) -> Result<Option<String>, EnvError> + 'a;

impl HookEnv {
    /// Reads the process environment and `argv[0]`, and the charm's metadata from
    /// `JUJU_CHARM_DIR`. Returns the environment and the metadata it was resolved against.
    pub fn from_env() -> Result<(HookEnv, Metadata), EnvError> {
        let lookup = |name: &str| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(value)) => Err(EnvError::BadVar {
                var: name.to_owned(),
                value: value.to_string_lossy().into_owned(),
                problem: "not valid UTF-8".into(),
            }),
        };
        let argv0 = std::env::args_os()
            .next()
            .map(|a| a.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        HookEnv::resolve(&lookup, &argv0, &cwd)
    }

    /// Like [`HookEnv::from_env`], from a map of variables (for tests).
    #[cfg(test)]
    pub fn from_vars(
        vars: &std::collections::BTreeMap<String, String>,
        argv0: &str,
        cwd: &Path,
    ) -> Result<(HookEnv, Metadata), EnvError> {
        let lookup = |name: &str| Ok(vars.get(name).cloned());
        HookEnv::resolve(&lookup, argv0, cwd)
    }

    fn resolve(
        lookup: &Lookup<'_>,
        argv0: &str,
        cwd: &Path,
    ) -> Result<(HookEnv, Metadata), EnvError> {
        let dispatch_path = lookup("JUJU_DISPATCH_PATH")?.filter(|p| !p.is_empty());
        // Find the event name first: with no event there is nothing to do, whatever else
        // is wrong.
        let (path, source_desc) = match &dispatch_path {
            Some(path) => (path.clone(), format!("JUJU_DISPATCH_PATH={path}")),
            None => (legacy_path(argv0)?, format!("argv[0]={argv0}")),
        };
        let charm_dir = lookup("JUJU_CHARM_DIR")?
            .filter(|d| !d.is_empty())
            .map_or_else(|| cwd.to_path_buf(), PathBuf::from);
        let metadata = Metadata::load(&charm_dir)?;
        let event = parse_event(&path, &source_desc, lookup, &metadata, &charm_dir)?;
        let unit_name = lookup("JUJU_UNIT_NAME")?.ok_or_else(|| EnvError::MissingVar {
            event: event.name().into_owned(),
            var: "JUJU_UNIT_NAME",
        })?;
        if !unit_name.contains('/') {
            return Err(EnvError::BadVar {
                var: "JUJU_UNIT_NAME".into(),
                value: unit_name,
                problem: "expected <application>/<number>".into(),
            });
        }
        Ok((
            HookEnv {
                event,
                unit_name,
                model_name: lookup("JUJU_MODEL_NAME")?.unwrap_or_default(),
                model_uuid: lookup("JUJU_MODEL_UUID")?,
                juju_version: lookup("JUJU_VERSION")?,
                machine_id: lookup("JUJU_MACHINE_ID")?,
                charm_dir,
                dispatch_path,
                debug: lookup("JUJU_DEBUG")?.is_some_and(|v| !v.is_empty()),
            },
            metadata,
        ))
    }
}

/// `hooks/<name>` or `actions/<name>` from the program name of a charm run the old way.
fn legacy_path(argv0: &str) -> Result<String, EnvError> {
    let path = Path::new(argv0);
    let name = path.file_name().and_then(|n| n.to_str());
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    match (parent, name) {
        (Some(dir @ ("hooks" | "actions")), Some(name)) if !name.is_empty() => {
            Ok(format!("{dir}/{name}"))
        }
        _ => Err(EnvError::NoEvent {
            argv0: argv0.to_owned(),
        }),
    }
}

fn parse_event(
    path: &str,
    source_desc: &str,
    lookup: &Lookup<'_>,
    metadata: &Metadata,
    charm_dir: &Path,
) -> Result<Event, EnvError> {
    let unknown = |name: &str| EnvError::UnknownEvent {
        name: name.to_owned(),
        source_desc: source_desc.to_owned(),
    };
    let (dir, name) = path.rsplit_once('/').unwrap_or(("hooks", path));
    let dir = dir.rsplit('/').next().unwrap_or(dir);
    if name.is_empty() {
        return Err(unknown(path));
    }
    match dir {
        "actions" => {
            return Ok(Event::Action {
                name: name.to_owned(),
                uuid: lookup("JUJU_ACTION_UUID")?,
            });
        }
        "hooks" => {}
        _ => return Err(unknown(path)),
    }
    let fixed = match fixed_event(name) {
        Some(Event::MeterStatusChanged { .. }) => Some(Event::MeterStatusChanged {
            status: lookup("JUJU_METER_STATUS")?.filter(|v| !v.is_empty()),
            info: lookup("JUJU_METER_INFO")?.filter(|v| !v.is_empty()),
        }),
        fixed => fixed,
    };
    if let Some(event) = fixed {
        return Ok(event);
    }
    let required = |var: &'static str| -> Result<String, EnvError> {
        lookup(var)?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| EnvError::MissingVar {
                event: name.to_owned(),
                var,
            })
    };
    let optional = |var: &str| -> Result<Option<String>, EnvError> {
        Ok(lookup(var)?.filter(|v| !v.is_empty()))
    };
    let metadata_file = || {
        let file = if charm_dir.join("charmcraft.yaml").exists() {
            "charmcraft.yaml"
        } else {
            "metadata.yaml"
        };
        charm_dir.join(file).display().to_string()
    };
    let undeclared =
        |kind: &'static str, entity: &str, declared: Vec<&String>| EnvError::Undeclared {
            event: format!("{name:?} (from {source_desc})"),
            kind,
            name: entity.to_owned(),
            detail: format!(
                "{} does not declare (declared: {})",
                metadata_file(),
                if declared.is_empty() {
                    "none".to_owned()
                } else {
                    declared
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        };

    for kind in [
        SecretEventKind::Changed,
        SecretEventKind::Expired,
        SecretEventKind::Remove,
        SecretEventKind::Rotate,
    ] {
        if name == kind.name() {
            let revision = match optional("JUJU_SECRET_REVISION")? {
                None => None,
                Some(text) => Some(text.parse::<u64>().map_err(|_| EnvError::BadVar {
                    var: "JUJU_SECRET_REVISION".into(),
                    value: text.clone(),
                    problem: "expected a revision number".into(),
                })?),
            };
            return Ok(Event::Secret {
                kind,
                id: required("JUJU_SECRET_ID")?,
                label: optional("JUJU_SECRET_LABEL")?,
                revision,
            });
        }
    }

    for kind in RelationEventKind::ALL {
        let Some(endpoint) = strip_suffix(name, kind.suffix()) else {
            continue;
        };
        if !metadata.endpoints.contains_key(endpoint) {
            return Err(undeclared(
                "relation endpoint",
                endpoint,
                metadata.endpoints.keys().collect(),
            ));
        }
        let id_text = required("JUJU_RELATION_ID")?;
        let id = parse_relation_id(&id_text).ok_or_else(|| EnvError::BadVar {
            var: "JUJU_RELATION_ID".into(),
            value: id_text.clone(),
            problem: "expected <endpoint>:<number>, like db:3".into(),
        })?;
        if let Some(relation) = optional("JUJU_RELATION")?
            && relation != endpoint
        {
            return Err(EnvError::BadVar {
                var: "JUJU_RELATION".into(),
                value: relation,
                problem: format!("the event {name:?} is for endpoint {endpoint:?}"),
            });
        }
        return Ok(Event::Relation {
            kind,
            endpoint: endpoint.to_owned(),
            id: crate::backend::RelationId(id),
            remote_app: optional("JUJU_REMOTE_APP")?,
            remote_unit: optional("JUJU_REMOTE_UNIT")?,
            departing_unit: optional("JUJU_DEPARTING_UNIT")?,
        });
    }

    for kind in [
        PebbleEventKind::Ready,
        PebbleEventKind::CustomNotice,
        PebbleEventKind::CheckFailed,
        PebbleEventKind::CheckRecovered,
    ] {
        let Some(container) = strip_suffix(name, kind.suffix()) else {
            continue;
        };
        if !metadata.containers.contains_key(container) {
            return Err(undeclared(
                "container",
                container,
                metadata.containers.keys().collect(),
            ));
        }
        let check = match kind {
            PebbleEventKind::CheckFailed | PebbleEventKind::CheckRecovered => {
                Some(required("JUJU_PEBBLE_CHECK_NAME")?)
            }
            _ => optional("JUJU_PEBBLE_CHECK_NAME")?,
        };
        let notice = match kind {
            PebbleEventKind::CustomNotice => Some(Notice {
                id: required("JUJU_NOTICE_ID")?,
                kind: required("JUJU_NOTICE_TYPE")?,
                key: required("JUJU_NOTICE_KEY")?,
            }),
            _ => None,
        };
        return Ok(Event::Pebble {
            kind,
            container: container.to_owned(),
            check,
            notice,
        });
    }

    for kind in [StorageEventKind::Attached, StorageEventKind::Detaching] {
        let Some(storage) = strip_suffix(name, kind.suffix()) else {
            continue;
        };
        if !metadata.storage.contains_key(storage) {
            return Err(undeclared(
                "storage",
                storage,
                metadata.storage.keys().collect(),
            ));
        }
        return Ok(Event::Storage {
            kind,
            name: storage.to_owned(),
            id: optional("JUJU_STORAGE_ID")?,
        });
    }

    Err(unknown(name))
}

/// The event of a hook whose name is fixed (`install`, `config-changed`, ...), without
/// the context Juju gives in variables (a meter status's code and message are left unset).
pub(crate) fn fixed_event(name: &str) -> Option<Event> {
    Some(match name {
        "install" => Event::Install,
        "start" => Event::Start,
        "stop" => Event::Stop,
        "remove" => Event::Remove,
        "config-changed" => Event::ConfigChanged,
        "update-status" => Event::UpdateStatus,
        "upgrade-charm" => Event::UpgradeCharm,
        "leader-elected" => Event::LeaderElected,
        "leader-settings-changed" => Event::LeaderSettingsChanged,
        "collect-metrics" => Event::CollectMetrics,
        "pre-series-upgrade" => Event::PreSeriesUpgrade,
        "post-series-upgrade" => Event::PostSeriesUpgrade,
        "leader-deposed" => Event::LeaderDeposed,
        "meter-status-changed" => Event::MeterStatusChanged {
            status: None,
            info: None,
        },
        _ => return None,
    })
}

/// `db` from `db-relation-changed` and suffix `relation-changed`.
pub(crate) fn strip_suffix<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    name.strip_suffix(suffix)
        .and_then(|rest| rest.strip_suffix('-'))
        .filter(|rest| !rest.is_empty())
}

/// The number in `db:3` (a bare `3` is accepted too).
pub fn parse_relation_id(text: &str) -> Option<u64> {
    let number = text.rsplit_once(':').map_or(text, |(_, n)| n);
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn charm_dir(yaml: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("charmcraft.yaml"), yaml).unwrap();
        dir
    }

    const YAML: &str = "name: c\nrequires:\n  my-db:\n    interface: pg\n  my-db-relation:\n    interface: x\ncontainers:\n  my-workload: {}\nstorage:\n  my-data: {type: filesystem}\n";

    fn vars(pairs: &[(&str, &str)], dir: &Path) -> BTreeMap<String, String> {
        let mut map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert("JUJU_UNIT_NAME".into(), "c/0".into());
        map.insert("JUJU_CHARM_DIR".into(), dir.display().to_string());
        map
    }

    fn event(pairs: &[(&str, &str)]) -> Result<Event, EnvError> {
        let dir = charm_dir(YAML);
        HookEnv::from_vars(&vars(pairs, dir.path()), "dispatch", dir.path()).map(|(e, _)| e.event)
    }

    #[test]
    fn names_with_dashes_resolve_against_metadata() {
        let e = event(&[
            (
                "JUJU_DISPATCH_PATH",
                "hooks/my-db-relation-relation-changed",
            ),
            ("JUJU_RELATION_ID", "my-db-relation:7"),
            ("JUJU_REMOTE_APP", "pg"),
            ("JUJU_REMOTE_UNIT", "pg/1"),
        ])
        .unwrap();
        assert_eq!(
            e,
            Event::Relation {
                kind: RelationEventKind::Changed,
                endpoint: "my-db-relation".into(),
                id: crate::backend::RelationId(7),
                remote_app: Some("pg".into()),
                remote_unit: Some("pg/1".into()),
                departing_unit: None,
            }
        );
        let e = event(&[
            (
                "JUJU_DISPATCH_PATH",
                "hooks/my-workload-pebble-check-failed",
            ),
            ("JUJU_PEBBLE_CHECK_NAME", "up"),
        ])
        .unwrap();
        assert_eq!(e.name(), "my-workload-pebble-check-failed");
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/my-data-storage-attached"),
            ("JUJU_STORAGE_ID", "my-data/1"),
        ])
        .unwrap();
        assert!(matches!(e, Event::Storage { id: Some(ref id), .. } if id == "my-data/1"));
    }

    #[test]
    fn every_fixed_hook_and_context() {
        for name in [
            "install",
            "start",
            "stop",
            "remove",
            "config-changed",
            "update-status",
            "upgrade-charm",
            "leader-elected",
            "leader-settings-changed",
            "collect-metrics",
            "pre-series-upgrade",
            "post-series-upgrade",
            "leader-deposed",
            "meter-status-changed",
        ] {
            let e = event(&[("JUJU_DISPATCH_PATH", &format!("hooks/{name}"))]).unwrap();
            assert_eq!(e.name(), name);
        }
        assert_eq!(
            event(&[("JUJU_DISPATCH_PATH", "hooks/leader-deposed")]).unwrap(),
            Event::LeaderDeposed
        );
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/meter-status-changed"),
            ("JUJU_METER_STATUS", "AMBER"),
            ("JUJU_METER_INFO", "budget nearly spent"),
        ])
        .unwrap();
        assert_eq!(
            e,
            Event::MeterStatusChanged {
                status: Some("AMBER".into()),
                info: Some("budget nearly spent".into())
            }
        );
        assert_eq!(
            event(&[("JUJU_DISPATCH_PATH", "hooks/meter-status-changed")]).unwrap(),
            Event::MeterStatusChanged {
                status: None,
                info: None
            }
        );
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/secret-expired"),
            ("JUJU_SECRET_ID", "secret:abc"),
            ("JUJU_SECRET_REVISION", "3"),
        ])
        .unwrap();
        assert_eq!(
            e,
            Event::Secret {
                kind: SecretEventKind::Expired,
                id: "secret:abc".into(),
                label: None,
                revision: Some(3)
            }
        );
        let e = event(&[
            (
                "JUJU_DISPATCH_PATH",
                "hooks/my-workload-pebble-custom-notice",
            ),
            ("JUJU_NOTICE_ID", "1"),
            ("JUJU_NOTICE_TYPE", "custom"),
            ("JUJU_NOTICE_KEY", "a.com/b"),
        ])
        .unwrap();
        assert!(matches!(
            e,
            Event::Pebble {
                notice: Some(_),
                ..
            }
        ));
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "actions/backup"),
            ("JUJU_ACTION_UUID", "u1"),
        ])
        .unwrap();
        assert_eq!(
            e,
            Event::Action {
                name: "backup".into(),
                uuid: Some("u1".into())
            }
        );
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/my-db-relation-departed"),
            ("JUJU_RELATION_ID", "my-db:2"),
            ("JUJU_DEPARTING_UNIT", "pg/0"),
        ])
        .unwrap();
        assert!(
            matches!(e, Event::Relation { departing_unit: Some(ref u), id: crate::backend::RelationId(2), .. } if u == "pg/0")
        );
    }

    #[test]
    fn legacy_argv0() {
        let dir = charm_dir(YAML);
        let (env, _) = HookEnv::from_vars(
            &vars(&[], dir.path()),
            "/var/lib/juju/charm/hooks/config-changed",
            dir.path(),
        )
        .unwrap();
        assert_eq!(env.event, Event::ConfigChanged);
        let e = HookEnv::from_vars(&vars(&[], dir.path()), "./my-charm", dir.path()).unwrap_err();
        assert!(matches!(e, EnvError::NoEvent { .. }), "{e}");
        assert!(e.should_retry());
    }

    #[test]
    fn problems_are_named() {
        let e = event(&[("JUJU_DISPATCH_PATH", "hooks/made-up")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown event \"made-up\" (from JUJU_DISPATCH_PATH=hooks/made-up); this charm does not handle it"
        );
        assert!(!e.should_retry());
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/cache-relation-joined"),
            ("JUJU_RELATION_ID", "cache:1"),
        ])
        .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("relation endpoint \"cache\""), "{text}");
        assert!(text.contains("declared: my-db, my-db-relation"), "{text}");
        let e = event(&[("JUJU_DISPATCH_PATH", "hooks/my-db-relation-joined")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "my-db-relation-joined: JUJU_RELATION_ID is not set; Juju sets it for this event"
        );
        let e = event(&[
            ("JUJU_DISPATCH_PATH", "hooks/my-db-relation-joined"),
            ("JUJU_RELATION_ID", "my-db:x"),
        ])
        .unwrap_err();
        assert!(
            e.to_string().starts_with("JUJU_RELATION_ID=\"my-db:x\""),
            "{e}"
        );
    }
}
