//! Secrets in the in-memory model: [`Secret`] (what [`State::secrets`] holds), the
//! `secret-*` operations of [`MemoryBackend`](crate::testing::MemoryBackend), the
//! consistency checks of secrets and secret events, and the builders of secret events.
//!
//! The rules are Juju's, as the hook-tool backend meets them under Juju:
//!
//! - a secret is owned by this unit's application (only the leader adds, changes, removes,
//!   grants or lists it; every unit of the application reads it) or by this unit, or it
//!   belongs to another application and this unit observes it (it reads it if granted);
//! - the owner reads the latest revision; an observer reads the revision it tracks, which
//!   is the latest the first time it reads, and moves only with `--refresh`;
//!   `--peek` reads the latest once;
//! - new content makes a new revision, unless it equals the latest;
//! - the owner finds its secrets by its label, an observer by its own label, bound the
//!   first time it reads the secret with a URI and a label.
//!
//! ```
//! use reconciler_core::secrets::{SecretContent, SecretOptions, SecretOwner, SecretQuery};
//! use reconciler_core::testing::{MemoryBackend, Secret, State};
//! use reconciler_core::Backend;
//!
//! let mut backend = MemoryBackend::new(State::default().with_leader(true));
//! let content = SecretContent::from_pairs([("password", "s3cret")])?;
//! let uri = backend.secret_add(&content, SecretOwner::Application, &SecretOptions::new().label("db"))?;
//! assert_eq!(backend.secret_get(&SecretQuery::label("db"))?.get("password"), Some("s3cret"));
//! assert_eq!(backend.state.secret(&uri).unwrap().latest_revision(), 1);
//!
//! // Another application's secret, which this unit observes.
//! let observed = Secret::observed("vault", [("token", "t0")]).with_revision(2, [("token", "t1")]);
//! let mut backend = MemoryBackend::new(State::default().with_secret(observed.clone()));
//! let first = backend.secret_get(&SecretQuery::uri(observed.uri.clone()))?;
//! assert_eq!(first.get("token"), Some("t1"), "the first read tracks the latest");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::backend::{BackendError, RelationId};
use crate::event::{Event, SecretEventKind};
use crate::secrets::{
    SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretQuery, SecretRead, SecretRef,
    SecretRotate, SecretUri,
};
use crate::testing::consistency::Inconsistency;
use crate::testing::state::State;

/// Ids of secrets built by tests start here; the in-memory model numbers the secrets it
/// adds from 1, so the two never meet.
static NEXT_TEST_SECRET: AtomicU64 = AtomicU64::new(1 << 40);

/// Who owns a secret in the state, from this unit's point of view.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretOwnership {
    /// This unit's application: its leader manages it, every unit of it reads it.
    Application,
    /// This unit.
    Unit,
    /// Another application, `app`; this unit observes it and reads it if
    /// [`granted`](Secret::granted).
    Observed {
        /// The owning application.
        app: String,
    },
}

/// A grant of an owned secret: the remote application of a relation may read it, or only
/// one unit of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretGrant {
    /// The relation the grant is made on.
    pub relation: RelationId,
    /// The unit granted, or `None` for the whole remote application.
    pub unit: Option<String>,
}

/// A secret as this unit sees it: its revisions, labels, grants, and which revision this
/// unit tracks.
///
/// ```
/// use reconciler_core::secrets::SecretRotate;
/// use reconciler_core::testing::{Secret, SecretOwnership, State};
///
/// // This application's secret, shared with the database on relation 1.
/// let own = Secret::new([("password", "s3cret")])
///     .with_label("db-password")
///     .with_rotation(SecretRotate::Monthly)
///     .with_grant(1, None);
/// assert_eq!(own.ownership, SecretOwnership::Application);
/// // A secret the vault application shared with this unit, at revision 2 now, of which
/// // this unit still tracks revision 1.
/// let observed = Secret::observed("vault", [("token", "old")])
///     .with_revision(2, [("token", "new")])
///     .tracking(1)
///     .with_consumer_label("vault-token");
/// assert_eq!(observed.latest_revision(), 2);
/// let state = State::default().with_secret(own).with_secret(observed);
/// assert_eq!(state.secrets.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Secret {
    /// Its URI.
    pub uri: SecretUri,
    /// Who owns it.
    pub ownership: SecretOwnership,
    /// Its revisions' content, by revision number; the highest is the latest.
    pub revisions: BTreeMap<u64, SecretContent>,
    /// The owner's label (owned secrets).
    pub label: Option<String>,
    /// This unit's own label for a secret it observes (bound by `secret-get` with a URI
    /// and a label).
    pub consumer_label: Option<String>,
    /// The revision this unit tracks, for a secret it observes; `None` until it first
    /// reads it.
    pub tracked: Option<u64>,
    /// Its description.
    pub description: Option<String>,
    /// When its latest revision expires.
    pub expiry: Option<SystemTime>,
    /// Its rotation policy.
    pub rotation: Option<SecretRotate>,
    /// When it is next due to rotate.
    pub next_rotation: Option<SystemTime>,
    /// Who may read it besides its owner (owned secrets).
    pub grants: Vec<SecretGrant>,
    /// Whether this unit may read a secret it observes (it, or its application, was
    /// granted it). True unless [`not_granted`](Self::not_granted).
    pub granted: bool,
}

