//! Building events from the objects of a [`State`](crate::testing::State), so that ids,
//! endpoints, remote applications and container names always match the state the event
//! is run against.
//!
//! ```
//! use reconciler_core::Event;
//! use reconciler_core::testing::{Container, Relation};
//!
//! let db = Relation::new(3, "database", "postgresql");
//! let event = Event::relation_changed(&db);
//! assert_eq!(event.name(), "database-relation-changed");
//!
//! let workload = Container::new("workload");
//! assert_eq!(Event::pebble_ready(&workload).name(), "workload-pebble-ready");
//! ```

use crate::event::{Event, PebbleEventKind, RelationEventKind};
use crate::testing::state::{Container, Relation};

impl Event {
    /// A relation event for `relation`, as Juju would send it: the remote application is
    /// the relation's, the remote unit is its first remote unit (none for `created` and
    /// `broken`).
    pub fn relation(kind: RelationEventKind, relation: &Relation) -> Event {
        let remote_unit = match kind {
            RelationEventKind::Created | RelationEventKind::Broken => None,
            _ => relation.remote_units().next().map(str::to_owned),
        };
        Event::Relation {
            kind,
            endpoint: relation.endpoint.clone(),
            id: relation.id,
            remote_app: Some(relation.remote_app.clone()),
            remote_unit,
            departing_unit: None,
        }
    }

    /// `<endpoint>-relation-created` for `relation`.
    pub fn relation_created(relation: &Relation) -> Event {
        Event::relation(RelationEventKind::Created, relation)
    }

    /// `<endpoint>-relation-joined` for `relation`, from its first remote unit.
    pub fn relation_joined(relation: &Relation) -> Event {
        Event::relation(RelationEventKind::Joined, relation)
    }

    /// `<endpoint>-relation-changed` for `relation`, from its first remote unit.
    pub fn relation_changed(relation: &Relation) -> Event {
        Event::relation(RelationEventKind::Changed, relation)
    }

    /// `<endpoint>-relation-departed` for `relation`: `departing_unit` has left (so it
    /// should no longer be among the relation's remote units in the state).
    pub fn relation_departed(relation: &Relation, departing_unit: impl Into<String>) -> Event {
        let departing_unit = departing_unit.into();
        Event::Relation {
            kind: RelationEventKind::Departed,
            endpoint: relation.endpoint.clone(),
            id: relation.id,
            remote_app: Some(relation.remote_app.clone()),
            remote_unit: Some(departing_unit.clone()),
            departing_unit: Some(departing_unit),
        }
    }

    /// `<endpoint>-relation-broken` for `relation`: the relation is going away.
    pub fn relation_broken(relation: &Relation) -> Event {
        Event::relation(RelationEventKind::Broken, relation)
    }

    /// A relation event from a given remote unit instead of the first one.
    ///
    /// ```
    /// use reconciler_core::Event;
    /// use reconciler_core::testing::Relation;
    ///
    /// let db = Relation::new(3, "database", "postgresql")
    ///     .with_remote_unit_data("postgresql/1", [("ready", "yes")]);
    /// let event = Event::relation_changed(&db).from_unit("postgresql/1");
    /// assert!(matches!(event, Event::Relation { remote_unit: Some(u), .. } if u == "postgresql/1"));
    /// ```
    #[must_use]
    pub fn from_unit(self, unit: impl Into<String>) -> Event {
        match self {
            Event::Relation {
                kind,
                endpoint,
                id,
                remote_app,
                departing_unit,
                ..
            } => Event::Relation {
                kind,
                endpoint,
                id,
                remote_app,
                remote_unit: Some(unit.into()),
                departing_unit,
            },
            other => other,
        }
    }

    /// `<container>-pebble-ready` for `container`.
    pub fn pebble_ready(container: &Container) -> Event {
        Event::Pebble {
            kind: PebbleEventKind::Ready,
            container: container.name.clone(),
            check: None,
            notice: None,
        }
    }

    /// `<container>-pebble-check-failed` for a check of `container`.
    pub fn pebble_check_failed(container: &Container, check: impl Into<String>) -> Event {
        Event::Pebble {
            kind: PebbleEventKind::CheckFailed,
            container: container.name.clone(),
            check: Some(check.into()),
            notice: None,
        }
    }

    /// `<container>-pebble-check-recovered` for a check of `container`.
    pub fn pebble_check_recovered(container: &Container, check: impl Into<String>) -> Event {
        Event::Pebble {
            kind: PebbleEventKind::CheckRecovered,
            container: container.name.clone(),
            check: Some(check.into()),
            notice: None,
        }
    }

    /// The action `name` (run it with
    /// [`Harness::run_action`](crate::testing::Harness::run_action) to give it parameters).
    pub fn action(name: impl Into<String>) -> Event {
        Event::Action {
            name: name.into(),
            uuid: Some("1".into()),
        }
    }
}
