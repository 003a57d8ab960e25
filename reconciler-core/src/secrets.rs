//! Juju secrets: the values the `secret-*` hook tools take and give, typed and checked the
//! way Juju checks them.
//!
//! - [`SecretUri`]: a secret's URI, `secret:<id>` or `secret://<model-uuid>/<id>`, parsed
//!   and validated as Juju's hook tools validate it.
//! - [`SecretContent`]: the key/value pairs of one revision. Keys follow Juju's rule,
//!   values are limited in size as Juju limits them, and its `Debug` output shows the keys
//!   only, never a value.
//! - [`SecretOptions`], [`SecretOwner`], [`SecretRotate`], [`SecretExpiry`]: what
//!   `secret-add` and `secret-set` take besides the content.
//! - [`SecretQuery`]: which secret `secret-get` reads and which revision
//!   ([`SecretRead`]).
//! - [`SecretInfo`]: what `secret-info-get` says about a secret its owner holds.
//!
//! The [`Backend`](crate::Backend) methods `secret_add`, `secret_get`, `secret_set`,
//! `secret_remove`, `secret_grant`, `secret_revoke`, `secret_ids` and `secret_info_get`
//! take and give these types, under Juju and in the in-memory model alike.
//!
//! ```
//! use reconciler_core::secrets::{SecretContent, SecretUri};
//!
//! let uri: SecretUri = "secret://0a1b2c3d-0000-4000-8000-00000000beef/cn2rfm3nji6c4n1dqjmg".parse()?;
//! assert_eq!(uri.id(), "cn2rfm3nji6c4n1dqjmg");
//! assert_eq!(uri.model_uuid(), Some("0a1b2c3d-0000-4000-8000-00000000beef"));
//! // The same secret, however its URI is written.
//! assert_eq!(uri, "secret:cn2rfm3nji6c4n1dqjmg".parse::<SecretUri>()?);
//!
//! let content = SecretContent::from_pairs([("username", "admin"), ("password", "hunter2")])?;
//! assert_eq!(content.get("username"), Some("admin"));
//! // Debug output never shows a value.
//! assert!(!format!("{content:?}").contains("hunter2"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::event::Event;

/// The most bytes one value of a secret may take once base64-encoded, as Juju 3.6 stores
/// it: 1 000 000 (a little under what Kubernetes and Vault accept). Base64 makes 3 bytes
/// of a value 4, so a value of up to about 750 000 bytes fits.
///
/// Juju releases from before this limit was raised (in mid-2025; earlier 3.x releases,
/// and 3.6 releases of that time) allowed less: 8 KiB per value and 64 KiB in all, before
/// encoding. A charm that must run on them keeps its secrets within that; Juju refuses
/// more with its own error, which does not show the content either.
pub const MAX_ENCODED_VALUE: usize = 1_000_000;

/// The most bytes all the values of one secret revision may take together once
/// base64-encoded: 1 000 000, as Juju 3.6 checks it (see [`MAX_ENCODED_VALUE`]).
pub const MAX_ENCODED_CONTENT: usize = 1_000_000;

/// The length of a secret id: 20 characters (12 random bytes in base32hex, as Juju's ids
/// are written).
const ID_LEN: usize = 20;

/// How much of a malformed URI an error quotes.
const QUOTED_URI: usize = 100;

/// A secret's URI: its id, and optionally the UUID of the model that holds it.
///
/// Juju writes it `secret:<id>` (the secret is in this model) or
/// `secret://<model-uuid>/<id>` (how Juju 3.6 hands out the URIs of new secrets); the
/// id is 20 characters of `0-9a-v` (12 bytes in base32hex). [`parse`](Self::parse)
/// accepts what Juju's hook tools accept: both forms, `secret:<model-uuid>/<id>`, and a
/// bare id.
///
/// Two URIs are equal when they name the same secret: the id decides, whether the model
/// UUID is written or not (ids are unique across models). `Display` writes the URI as it
/// was given or parsed.
///
/// ```
/// use reconciler_core::secrets::SecretUri;
///
/// let error = SecretUri::parse("secret:not-an-id").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "secret URI \"secret:not-an-id\" not valid: the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not 9 characters",
/// );
/// ```
#[derive(Clone)]
pub struct SecretUri {
    id: String,
    model_uuid: Option<String>,
}

