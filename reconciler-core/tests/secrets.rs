//! Secrets in the in-memory model: the `secret-*` operations of `MemoryBackend` with
//! Juju's rules, the harness's secret state, its consistency checks and the secret event
//! builders. The same operations through the hook-tool backend and the stand-in hook tools
//! are in `tests/tests/e2e_secrets.rs`, which compares the two.

use std::time::Duration;

use reconciler_core::event::SecretEventKind;
use reconciler_core::prelude::*;
use reconciler_core::secrets::{
    SecretContent, SecretExpiry, SecretOptions, SecretOwner, SecretQuery, SecretRef, SecretRotate,
    SecretUri,
};
use reconciler_core::testing::{
    Harness, Inconsistency, MemoryBackend, Relation, Secret, SecretGrant, SecretOwnership, State,
};
use reconciler_core::{Backend, BackendError, RelationId};

fn content(pairs: &[(&str, &str)]) -> SecretContent {
    SecretContent::from_pairs(pairs.iter().copied()).unwrap()
}

fn leader() -> MemoryBackend {
    MemoryBackend::new(
        State::default().with_leader(true).with_relation(
            Relation::new(1, "db", "pg").with_remote_unit_data("pg/1", [("a", "b")]),
        ),
    )
}

#[test]
fn an_owner_adds_reads_by_label_and_sets_new_revisions() {
    let mut backend = leader();
    let uri = backend
        .secret_add(
            &content(&[("password", "one")]),
            SecretOwner::Application,
            &SecretOptions::new()
                .label("db-password")
                .description("the database password")
                .rotate(SecretRotate::Daily)
                .expire(SecretExpiry::After(Duration::from_secs(3600))),
        )
        .unwrap();
    assert_eq!(
        uri.to_string(),
        format!(
            "secret://{}/{}",
            reconciler_core::testing::DEFAULT_MODEL_UUID,
            uri.id()
        )
    );
    let read = backend
        .secret_get(&SecretQuery::label("db-password"))
        .unwrap();
    assert_eq!(read.get("password"), Some("one"));

    // New content: revision 2, which the owner reads at once.
    backend
        .secret_set(
            &uri,
            Some(&content(&[("password", "two")])),
            &SecretOptions::new(),
        )
        .unwrap();
    let secret = backend.state.secret(&uri).unwrap();
    assert_eq!(secret.latest_revision(), 2);
    assert_eq!(
        backend
            .secret_get(&SecretQuery::uri(uri.clone()))
            .unwrap()
            .get("password"),
        Some("two")
    );
    // The same content again makes no revision.
    backend
        .secret_set(
            &uri,
            Some(&content(&[("password", "two")])),
            &SecretOptions::new(),
        )
        .unwrap();
    assert_eq!(backend.state.secret(&uri).unwrap().latest_revision(), 2);

    let info = backend
        .secret_info_get(&SecretRef::Label("db-password".into()))
        .unwrap();
    assert_eq!(info.uri, uri);
    assert_eq!(info.uri.model_uuid(), None, "as secret-info-get prints it");
    assert_eq!(info.revision, 2);
    assert_eq!(info.owner, SecretOwner::Application);
    assert_eq!(info.label.as_deref(), Some("db-password"));
    assert_eq!(info.description.as_deref(), Some("the database password"));
    assert_eq!(info.rotation, Some(SecretRotate::Daily));
    assert!(info.next_rotation.is_some());
    assert!(info.expiry.is_some());
    assert_eq!(backend.secret_ids().unwrap(), std::slice::from_ref(&uri));

    // Remove revision 1, then the whole secret.
    backend.secret_remove(&uri, Some(1)).unwrap();
    assert_eq!(
        backend
            .state
            .secret(&uri)
            .unwrap()
            .revisions
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [2]
    );
    let error = backend.secret_remove(&uri, Some(1)).unwrap_err();
    assert!(matches!(error, BackendError::NotFound { .. }));
    backend.secret_remove(&uri, None).unwrap();
    assert!(backend.state.secrets.is_empty());
    let error = backend
        .secret_get(&SecretQuery::uri(uri.clone()))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("secret-get: secret \"{}\" not found", uri.id())
    );
}

