//! Gates: components that do nothing but say whether a precondition holds, meant to be
//! listed in other components' `depends_on` so those run only when it does.
//!
//! A gate is Active when its condition holds and Blocked or Waiting, with a message that
//! says what to do, when it does not; the runtime then holds back every component that
//! depends on it with Maintenance `waiting on <gate> (...)`. Gates compute their status
//! from the [`Context`] in [`status`](Component::status), so they also report correctly
//! in a status-only `update-status`.
//!
//! # `LeadershipGate`
//!
//! Active on the leader unit; Waiting `waiting for leadership` on the others. Observes no
//! events beyond the lifecycle ones (`leader-elected` is one of them). For work only one
//! unit may do that is not application data (which `configure_app_leader` covers).
//!
//! # `ModelNameGate`
//!
//! Active when the model has the name the charm needs (some Kubeflow charms must run in a
//! model named `kubeflow`); Blocked otherwise, naming the needed and the current name and
//! saying to deploy into a model with the needed name. Observes nothing more.
//!
//! # `RelationCountGate`
//!
//! Active when the number of relations on one or more endpoints, counted together, is
//! within `[MIN, MAX]`; Blocked otherwise, saying how many there are, how many are needed,
//! and the `juju integrate` or `juju remove-relation` command to fix it. The bounds are
//! const generics checked when the charm is built: `MIN > MAX` or `MAX == 0` is a compile
//! error. Observes every relation event of its endpoints. An endpoint the charm's metadata
//! does not declare shows as Blocked with the backend's error, which lists the declared
//! ones.
//!
//! ```
//! use reconciler_components::gates::{LeadershipGate, RelationCountGate};
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Harness, Relation, State};
//!
//! /// Runs only on the leader, and only with one `database` relation.
//! struct Migrations;
//! impl Component for Migrations {
//!     fn status(&self, _: &mut Context<'_>) -> Status {
//!         Status::active()
//!     }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct Demo {
//!     #[component]
//!     leader: LeadershipGate,
//!     #[component]
//!     database: RelationCountGate<1, 1>,
//!     #[component(depends_on = [leader, database])]
//!     migrations: Migrations,
//! }
//!
//! impl Charm for Demo {
//!     fn new() -> Demo {
//!         Demo {
//!             leader: LeadershipGate::new(),
//!             database: RelationCountGate::new(["database"]),
//!             migrations: Migrations,
//!         }
//!     }
//! }
//!
//! let harness = Harness::from_yaml("name: demo\nrequires:\n  database: {interface: pg}\n")?;
//! let out = harness.run::<Demo>(Event::ConfigChanged, State::default().with_leader(true))?;
//! assert_eq!(
//!     out.status_of("database"),
//!     Some(&Status::blocked(
//!         "needs exactly 1 relation on `database`, has 0: add it with `juju integrate app:database <application>`"
//!     )),
//! );
//!
//! let state = State::default()
//!     .with_leader(true)
//!     .with_relation(Relation::new(1, "database", "postgresql"));
//! let out = harness.run::<Demo>(Event::ConfigChanged, state)?;
//! assert_eq!(out.executed(), ["leader", "database", "migrations"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use reconciler_core::{BackendError, Component, ComponentError, Context, Observe, Status};

/// The `MAX` of a [`RelationCountGate`] with no upper bound (the default).
pub const UNBOUNDED: usize = usize::MAX;

/// The status for a backend error: the error's own text, as `?` on it would show.
fn backend_error_status(error: BackendError) -> Status {
    ComponentError::from(error).status()
}

/// Active on the leader; Waiting `waiting for leadership` on every other unit.
///
/// See the [module documentation](self) for an example.
#[derive(Clone, Debug, Default)]
pub struct LeadershipGate {
    _private: (),
}

impl LeadershipGate {
    /// A leadership gate.
    pub fn new() -> LeadershipGate {
        LeadershipGate::default()
    }
}

impl Component for LeadershipGate {
    fn status(&self, ctx: &mut Context<'_>) -> Status {
        match ctx.is_leader() {
            Ok(true) => Status::active(),
            Ok(false) => Status::waiting("waiting for leadership"),
            Err(error) => backend_error_status(error),
        }
    }
}

/// Active when the model has a given name; Blocked, saying what to do, elsewhere.
///
/// ```
/// use reconciler_components::gates::ModelNameGate;
/// use reconciler_core::prelude::*;
/// use reconciler_core::testing::{Harness, State};
///
/// #[derive(CharmReconciler)]
/// struct Demo {
///     #[component]
///     model: ModelNameGate,
/// }
///
/// impl Charm for Demo {
///     fn new() -> Demo {
///         Demo { model: ModelNameGate::new("kubeflow") }
///     }
/// }
///
/// let harness = Harness::from_yaml("name: demo\n")?;
/// let out = harness.run::<Demo>(Event::ConfigChanged, State::default().with_model_name("dev"))?;
/// assert_eq!(
///     out.unit_status,
///     Status::blocked(
///         "[model] needs a model named `kubeflow`, but this model is `dev`: deploy the charm into a model named `kubeflow` (`juju add-model kubeflow`)"
///     ),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ModelNameGate {
    name: Cow<'static, str>,
}

impl ModelNameGate {
    /// A gate that is Active only in a model named `name`.
    pub fn new(name: impl Into<Cow<'static, str>>) -> ModelNameGate {
        ModelNameGate { name: name.into() }
    }

