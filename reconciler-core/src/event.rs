//! The events Juju runs a charm for, and the events a component can ask to observe.

use std::borrow::Cow;
use std::fmt;

use crate::backend::RelationId;

/// One Juju event, with the context Juju gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `install`
    Install,
    /// `start`
    Start,
    /// `stop`
    Stop,
    /// `remove`
    Remove,
    /// `config-changed`
    ConfigChanged,
    /// `update-status`
    UpdateStatus,
    /// `upgrade-charm`
    UpgradeCharm,
    /// `leader-elected`
    LeaderElected,
    /// `leader-settings-changed`
    LeaderSettingsChanged,
    /// `collect-metrics`
    CollectMetrics,
    /// `pre-series-upgrade`
    PreSeriesUpgrade,
    /// `post-series-upgrade`
    PostSeriesUpgrade,
    /// `leader-deposed`: this unit is no longer the leader (Juju runs it once leadership
    /// has passed to another unit, so `is-leader` answers false). Not a reconcile event:
    /// it reaches the charm's own handler (`Charm::handle_other`).
    LeaderDeposed,
    /// `meter-status-changed`: the model's meter status changed. Not a reconcile event:
    /// it reaches the charm's own handler (`Charm::handle_other`).
    MeterStatusChanged {
        /// `JUJU_METER_STATUS`: the status code (`GREEN`, `AMBER`, `RED`, ...), if set.
        status: Option<String>,
        /// `JUJU_METER_INFO`: the message that goes with it, if set.
        info: Option<String>,
    },
    /// `secret-changed`, `secret-expired`, `secret-remove`, `secret-rotate`
    Secret {
        /// Which secret event.
        kind: SecretEventKind,
        /// `JUJU_SECRET_ID`
        id: String,
        /// `JUJU_SECRET_LABEL`, if the secret has one.
        label: Option<String>,
        /// `JUJU_SECRET_REVISION`, for expired and remove.
        revision: Option<u64>,
    },
    /// `<endpoint>-relation-{created,joined,changed,departed,broken}`
    Relation {
        /// Which relation event.
        kind: RelationEventKind,
        /// The endpoint name from the charm's metadata (`JUJU_RELATION`).
        endpoint: String,
        /// The relation id, the number in `JUJU_RELATION_ID` (`db:3` is 3).
        id: RelationId,
        /// `JUJU_REMOTE_APP`
        remote_app: Option<String>,
        /// `JUJU_REMOTE_UNIT`
        remote_unit: Option<String>,
        /// `JUJU_DEPARTING_UNIT`, for departed.
        departing_unit: Option<String>,
    },
    /// `<container>-pebble-{ready,custom-notice,check-failed,check-recovered}`
    Pebble {
        /// Which Pebble event.
        kind: PebbleEventKind,
        /// The container name (`JUJU_WORKLOAD_NAME`).
        container: String,
        /// `JUJU_PEBBLE_CHECK_NAME`, for check events.
        check: Option<String>,
        /// `JUJU_NOTICE_ID`, `JUJU_NOTICE_TYPE`, `JUJU_NOTICE_KEY`, for notices.
        notice: Option<Notice>,
    },
    /// `<storage>-storage-{attached,detaching}`
    Storage {
        /// Which storage event.
        kind: StorageEventKind,
        /// The storage name from the charm's metadata.
        name: String,
        /// `JUJU_STORAGE_ID`, for example `data/1`.
        id: Option<String>,
    },
    /// An action (`actions/<name>`).
    Action {
        /// The action's name.
        name: String,
        /// `JUJU_ACTION_UUID`
        uuid: Option<String>,
    },
}

/// A Pebble notice's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// `JUJU_NOTICE_ID`
    pub id: String,
    /// `JUJU_NOTICE_TYPE`
    pub kind: String,
    /// `JUJU_NOTICE_KEY`
    pub key: String,
}

/// The relation event kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationEventKind {
    /// `-relation-created`
    Created,
    /// `-relation-joined`
    Joined,
    /// `-relation-changed`
    Changed,
    /// `-relation-departed`
    Departed,
    /// `-relation-broken`
    Broken,
}

/// The Pebble event kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PebbleEventKind {
    /// `-pebble-ready`
    Ready,
    /// `-pebble-custom-notice`
    CustomNotice,
    /// `-pebble-check-failed`
    CheckFailed,
    /// `-pebble-check-recovered`
    CheckRecovered,
}

/// The storage event kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageEventKind {
    /// `-storage-attached`
    Attached,
    /// `-storage-detaching`
    Detaching,
}

/// The secret event kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretEventKind {
    /// `secret-changed`
    Changed,
    /// `secret-expired`
    Expired,
    /// `secret-remove`
    Remove,
    /// `secret-rotate`
    Rotate,
}

impl RelationEventKind {
    /// Every relation event kind, in the order Juju runs them for one relation.
    pub(crate) const ALL: [RelationEventKind; 5] = [
        RelationEventKind::Created,
        RelationEventKind::Joined,
        RelationEventKind::Changed,
        RelationEventKind::Departed,
        RelationEventKind::Broken,
    ];

    /// The hook-name suffix after the endpoint: `relation-changed`, ...
    pub const fn suffix(self) -> &'static str {
        match self {
            RelationEventKind::Created => "relation-created",
            RelationEventKind::Joined => "relation-joined",
            RelationEventKind::Changed => "relation-changed",
            RelationEventKind::Departed => "relation-departed",
            RelationEventKind::Broken => "relation-broken",
        }
    }
}