/// Why a text is not a secret URI. Its message quotes the text (cut to 100 characters) and
/// says what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("secret URI {text:?} not valid: {reason}")]
pub struct SecretUriError {
    /// The text, cut to its first 100 characters.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl SecretUri {
    /// Parses `secret:<id>`, `secret://<model-uuid>/<id>`, `secret:<model-uuid>/<id>` or a
    /// bare `<id>`, with the rules of Juju's hook tools: another scheme, a model UUID that
    /// is not a lowercase UUID, or an id that is not 20 characters of `0-9a-v` (ending in
    /// `0` or `g`, as 12 bytes in base32hex do) is an error naming the text and the
    /// problem.
    pub fn parse(text: &str) -> Result<SecretUri, SecretUriError> {
        let fail = |reason: String| SecretUriError {
            text: text.chars().take(QUOTED_URI).collect(),
            reason,
        };
        let rest = match text.split_once(':') {
            Some(("secret", rest)) => rest,
            Some((scheme, _)) if !scheme.contains('/') => {
                return Err(fail(format!(
                    "the scheme must be \"secret\", not {:?}",
                    scheme.chars().take(QUOTED_URI).collect::<String>()
                )));
            }
            _ => text,
        };
        let (model_uuid, id) = if let Some(authority) = rest.strip_prefix("//") {
            let (uuid, id) = authority.split_once('/').ok_or_else(|| {
                fail("secret://<model-uuid>/<id> has no id after the model UUID".to_owned())
            })?;
            (Some(uuid), id)
        } else {
            match rest.split_once('/') {
                Some((uuid, id)) => (Some(uuid), id),
                None => (None, rest),
            }
        };
        if let Some(uuid) = model_uuid
            && !is_uuid(uuid)
        {
            return Err(fail(format!(
                "{:?} is not a model UUID (8-4-4-4-12 lowercase hexadecimal digits)",
                uuid.chars().take(QUOTED_URI).collect::<String>()
            )));
        }
        check_id(id).map_err(fail)?;
        Ok(SecretUri {
            id: id.to_owned(),
            model_uuid: model_uuid.map(str::to_owned),
        })
    }

    /// The secret's id: the 20 characters that identify it in every model.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The UUID of the model that holds the secret, if the URI names it.
    pub fn model_uuid(&self) -> Option<&str> {
        self.model_uuid.as_deref()
    }

    /// This URI with the model UUID written out, as Juju 3.6 hands out URIs:
    /// `secret://<model-uuid>/<id>`. Fails if `model_uuid` is not a lowercase UUID.
    pub fn with_model_uuid(&self, model_uuid: &str) -> Result<SecretUri, SecretUriError> {
        if !is_uuid(model_uuid) {
            return Err(SecretUriError {
                text: format!("secret://{model_uuid}/{}", self.id)
                    .chars()
                    .take(QUOTED_URI)
                    .collect(),
                reason: format!(
                    "{model_uuid:?} is not a model UUID (8-4-4-4-12 lowercase hexadecimal digits)"
                ),
            });
        }
        Ok(SecretUri {
            id: self.id.clone(),
            model_uuid: Some(model_uuid.to_owned()),
        })
    }

    /// A URI from an id already known to be valid (generated by the in-memory model).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn from_valid_id(id: String, model_uuid: Option<String>) -> SecretUri {
        debug_assert!(check_id(&id).is_ok(), "{id} is not a valid secret id");
        SecretUri { id, model_uuid }
    }

    /// A new id in Juju's form: 12 bytes in base32hex. `seed` makes it unique: the
    /// in-memory model numbers its secrets, tests number theirs.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn id_from_seed(seed: u64) -> String {
        // Four fixed bytes ("rcnl") and the seed, so generated ids are recognisable.
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(b"rcnl");
        bytes[4..].copy_from_slice(&seed.to_be_bytes());
        base32hex(&bytes)
    }
}

impl PartialEq for SecretUri {
    fn eq(&self, other: &SecretUri) -> bool {
        self.id == other.id
    }
}

impl Eq for SecretUri {}

impl std::hash::Hash for SecretUri {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl PartialOrd for SecretUri {
    fn partial_cmp(&self, other: &SecretUri) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SecretUri {
    fn cmp(&self, other: &SecretUri) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

impl fmt::Display for SecretUri {
    /// `secret:<id>`, or `secret://<model-uuid>/<id>` when the model is named.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.model_uuid {
            Some(uuid) => write!(f, "secret://{uuid}/{}", self.id),
            None => write!(f, "secret:{}", self.id),
        }
    }
}

impl fmt::Debug for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUri({self})")
    }
}

impl FromStr for SecretUri {
    type Err = SecretUriError;

    fn from_str(text: &str) -> Result<SecretUri, SecretUriError> {
        SecretUri::parse(text)
    }
}

