//! The layer format: services, checks and log targets, as the YAML Pebble reads and as
//! `GET /v1/plan` returns the combined plan.
//!
//! Every field Pebble 1.19 knows has a typed field here. A field this crate does not
//! know (one a newer Pebble added) is kept in the `extra` map of the struct it appears in
//! and written back as it was read, so a read-modify-write of a plan does not drop it. A
//! word this crate does not know in a field with fixed words (`startup`, `override`,
//! `on-failure`, a check's `level`, a log target's `type`) is kept as `Other(word)`,
//! never an error.
//!
//! Durations (`backoff-delay`, `kill-delay`, a check's `period`, ...) are
//! [`Duration`]s, read and written in Go's notation (`1m30s`, `500ms`), as Pebble does;
//! so a layer written with `1m` compares equal to the plan Pebble returns with `1m0s`.
//!
//! ```
//! use std::time::Duration;
//! use reconciler_core::pebble::{Layer, ServiceAction, Startup};
//!
//! let layer: Layer = serde_yaml_ng::from_str(
//!     "services:\n  web:\n    override: replace\n    command: /bin/web\n    \
//!      startup: enabled\n    on-failure: shutdown\n    backoff-delay: 1m\n    \
//!      future-field: [1, 2]\n",
//! )?;
//! let web = &layer.services["web"];
//! assert_eq!(web.startup, Some(Startup::Enabled));
//! assert_eq!(web.on_failure, Some(ServiceAction::Shutdown));
//! assert_eq!(web.backoff_delay, Some(Duration::from_secs(60)));
//! assert_eq!(web.extra["future-field"], serde_json::json!([1, 2]));
//! let yaml = serde_yaml_ng::to_string(&layer)?;
//! assert!(yaml.contains("backoff-delay: 1m0s"), "{yaml}");
//! assert!(yaml.contains("future-field:"), "{yaml}");
//! # Ok::<(), serde_yaml_ng::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Fields a struct of this module does not know, by name, as they were read.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// How one field of a layer struct is written and read: skipped when unset, and some
/// (durations) in a notation of their own.
pub(crate) trait Field: Sized {
    /// Whether the field is left out when writing (unset or empty).
    fn is_unset(&self) -> bool;
    /// Writes the field as `key` into `map`.
    fn put<M: SerializeMap>(&self, key: &str, map: &mut M) -> Result<(), M::Error>;
    /// Reads the field's value from `map`. An error of the format's own names the
    /// field's path; one raised here starts with `key`.
    fn take<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Self, A::Error>;
}

macro_rules! plain_field {
    ($($ty:ty => $unset:expr;)*) => {$(
        impl Field for $ty {
            fn is_unset(&self) -> bool {
                let unset: fn(&$ty) -> bool = $unset;
                unset(self)
            }
            fn put<M: SerializeMap>(&self, key: &str, map: &mut M) -> Result<(), M::Error> {
                map.serialize_entry(key, self)
            }
            fn take<'de, A: MapAccess<'de>>(_: &str, map: &mut A) -> Result<Self, A::Error> {
                map.next_value()
            }
        }
    )*};
}

plain_field! {
    Option<String> => Option::is_none;
    Option<u32> => Option::is_none;
    Option<u16> => Option::is_none;
    Option<f64> => Option::is_none;
    Option<Startup> => Option::is_none;
    Option<ServiceAction> => Option::is_none;
    Option<CheckLevel> => Option::is_none;
    Option<LogTargetType> => Option::is_none;
    Option<HttpCheck> => Option::is_none;
    Option<TcpCheck> => Option::is_none;
    Option<ExecCheck> => Option::is_none;
    Override => |_| false;
    Vec<String> => Vec::is_empty;
    BTreeMap<String, String> => BTreeMap::is_empty;
    BTreeMap<String, ServiceAction> => BTreeMap::is_empty;
    BTreeMap<String, Service> => BTreeMap::is_empty;
    BTreeMap<String, Check> => BTreeMap::is_empty;
    BTreeMap<String, LogTarget> => BTreeMap::is_empty;
}

impl Field for Option<Duration> {
    fn is_unset(&self) -> bool {
        self.is_none()
    }
    fn put<M: SerializeMap>(&self, key: &str, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(key, &self.map(format_go_duration))
    }
    fn take<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Self, A::Error> {
        let text: Option<String> = map.next_value()?;
        text.map(|t| parse_go_duration(&t).map_err(|e| A::Error::custom(format!("{key}: {e}"))))
            .transpose()
    }
}