fn content<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> SecretContent {
    SecretContent::from_map_unchecked(
        pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
    )
}

impl Secret {
    /// A secret this unit's application owns, with `content` as revision 1, and a new
    /// URI. The content is taken as given: the harness checks it before a run (a key Juju
    /// refuses is an [`Inconsistency`]).
    pub fn new<K: Into<String>, V: Into<String>>(
        content_pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Secret {
        let id = SecretUri::id_from_seed(NEXT_TEST_SECRET.fetch_add(1, Ordering::Relaxed));
        Secret {
            uri: SecretUri::from_valid_id(id, Some(crate::testing::DEFAULT_MODEL_UUID.to_owned())),
            ownership: SecretOwnership::Application,
            revisions: BTreeMap::from([(1, content(content_pairs))]),
            label: None,
            consumer_label: None,
            tracked: None,
            description: None,
            expiry: None,
            rotation: None,
            next_rotation: None,
            grants: Vec::new(),
            granted: true,
        }
    }

    /// A secret the application `app` owns and this unit observes (granted to it), with
    /// `content` as revision 1.
    pub fn observed<K: Into<String>, V: Into<String>>(
        app: impl Into<String>,
        content_pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Secret {
        Secret {
            ownership: SecretOwnership::Observed { app: app.into() },
            ..Secret::new(content_pairs)
        }
    }

    /// This secret owned by this unit rather than its application.
    #[must_use]
    pub fn owned_by_unit(mut self) -> Secret {
        self.ownership = SecretOwnership::Unit;
        self
    }

    /// This secret with another URI.
    #[must_use]
    pub fn with_uri(mut self, uri: SecretUri) -> Secret {
        self.uri = uri;
        self
    }

    /// This secret with a revision added (or replaced).
    #[must_use]
    pub fn with_revision<K: Into<String>, V: Into<String>>(
        mut self,
        revision: u64,
        content_pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Secret {
        self.revisions.insert(revision, content(content_pairs));
        self
    }

    /// This observed secret with this unit tracking `revision`.
    #[must_use]
    pub fn tracking(mut self, revision: u64) -> Secret {
        self.tracked = Some(revision);
        self
    }

    /// This secret with the owner's label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Secret {
        self.label = Some(label.into());
        self
    }

    /// This observed secret with this unit's own label for it.
    #[must_use]
    pub fn with_consumer_label(mut self, label: impl Into<String>) -> Secret {
        self.consumer_label = Some(label.into());
        self
    }

    /// This secret with a description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Secret {
        self.description = Some(description.into());
        self
    }

    /// This secret expiring at `expiry`.
    #[must_use]
    pub fn with_expiry(mut self, expiry: SystemTime) -> Secret {
        self.expiry = Some(expiry);
        self
    }

    /// This secret with a rotation policy, next due a period from now.
    #[must_use]
    pub fn with_rotation(mut self, rotation: SecretRotate) -> Secret {
        self.rotation = Some(rotation);
        self.next_rotation = rotation.next_rotation(SystemTime::now());
        self
    }

    /// This owned secret granted on `relation` to its remote application (`unit: None`)
    /// or to one of its units.
    #[must_use]
    pub fn with_grant(mut self, relation: u64, unit: Option<&str>) -> Secret {
        self.grants.push(SecretGrant {
            relation: RelationId(relation),
            unit: unit.map(str::to_owned),
        });
        self
    }

    /// This observed secret not granted to this unit: reading it is refused
    /// (`permission denied`).
    #[must_use]
    pub fn not_granted(mut self) -> Secret {
        self.granted = false;
        self
    }

    /// The latest revision's number (0 if it has none).
    pub fn latest_revision(&self) -> u64 {
        self.revisions.keys().next_back().copied().unwrap_or(0)
    }

    /// The latest revision's content.
    pub fn latest(&self) -> Option<&SecretContent> {
        self.revisions.values().next_back()
    }

    /// Whether this unit or its application owns it.
    pub fn is_owned(&self) -> bool {
        !matches!(self.ownership, SecretOwnership::Observed { .. })
    }
}

impl State {
    /// This state with a secret added (replacing one with the same id).
    #[must_use]
    pub fn with_secret(mut self, secret: Secret) -> State {
        self.secrets.retain(|s| s.uri != secret.uri);
        self.secrets.push(secret);
        self
    }

