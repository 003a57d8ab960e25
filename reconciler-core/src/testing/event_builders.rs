//! Building the events [`events`](super::events) does not: custom Pebble notices, storage,
//! secrets and meter status, and the container builders that give a custom notice or a
//! check event something to name.
//!
//! With the helpers of `events`, there is one for every kind of [`Event`]: the lifecycle
//! events are plain variants ([`Event::Install`], [`Event::LeaderDeposed`], ...), relation
//! and Pebble events are built from the state's objects, actions with
//! [`Event::action`] (their parameters go to
//! [`Harness::run_action`](crate::testing::Harness::run_action)).
//!
//! ```
//! use reconciler_core::Event;
//! use reconciler_core::event::SecretEventKind;
//! use reconciler_core::pebble::{CheckInfo, CheckStatus, NoticeType, PebbleNotice};
//! use reconciler_core::testing::Container;
//!
//! let notice = PebbleNotice::new(
//!     "7", NoticeType::Custom, "example.com/db-ready", "2024-01-02T03:04:05Z", 1, Default::default(),
//! );
//! let workload = Container::new("workload")
//!     .with_notice(notice.clone())
//!     .with_check(CheckInfo::new("up", CheckStatus::Down));
//! assert_eq!(
//!     Event::pebble_custom_notice(&workload, &notice).name(),
//!     "workload-pebble-custom-notice"
//! );
//!
//! let attached = Event::storage_attached("data", 1);
//! assert!(matches!(&attached, Event::Storage { id: Some(id), .. } if id == "data/1"));
//!
//! let expired = Event::secret(SecretEventKind::Expired, "secret:d0lqb5ovoop5vr1f9cag")
//!     .with_secret_label("db-password")
//!     .with_secret_revision(3);
//! assert_eq!(expired.name(), "secret-expired");
//! ```

use crate::event::{Event, Notice, PebbleEventKind, SecretEventKind, StorageEventKind};
use crate::pebble::{CheckInfo, PebbleNotice};
use crate::testing::state::Container;

// Metadata (event builders for every event kind).
impl Event {
    /// `<container>-pebble-custom-notice` for `notice`, one of `container`'s notices:
    /// the event carries its id, type and key, as Juju's `JUJU_NOTICE_*` give them.
    pub fn pebble_custom_notice(container: &Container, notice: &PebbleNotice) -> Event {
        Event::Pebble {
            kind: PebbleEventKind::CustomNotice,
            container: container.name.clone(),
            check: None,
            notice: Some(Notice {
                id: notice.id.clone(),
                kind: notice.type_.as_str().to_owned(),
                key: notice.key.clone(),
            }),
        }
    }

    /// `<name>-storage-attached` for instance `index` of the storage `name` (storage id
    /// `<name>/<index>`).
    pub fn storage_attached(name: impl Into<String>, index: u32) -> Event {
        storage_event(StorageEventKind::Attached, name.into(), index)
    }

    /// `<name>-storage-detaching` for instance `index` of the storage `name` (storage id
    /// `<name>/<index>`).
    pub fn storage_detaching(name: impl Into<String>, index: u32) -> Event {
        storage_event(StorageEventKind::Detaching, name.into(), index)
    }

    /// A secret event (`secret-changed`, `-expired`, `-remove`, `-rotate`) for the secret
    /// `id` (its URI, `secret:...`), without a label or revision; add them with
    /// [`with_secret_label`](Self::with_secret_label) and
    /// [`with_secret_revision`](Self::with_secret_revision) (Juju gives a revision to
    /// `secret-expired` and `secret-remove`).
    pub fn secret(kind: SecretEventKind, id: impl Into<String>) -> Event {
        Event::Secret {
            kind,
            id: id.into(),
            label: None,
            revision: None,
        }
    }

    /// This secret event with the secret's label (`JUJU_SECRET_LABEL`); other events are
    /// returned unchanged.
    #[must_use]
    pub fn with_secret_label(self, label: impl Into<String>) -> Event {
        match self {
            Event::Secret {
                kind, id, revision, ..
            } => Event::Secret {
                kind,
                id,
                label: Some(label.into()),
                revision,
            },
            other => other,
        }
    }

    /// This secret event with a revision (`JUJU_SECRET_REVISION`); other events are
    /// returned unchanged.
    #[must_use]
    pub fn with_secret_revision(self, revision: u64) -> Event {
        match self {
            Event::Secret {
                kind, id, label, ..
            } => Event::Secret {
                kind,
                id,
                label,
                revision: Some(revision),
            },
            other => other,
        }
    }

    /// `meter-status-changed` with the status code (`GREEN`, `AMBER`, `RED`, ...) and its
    /// message.
    pub fn meter_status_changed(status: impl Into<String>, info: impl Into<String>) -> Event {
        Event::MeterStatusChanged {
            status: Some(status.into()),
            info: Some(info.into()),
        }
    }
}

fn storage_event(kind: StorageEventKind, name: String, index: u32) -> Event {
    let id = format!("{name}/{index}");
    Event::Storage {
        kind,
        name,
        id: Some(id),
    }
}

impl Container {
    /// This container with a notice (appended to [`notices`](Self::notices)), for a
    /// `pebble-custom-notice` event to name or the charm to read.
    #[must_use]
    pub fn with_notice(mut self, notice: PebbleNotice) -> Container {
        self.notices.push(notice);
        self
    }

    /// This container with a health check's state (replacing one of the same name in
    /// [`checks`](Self::checks)), for a check event to name or the charm to read.
    #[must_use]
    pub fn with_check(mut self, check: CheckInfo) -> Container {
        self.checks.retain(|c| c.name != check.name);
        self.checks.push(check);
        self
    }
}
