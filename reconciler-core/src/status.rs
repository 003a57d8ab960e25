//! Component and unit statuses, their priority order, and the rule that turns many
//! component statuses into the one status Juju shows for the unit.

use std::cmp::Ordering;
use std::fmt;

/// The kind of a [`Status`], without its message.
///
/// The variants are declared worst first, so the derived [`Ord`] is the priority order:
/// `Error < Blocked < Waiting < Maintenance < Active < Unknown` ("less" means "worse");
/// [`aggregate`] picks the minimum.
///
/// The order is the one of the Python library this design comes from
/// ([charmed-kubeflow-chisme](https://github.com/canonical/charmed-kubeflow-chisme)), so a
/// charm ported from it reports the same unit status. Waiting ranks above (is worse than)
/// Maintenance because of what each means here: Waiting is a component's own report that
/// it waits for something outside the charm (another application's data, a workload that
/// is not up), while Maintenance is mostly what the runtime gives a component held back by
/// one of its dependencies ("waiting on workload (...)"). The unit status should name the
/// root cause, not a component that only waits on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusKind {
    /// Something failed in a way the component could not explain (a returned error with no
    /// status of its own maps to [`Blocked`](Self::Blocked); a panic maps here).
    Error,
    /// A human must act (missing relation, bad config).
    Blocked,
    /// Waiting on something outside the charm's control (another application, a workload).
    Waiting,
    /// The charm is doing work, or is waiting on one of its own components.
    Maintenance,
    /// Everything this component manages is in its desired state.
    Active,
    /// The component has not said anything yet.
    Unknown,
}

impl StatusKind {
    /// Every kind, worst first.
    pub const ALL: [StatusKind; 6] = [
        StatusKind::Error,
        StatusKind::Blocked,
        StatusKind::Waiting,
        StatusKind::Maintenance,
        StatusKind::Active,
        StatusKind::Unknown,
    ];

    /// The lower-case name Juju and the logs use: `active`, `blocked`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            StatusKind::Error => "error",
            StatusKind::Blocked => "blocked",
            StatusKind::Waiting => "waiting",
            StatusKind::Maintenance => "maintenance",
            StatusKind::Active => "active",
            StatusKind::Unknown => "unknown",
        }
    }

    /// Whether Juju's `status-set` accepts this kind. Only `active`, `blocked`, `waiting`
    /// and `maintenance` are settable by a charm.
    pub const fn is_settable(self) -> bool {
        matches!(
            self,
            StatusKind::Active
                | StatusKind::Blocked
                | StatusKind::Waiting
                | StatusKind::Maintenance
        )
    }

    /// Parses the lower-case name produced by [`as_str`](Self::as_str).
    pub fn parse(name: &str) -> Option<StatusKind> {
        StatusKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status with its message, as a component reports it or Juju shows it.
///
/// Statuses are plain values: tests compare them with `assert_eq!`.
///
/// ```
/// use reconciler_core::{Status, StatusKind};
///
/// let status = Status::blocked("needs relation db");
/// assert_eq!(status.kind, StatusKind::Blocked);
/// assert_eq!(status.to_string(), "blocked: needs relation db");
/// assert!(Status::blocked("") .is_worse_than(&Status::active()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Status {
    /// What kind of status this is.
    pub kind: StatusKind,
    /// The message shown next to the status; may be empty.
    pub message: String,
}

impl Status {
    /// A status of the given kind and message.
    pub fn new(kind: StatusKind, message: impl Into<String>) -> Status {
        Status {
            kind,
            message: message.into(),
        }
    }

    /// Active with no message.
    pub fn active() -> Status {
        Status::new(StatusKind::Active, "")
    }

    /// Active with a message (for example the address the workload serves on).
    pub fn active_with(message: impl Into<String>) -> Status {
        Status::new(StatusKind::Active, message)
    }

    /// Blocked: a human must act.
    pub fn blocked(message: impl Into<String>) -> Status {
        Status::new(StatusKind::Blocked, message)
    }

    /// Waiting on something outside the charm.
    pub fn waiting(message: impl Into<String>) -> Status {
        Status::new(StatusKind::Waiting, message)
    }

    /// Maintenance: the charm is working on it.
    pub fn maintenance(message: impl Into<String>) -> Status {
        Status::new(StatusKind::Maintenance, message)
    }

    /// Unknown.
    pub fn unknown(message: impl Into<String>) -> Status {
        Status::new(StatusKind::Unknown, message)
    }

    /// Error: something failed unexpectedly (a panic, an unexplained failure).
    pub fn error(message: impl Into<String>) -> Status {
        Status::new(StatusKind::Error, message)
    }