    /// The secret with this URI's id.
    pub fn secret(&self, uri: &SecretUri) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.uri == *uri)
    }

    /// The secret with this owner's label (owned) or this unit's label (observed).
    pub fn secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| {
            (s.is_owned() && s.label.as_deref() == Some(label))
                || (!s.is_owned() && s.consumer_label.as_deref() == Some(label))
        })
    }
}

// The operations of `MemoryBackend` (see `memory.rs`): one function per tool.

fn not_found(operation: &str, what: String) -> BackendError {
    BackendError::NotFound {
        operation: operation.to_owned(),
        what,
    }
}

fn not_leader(operation: &str) -> BackendError {
    BackendError::refused(operation, "this unit is not the leader")
}

fn permission_denied(operation: &str) -> BackendError {
    BackendError::refused(operation, "permission denied")
}

fn index_of(state: &State, operation: &str, uri: &SecretUri) -> Result<usize, BackendError> {
    state
        .secrets
        .iter()
        .position(|s| s.uri == *uri)
        .ok_or_else(|| not_found(operation, format!("secret {:?}", uri.id())))
}

/// The secret at `index`, if this unit may manage it: it owns it, or its application
/// does and it leads.
fn managed<'s>(
    state: &'s mut State,
    operation: &str,
    index: usize,
) -> Result<&'s mut Secret, BackendError> {
    let leader = state.leader;
    let secret = &mut state.secrets[index];
    match secret.ownership {
        SecretOwnership::Observed { .. } => Err(permission_denied(operation)),
        SecretOwnership::Application if !leader => Err(not_leader(operation)),
        _ => Ok(secret),
    }
}

/// Whether this unit sees `secret` among its own (`secret-ids`, `secret-info-get`): it
/// owns it, or its application does and it leads.
fn listed(secret: &Secret, leader: bool) -> bool {
    match secret.ownership {
        SecretOwnership::Unit => true,
        SecretOwnership::Application => leader,
        SecretOwnership::Observed { .. } => false,
    }
}

fn check_content(operation: &str, content: &SecretContent) -> Result<(), BackendError> {
    content
        .validate()
        .map_err(|e| BackendError::refused(operation, e.to_string()))
}

/// Refuses an owner label another owned secret has.
fn check_label(
    state: &State,
    operation: &str,
    label: Option<&str>,
    except: Option<usize>,
) -> Result<(), BackendError> {
    let Some(label) = label else {
        return Ok(());
    };
    let taken = state
        .secrets
        .iter()
        .enumerate()
        .any(|(i, s)| Some(i) != except && s.is_owned() && s.label.as_deref() == Some(label));
    if taken {
        return Err(BackendError::refused(
            operation,
            format!("secret with label {label:?} already exists"),
        ));
    }
    Ok(())
}

fn apply_options(secret: &mut Secret, options: &SecretOptions, now: SystemTime) {
    if let Some(label) = &options.label {
        secret.label = Some(label.clone());
    }
    if let Some(description) = &options.description {
        secret.description = Some(description.clone());
    }
    if let Some(expire) = options.expire {
        secret.expiry = Some(expire.time_from(now));
    }
    if let Some(rotate) = options.rotate {
        secret.rotation = Some(rotate);
        secret.next_rotation = rotate.next_rotation(now);
    }
}