/// Defines a struct of the layer format with a field per known key and an `extra` map
/// for the others, and its (de)serialisation: known keys in declaration order (unset ones
/// left out), then the unknown ones.
macro_rules! layer_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident ($what:literal) {
            $(
                $(#[$fmeta:meta])*
                $key:literal $([$required:ident])? => pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Fields this version does not know, by name, kept as read so that writing
            /// this value back does not drop them. A key here that is also a known field's
            /// is not written (the known field wins).
            pub extra: Extra,
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                const KNOWN: &[&str] = &[$($key),*];
                let mut map = serializer.serialize_map(None)?;
                $(
                    if !Field::is_unset(&self.$field) {
                        Field::put(&self.$field, $key, &mut map)?;
                    }
                )*
                for (key, value) in &self.extra {
                    if !KNOWN.contains(&key.as_str()) {
                        map.serialize_entry(key, value)?;
                    }
                }
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct StructVisitor;
                impl<'de> Visitor<'de> for StructVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a Pebble ", $what, " (a map)"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut out = $name::default();
                        #[allow(unused_mut)]
                        let mut seen: Vec<&'static str> = Vec::new();
                        while let Some(key) = map.next_key::<String>()? {
                            match key.as_str() {
                                $(
                                    $key => {
                                        out.$field = Field::take($key, &mut map)?;
                                        seen.push($key);
                                    }
                                )*
                                _ => {
                                    let value: serde_json::Value = map.next_value()?;
                                    out.extra.insert(key, value);
                                }
                            }
                        }
                        $($(
                            let _ = stringify!($required);
                            if !seen.contains(&$key) {
                                return Err(A::Error::missing_field($key));
                            }
                        )?)*
                        Ok(out)
                    }
                }
                deserializer.deserialize_map(StructVisitor)
            }
        }
    };
}

/// Defines an enum of fixed words with an `Other` variant for the words this crate does
/// not know, read and written as the word.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// A word this version does not know is kept as `Other(word)`; a later version
        /// may know it (so compare with [`from_word`](Self::from_word) rather than
        /// matching `Other` on a word).
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A word this version does not know, as Pebble wrote it.
            Other(String),
        }

        impl $name {
            /// The value for Pebble's word (`Other` for a word this version does not
            /// know).
            pub fn from_word(word: &str) -> $name {
                match word {
                    $( $word => $name::$variant, )*
                    other => $name::Other(other.to_owned()),
                }
            }

            /// Pebble's word for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $word, )*
                    $name::Other(word) => word,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(deserializer)
                    .map(|word| $name::from_word(&word))
            }
        }
    };
}

pub(crate) use word_enum;

word_enum! {
    /// How a layer's entry combines with an existing one of the same name. Pebble requires
    /// it on every service, check and log target of a layer.
    pub enum Override {
        /// Fields set here replace the existing ones; lists are appended to, maps merged.
        Merge = "merge",
        /// The whole entry replaces the existing one.
        Replace = "replace",
    }
}

impl Default for Override {
    /// [`Override::Merge`].
    fn default() -> Override {
        Override::Merge
    }
}

word_enum! {
    /// Whether Pebble starts a service (or runs a check) on `replan` and at startup.
    pub enum Startup {
        /// Started by replan.
        Enabled = "enabled",
        /// Only started on request.
        Disabled = "disabled",
    }
}

impl Default for Startup {
    /// [`Startup::Disabled`], Pebble's default for a service that does not say.
    fn default() -> Startup {
        Startup::Disabled
    }
}

word_enum! {
    /// What Pebble does when a service exits or one of its checks fails
    /// (`on-success`, `on-failure`, `on-check-failure`).
    pub enum ServiceAction {
        /// Restart the service (after the backoff delay).
        Restart = "restart",
        /// Shut Pebble down (exit code 0 after a success, 10 after a failure).
        Shutdown = "shutdown",
        /// Shut Pebble down with exit code 10.
        FailureShutdown = "failure-shutdown",
        /// Shut Pebble down with exit code 0.
        SuccessShutdown = "success-shutdown",
        /// Leave the service stopped.
        Ignore = "ignore",
    }
}

word_enum! {
    /// A health check's level.
    pub enum CheckLevel {
        /// Whether the workload is alive (a failure means it should be restarted).
        Alive = "alive",
        /// Whether the workload is ready to serve (alive checks count too).
        Ready = "ready",
    }
}

word_enum! {
    /// Where a log target forwards logs.
    pub enum LogTargetType {
        /// A Grafana Loki server.
        Loki = "loki",
        /// A syslog server.
        Syslog = "syslog",
        /// An OpenTelemetry collector (Pebble versions after 1.19).
        Opentelemetry = "opentelemetry",
    }
}