/// Whether `text` is a UUID as Juju writes model UUIDs: 8-4-4-4-12 lowercase hex digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| {
            group.len() == len
                && group
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The base32hex alphabet Juju writes secret ids in.
const BASE32HEX: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Checks a secret id as Juju does: 20 characters of `0-9a-v`, the last one `0` or `g`
/// (12 bytes leave its last four bits zero).
fn check_id(id: &str) -> Result<(), String> {
    let count = id.chars().count();
    if count != ID_LEN {
        return Err(format!(
            "the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not {count} characters"
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !BASE32HEX.contains(&(*c as u8)) || !c.is_ascii())
    {
        return Err(format!(
            "the id must be 20 characters of 0-9 and a-v (Juju's secret ids); {c:?} is not one"
        ));
    }
    if !id.ends_with(['0', 'g']) {
        return Err(
            "the id must end in 0 or g: it is 12 bytes in base32hex, whose last 4 bits are zero"
                .to_owned(),
        );
    }
    Ok(())
}

/// `bytes` in base32hex, lowercase, unpadded.
#[cfg(any(test, feature = "testing"))]
fn base32hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32HEX[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32HEX[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The content of one revision of a secret: keys to values.
///
/// Keys follow Juju's rule: lowercase letters, digits and dashes, starting with a letter,
/// at least three letters or digits, no dash at the end or next to another. A key written
/// with the `#base64` or `#file` suffix of `secret-add`'s command line is refused: those
/// suffixes say how a value is passed on the command line, the hook-tool backend adds them
/// itself, and the key is the part before them. Values are text; each, base64-encoded as
/// Juju stores it, may take at most [`MAX_ENCODED_VALUE`] bytes, and all of them together
/// [`MAX_ENCODED_CONTENT`].
///
/// `Debug` shows the keys and the number of bytes of each value, never a value; no error
/// of this crate quotes one.
///
/// ```
/// use reconciler_core::secrets::SecretContent;
///
/// let error = SecretContent::from_pairs([("Password", "x")]).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "secret content key \"Password\" not valid: keys are lowercase letters, digits and dashes, start with a letter, have at least 3 letters or digits, and no dash at the end or next to another",
/// );
/// let mut content = SecretContent::new();
/// content.insert("api-token", "s3cret")?;
/// assert_eq!(format!("{content:?}"), "SecretContent { api-token: <6 bytes> }");
/// # Ok::<(), reconciler_core::secrets::SecretContentError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretContent {
    values: BTreeMap<String, String>,
}

/// Why secret content is not valid. Messages name the key and sizes, never a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretContentError {
    /// A key breaks Juju's rule for secret keys.
    #[error(
        "secret content key {key:?} not valid: keys are lowercase letters, digits and dashes, start with a letter, have at least 3 letters or digits, and no dash at the end or next to another"
    )]
    InvalidKey {
        /// The key.
        key: String,
    },
    /// A key carries the `#base64` or `#file` suffix of the hook tool's command line.
    #[error(
        "secret content key {key:?} not valid: {suffix} is how secret-add's command line marks a value, not part of a key; give the plain value under {plain:?}"
    )]
    SuffixedKey {
        /// The key as given.
        key: String,
        /// `#base64` or `#file`.
        suffix: &'static str,
        /// The key without the suffix.
        plain: String,
    },
    /// One value is too large once base64-encoded.
    #[error(
        "secret content for key {key:?} too large: {encoded} bytes base64-encoded ({raw} bytes), more than Juju's limit of {max} bytes"
    )]
    ValueTooLarge {
        /// The key.
        key: String,
        /// The value's length.
        raw: usize,
        /// Its length base64-encoded.
        encoded: usize,
        /// The limit, [`MAX_ENCODED_VALUE`].
        max: usize,
    },
    /// All the values together are too large once base64-encoded.
    #[error(
        "secret content too large: {encoded} bytes base64-encoded in all, more than Juju's limit of {max} bytes"
    )]
    TooLarge {
        /// The values' length in all, base64-encoded.
        encoded: usize,
        /// The limit, [`MAX_ENCODED_CONTENT`].
        max: usize,
    },
    /// The content has no key: Juju refuses an empty secret.
    #[error("secret content is empty: a secret needs at least one key")]
    Empty,
}

/// The length of `len` bytes base64-encoded with padding.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

impl SecretContent {
    /// Empty content (a secret needs at least one key before it can be added).
    pub fn new() -> SecretContent {
        SecretContent::default()
    }

    /// Content from key/value pairs, each checked as [`insert`](Self::insert) checks it.
    pub fn from_pairs<K, V>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<SecretContent, SecretContentError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut content = SecretContent::new();
        for (key, value) in pairs {
            content.insert(key, value)?;
        }
        Ok(content)
    }

    /// Sets `key` to `value`, replacing any value it had. Fails, leaving the content as it
    /// was, if the key breaks Juju's rule or the value (or the content with it) is too
    /// large.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), SecretContentError> {
        let key = key.into();
        let value = value.into();
        check_key(&key)?;
        check_value(&key, &value)?;
        let total: usize = self
            .values
            .iter()
            .filter(|(k, _)| **k != key)
            .map(|(_, v)| encoded_len(v.len()))
            .sum::<usize>()
            + encoded_len(value.len());
        if total > MAX_ENCODED_CONTENT {
            return Err(SecretContentError::TooLarge {
                encoded: total,
                max: MAX_ENCODED_CONTENT,
            });
        }
        self.values.insert(key, value);
        Ok(())
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The keys and values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values' size in all, base64-encoded as Juju counts it.
    pub fn encoded_size(&self) -> usize {
        self.values.values().map(|v| encoded_len(v.len())).sum()
    }

    /// Checks everything Juju checks before storing content: at least one key, every key
    /// valid, every value and the whole within the limits. Content built with
    /// [`insert`](Self::insert) only needs the first; content read back from Juju or
    /// written by a test into a state is checked whole.
    pub fn validate(&self) -> Result<(), SecretContentError> {
        if self.values.is_empty() {
            return Err(SecretContentError::Empty);
        }
        for (key, value) in &self.values {
            check_key(key)?;
            check_value(key, value)?;
        }
        let total = self.encoded_size();
        if total > MAX_ENCODED_CONTENT {
            return Err(SecretContentError::TooLarge {
                encoded: total,
                max: MAX_ENCODED_CONTENT,
            });
        }
        Ok(())
    }

    /// Content taken as it is, unchecked: what Juju gave back, or what a test wrote
    /// into a state (the harness checks it, see [`validate`](Self::validate)).
    pub(crate) fn from_map_unchecked(values: BTreeMap<String, String>) -> SecretContent {
        SecretContent { values }
    }
}