/// `secret-add`.
pub(crate) fn add(
    state: &mut State,
    content: &SecretContent,
    owner: SecretOwner,
    options: &SecretOptions,
) -> Result<SecretUri, BackendError> {
    let operation = "secret-add";
    options.check(operation)?;
    check_content(operation, content)?;
    if owner == SecretOwner::Application && !state.leader {
        return Err(not_leader(operation));
    }
    check_label(state, operation, options.label.as_deref(), None)?;
    let id = (1..)
        .map(SecretUri::id_from_seed)
        .find(|id| state.secrets.iter().all(|s| s.uri.id() != id))
        .expect("an unused id");
    let uri = SecretUri::from_valid_id(id, Some(state.model_uuid.clone()));
    let mut secret = Secret {
        uri: uri.clone(),
        ownership: match owner {
            SecretOwner::Application => SecretOwnership::Application,
            SecretOwner::Unit => SecretOwnership::Unit,
        },
        revisions: BTreeMap::from([(1, content.clone())]),
        label: None,
        consumer_label: None,
        tracked: None,
        description: None,
        expiry: None,
        rotation: None,
        next_rotation: None,
        grants: Vec::new(),
        granted: true,
    };
    apply_options(&mut secret, options, SystemTime::now());
    state.secrets.push(secret);
    Ok(uri)
}

/// `secret-get`.
pub(crate) fn get(state: &mut State, query: &SecretQuery) -> Result<SecretContent, BackendError> {
    let operation = "secret-get";
    query.check()?;
    let leader = state.leader;
    let index = match (&query.uri, &query.label) {
        (Some(uri), _) => index_of(state, operation, uri)?,
        (None, Some(label)) => state
            .secrets
            .iter()
            .position(|s| s.is_owned() && s.label.as_deref() == Some(label))
            .or_else(|| {
                state
                    .secrets
                    .iter()
                    .position(|s| !s.is_owned() && s.consumer_label.as_deref() == Some(label))
            })
            .ok_or_else(|| not_found(operation, format!("consumer label {label:?}")))?,
        (None, None) => {
            return Err(BackendError::refused(
                operation,
                "require either a secret URI or label",
            ));
        }
    };
    let by_uri_with_label = query.uri.is_some() && query.label.is_some();
    if state.secrets[index].is_owned() {
        // The owner (any unit, for its application's secret) reads the latest revision; a
        // URI with a label renames the secret if this unit manages it.
        let manages = state.secrets[index].ownership == SecretOwnership::Unit || leader;
        if by_uri_with_label && manages {
            check_label(state, operation, query.label.as_deref(), Some(index))?;
            state.secrets[index].label = query.label.clone();
        }
        let secret = &state.secrets[index];
        return secret
            .latest()
            .cloned()
            .ok_or_else(|| not_found(operation, format!("secret {:?}", secret.uri.id())));
    }
    if !state.secrets[index].granted {
        return Err(permission_denied(operation));
    }
    if by_uri_with_label {
        let label = query.label.as_deref();
        let taken = state
            .secrets
            .iter()
            .enumerate()
            .any(|(i, s)| i != index && !s.is_owned() && s.consumer_label.as_deref() == label);
        if taken {
            return Err(BackendError::refused(
                operation,
                format!(
                    "secret with label {:?} already exists",
                    label.unwrap_or_default()
                ),
            ));
        }
    }
    let secret = &mut state.secrets[index];
    let latest = secret.latest_revision();
    let refresh = query.read == SecretRead::Refresh || secret.tracked.is_none();
    if refresh {
        secret.tracked = Some(latest);
    }
    if by_uri_with_label {
        secret.consumer_label = query.label.clone();
    }
    let revision = if refresh || query.read == SecretRead::Peek {
        latest
    } else {
        secret.tracked.unwrap_or(latest)
    };
    secret.revisions.get(&revision).cloned().ok_or_else(|| {
        not_found(
            operation,
            format!("secret {:?} revision {revision}", secret.uri.id()),
        )
    })
}

/// `secret-set`.
pub(crate) fn set(
    state: &mut State,
    uri: &SecretUri,
    content: Option<&SecretContent>,
    options: &SecretOptions,
) -> Result<(), BackendError> {
    let operation = "secret-set";
    options.check(operation)?;
    if let Some(content) = content {
        check_content(operation, content)?;
    }
    let index = index_of(state, operation, uri)?;
    managed(state, operation, index)?;
    check_label(state, operation, options.label.as_deref(), Some(index))?;
    let secret = &mut state.secrets[index];
    if let Some(content) = content
        && secret.latest() != Some(content)
    {
        let next = secret.latest_revision() + 1;
        secret.revisions.insert(next, content.clone());
    }
    apply_options(secret, options, SystemTime::now());
    Ok(())
}