layer_struct! {
    /// A Pebble layer: services, health checks and log targets. `GET /v1/plan` returns
    /// the combination of every layer in this same form.
    pub struct Layer ("layer") {
        /// A one-line summary.
        "summary" => pub summary: Option<String>,
        /// A longer description.
        "description" => pub description: Option<String>,
        /// Services by name.
        "services" => pub services: BTreeMap<String, Service>,
        /// Health checks by name.
        "checks" => pub checks: BTreeMap<String, Check>,
        /// Log forwarding targets by name.
        "log-targets" => pub log_targets: BTreeMap<String, LogTarget>,
    }
}

layer_struct! {
    /// One service in a layer.
    pub struct Service ("service") {
        /// A one-line summary.
        "summary" => pub summary: Option<String>,
        /// A longer description.
        "description" => pub description: Option<String>,
        /// Whether replan starts it (Pebble's default: disabled).
        "startup" => pub startup: Option<Startup>,
        /// How this entry combines with an existing one (required by Pebble).
        "override" [required] => pub override_: Override,
        /// The command line, with optional default arguments in `[ ... ]`.
        "command" => pub command: Option<String>,
        /// Services to start before this one.
        "after" => pub after: Vec<String>,
        /// Services to start after this one.
        "before" => pub before: Vec<String>,
        /// Services this one requires (started with it).
        "requires" => pub requires: Vec<String>,
        /// Environment variables.
        "environment" => pub environment: BTreeMap<String, String>,
        /// The user to run as (by name).
        "user" => pub user: Option<String>,
        /// The user to run as (by id).
        "user-id" => pub user_id: Option<u32>,
        /// The group to run as (by name).
        "group" => pub group: Option<String>,
        /// The group to run as (by id).
        "group-id" => pub group_id: Option<u32>,
        /// The working directory.
        "working-dir" => pub working_dir: Option<String>,
        /// What to do when the service exits with code 0 (Pebble's default: restart).
        "on-success" => pub on_success: Option<ServiceAction>,
        /// What to do when the service exits otherwise (Pebble's default: restart).
        "on-failure" => pub on_failure: Option<ServiceAction>,
        /// What to do when a check fails, by check name.
        "on-check-failure" => pub on_check_failure: BTreeMap<String, ServiceAction>,
        /// The first delay before a restart (Pebble's default: 500 ms).
        "backoff-delay" => pub backoff_delay: Option<Duration>,
        /// What the delay is multiplied by after each restart (Pebble's default: 2).
        "backoff-factor" => pub backoff_factor: Option<f64>,
        /// The longest delay (Pebble's default: 30 s).
        "backoff-limit" => pub backoff_limit: Option<Duration>,
        /// How long Pebble waits after SIGTERM before SIGKILL (Pebble's default: 5 s).
        "kill-delay" => pub kill_delay: Option<Duration>,
    }
}

layer_struct! {
    /// A health check in a layer: exactly one of `http`, `tcp` and `exec`.
    pub struct Check ("check") {
        /// How this entry combines with an existing one (required by Pebble).
        "override" [required] => pub override_: Override,
        /// `alive` or `ready`.
        "level" => pub level: Option<CheckLevel>,
        /// Whether the check runs from the start (Pebble's default) or only when started.
        "startup" => pub startup: Option<Startup>,
        /// How often it runs (Pebble's default: 10 s).
        "period" => pub period: Option<Duration>,
        /// How long one run may take (Pebble's default: 3 s, at most the period).
        "timeout" => pub timeout: Option<Duration>,
        /// Failures in a row before the check is down (Pebble's default: 3).
        "threshold" => pub threshold: Option<u32>,
        /// An HTTP check.
        "http" => pub http: Option<HttpCheck>,
        /// A TCP check.
        "tcp" => pub tcp: Option<TcpCheck>,
        /// A command to run.
        "exec" => pub exec: Option<ExecCheck>,
    }
}

layer_struct! {
    /// An HTTP check: passes when a GET answers 2xx.
    pub struct HttpCheck ("http check") {
        /// The URL.
        "url" => pub url: Option<String>,
        /// Request headers.
        "headers" => pub headers: BTreeMap<String, String>,
    }
}

layer_struct! {
    /// A TCP check: passes when the port accepts a connection.
    pub struct TcpCheck ("tcp check") {
        /// The port.
        "port" => pub port: Option<u16>,
        /// The host (Pebble's default: localhost).
        "host" => pub host: Option<String>,
    }
}