    /// The model name this gate needs.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Component for ModelNameGate {
    fn status(&self, ctx: &mut Context<'_>) -> Status {
        let current = ctx.backend().model_name();
        if current == self.name {
            Status::active()
        } else {
            let needed = &self.name;
            Status::blocked(format!(
                "needs a model named `{needed}`, but this model is `{current}`: deploy the charm into a model named `{needed}` (`juju add-model {needed}`)"
            ))
        }
    }
}

/// Active when the charm has between `MIN` and `MAX` relations (inclusive) on its
/// endpoints, counted together; Blocked otherwise, with the count, the bounds and the
/// command that fixes it.
///
/// `MAX` defaults to [`UNBOUNDED`]: `RelationCountGate<1>` needs at least one relation,
/// `RelationCountGate<1, 1>` exactly one. Bounds that no count satisfies are refused when
/// the charm is built, by [`new`](Self::new): `MIN > MAX` and `MAX == 0` fail to compile
/// with a message saying so.
///
/// ```compile_fail
/// use reconciler_components::gates::RelationCountGate;
/// // error: RelationCountGate<MIN, MAX>: MIN must not exceed MAX (no count satisfies it)
/// let gate = RelationCountGate::<2, 1>::new(["database"]);
/// ```
///
/// Observes every relation event of its endpoints (see [`Component::observes`]); an
/// endpoint the charm's metadata does not declare shows as Blocked with the backend's
/// error, which names the declared endpoints.
#[derive(Clone, Debug)]
pub struct RelationCountGate<const MIN: usize, const MAX: usize = UNBOUNDED> {
    endpoints: Vec<Cow<'static, str>>,
}

impl<const MIN: usize, const MAX: usize> RelationCountGate<MIN, MAX> {
    /// A gate over the relations on `endpoints`, counted together.
    pub fn new<E: Into<Cow<'static, str>>>(
        endpoints: impl IntoIterator<Item = E>,
    ) -> RelationCountGate<MIN, MAX> {
        const {
            assert!(
                MAX > 0,
                "RelationCountGate<MIN, MAX>: MAX must be at least 1 (to forbid relations, do not declare the endpoint)"
            )
        };
        const {
            assert!(
                MIN <= MAX,
                "RelationCountGate<MIN, MAX>: MIN must not exceed MAX (no count satisfies it)"
            )
        };
        RelationCountGate {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
        }
    }

    /// The endpoints whose relations are counted.
    pub fn endpoints(&self) -> impl Iterator<Item = &str> {
        self.endpoints.iter().map(|e| e.as_ref())
    }

    /// The number of relations on the endpoints.
    fn count(&self, ctx: &mut Context<'_>) -> Result<usize, BackendError> {
        let mut count = 0;
        for endpoint in &self.endpoints {
            count += ctx.backend().relation_ids(endpoint)?.len();
        }
        Ok(count)
    }

    /// `exactly 1 relation`, `at least 2 relations`, `between 1 and 3 relations`.
    fn needed() -> String {
        let (bound, plural_of) = if MIN == MAX {
            (format!("exactly {MIN}"), MIN)
        } else if MAX == UNBOUNDED {
            (format!("at least {MIN}"), MIN)
        } else if MIN == 0 {
            (format!("at most {MAX}"), MAX)
        } else {
            (format!("between {MIN} and {MAX}"), MAX)
        };
        let noun = if plural_of == 1 {
            "relation"
        } else {
            "relations"
        };
        format!("{bound} {noun}")
    }

    /// `` `db` `` or `` `db` and `cache` together ``.
    fn endpoint_list(&self) -> String {
        let quoted: Vec<String> = self.endpoints.iter().map(|e| format!("`{e}`")).collect();
        match quoted.len() {
            1 => quoted[0].clone(),
            _ => format!("{} together", quoted.join(" and ")),
        }
    }

    /// The endpoint spelling a command takes: `db`, or `<db|cache>` for several.
    fn endpoint_argument(&self) -> String {
        match &self.endpoints[..] {
            [one] => one.to_string(),
            many => format!(
                "<{}>",
                many.iter()
                    .map(|e| e.as_ref())
                    .collect::<Vec<_>>()
                    .join("|")
            ),
        }
    }
}

impl<const MIN: usize, const MAX: usize> Component for RelationCountGate<MIN, MAX> {
    fn status(&self, ctx: &mut Context<'_>) -> Status {
        if self.endpoints.is_empty() {
            return Status::blocked(
                "RelationCountGate was given no endpoints to count relations on (a mistake in the charm)",
            );
        }
        let count = match self.count(ctx) {
            Ok(count) => count,
            Err(error) => return backend_error_status(error),
        };
        if (MIN..=MAX).contains(&count) {
            return Status::active();
        }
        let app = ctx.backend().app_name().to_owned();
        let endpoint = self.endpoint_argument();
        let (fix, command) = if count < MIN {
            let missing = MIN - count;
            (
                if missing == 1 {
                    "add it".to_owned()
                } else {
                    format!("add {missing} more")
                },
                format!("juju integrate {app}:{endpoint} <application>"),
            )
        } else {
            let extra = count - MAX;
            (
                if extra == 1 {
                    "remove one".to_owned()
                } else {
                    format!("remove {extra}")
                },
                format!("juju remove-relation {app}:{endpoint} <application>"),
            )
        };
        Status::blocked(format!(
            "needs {} on {}, has {count}: {fix} with `{command}`",
            Self::needed(),
            self.endpoint_list(),
        ))
    }

    fn observes(&self) -> Vec<Observe> {
        self.endpoints
            .iter()
            .map(|endpoint| Observe::relation(endpoint.clone()))
            .collect()
    }
}