/// `secret-remove`.
pub(crate) fn remove(
    state: &mut State,
    uri: &SecretUri,
    revision: Option<u64>,
) -> Result<(), BackendError> {
    let operation = "secret-remove";
    if revision == Some(0) {
        return Err(BackendError::refused(
            operation,
            "revision 0 does not exist: secret revisions start at 1",
        ));
    }
    let index = index_of(state, operation, uri)?;
    let secret = managed(state, operation, index)?;
    if let Some(revision) = revision {
        if secret.revisions.remove(&revision).is_none() {
            return Err(not_found(
                operation,
                format!("secret {:?} revision {revision}", uri.id()),
            ));
        }
        if !secret.revisions.is_empty() {
            return Ok(());
        }
    }
    state.secrets.remove(index);
    Ok(())
}

/// `secret-grant`.
pub(crate) fn grant(
    state: &mut State,
    uri: &SecretUri,
    relation: RelationId,
    unit: Option<&str>,
) -> Result<(), BackendError> {
    let operation = "secret-grant";
    let index = index_of(state, operation, uri)?;
    managed(state, operation, index)?;
    check_grantee(state, operation, relation, unit)?;
    let secret = &mut state.secrets[index];
    let on_relation: Vec<&SecretGrant> = secret
        .grants
        .iter()
        .filter(|g| g.relation == relation)
        .collect();
    if on_relation.iter().any(|g| g.unit.is_none())
        || on_relation.iter().any(|g| g.unit.as_deref() == unit)
    {
        // Granted already, to the application or to this unit.
        return Ok(());
    }
    if unit.is_none() && !on_relation.is_empty() {
        return Err(BackendError::refused(
            operation,
            "any unit level grants need to be revoked before granting access to the corresponding application",
        ));
    }
    secret.grants.push(SecretGrant {
        relation,
        unit: unit.map(str::to_owned),
    });
    Ok(())
}

/// `secret-revoke`.
pub(crate) fn revoke(
    state: &mut State,
    uri: &SecretUri,
    relation: RelationId,
    unit: Option<&str>,
) -> Result<(), BackendError> {
    let operation = "secret-revoke";
    let index = index_of(state, operation, uri)?;
    managed(state, operation, index)?;
    check_grantee(state, operation, relation, unit)?;
    state.secrets[index]
        .grants
        .retain(|g| g.relation != relation || (unit.is_some() && g.unit.as_deref() != unit));
    Ok(())
}

/// Refuses a relation the state does not have, or a unit not of its remote application.
fn check_grantee(
    state: &State,
    operation: &str,
    relation: RelationId,
    unit: Option<&str>,
) -> Result<(), BackendError> {
    let relation = state
        .relation(relation)
        .ok_or_else(|| not_found(operation, format!("relation {relation}")))?;
    if let Some(unit) = unit {
        let valid = unit.split_once('/').is_some_and(|(app, n)| {
            !app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        });
        if !valid {
            return Err(BackendError::refused(
                operation,
                format!("unit {unit:?} not valid"),
            ));
        }
        if unit.split_once('/').map(|(app, _)| app) != Some(relation.remote_app.as_str()) {
            return Err(BackendError::refused(
                operation,
                format!(
                    "cannot specify unit {unit:?} in relation to application {:?}",
                    relation.remote_app
                ),
            ));
        }
    }
    Ok(())
}

/// `secret-ids`: the ids, as Juju prints them (without the model UUID), sorted.
pub(crate) fn ids(state: &State) -> Vec<SecretUri> {
    let mut ids: Vec<SecretUri> = state
        .secrets
        .iter()
        .filter(|s| listed(s, state.leader))
        .map(|s| SecretUri::from_valid_id(s.uri.id().to_owned(), None))
        .collect();
    ids.sort();
    ids
}