#[test]
fn only_the_leader_manages_its_applications_secrets() {
    let own = Secret::new([("password", "p")]).with_label("pw");
    let unit_own = Secret::new([("token", "t")]).owned_by_unit();
    let mut backend = MemoryBackend::new(
        State::default()
            .with_secret(own.clone())
            .with_secret(unit_own.clone()),
    );
    let refused = |e: BackendError| e.to_string();
    assert_eq!(
        refused(
            backend
                .secret_add(
                    &content(&[("abc", "x")]),
                    SecretOwner::Application,
                    &SecretOptions::new()
                )
                .unwrap_err()
        ),
        "secret-add: refused: this unit is not the leader"
    );
    assert_eq!(
        refused(
            backend
                .secret_set(
                    &own.uri,
                    Some(&content(&[("abc", "x")])),
                    &SecretOptions::new()
                )
                .unwrap_err()
        ),
        "secret-set: refused: this unit is not the leader"
    );
    assert!(backend.secret_remove(&own.uri, None).is_err());
    // Every unit of the application reads it, by URI or the owner's label.
    assert_eq!(
        backend
            .secret_get(&SecretQuery::label("pw"))
            .unwrap()
            .get("password"),
        Some("p")
    );
    // A non-leader lists and describes only its own unit's secrets.
    assert_eq!(
        backend.secret_ids().unwrap(),
        std::slice::from_ref(&unit_own.uri)
    );
    let error = backend
        .secret_info_get(&SecretRef::Uri(own.uri.clone()))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("secret-info-get: secret \"{}\" not found", own.uri.id())
    );
    // Its own secrets it manages.
    let unit_secret = backend
        .secret_add(
            &content(&[("abc", "x")]),
            SecretOwner::Unit,
            &SecretOptions::new(),
        )
        .unwrap();
    backend
        .secret_set(
            &unit_secret,
            Some(&content(&[("abc", "y")])),
            &SecretOptions::new(),
        )
        .unwrap();
    assert_eq!(
        backend
            .secret_info_get(&SecretRef::Uri(unit_secret.clone()))
            .unwrap()
            .owner,
        SecretOwner::Unit
    );
}

#[test]
fn an_observer_tracks_a_revision_until_it_refreshes() {
    let observed = Secret::observed("vault", [("token", "t1")])
        .with_revision(2, [("token", "t2")])
        .tracking(1);
    let uri = observed.uri.clone();
    let mut backend = MemoryBackend::new(State::default().with_secret(observed));
    let token = |b: &mut MemoryBackend, q: SecretQuery| {
        b.secret_get(&q).unwrap().get("token").unwrap().to_owned()
    };
    assert_eq!(token(&mut backend, SecretQuery::uri(uri.clone())), "t1");
    assert_eq!(
        token(&mut backend, SecretQuery::uri(uri.clone()).peek()),
        "t2"
    );
    assert_eq!(
        token(&mut backend, SecretQuery::uri(uri.clone())),
        "t1",
        "peek does not move"
    );
    // Binding a label while refreshing.
    assert_eq!(
        token(
            &mut backend,
            SecretQuery::uri(uri.clone())
                .with_label("vault-token")
                .refresh()
        ),
        "t2"
    );
    let secret = backend.state.secret(&uri).unwrap();
    assert_eq!(secret.tracked, Some(2));
    assert_eq!(secret.consumer_label.as_deref(), Some("vault-token"));
    assert_eq!(token(&mut backend, SecretQuery::label("vault-token")), "t2");
    // An observer does not manage it, nor list it.
    let denied = backend
        .secret_set(
            &uri,
            Some(&content(&[("token", "t3")])),
            &SecretOptions::new(),
        )
        .unwrap_err();
    assert_eq!(denied.to_string(), "secret-set: refused: permission denied");
    assert!(backend.secret_ids().unwrap().is_empty());

    // The first read tracks the latest.
    let fresh = Secret::observed("vault", [("token", "a")]).with_revision(3, [("token", "c")]);
    let mut backend = MemoryBackend::new(State::default().with_secret(fresh.clone()));
    assert_eq!(
        token(&mut backend, SecretQuery::uri(fresh.uri.clone())),
        "c"
    );
    assert_eq!(backend.state.secret(&fresh.uri).unwrap().tracked, Some(3));
}

