//! Notices: events Pebble records (a change updated, a warning, a custom notice a
//! workload or charm added), as `GET /v1/notices` reports them.
//!
//! These are Pebble's records, not the Juju events of [`crate::event`]: Juju turns a
//! custom notice into a `<container>-pebble-custom-notice` hook, and a charm reads the
//! notices themselves with [`Pebble::notices`](super::Pebble::notices).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::layer::word_enum;

word_enum! {
    /// What kind of notice.
    pub enum NoticeType {
        /// Added with `pebble notify` or [`Pebble::notify`](super::Pebble::notify).
        Custom = "custom",
        /// A change's status changed (key: the change id).
        ChangeUpdate = "change-update",
        /// A warning (key: its message).
        Warning = "warning",
    }
}

/// Which notices [`Pebble::notices`](super::Pebble::notices) returns. The default: every
/// notice the caller may see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoticeQuery {
    /// Only these types (none: any type).
    pub types: Vec<NoticeType>,
    /// Only these keys (none: any key).
    pub keys: Vec<String>,
    /// Only notices that last occurred after this time, in RFC 3339
    /// (`2024-01-02T03:04:05.123456789Z`), as a notice's `last_repeated` gives it.
    pub after: Option<String>,
}

/// A notice as Pebble reports it. Named so as not to be confused with the Juju events of
/// [`crate::event`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct PebbleNotice {
    /// Pebble's id for it (unique in this Pebble; not necessarily a number).
    pub id: String,
    /// The user who may see it; `None` for a public notice.
    #[serde(default)]
    pub user_id: Option<u32>,
    /// Its type.
    #[serde(rename = "type")]
    pub type_: NoticeType,
    /// Its key: for a custom notice, like `example.com/db-ready`.
    pub key: String,
    /// When it first occurred (RFC 3339).
    pub first_occurred: String,
    /// When it last occurred (RFC 3339).
    pub last_occurred: String,
    /// When it last repeated, that is occurred and was reported again (RFC 3339).
    pub last_repeated: String,
    /// How many times it occurred.
    pub occurrences: u64,
    /// The data of its last occurrence.
    #[serde(default)]
    pub last_data: BTreeMap<String, String>,
}

impl PebbleNotice {
    /// A notice with these fields, for the in-memory container and tests.
    pub fn new(
        id: impl Into<String>,
        type_: NoticeType,
        key: impl Into<String>,
        occurred: impl Into<String>,
        occurrences: u64,
        last_data: BTreeMap<String, String>,
    ) -> PebbleNotice {
        let occurred = occurred.into();
        PebbleNotice {
            id: id.into(),
            user_id: None,
            type_,
            key: key.into(),
            first_occurred: occurred.clone(),
            last_occurred: occurred.clone(),
            last_repeated: occurred,
            occurrences,
            last_data,
        }
    }
}

/// Whether `key` is a valid custom notice key (`example.com/path`, lowercase letters,
/// digits and dashes), as Pebble checks it.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn valid_custom_key(key: &str) -> bool {
    fn words(part: &str) -> bool {
        // [a-z0-9]+(-[a-z0-9]+)*
        !part.is_empty()
            && part.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    }
    let Some((host, path)) = key.split_once('/') else {
        return false;
    };
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2 && labels.iter().all(|l| words(l)) && path.split('/').all(words)
}