/// `secret-info-get`.
pub(crate) fn info_get(state: &State, secret: &SecretRef) -> Result<SecretInfo, BackendError> {
    let operation = "secret-info-get";
    let mut owned = state.secrets.iter().filter(|s| listed(s, state.leader));
    let found = match secret {
        SecretRef::Uri(uri) => owned.find(|s| s.uri == *uri),
        SecretRef::Label(label) if label.is_empty() => {
            return Err(BackendError::refused(
                operation,
                "a secret label cannot be empty",
            ));
        }
        SecretRef::Label(label) => owned.find(|s| s.label.as_deref() == Some(label)),
    };
    let Some(found) = found else {
        let want = match secret {
            SecretRef::Uri(uri) => uri.id().to_owned(),
            SecretRef::Label(label) => label.clone(),
        };
        return Err(not_found(operation, format!("secret {want:?}")));
    };
    Ok(SecretInfo {
        uri: SecretUri::from_valid_id(found.uri.id().to_owned(), None),
        label: found.label.clone(),
        owner: match found.ownership {
            SecretOwnership::Unit => SecretOwner::Unit,
            _ => SecretOwner::Application,
        },
        description: found.description.clone(),
        expiry: found.expiry,
        rotation: found.rotation,
        revision: found.latest_revision(),
        next_rotation: found.next_rotation,
    })
}

// Events.

impl Event {
    /// `secret-changed` for `secret`, which this unit observes: a new revision is out.
    /// The label is this unit's label for it (for its application's secret, the owner's).
    pub fn secret_changed(secret: &Secret) -> Event {
        let label = if secret.is_owned() {
            secret.label.clone()
        } else {
            secret.consumer_label.clone()
        };
        Event::Secret {
            kind: SecretEventKind::Changed,
            id: secret.uri.to_string(),
            label,
            revision: None,
        }
    }

    /// `secret-rotate` for `secret`, which this unit (or, on the leader, its application)
    /// owns: it is due to rotate.
    pub fn secret_rotate(secret: &Secret) -> Event {
        Event::Secret {
            kind: SecretEventKind::Rotate,
            id: secret.uri.to_string(),
            label: secret.label.clone(),
            revision: None,
        }
    }

    /// `secret-expired` for revision `revision` of `secret`, which this unit (or its
    /// application) owns.
    pub fn secret_expired(secret: &Secret, revision: u64) -> Event {
        Event::Secret {
            kind: SecretEventKind::Expired,
            id: secret.uri.to_string(),
            label: secret.label.clone(),
            revision: Some(revision),
        }
    }

    /// `secret-remove` for revision `revision` of `secret`, which this unit (or its
    /// application) owns: no observer tracks that revision any more.
    pub fn secret_remove(secret: &Secret, revision: u64) -> Event {
        Event::Secret {
            kind: SecretEventKind::Remove,
            id: secret.uri.to_string(),
            label: secret.label.clone(),
            revision: Some(revision),
        }
    }
}

// Consistency.

fn revisions_list(secret: &Secret) -> String {
    let list: Vec<String> = secret.revisions.keys().map(u64::to_string).collect();
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    }
}

/// The inconsistencies of the state's secrets, and of a secret event with them.
pub(crate) fn check(event: &Event, state: &State, problems: &mut Vec<Inconsistency>) {
    check_secrets(state, problems);
    check_secret_event(event, state, problems);
}