impl fmt::Debug for SecretContent {
    /// `SecretContent { key: <N bytes>, ... }`: keys and sizes, never a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretContent {")?;
        for (i, (key, value)) in self.values.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{key}: <{} bytes>", value.len())?;
        }
        if !self.values.is_empty() {
            f.write_str(" ")?;
        }
        f.write_str("}")
    }
}

/// Checks a key against Juju's rule: `^[a-z](-?[a-z0-9]){2,}$`.
pub(crate) fn check_key(key: &str) -> Result<(), SecretContentError> {
    for suffix in ["#base64", "#file"] {
        if let Some(plain) = key.strip_suffix(suffix) {
            return Err(SecretContentError::SuffixedKey {
                key: key.to_owned(),
                suffix,
                plain: plain.to_owned(),
            });
        }
    }
    let invalid = || SecretContentError::InvalidKey {
        key: key.to_owned(),
    };
    let mut chars = key.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return Err(invalid());
    }
    let mut groups = 0;
    let mut after_dash = false;
    for c in chars {
        match c {
            '-' if !after_dash => after_dash = true,
            'a'..='z' | '0'..='9' => {
                after_dash = false;
                groups += 1;
            }
            _ => return Err(invalid()),
        }
    }
    if after_dash || groups < 2 {
        return Err(invalid());
    }
    Ok(())
}

fn check_value(key: &str, value: &str) -> Result<(), SecretContentError> {
    let encoded = encoded_len(value.len());
    if encoded > MAX_ENCODED_VALUE {
        return Err(SecretContentError::ValueTooLarge {
            key: key.to_owned(),
            raw: value.len(),
            encoded,
            max: MAX_ENCODED_VALUE,
        });
    }
    Ok(())
}

/// Who owns a new secret (`secret-add --owner`): the application (the default; only its
/// leader manages the secret, every unit of it can read it) or the unit that adds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SecretOwner {
    /// `application`: the application, managed by its leader.
    #[default]
    Application,
    /// `unit`: the unit that adds it.
    Unit,
}

impl SecretOwner {
    /// The spelling `secret-add --owner` takes and `secret-info-get` prints.
    pub const fn as_str(self) -> &'static str {
        match self {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }
    }

    /// Parses `application` or `unit`.
    pub fn parse(text: &str) -> Option<SecretOwner> {
        match text {
            "application" => Some(SecretOwner::Application),
            "unit" => Some(SecretOwner::Unit),
            _ => None,
        }
    }
}

impl fmt::Display for SecretOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How often Juju asks the owner to rotate a secret (`secret-rotate` events).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretRotate {
    /// `never`
    Never,
    /// `hourly`
    Hourly,
    /// `daily`
    Daily,
    /// `weekly`
    Weekly,
    /// `monthly`
    Monthly,
    /// `quarterly`
    Quarterly,
    /// `yearly`
    Yearly,
}

impl SecretRotate {
    /// Every policy, in order.
    pub const ALL: [SecretRotate; 7] = [
        SecretRotate::Never,
        SecretRotate::Hourly,
        SecretRotate::Daily,
        SecretRotate::Weekly,
        SecretRotate::Monthly,
        SecretRotate::Quarterly,
        SecretRotate::Yearly,
    ];