impl PebbleEventKind {
    /// The hook-name suffix after the container: `pebble-ready`, ...
    pub const fn suffix(self) -> &'static str {
        match self {
            PebbleEventKind::Ready => "pebble-ready",
            PebbleEventKind::CustomNotice => "pebble-custom-notice",
            PebbleEventKind::CheckFailed => "pebble-check-failed",
            PebbleEventKind::CheckRecovered => "pebble-check-recovered",
        }
    }
}

impl StorageEventKind {
    /// The hook-name suffix after the storage name: `storage-attached`, ...
    pub const fn suffix(self) -> &'static str {
        match self {
            StorageEventKind::Attached => "storage-attached",
            StorageEventKind::Detaching => "storage-detaching",
        }
    }
}

impl SecretEventKind {
    /// The hook name: `secret-changed`, ...
    pub const fn name(self) -> &'static str {
        match self {
            SecretEventKind::Changed => "secret-changed",
            SecretEventKind::Expired => "secret-expired",
            SecretEventKind::Remove => "secret-remove",
            SecretEventKind::Rotate => "secret-rotate",
        }
    }
}

impl Event {
    /// The event's hook name as Juju spells it (`db-relation-changed`), or the action name
    /// for an action.
    pub fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            Event::Install => "install",
            Event::Start => "start",
            Event::Stop => "stop",
            Event::Remove => "remove",
            Event::ConfigChanged => "config-changed",
            Event::UpdateStatus => "update-status",
            Event::UpgradeCharm => "upgrade-charm",
            Event::LeaderElected => "leader-elected",
            Event::LeaderSettingsChanged => "leader-settings-changed",
            Event::CollectMetrics => "collect-metrics",
            Event::PreSeriesUpgrade => "pre-series-upgrade",
            Event::PostSeriesUpgrade => "post-series-upgrade",
            Event::LeaderDeposed => "leader-deposed",
            Event::MeterStatusChanged { .. } => "meter-status-changed",
            Event::Secret { kind, .. } => kind.name(),
            Event::Relation { kind, endpoint, .. } => {
                return Cow::Owned(format!("{endpoint}-{}", kind.suffix()));
            }
            Event::Pebble {
                kind, container, ..
            } => return Cow::Owned(format!("{container}-{}", kind.suffix())),
            Event::Storage { kind, name, .. } => {
                return Cow::Owned(format!("{name}-{}", kind.suffix()));
            }
            Event::Action { name, .. } => return Cow::Borrowed(name),
        })
    }

    /// Whether this is one of the lifecycle events every reconciler charm reconciles on:
    /// install, config-changed, leader-elected, leader-settings-changed, upgrade-charm,
    /// start.
    pub fn is_core_reconcile_event(&self) -> bool {
        matches!(
            self,
            Event::Install
                | Event::ConfigChanged
                | Event::LeaderElected
                | Event::LeaderSettingsChanged
                | Event::UpgradeCharm
                | Event::Start
        )
    }

    /// Whether a component observing `observe` asks for this event.
    pub fn matches(&self, observe: &Observe) -> bool {
        match (self, observe) {
            (Event::Relation { endpoint, .. }, Observe::Relation(name)) => endpoint == name,
            (Event::Pebble { container, .. }, Observe::Container(name)) => container == name,
            (Event::Storage { name: storage, .. }, Observe::Storage(name)) => storage == name,
            (Event::Secret { .. }, Observe::Secrets) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Action { name, .. } => write!(f, "action {name}"),
            other => f.write_str(&other.name()),
        }
    }
}

/// An event source a component asks to be reconciled on, beyond the lifecycle events
/// every charm reconciles on (see [`Event::is_core_reconcile_event`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Observe {
    /// Every event of this relation endpoint: created, joined, changed, departed, broken.
    Relation(Cow<'static, str>),
    /// Every Pebble event of this container: ready, custom notice, check failed/recovered.
    Container(Cow<'static, str>),
    /// Every event of this storage: attached, detaching.
    Storage(Cow<'static, str>),
    /// Every secret event (changed, expired, remove, rotate).
    Secrets,
}

impl Observe {
    /// Observe a relation endpoint.
    pub fn relation(endpoint: impl Into<Cow<'static, str>>) -> Observe {
        Observe::Relation(endpoint.into())
    }

    /// Observe a workload container.
    pub fn container(name: impl Into<Cow<'static, str>>) -> Observe {
        Observe::Container(name.into())
    }

    /// Observe a storage.
    pub fn storage(name: impl Into<Cow<'static, str>>) -> Observe {
        Observe::Storage(name.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_juju_spelling() {
        let relation = Event::Relation {
            kind: RelationEventKind::Changed,
            endpoint: "my-db".into(),
            id: RelationId(3),
            remote_app: None,
            remote_unit: None,
            departing_unit: None,
        };
        assert_eq!(relation.name(), "my-db-relation-changed");
        let pebble = Event::Pebble {
            kind: PebbleEventKind::CheckFailed,
            container: "workload".into(),
            check: Some("up".into()),
            notice: None,
        };
        assert_eq!(pebble.name(), "workload-pebble-check-failed");
        assert!(pebble.matches(&Observe::container("workload")));
        assert!(!pebble.matches(&Observe::relation("workload")));
        assert_eq!(
            Event::LeaderSettingsChanged.to_string(),
            "leader-settings-changed"
        );
        assert!(Event::Install.is_core_reconcile_event());
        assert!(!Event::UpdateStatus.is_core_reconcile_event());
    }
}
