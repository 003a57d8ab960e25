//! [`KfpApiRelation`]: the optional `kfp-api-grpc` relation, over which the KFP API server
//! says where its gRPC service is (the serialized-data-interface convention, interface
//! `k8s-service`).
//!
//! The Python charm receives it with at least 0 and at most 1 related application. The
//! built-in `SdiRequirer` has no such bounds (it is Blocked while nothing is related), so
//! this component wraps one with a `RelationCountGate<0, 1>`:
//!
//! | situation | status |
//! |---|---|
//! | nothing related | Active, nothing received: the workload uses [`DEFAULT_SERVICE_NAME`]:[`DEFAULT_SERVICE_PORT`] |
//! | more than one relation | Blocked ``needs at most 1 relation on `kfp-api-grpc`, has <n>: remove <which> with `juju remove-relation <app>:kfp-api-grpc <application>` `` |
//! | one relation | the `SdiRequirer`'s status: Waiting for the versions or the data, Blocked for data the schema or [`KfpApi`] refuses, Active with the data |

use reconciler_components::gates::RelationCountGate;
use reconciler_components::sdi::SdiRequirer;
use reconciler_core::prelude::*;
use serde::{Deserialize, Deserializer};

/// The endpoint.
pub const ENDPOINT: &str = "kfp-api-grpc";
/// The KFP API service the controller talks to while nothing is related.
pub const DEFAULT_SERVICE_NAME: &str = "ml-pipeline";
/// Its gRPC port while nothing is related.
pub const DEFAULT_SERVICE_PORT: u16 = 8887;

/// What the KFP API server sends on `kfp-api-grpc` (the `provides` side of the schema in
/// `charmcraft.yaml`; the port is a string there).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct KfpApi {
    /// The Kubernetes service's name: it goes into the controller's command line, so it
    /// must be a DNS name (see [`is_service_name`]).
    #[serde(deserialize_with = "service_name")]
    pub service_name: String,
    /// The service's gRPC port, sent as a string (`"8887"`).
    #[serde(deserialize_with = "port_string")]
    pub service_port: u16,
}

/// Whether `name` can name a Kubernetes service, possibly with its namespace and domain
/// (`ml-pipeline`, `ml-pipeline.kubeflow.svc.cluster.local`): dot-separated labels of
/// lowercase letters, digits and `-`, each starting and ending with a letter or digit, at
/// most 253 characters in all.
///
/// ```
/// use kfp_schedwf::kfp_api::is_service_name;
///
/// assert!(is_service_name("ml-pipeline"));
/// assert!(is_service_name("ml-pipeline.kubeflow.svc"));
/// assert!(!is_service_name("ml pipeline"));
/// assert!(!is_service_name("-ml-pipeline"));
/// assert!(!is_service_name(""));
/// ```
pub fn is_service_name(name: &str) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    name.len() <= 253 && name.split('.').all(label)
}

fn service_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if is_service_name(&name) {
        Ok(name)
    } else {
        Err(serde::de::Error::custom(format!(
            "{name:?} is not a service name (lowercase letters, digits, `-` and `.`)"
        )))
    }
}

fn port_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse::<u16>()
        .ok()
        .filter(|&port| port != 0)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a port number (1 to 65535)"))
        })
}

/// What the component found in this hook.
#[derive(Debug)]
enum Found {
    /// Nothing related: the defaults apply.
    Nothing,
    /// Too many relations: the gate's status.
    TooMany(Status),
    /// One relation: the requirer has read it.
    One,
}

/// The `kfp-api-grpc` relation, optional and at most one; see the
/// [module documentation](self).
#[derive(Debug)]
pub struct KfpApiRelation {
    count: RelationCountGate<0, 1>,
    sdi: SdiRequirer<KfpApi>,
    found: Option<Found>,
}

impl Default for KfpApiRelation {
    fn default() -> KfpApiRelation {
        KfpApiRelation::new()
    }
}

impl KfpApiRelation {
    /// The component, on [`ENDPOINT`].
    pub fn new() -> KfpApiRelation {
        KfpApiRelation {
            count: RelationCountGate::new([ENDPOINT]),
            sdi: SdiRequirer::new(ENDPOINT),
            found: None,
        }
    }

    /// What the KFP API server sent, when one is related and sent valid data in this hook.
    pub fn received(&self) -> Option<&KfpApi> {
        self.sdi.received().first().map(|received| &received.data)
    }

    /// The service name and gRPC port the controller should use: what was received, else
    /// [`DEFAULT_SERVICE_NAME`] and [`DEFAULT_SERVICE_PORT`].
    pub fn service(&self) -> (&str, u16) {
        match self.received() {
            Some(api) => (&api.service_name, api.service_port),
            None => (DEFAULT_SERVICE_NAME, DEFAULT_SERVICE_PORT),
        }
    }

    fn find(&self, ctx: &mut Context<'_>) -> Result<Found, ComponentError> {
        if ctx.backend().relation_ids(ENDPOINT)?.is_empty() {
            return Ok(Found::Nothing);
        }
        let counted = self.count.status(ctx);
        if counted.is_active() {
            Ok(Found::One)
        } else {
            Ok(Found::TooMany(counted))
        }
    }
}

impl Component for KfpApiRelation {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let found = self.find(ctx)?;
        if let Found::One = found {
            self.sdi.configure_unit(ctx, ())?;
        }
        self.found = Some(found);
        Ok(())
    }

    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        (): (),
    ) -> Result<(), ComponentError> {
        // The leader tells the related application which schema versions it reads.
        match self.found {
            Some(Found::One) => self.sdi.configure_app_leader(ctx, ()),
            _ => Ok(()),
        }
    }

    fn status(&self, ctx: &mut Context<'_>) -> Status {
        let looked;
        let found = match &self.found {
            Some(found) => found,
            // Not configured in this hook (a status-only update-status): look again.
            None => match self.find(ctx) {
                Ok(found) => {
                    looked = found;
                    &looked
                }
                Err(error) => return error.status(),
            },
        };
        match found {
            Found::Nothing => Status::active(),
            Found::TooMany(status) => status.clone(),
            Found::One => self.sdi.status(ctx),
        }
    }

    fn observes(&self) -> Vec<Observe> {
        self.sdi.observes()
    }
}