#[test]
fn secrets_not_visible_to_the_unit_are_refused() {
    let hidden = Secret::observed("vault", [("token", "t")]).not_granted();
    let mut backend = MemoryBackend::new(State::default().with_secret(hidden.clone()));
    let error = backend
        .secret_get(&SecretQuery::uri(hidden.uri.clone()))
        .unwrap_err();
    assert_eq!(error.to_string(), "secret-get: refused: permission denied");
    let error = backend.secret_get(&SecretQuery::label("nope")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-get: consumer label \"nope\" not found"
    );
    let missing: SecretUri = "secret:cn2rfm3nji6c4n1dqjmg".parse().unwrap();
    let error = backend.secret_get(&SecretQuery::uri(missing)).unwrap_err();
    assert!(matches!(error, BackendError::NotFound { .. }));
    assert_eq!(
        error.to_string(),
        "secret-get: secret \"cn2rfm3nji6c4n1dqjmg\" not found"
    );
}

#[test]
fn grants_follow_jujus_rules() {
    let mut backend = leader();
    let uri = backend
        .secret_add(
            &content(&[("password", "p")]),
            SecretOwner::Application,
            &SecretOptions::new(),
        )
        .unwrap();
    backend
        .secret_grant(&uri, RelationId(1), Some("pg/1"))
        .unwrap();
    // An application grant needs the unit grants revoked first.
    let error = backend.secret_grant(&uri, RelationId(1), None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-grant: refused: any unit level grants need to be revoked before granting access to the corresponding application"
    );
    backend
        .secret_revoke(&uri, RelationId(1), Some("pg/1"))
        .unwrap();
    backend.secret_grant(&uri, RelationId(1), None).unwrap();
    // Granting a unit of an application already granted changes nothing.
    backend
        .secret_grant(&uri, RelationId(1), Some("pg/1"))
        .unwrap();
    assert_eq!(
        backend.state.secret(&uri).unwrap().grants,
        [SecretGrant {
            relation: RelationId(1),
            unit: None
        }]
    );
    let error = backend.secret_grant(&uri, RelationId(7), None).unwrap_err();
    assert_eq!(error.to_string(), "secret-grant: relation 7 not found");
    let error = backend
        .secret_grant(&uri, RelationId(1), Some("other/0"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-grant: refused: cannot specify unit \"other/0\" in relation to application \"pg\""
    );
    backend.secret_revoke(&uri, RelationId(1), None).unwrap();
    assert!(backend.state.secret(&uri).unwrap().grants.is_empty());
}

#[test]
fn bad_input_is_refused_before_anything_changes() {
    let mut backend = leader();
    let error = backend
        .secret_add(
            &SecretContent::new(),
            SecretOwner::Unit,
            &SecretOptions::new(),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-add: refused: secret content is empty: a secret needs at least one key"
    );
    let error = backend
        .secret_add(
            &content(&[("abc", "x")]),
            SecretOwner::Unit,
            &SecretOptions::new().label(""),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-add: refused: a secret label cannot be empty"
    );
    let error = backend
        .secret_add(
            &content(&[("abc", "x")]),
            SecretOwner::Unit,
            &SecretOptions::new().expire(SecretExpiry::After(Duration::from_millis(1))),
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("it must be at least a second"),
        "{error}"
    );
    backend
        .secret_add(
            &content(&[("abc", "x")]),
            SecretOwner::Unit,
            &SecretOptions::new().label("l"),
        )
        .unwrap();
    let error = backend
        .secret_add(
            &content(&[("abc", "x")]),
            SecretOwner::Application,
            &SecretOptions::new().label("l"),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-add: refused: secret with label \"l\" already exists"
    );
    assert_eq!(backend.state.secrets.len(), 1);
    let error = backend.secret_get(&SecretQuery::label("")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-get: refused: a secret label cannot be empty"
    );
}

#[test]
fn backends_without_secrets_refuse_them_clearly() {
    struct Bare;
    impl Backend for Bare {
        fn unit_name(&self) -> &str {
            "a/0"
        }
        fn model_name(&self) -> &str {
            "m"
        }
        fn is_leader(&mut self) -> Result<bool, BackendError> {
            Ok(true)
        }
        fn config(&mut self) -> Result<&reconciler_core::Config, BackendError> {
            unimplemented!()
        }
        fn relation_ids(&mut self, _: &str) -> Result<Vec<RelationId>, BackendError> {
            Ok(vec![])
        }
        fn relation_units(&mut self, _: RelationId) -> Result<Vec<String>, BackendError> {
            Ok(vec![])
        }
        fn relation_remote_app(&mut self, _: RelationId) -> Result<Option<String>, BackendError> {
            Ok(None)
        }
        fn relation_get(
            &mut self,
            _: RelationId,
            _: &reconciler_core::Member,
        ) -> Result<reconciler_core::Databag, BackendError> {
            Ok(Default::default())
        }
        fn relation_set(
            &mut self,
            _: RelationId,
            _: reconciler_core::Scope,
            _: &reconciler_core::Databag,
        ) -> Result<(), BackendError> {
            Ok(())
        }
        fn status_set(
            &mut self,
            _: reconciler_core::Scope,
            _: &Status,
        ) -> Result<(), BackendError> {
            Ok(())
        }
        fn status_get(&mut self, _: reconciler_core::Scope) -> Result<Status, BackendError> {
            Ok(Status::active())
        }
        fn log(&mut self, _: reconciler_core::LogLevel, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
        fn application_version_set(&mut self, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
        fn action_params(&mut self) -> Result<reconciler_core::JsonMap, BackendError> {
            Ok(Default::default())
        }
        fn action_set(&mut self, _: &reconciler_core::JsonMap) -> Result<(), BackendError> {
            Ok(())
        }
        fn action_fail(&mut self, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
        fn action_log(&mut self, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
        fn open_port(&mut self, _: reconciler_core::Port) -> Result<(), BackendError> {
            Ok(())
        }
        fn close_port(&mut self, _: reconciler_core::Port) -> Result<(), BackendError> {
            Ok(())
        }
        fn opened_ports(&mut self) -> Result<Vec<reconciler_core::Port>, BackendError> {
            Ok(vec![])
        }
        fn state_get(&mut self, _: &str) -> Result<Option<String>, BackendError> {
            Ok(None)
        }
        fn state_set(&mut self, _: &str, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
        fn state_delete(&mut self, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
        fn pebble(
            &mut self,
            _: &str,
        ) -> Result<&mut dyn reconciler_core::pebble::Pebble, BackendError> {
            Err(BackendError::failed("pebble", "none"))
        }
    }
    let error = Bare.secret_ids().unwrap_err();
    assert_eq!(
        error.to_string(),
        "secret-ids: secret-ids is not supported by this backend"
    );
}

// The harness.

/// Reads the secret a secret event is about, refreshing, and records what it saw in the
/// charm's state: the event, the label Juju gave, and the keys read (never the values).
struct Watcher {
    seen: Option<String>,
}

impl Component for Watcher {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let event = ctx.event().clone();
        if let Some(uri) = event.secret_uri() {
            let uri = uri.map_err(|e| ComponentError::new(e.to_string()))?;
            let Event::Secret {
                kind,
                label,
                revision,
                ..
            } = &event
            else {
                unreachable!()
            };
            let read = match kind {
                SecretEventKind::Changed => ctx
                    .backend()
                    .secret_get(&SecretQuery::uri(uri.clone()).refresh())?,
                _ => ctx.backend().secret_get(&SecretQuery::uri(uri.clone()))?,
            };
            let keys: Vec<&str> = read.keys().collect();
            self.seen = Some(format!(
                "{} {} label={label:?} revision={revision:?} keys={keys:?}",
                kind.name(),
                uri.id()
            ));
            ctx.backend()
                .state_set("seen", self.seen.as_deref().unwrap())?;
        }
        Ok(())
    }
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
    fn observes(&self) -> Vec<Observe> {
        vec![Observe::Secrets]
    }
}

#[derive(CharmReconciler)]
struct SecretCharm {
    #[component]
    watcher: Watcher,
}

impl Charm for SecretCharm {
    fn new() -> SecretCharm {
        SecretCharm {
            watcher: Watcher { seen: None },
        }
    }
}

fn harness() -> Harness {
    Harness::from_yaml("name: app\nrequires:\n  db: {interface: pg}\n").unwrap()
}

#[test]
fn secret_events_built_from_the_state_run_and_move_the_tracked_revision() {
    let observed = Secret::observed("vault", [("token", "t1")])
        .with_revision(2, [("token", "t2"), ("ca-cert", "c")])
        .tracking(1)
        .with_consumer_label("vault");
    let event = Event::secret_changed(&observed);
    assert!(matches!(
        &event,
        Event::Secret { kind: SecretEventKind::Changed, label: Some(l), revision: None, .. } if l == "vault"
    ));
    let out = harness()
        .run::<SecretCharm>(event, State::default().with_secret(observed.clone()))
        .unwrap();
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(
        out.state.stored["seen"],
        format!(
            "secret-changed {} label=Some(\"vault\") revision=None keys=[\"ca-cert\", \"token\"]",
            observed.uri.id()
        )
    );
    assert_eq!(out.state.secret(&observed.uri).unwrap().tracked, Some(2));

    // Owner events carry the owner's label, and a revision for expired and remove.
    let own = Secret::new([("password", "p")])
        .with_label("pw")
        .with_revision(2, [("password", "q")]);
    let state = State::default().with_leader(true).with_secret(own.clone());
    for (event, kind, revision) in [
        (Event::secret_rotate(&own), SecretEventKind::Rotate, None),
        (
            Event::secret_expired(&own, 2),
            SecretEventKind::Expired,
            Some(2),
        ),
        (
            Event::secret_remove(&own, 1),
            SecretEventKind::Remove,
            Some(1),
        ),
    ] {
        let out = harness().run::<SecretCharm>(event, state.clone()).unwrap();
        assert_eq!(
            out.state.stored["seen"],
            format!(
                "{} {} label=Some(\"pw\") revision={revision:?} keys=[\"password\"]",
                kind.name(),
                own.uri.id()
            )
        );
    }
}

#[test]
fn inconsistent_secret_states_and_events_are_refused() {
    let harness = harness();
    let own = Secret::new([("password", "p")]).with_label("pw");
    let observed = Secret::observed("vault", [("token", "t")]);
    let messages = |event: &Event, state: &State| -> Vec<String> {
        harness
            .check(event, state)
            .iter()
            .map(|p| p.to_string())
            .collect()
    };

    // The event names a secret the state lacks.
    let problems = harness.check(&Event::secret_changed(&observed), &State::default());
    assert!(matches!(
        problems[..],
        [Inconsistency::EventSecretMissing { .. }]
    ));
    assert_eq!(
        problems[0].to_string(),
        format!(
            "event secret-changed: the state has no secret {} (secrets in the state: none); add it with State::with_secret",
            observed.uri.id()
        )
    );

    // Juju sends rotate to the owner's leader, changed to observers.
    let state = State::default()
        .with_secret(own.clone())
        .with_secret(observed.clone());
    assert_eq!(
        messages(&Event::secret_rotate(&own), &state),
        [
            "event secret-rotate: Juju sends secret-rotate for an application's secret to its leader, but the state has leader = false"
        ]
    );
    assert_eq!(
        messages(&Event::secret_rotate(&observed), &state),
        [format!(
            "event secret-rotate: Juju sends secret-rotate to a secret's owner, but this unit observes secret {}",
            observed.uri.id()
        )]
    );
    assert_eq!(
        messages(
            &Event::secret_remove(&own, 5),
            &state.clone().with_leader(true)
        ),
        [format!(
            "event secret-remove: secret {} has no revision 5 (revisions: 1)",
            own.uri.id()
        )]
    );
    let unit_owned = Secret::new([("abc", "x")]).owned_by_unit();
    assert_eq!(
        messages(
            &Event::secret_changed(&unit_owned),
            &State::default().with_secret(unit_owned.clone())
        ),
        [format!(
            "event secret-changed: Juju sends secret-changed to the units that observe a secret, but this unit owns secret {}",
            unit_owned.uri.id()
        )]
    );
    // A malformed id.
    let event = Event::Secret {
        kind: SecretEventKind::Changed,
        id: "secret:nope".into(),
        label: None,
        revision: None,
    };
    assert_eq!(
        messages(&event, &State::default()),
        [
            "event secret-changed: JUJU_SECRET_ID is not a secret URI: secret URI \"secret:nope\" not valid: the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not 4 characters"
        ]
    );

    // States Juju could not have.
    let bad = State::default()
        .with_secret(Secret::new([("Bad_Key", "x")]))
        .with_secret(own.clone().with_grant(9, None))
        .with_secret(Secret::new([("abc", "x")]).with_label("pw"))
        .with_secret(observed.clone().tracking(4));
    let problems = messages(&Event::Install, &bad);
    let bad_key = &bad.secrets[0];
    assert_eq!(
        problems,
        [
            format!(
                "secret {}: revision 1: secret content key \"Bad_Key\" not valid: keys are lowercase letters, digits and dashes, start with a letter, have at least 3 letters or digits, and no dash at the end or next to another",
                bad_key.uri.id()
            ),
            format!(
                "secret {}: it is granted on relation 9, which is not in the state (relations in the state: none)",
                own.uri.id()
            ),
            format!(
                "two secrets have the label \"pw\": {} and {}",
                own.uri.id(),
                bad.secrets[2].uri.id()
            ),
            format!(
                "secret {}: this unit tracks revision 4, which it does not have (revisions: 1)",
                observed.uri.id()
            ),
        ]
    );
    let duplicate = State::default()
        .with_secret(own.clone())
        .with_relation(Relation::new(1, "db", "pg"));
    let mut twice = duplicate.clone();
    twice.secrets.push(own.clone().with_label("other"));
    assert!(matches!(
        harness.check(&Event::Install, &twice)[..],
        [Inconsistency::DuplicateSecret { .. }]
    ));
    let grant_to_stranger = duplicate.with_secret(own.clone().with_grant(1, Some("other/0")));
    assert_eq!(
        messages(&Event::Install, &grant_to_stranger),
        [format!(
            "secret {}: it is granted to unit \"other/0\" on relation 1, whose remote application is \"pg\"",
            own.uri.id()
        )]
    );
    // The builders make consistent states.
    assert!(
        harness
            .check(&Event::secret_changed(&observed), &state)
            .is_empty()
    );
    assert_eq!(own.ownership, SecretOwnership::Application);
}