fn check_secrets(state: &State, problems: &mut Vec<Inconsistency>) {
    let mut ids: BTreeMap<&str, ()> = BTreeMap::new();
    let mut owner_labels: BTreeMap<&str, &SecretUri> = BTreeMap::new();
    let mut consumer_labels: BTreeMap<&str, &SecretUri> = BTreeMap::new();
    for secret in &state.secrets {
        let id = secret.uri.id();
        let invalid = |problem: String| Inconsistency::InvalidSecret {
            id: id.to_owned(),
            problem,
        };
        if ids.insert(id, ()).is_some() {
            problems.push(Inconsistency::DuplicateSecret { id: id.to_owned() });
        }
        if secret.revisions.is_empty() {
            problems.push(invalid(
                "it has no revision; give it content with Secret::new or with_revision".to_owned(),
            ));
        }
        for (revision, content) in &secret.revisions {
            if *revision == 0 {
                problems.push(invalid(
                    "it has a revision 0; revisions start at 1".to_owned(),
                ));
            }
            if let Err(e) = content.validate() {
                problems.push(invalid(format!("revision {revision}: {e}")));
            }
        }
        if let Some(tracked) = secret.tracked
            && !secret.revisions.contains_key(&tracked)
        {
            problems.push(invalid(format!(
                "this unit tracks revision {tracked}, which it does not have (revisions: {})",
                revisions_list(secret)
            )));
        }
        let (labels, label) = if secret.is_owned() {
            (&mut owner_labels, &secret.label)
        } else {
            (&mut consumer_labels, &secret.consumer_label)
        };
        if let Some(label) = label
            && let Some(first) = labels.insert(label, &secret.uri)
        {
            problems.push(Inconsistency::DuplicateSecretLabel {
                label: label.clone(),
                first: first.id().to_owned(),
                second: id.to_owned(),
            });
        }
        for grant in &secret.grants {
            if !secret.is_owned() {
                problems.push(invalid(format!(
                    "it is granted on relation {}, but only its owner grants it, and this unit observes it",
                    grant.relation
                )));
                continue;
            }
            let Some(relation) = state.relation(grant.relation) else {
                let present: Vec<String> = state
                    .relations
                    .iter()
                    .map(|r| format!("{}:{}", r.endpoint, r.id))
                    .collect();
                problems.push(invalid(format!(
                    "it is granted on relation {}, which is not in the state (relations in the state: {})",
                    grant.relation,
                    if present.is_empty() {
                        "none".to_owned()
                    } else {
                        present.join(", ")
                    }
                )));
                continue;
            };
            if let Some(unit) = &grant.unit
                && unit.split_once('/').map(|(app, _)| app) != Some(relation.remote_app.as_str())
            {
                problems.push(invalid(format!(
                    "it is granted to unit {unit:?} on relation {}, whose remote application is {:?}",
                    grant.relation, relation.remote_app
                )));
            }
        }
    }
}

fn check_secret_event(event: &Event, state: &State, problems: &mut Vec<Inconsistency>) {
    let Event::Secret {
        kind,
        id,
        label,
        revision,
    } = event
    else {
        return;
    };
    let name = event.to_string();
    let mismatch = |problem: String| Inconsistency::EventSecretMismatch {
        event: name.clone(),
        problem,
    };
    let uri = match SecretUri::parse(id) {
        Ok(uri) => uri,
        Err(e) => {
            problems.push(mismatch(format!("JUJU_SECRET_ID is not a secret URI: {e}")));
            return;
        }
    };
    let Some(secret) = state.secret(&uri) else {
        let present: Vec<&str> = state.secrets.iter().map(|s| s.uri.id()).collect();
        problems.push(Inconsistency::EventSecretMissing {
            event: name,
            id: uri.id().to_owned(),
            present: if present.is_empty() {
                "none".to_owned()
            } else {
                present.join(", ")
            },
        });
        return;
    };
    match kind {
        SecretEventKind::Changed => {
            if secret.ownership == SecretOwnership::Unit {
                problems.push(mismatch(format!(
                    "Juju sends secret-changed to the units that observe a secret, but this unit owns secret {}",
                    uri.id()
                )));
            }
        }
        _ => {
            if !secret.is_owned() {
                problems.push(mismatch(format!(
                    "Juju sends {} to a secret's owner, but this unit observes secret {}",
                    kind.name(),
                    uri.id()
                )));
            } else if secret.ownership == SecretOwnership::Application && !state.leader {
                problems.push(mismatch(format!(
                    "Juju sends {} for an application's secret to its leader, but the state has leader = false",
                    kind.name()
                )));
            }
        }
    }
    let expected_label = if secret.is_owned() {
        &secret.label
    } else {
        &secret.consumer_label
    };
    if let Some(label) = label
        && Some(label) != expected_label.as_ref()
    {
        problems.push(mismatch(format!(
            "JUJU_SECRET_LABEL is {label:?}, but secret {}'s label in the state is {}",
            uri.id(),
            match expected_label {
                Some(l) => format!("{l:?}"),
                None => "unset".to_owned(),
            }
        )));
    }
    match (kind, revision) {
        (SecretEventKind::Expired | SecretEventKind::Remove, None) => {
            problems.push(mismatch(format!(
                "Juju gives {} a revision (JUJU_SECRET_REVISION); build the event with Event::{}",
                kind.name(),
                kind.name().replace('-', "_")
            )))
        }
        (_, Some(revision)) if !secret.revisions.contains_key(revision) => {
            problems.push(mismatch(format!(
                "secret {} has no revision {revision} (revisions: {})",
                uri.id(),
                revisions_list(secret)
            )))
        }
        _ => {}
    }
}