    /// The spelling `secret-add --rotate` takes.
    pub const fn as_str(self) -> &'static str {
        match self {
            SecretRotate::Never => "never",
            SecretRotate::Hourly => "hourly",
            SecretRotate::Daily => "daily",
            SecretRotate::Weekly => "weekly",
            SecretRotate::Monthly => "monthly",
            SecretRotate::Quarterly => "quarterly",
            SecretRotate::Yearly => "yearly",
        }
    }

    /// Parses a policy as `--rotate` takes it.
    pub fn parse(text: &str) -> Option<SecretRotate> {
        SecretRotate::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// When a secret rotated (or created) at `from` is next due, as Juju computes it:
    /// calendar days, months and years; `None` for [`Never`](Self::Never).
    pub fn next_rotation(self, from: SystemTime) -> Option<SystemTime> {
        let (days, months, hours) = match self {
            SecretRotate::Never => return None,
            SecretRotate::Hourly => (0, 0, 1),
            SecretRotate::Daily => (1, 0, 0),
            SecretRotate::Weekly => (7, 0, 0),
            SecretRotate::Monthly => (0, 1, 0),
            SecretRotate::Quarterly => (0, 3, 0),
            SecretRotate::Yearly => (0, 12, 0),
        };
        let seconds = unix_seconds(from);
        let (mut year, mut month, day, rest) = civil(seconds);
        month += months;
        year += (month - 1).div_euclid(12);
        month = (month - 1).rem_euclid(12) + 1;
        // Days past the month's end roll over, as Go's AddDate does.
        let shifted =
            (days_from_civil(year, month, 1) + day - 1 + days) * 86_400 + rest + hours * 3_600;
        Some(from_unix_seconds(shifted, subsec(from)))
    }
}

impl fmt::Display for SecretRotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a secret's current revision expires (`secret-add --expire`): after a while, or at
/// a time. Juju sends the owner `secret-expired` then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretExpiry {
    /// After this long from now (at least a second; Juju refuses a duration that is not
    /// positive).
    After(Duration),
    /// At this time.
    At(SystemTime),
}

impl SecretExpiry {
    /// The `--expire` argument: a Go duration in whole seconds (`3600s`), or an RFC 3339
    /// time in UTC (`2025-01-01T06:06:06Z`). Fails for a duration under a second.
    pub(crate) fn argument(self) -> Result<String, String> {
        match self {
            SecretExpiry::After(d) if d.as_secs() == 0 => Err(format!(
                "expire duration {d:?} not valid: it must be at least a second"
            )),
            SecretExpiry::After(d) => Ok(format!("{}s", d.as_secs())),
            SecretExpiry::At(t) => Ok(format_rfc3339(t)),
        }
    }

    /// The time this expiry is at, from `now`.
    pub fn time_from(self, now: SystemTime) -> SystemTime {
        match self {
            SecretExpiry::After(d) => now + d,
            SecretExpiry::At(t) => t,
        }
    }
}

/// What `secret-add` and `secret-set` take besides the content: a label, a description,
/// an expiry and a rotation policy. Unset fields are not passed (`secret-set` leaves them
/// as they are).
///
/// ```
/// use reconciler_core::secrets::{SecretOptions, SecretRotate};
///
/// let options = SecretOptions::new().label("db-password").rotate(SecretRotate::Monthly);
/// assert_eq!(options.label.as_deref(), Some("db-password"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretOptions {
    /// `--label`: how the owner finds the secret again (`secret-get --label`), and what
    /// Juju puts in `JUJU_SECRET_LABEL` of the owner's secret events. Unique among the
    /// owner's secrets; not empty.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire`.
    pub expire: Option<SecretExpiry>,
    /// `--rotate`.
    pub rotate: Option<SecretRotate>,
}

impl SecretOptions {
    /// No options.
    pub fn new() -> SecretOptions {
        SecretOptions::default()
    }

    /// These options with a label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> SecretOptions {
        self.label = Some(label.into());
        self
    }

    /// These options with a description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> SecretOptions {
        self.description = Some(description.into());
        self
    }

    /// These options with an expiry.
    #[must_use]
    pub fn expire(mut self, expire: SecretExpiry) -> SecretOptions {
        self.expire = Some(expire);
        self
    }

    /// These options with a rotation policy.
    #[must_use]
    pub fn rotate(mut self, rotate: SecretRotate) -> SecretOptions {
        self.rotate = Some(rotate);
        self
    }

    /// Refuses what Juju would refuse or misread, before any tool runs: an empty label
    /// (Juju reads it as no label), and an expiry under a second.
    pub(crate) fn check(&self, operation: &str) -> Result<(), crate::BackendError> {
        if self.label.as_deref() == Some("") {
            return Err(crate::BackendError::refused(
                operation,
                "a secret label cannot be empty",
            ));
        }
        if let Some(expire) = self.expire {
            expire
                .argument()
                .map_err(|reason| crate::BackendError::refused(operation, reason))?;
        }
        Ok(())
    }
}

/// Which revision `secret-get` reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SecretRead {
    /// The revision this unit tracks (the latest, the first time it reads the secret). The
    /// owner always reads the latest.
    #[default]
    Tracked,
    /// `--peek`: the latest revision, this time only.
    Peek,
    /// `--refresh`: the latest revision, and track it from now on.
    Refresh,
}