layer_struct! {
    /// An exec check: passes when the command exits with code 0.
    pub struct ExecCheck ("exec check") {
        /// The command line.
        "command" => pub command: Option<String>,
        /// A service whose environment, user, group and working directory the command
        /// uses.
        "service-context" => pub service_context: Option<String>,
        /// Environment variables.
        "environment" => pub environment: BTreeMap<String, String>,
        /// The user to run as (by name).
        "user" => pub user: Option<String>,
        /// The user to run as (by id).
        "user-id" => pub user_id: Option<u32>,
        /// The group to run as (by name).
        "group" => pub group: Option<String>,
        /// The group to run as (by id).
        "group-id" => pub group_id: Option<u32>,
        /// The working directory.
        "working-dir" => pub working_dir: Option<String>,
    }
}

layer_struct! {
    /// A log target: where Pebble forwards services' logs.
    pub struct LogTarget ("log target") {
        /// The kind of server.
        "type" => pub type_: Option<LogTargetType>,
        /// The server's address.
        "location" => pub location: Option<String>,
        /// The services whose logs go there (`all`, names, `-name` to remove one).
        "services" => pub services: Vec<String>,
        /// How this entry combines with an existing one (required by Pebble).
        "override" [required] => pub override_: Override,
        /// Labels added to every log line.
        "labels" => pub labels: BTreeMap<String, String>,
    }
}

/// Writes a duration as Go's `time.Duration.String` does: `0s`, `500ms`, `1.5s`,
/// `1m30s`, `2h0m0s`.
pub(crate) fn format_go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    /// `whole.fraction` of `n` in units of `unit` nanoseconds, trailing zeros cut.
    fn fixed(n: u128, unit: u128) -> String {
        let whole = n / unit;
        let frac = n % unit;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = unit.ilog10() as usize;
        let frac = format!("{frac:0digits$}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }
    const S: u128 = 1_000_000_000;
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", fixed(nanos, 1_000));
    }
    if nanos < S {
        return format!("{}ms", fixed(nanos, 1_000_000));
    }
    let hours = nanos / (3600 * S);
    let minutes = nanos / (60 * S) % 60;
    let seconds = fixed(nanos % (60 * S), S);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// Reads a duration in Go's notation (`time.ParseDuration`): numbers with units `ns`,
/// `us`/`µs`, `ms`, `s`, `m`, `h`, like `1h30m` or `1.5s`; `0` alone is zero. A negative
/// duration is an error: no Pebble duration may be negative.
pub(crate) fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let invalid = |why: &str| format!("invalid duration {text:?}: {why}");
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err(invalid("negative"));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid("empty"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(invalid("expected a number"));
        }
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(invalid("missing unit")),
            _ => return Err(invalid(&format!("unknown unit {unit:?}"))),
        };
        let too_large = || invalid("too large");
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large())?
        };
        let mut value = whole.checked_mul(scale).ok_or_else(too_large)?;
        let mut place = scale;
        for digit in frac.bytes() {
            place /= 10;
            value += u128::from(digit - b'0') * place;
        }
        total = total.checked_add(value).ok_or_else(too_large)?;
        rest = after;
    }
    // Go's durations are at most about 292 years.
    if total > i64::MAX as u128 {
        return Err(invalid("too large"));
    }
    Ok(Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_are_written_as_go_writes_them() {
        for (d, text) in [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(5), "5ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_secs(60), "1m0s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(7200), "2h0m0s"),
            (Duration::from_millis(3_723_005), "1h2m3.005s"),
        ] {
            assert_eq!(format_go_duration(d), text);
            assert_eq!(parse_go_duration(text), Ok(d), "{text}");
        }
    }

    #[test]
    fn go_durations_are_read_as_go_reads_them() {
        for (text, d) in [
            ("0", Duration::ZERO),
            ("1m", Duration::from_secs(60)),
            ("1h30m", Duration::from_secs(5400)),
            (".5s", Duration::from_millis(500)),
            ("1.s", Duration::from_secs(1)),
            ("10us", Duration::from_micros(10)),
            ("+2s", Duration::from_secs(2)),
        ] {
            assert_eq!(parse_go_duration(text), Ok(d), "{text}");
        }
        for (text, why) in [
            ("", "empty"),
            ("5", "missing unit"),
            ("-1s", "negative"),
            ("1d", "unknown unit \"d\""),
            ("s", "expected a number"),
            ("99999999999h", "too large"),
        ] {
            assert_eq!(
                parse_go_duration(text),
                Err(format!("invalid duration {text:?}: {why}"))
            );
        }
    }
}