    /// Whether this is [`StatusKind::Active`] (with or without a message).
    pub fn is_active(&self) -> bool {
        self.kind == StatusKind::Active
    }

    /// Whether `self` ranks strictly worse than `other` in the priority order.
    pub fn is_worse_than(&self, other: &Status) -> bool {
        self.kind < other.kind
    }

    /// This status with its message prefixed by `[name] `, the form the unit status takes
    /// when a component's status is the worst one.
    ///
    /// ```
    /// # use reconciler_core::Status;
    /// assert_eq!(
    ///     Status::waiting("no relation").prefixed("relation_2"),
    ///     Status::waiting("[relation_2] no relation"),
    /// );
    /// assert_eq!(Status::blocked("").prefixed("db"), Status::blocked("[db]"));
    /// ```
    pub fn prefixed(&self, name: &str) -> Status {
        let message = if self.message.is_empty() {
            format!("[{name}]")
        } else {
            format!("[{name}] {}", self.message)
        };
        Status::new(self.kind, message)
    }

    /// Maps a status to one Juju's `status-set` accepts, keeping its meaning readable.
    ///
    /// `error` becomes `blocked` with the message prefixed `error: ` (a human has to look);
    /// `unknown` becomes `waiting` with the message prefixed `status unknown: `. Settable
    /// kinds are returned unchanged.
    ///
    /// ```
    /// # use reconciler_core::Status;
    /// assert_eq!(Status::error("[db] panicked: boom").to_settable(),
    ///            Status::blocked("error: [db] panicked: boom"));
    /// assert_eq!(Status::unknown("").to_settable(), Status::waiting("status unknown"));
    /// ```
    pub fn to_settable(&self) -> Status {
        let (kind, prefix) = match self.kind {
            StatusKind::Error => (StatusKind::Blocked, "error"),
            StatusKind::Unknown => (StatusKind::Waiting, "status unknown"),
            _ => return self.clone(),
        };
        let message = if self.message.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}: {}", self.message)
        };
        Status::new(kind, message)
    }
}

impl Default for Status {
    /// [`Status::unknown`] with no message: what a component has said before it ran.
    fn default() -> Status {
        Status::unknown("")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.message)
        }
    }
}