/// Which secret `secret-get` reads, and how: by URI, by label, or by URI binding a label
/// (a consumer's own label for a secret it observes, which Juju puts in
/// `JUJU_SECRET_LABEL` of its `secret-changed` events).
///
/// ```
/// use reconciler_core::secrets::{SecretQuery, SecretRead, SecretUri};
///
/// let uri: SecretUri = "secret:cn2rfm3nji6c4n1dqjmg".parse()?;
/// let query = SecretQuery::uri(uri).with_label("db-credentials").refresh();
/// assert_eq!(query.read, SecretRead::Refresh);
/// let by_label = SecretQuery::label("db-credentials");
/// assert!(by_label.uri.is_none());
/// # Ok::<(), reconciler_core::secrets::SecretUriError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretQuery {
    /// The secret's URI.
    pub uri: Option<SecretUri>,
    /// Its label: the owner's label, or this unit's label for a secret it observes. With
    /// a URI, the label is bound to the secret.
    pub label: Option<String>,
    /// Which revision.
    pub read: SecretRead,
}

impl SecretQuery {
    /// The secret with this URI, tracked revision.
    pub fn uri(uri: SecretUri) -> SecretQuery {
        SecretQuery {
            uri: Some(uri),
            label: None,
            read: SecretRead::Tracked,
        }
    }

    /// The secret with this label, tracked revision.
    pub fn label(label: impl Into<String>) -> SecretQuery {
        SecretQuery {
            uri: None,
            label: Some(label.into()),
            read: SecretRead::Tracked,
        }
    }

    /// This query, binding `label` to the secret (with a URI).
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> SecretQuery {
        self.label = Some(label.into());
        self
    }

    /// This query reading the latest revision this time only (`--peek`).
    #[must_use]
    pub fn peek(mut self) -> SecretQuery {
        self.read = SecretRead::Peek;
        self
    }

    /// This query reading the latest revision and tracking it (`--refresh`).
    #[must_use]
    pub fn refresh(mut self) -> SecretQuery {
        self.read = SecretRead::Refresh;
        self
    }

    /// Refuses a query Juju's `secret-get` refuses: neither a URI nor a label, or an empty
    /// label.
    pub(crate) fn check(&self) -> Result<(), crate::BackendError> {
        if self.uri.is_none() && self.label.is_none() {
            return Err(crate::BackendError::refused(
                "secret-get",
                "require either a secret URI or label",
            ));
        }
        if self.label.as_deref() == Some("") {
            return Err(crate::BackendError::refused(
                "secret-get",
                "a secret label cannot be empty",
            ));
        }
        Ok(())
    }
}

/// A secret named by URI or by the owner's label: what `secret-info-get` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    /// By URI.
    Uri(SecretUri),
    /// By the owner's label.
    Label(String),
}

impl From<SecretUri> for SecretRef {
    fn from(uri: SecretUri) -> SecretRef {
        SecretRef::Uri(uri)
    }
}

impl fmt::Display for SecretRef {
    /// The URI, or `label "<label>"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Uri(uri) => write!(f, "{uri}"),
            SecretRef::Label(label) => write!(f, "label {label:?}"),
        }
    }
}

/// What `secret-info-get` says about a secret this unit owns (or its application owns,
/// on the leader).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretInfo {
    /// The secret's URI (its id; `secret-info-get` does not name the model).
    pub uri: SecretUri,
    /// The owner's label.
    pub label: Option<String>,
    /// Who owns it.
    pub owner: SecretOwner,
    /// Its description.
    pub description: Option<String>,
    /// When the latest revision expires.
    pub expiry: Option<SystemTime>,
    /// Its rotation policy.
    pub rotation: Option<SecretRotate>,
    /// Its latest revision.
    pub revision: u64,
    /// When it is next due to rotate.
    pub next_rotation: Option<SystemTime>,
}

impl Event {
    /// The secret a secret event is about (`JUJU_SECRET_ID`), parsed; `None` for other
    /// events, an error if Juju's id does not parse.
    ///
    /// ```
    /// use reconciler_core::event::SecretEventKind;
    /// use reconciler_core::Event;
    ///
    /// let event = Event::Secret {
    ///     kind: SecretEventKind::Changed,
    ///     id: "secret:cn2rfm3nji6c4n1dqjmg".into(),
    ///     label: Some("db".into()),
    ///     revision: None,
    /// };
    /// assert_eq!(event.secret_uri().unwrap()?.id(), "cn2rfm3nji6c4n1dqjmg");
    /// assert!(Event::Install.secret_uri().is_none());
    /// # Ok::<(), reconciler_core::secrets::SecretUriError>(())
    /// ```
    pub fn secret_uri(&self) -> Option<Result<SecretUri, SecretUriError>> {
        match self {
            Event::Secret { id, .. } => Some(SecretUri::parse(id)),
            _ => None,
        }
    }
}

/// The error of a backend without secrets: `<tool> is not supported by this backend`.
pub(crate) fn unsupported(tool: &str) -> crate::BackendError {
    crate::BackendError::failed(tool, format!("{tool} is not supported by this backend"))
}

// Time, in RFC 3339 as Juju prints it (`SecretInfo` and `--expire`), without a date-time
// dependency.

fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let d = e.duration();
            -i64::try_from(d.as_secs()).unwrap_or(i64::MAX) - i64::from(d.subsec_nanos() > 0)
        }
    }
}

fn subsec(time: SystemTime) -> u32 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.subsec_nanos(),
        Err(e) => (1_000_000_000 - e.duration().subsec_nanos()) % 1_000_000_000,
    }
}

