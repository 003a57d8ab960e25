//! Checks that a name a charm passes to its backend is one its metadata declares. The
//! hook-tool backend and the in-memory one both use them, so a misspelt endpoint, container
//! or config option fails the same way in tests as under Juju, instead of giving an empty
//! answer.

use crate::backend::BackendError;
use crate::metadata::Metadata;

/// `endpoint` is a relation endpoint of the charm (under `provides`, `requires` or
/// `peers`).
pub(crate) fn endpoint(metadata: &Metadata, endpoint: &str) -> Result<(), BackendError> {
    if metadata.endpoints.contains_key(endpoint) {
        return Ok(());
    }
    Err(BackendError::undeclared(
        "relation-ids",
        "relation endpoint",
        endpoint,
        metadata.endpoints.keys().map(String::as_str),
    ))
}

/// `container` is a workload container of the charm.
pub(crate) fn container(metadata: &Metadata, container: &str) -> Result<(), BackendError> {
    if metadata.containers.contains_key(container) {
        return Ok(());
    }
    Err(BackendError::undeclared(
        "pebble",
        "container",
        container,
        metadata.containers.keys().map(String::as_str),
    ))
}

/// `key` is one of the charm's config options.
pub(crate) fn option(metadata: &Metadata, key: &str) -> Result<(), BackendError> {
    if metadata.options.contains_key(key) {
        return Ok(());
    }
    Err(BackendError::undeclared(
        "config-get",
        "config option",
        key,
        metadata.options.keys().map(String::as_str),
    ))
}