/// Picks the worst of named statuses and shapes it into the unit status.
///
/// Each item is `(name, status, held_back)`, where `held_back` says that the executor
/// skipped the component because a dependency was not Active (its status is then the
/// runtime's Maintenance "waiting on ..."), rather than the component producing the status
/// itself.
///
/// The rule:
/// - the worst status wins;
/// - among equally bad statuses, one the component produced itself beats one of a
///   component held back by a dependency, so the unit status names the root cause and not
///   a component waiting on it; otherwise the first in iteration order wins (field
///   declaration order for a derived charm), except that among Active statuses the first
///   one with a message wins;
/// - the winner's message is prefixed with `[name] `;
/// - if every status is Active with no message, or there are none, the result is plain
///   Active;
/// - the result is always settable (see [`Status::to_settable`]).
///
/// ```
/// use reconciler_core::{aggregate, Status};
///
/// let statuses = [
///     ("workload", Status::active(), false),
///     ("relation_2", Status::waiting("no relation"), false),
///     ("kubernetes_resources", Status::waiting("later"), false),
/// ];
/// let unit = aggregate(statuses.iter().map(|(n, s, h)| (*n, s, *h)));
/// assert_eq!(unit, Status::waiting("[relation_2] no relation"));
///
/// // "website" (declared first) is held back by "database", which is busy: the unit
/// // status names the cause.
/// let held = Status::maintenance("waiting on database (maintenance: migrating)");
/// let busy = Status::maintenance("migrating");
/// assert_eq!(
///     aggregate([("website", &held, true), ("database", &busy, false)]),
///     Status::maintenance("[database] migrating"),
/// );
/// ```
pub fn aggregate<'a, I>(statuses: I) -> Status
where
    I: IntoIterator<Item = (&'a str, &'a Status, bool)>,
{
    let mut worst: Option<(&str, &Status, bool)> = None;
    for (name, status, held_back) in statuses {
        let replace = match worst {
            None => true,
            Some((_, current, current_held_back)) => match status.kind.cmp(&current.kind) {
                Ordering::Less => true,
                // A component that produced its own status beats one held back by a
                // dependency: the unit status names the root cause. Among Active statuses
                // the first one with something to say wins, so "[website] serving on :80"
                // is not hidden behind a silent component.
                Ordering::Equal => {
                    (current_held_back && !held_back)
                        || (status.is_active()
                            && current.message.is_empty()
                            && !status.message.is_empty())
                }
                Ordering::Greater => false,
            },
        };
        if replace {
            worst = Some((name, status, held_back));
        }
    }
    match worst {
        None => Status::active(),
        Some((_, status, _)) if status.is_active() && status.message.is_empty() => Status::active(),
        Some((name, status, _)) => status.prefixed(name).to_settable(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_order_is_error_blocked_waiting_maintenance_active_unknown() {
        let mut kinds = StatusKind::ALL;
        kinds.reverse();
        kinds.sort();
        assert_eq!(kinds, StatusKind::ALL);
        assert!(Status::error("").is_worse_than(&Status::blocked("")));
        assert!(Status::blocked("").is_worse_than(&Status::waiting("")));
        assert!(Status::waiting("").is_worse_than(&Status::maintenance("")));
        assert!(Status::maintenance("").is_worse_than(&Status::active()));
        assert!(Status::active().is_worse_than(&Status::unknown("")));
        assert!(!Status::active().is_worse_than(&Status::active_with("x")));
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in StatusKind::ALL {
            assert_eq!(StatusKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(StatusKind::parse("Active"), None);
    }

    #[test]
    fn only_four_kinds_are_settable() {
        let settable: Vec<_> = StatusKind::ALL
            .into_iter()
            .filter(|k| k.is_settable())
            .collect();
        assert_eq!(
            settable,
            [
                StatusKind::Blocked,
                StatusKind::Waiting,
                StatusKind::Maintenance,
                StatusKind::Active
            ]
        );
        for kind in StatusKind::ALL {
            assert!(Status::new(kind, "m").to_settable().kind.is_settable());
        }
    }

    #[test]
    fn display_shows_kind_and_message() {
        assert_eq!(Status::active().to_string(), "active");
        assert_eq!(Status::waiting("db").to_string(), "waiting: db");
    }

    #[test]
    fn aggregate_of_nothing_is_active() {
        assert_eq!(aggregate(std::iter::empty()), Status::active());
    }

    #[test]
    fn aggregate_of_plain_actives_is_plain_active() {
        let a = Status::active();
        assert_eq!(
            aggregate([("a", &a, false), ("b", &a, false)]),
            Status::active()
        );
    }

    #[test]
    fn aggregate_keeps_an_active_message_with_prefix() {
        let a = Status::active();
        let b = Status::active_with("serving on :80");
        assert_eq!(
            aggregate([("a", &a, false), ("b", &b, false)]),
            Status::active_with("[b] serving on :80")
        );
    }

    #[test]
    fn aggregate_ties_go_to_the_first() {
        let first = Status::blocked("first");
        let second = Status::blocked("second");
        assert_eq!(
            aggregate([("x", &first, false), ("y", &second, false)]),
            Status::blocked("[x] first")
        );
    }

    #[test]
    fn aggregate_maps_error_and_unknown_to_settable() {
        let e = Status::error("panicked: boom");
        let a = Status::active();
        assert_eq!(
            aggregate([("a", &a, false), ("e", &e, false)]),
            Status::blocked("error: [e] panicked: boom")
        );
        let u = Status::unknown("");
        assert_eq!(
            aggregate([("u", &u, false), ("v", &u, false)]),
            Status::waiting("status unknown: [u]")
        );
    }

    #[test]
    fn unknown_ranks_below_active() {
        // The Python library's order: an Active component outranks an Unknown one.
        let a = Status::active_with("up");
        let u = Status::unknown("");
        assert_eq!(
            aggregate([("u", &u, false), ("a", &a, false)]),
            Status::active_with("[a] up")
        );
    }

    #[test]
    fn aggregate_ties_prefer_a_status_the_component_produced_over_a_held_back_one() {
        let held = Status::maintenance("waiting on db (maintenance: migrating)");
        let busy = Status::maintenance("migrating");
        let other = Status::maintenance("other");
        // The held-back component comes first, but the one that produced its status wins.
        assert_eq!(
            aggregate([
                ("web", &held, true),
                ("db", &busy, false),
                ("x", &other, false)
            ]),
            Status::maintenance("[db] migrating")
        );
        // Among held-back components alone, the first still wins.
        assert_eq!(
            aggregate([("web", &held, true), ("api", &held, true)]),
            Status::maintenance("[web] waiting on db (maintenance: migrating)")
        );
        // A worse status still wins whatever produced it.
        let blocked = Status::blocked("stuck");
        assert_eq!(
            aggregate([("db", &busy, false), ("web", &blocked, true)]),
            Status::blocked("[web] stuck")
        );
    }
}