fn from_unix_seconds(seconds: i64, nanos: u32) -> SystemTime {
    let base = if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    };
    base + Duration::from_nanos(u64::from(nanos))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day, seconds into the day) of a Unix time.
fn civil(seconds: i64) -> (i64, i64, i64, i64) {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day, rest)
}

/// `time` in RFC 3339, UTC, whole seconds, as Juju's hook tools take and print times:
/// `2025-01-01T06:06:06Z`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use reconciler_core::secrets::{format_rfc3339, parse_rfc3339};
///
/// let time = UNIX_EPOCH + Duration::from_secs(1_735_711_566);
/// assert_eq!(format_rfc3339(time), "2025-01-01T06:06:06Z");
/// assert_eq!(parse_rfc3339("2025-01-01T08:06:06+02:00"), Some(time));
/// ```
pub fn format_rfc3339(time: SystemTime) -> String {
    let (year, month, day, rest) = civil(unix_seconds(time));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Parses an RFC 3339 time as Go prints it (`2025-01-01T06:06:06Z`,
/// `2025-01-01T06:06:06.123456789+02:00`); `None` if it is not one.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = fraction[..digits].parse::<u32>().ok()? * 10u32.pow(9 - digits as u32);
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(from_unix_seconds(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "cn2rfm3nji6c4n1dqjmg";
    const UUID: &str = "0a1b2c3d-0000-4000-8000-00000000beef";

    #[test]
    fn uris_parse_in_every_form_juju_accepts() {
        for text in [
            format!("secret:{ID}"),
            format!("secret://{UUID}/{ID}"),
            format!("secret:{UUID}/{ID}"),
            ID.to_owned(),
        ] {
            let uri = SecretUri::parse(&text).unwrap();
            assert_eq!(uri.id(), ID, "{text}");
            assert_eq!(uri.to_string().parse::<SecretUri>().unwrap(), uri);
        }
        let full = SecretUri::parse(&format!("secret://{UUID}/{ID}")).unwrap();
        assert_eq!(full.model_uuid(), Some(UUID));
        assert_eq!(full.to_string(), format!("secret://{UUID}/{ID}"));
        let short = SecretUri::parse(&format!("secret:{ID}")).unwrap();
        assert_eq!(short.model_uuid(), None);
        assert_eq!(short.to_string(), format!("secret:{ID}"));
        assert_eq!(short, full, "the same secret");
        assert_eq!(
            short.with_model_uuid(UUID).unwrap().to_string(),
            full.to_string()
        );
    }

    #[test]
    fn malformed_uris_are_refused_naming_the_text_and_the_problem() {
        let cases = [
            ("http://x/y", "the scheme must be \"secret\", not \"http\""),
            (
                "secret:abc",
                "the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not 3 characters",
            ),
            (
                "secret:cn2rfm3nji6c4n1dqjmz",
                "the id must be 20 characters of 0-9 and a-v (Juju's secret ids); 'z' is not one",
            ),
            (
                "secret:cn2rfm3nji6c4n1dqjm1",
                "the id must end in 0 or g: it is 12 bytes in base32hex, whose last 4 bits are zero",
            ),
            (
                "secret://not-a-uuid/cn2rfm3nji6c4n1dqjmg",
                "\"not-a-uuid\" is not a model UUID (8-4-4-4-12 lowercase hexadecimal digits)",
            ),
            (
                "secret://0a1b2c3d-0000-4000-8000-00000000beef",
                "secret://<model-uuid>/<id> has no id after the model UUID",
            ),
            (
                "",
                "the id must be 20 characters of 0-9 and a-v (Juju's secret ids), not 0 characters",
            ),
        ];
        for (text, reason) in cases {
            let error = SecretUri::parse(text).unwrap_err();
            assert_eq!(error.reason, reason, "{text}");
            assert_eq!(
                error.to_string(),
                format!("secret URI {text:?} not valid: {reason}")
            );
        }
        // A long text is quoted cut.
        let long = "x".repeat(5000);
        let error = SecretUri::parse(&long).unwrap_err();
        assert_eq!(error.text.len(), 100);
    }

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let a = SecretUri::id_from_seed(1);
        let b = SecretUri::id_from_seed(2);
        assert_ne!(a, b);
        for id in [&a, &b, &SecretUri::id_from_seed(u64::MAX)] {
            assert!(check_id(id).is_ok(), "{id}");
        }
        // base32hex of known bytes: twelve zero bytes.
        assert_eq!(base32hex(&[0; 12]), "00000000000000000000");
        assert_eq!(base32hex(&[0xff; 12]), "vvvvvvvvvvvvvvvvvvvg");
    }

    #[test]
    fn keys_follow_jujus_rule() {
        for good in ["abc", "a-bc", "api-token", "x509-cert", "a1b2", "aaa-b-c"] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in [
            "ab", "a-b", "Abc", "1abc", "-abc", "abc-", "a--bc", "a_bc", "a.bc", "ábc", "",
        ] {
            assert_eq!(
                check_key(bad),
                Err(SecretContentError::InvalidKey { key: bad.into() }),
                "{bad}"
            );
        }
        assert_eq!(
            check_key("cert#base64").unwrap_err().to_string(),
            "secret content key \"cert#base64\" not valid: #base64 is how secret-add's command line marks a value, not part of a key; give the plain value under \"cert\""
        );
        assert!(matches!(
            check_key("cert#file"),
            Err(SecretContentError::SuffixedKey {
                suffix: "#file",
                ..
            })
        ));
    }

    #[test]
    fn oversized_content_is_refused_without_showing_it() {
        // The largest value that fits: 750 000 bytes encode to exactly 1 000 000.
        let fits = "s".repeat(750_000);
        let mut content = SecretContent::new();
        content.insert("big", fits).unwrap();
        assert_eq!(content.encoded_size(), 1_000_000);
        // One more byte for the whole secret is too much.
        let error = content.insert("more", "t").unwrap_err();
        assert_eq!(
            error.to_string(),
            "secret content too large: 1000004 bytes base64-encoded in all, more than Juju's limit of 1000000 bytes"
        );
        assert_eq!(content.len(), 1, "a refused insert changes nothing");
        // One value too large.
        let error = SecretContent::from_pairs([("key", "s".repeat(750_001))]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "secret content for key \"key\" too large: 1000004 bytes base64-encoded (750001 bytes), more than Juju's limit of 1000000 bytes"
        );
        assert!(!error.to_string().contains("sss"));
        // Replacing a value counts the new one only.
        content.insert("big", "small").unwrap();
        content.insert("more", "t").unwrap();
        assert_eq!(
            SecretContent::new().validate(),
            Err(SecretContentError::Empty)
        );
        assert!(content.validate().is_ok());
    }

    #[test]
    fn debug_output_never_shows_a_value() {
        let content =
            SecretContent::from_pairs([("password", "hunter2-secret"), ("user", "admin")]).unwrap();
        let debug = format!("{content:?}");
        assert_eq!(
            debug,
            "SecretContent { password: <14 bytes>, user: <5 bytes> }"
        );
        assert!(!debug.contains("hunter2"));
        assert!(!format!("{content:#?}").contains("hunter2"));
        assert_eq!(format!("{:?}", SecretContent::new()), "SecretContent {}");
    }

    #[test]
    fn rotation_and_expiry_follow_jujus_calendar() {
        let at = parse_rfc3339("2024-01-31T10:00:00Z").unwrap();
        let next = |p: SecretRotate| p.next_rotation(at).map(format_rfc3339);
        assert_eq!(next(SecretRotate::Never), None);
        assert_eq!(next(SecretRotate::Hourly).unwrap(), "2024-01-31T11:00:00Z");
        assert_eq!(next(SecretRotate::Daily).unwrap(), "2024-02-01T10:00:00Z");
        assert_eq!(next(SecretRotate::Weekly).unwrap(), "2024-02-07T10:00:00Z");
        // January 31st plus a month is March 2nd in a leap year, as Go's AddDate says.
        assert_eq!(next(SecretRotate::Monthly).unwrap(), "2024-03-02T10:00:00Z");
        assert_eq!(
            next(SecretRotate::Quarterly).unwrap(),
            "2024-05-01T10:00:00Z"
        );
        assert_eq!(next(SecretRotate::Yearly).unwrap(), "2025-01-31T10:00:00Z");
        for policy in SecretRotate::ALL {
            assert_eq!(SecretRotate::parse(policy.as_str()), Some(policy));
        }
        assert_eq!(SecretRotate::parse("fortnightly"), None);

        assert_eq!(
            SecretExpiry::After(Duration::from_secs(3600)).argument(),
            Ok("3600s".into())
        );
        assert!(
            SecretExpiry::After(Duration::from_millis(10))
                .argument()
                .is_err()
        );
        assert_eq!(
            SecretExpiry::At(at).argument(),
            Ok("2024-01-31T10:00:00Z".into())
        );
    }

    #[test]
    fn rfc3339_round_trips_and_reads_gos_forms() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2038-01-19T03:14:08Z",
        ] {
            assert_eq!(format_rfc3339(parse_rfc3339(text).unwrap()), text);
        }
        let with_offset = parse_rfc3339("2025-01-01T08:06:06.5+02:00").unwrap();
        assert_eq!(format_rfc3339(with_offset), "2025-01-01T06:06:06Z");
        assert_eq!(
            with_offset
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .subsec_millis(),
            500
        );
        let before_epoch = parse_rfc3339("1969-12-31T23:59:59Z").unwrap();
        assert_eq!(format_rfc3339(before_epoch), "1969-12-31T23:59:59Z");
        for bad in [
            "",
            "2025-01-01",
            "2025-13-01T00:00:00Z",
            "2025-01-01T00:00:00",
            "2025-01-01T00:00:00+0200",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
