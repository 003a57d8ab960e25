//! Sending `tracing` records to Juju's log (`juju-log`), and to stderr under `JUJU_DEBUG`.
//!
//! Every `juju-log` call is a process and a round trip to the Juju agent, so by default
//! ([`LogMode::Batched`]) records are sent like this:
//! - WARNING and ERROR records go out at once, one call each: they are rare, they matter,
//!   and they reach `juju debug-log` even if the hook is killed a moment later;
//! - INFO, DEBUG and TRACE records are kept and sent when the hook ends, as one call per
//!   level, one record per line, each line prefixed with the time since the hook started
//!   (`[+1.2ms]`), since `juju debug-log` stamps the whole entry with the time of the call.
//!
//! A healthy hook therefore makes one `juju-log` call whatever the number of components.
//! The price, for people reading `juju debug-log`: info lines show up as one multi-line
//! entry at the end of the hook, after any warning that happened in the middle of it, and
//! they are lost if the process dies without unwinding (killed, aborted). Set
//! `RECONCILER_JUJU_LOG=immediate` for one call per record, in order.
//!
//! Warnings and errors are also written to stderr, so a problem is visible even where
//! `juju-log` is not (a hook tool missing, a charm run by hand); under `JUJU_DEBUG` every
//! record is. (Juju also records a hook's stderr in the unit's log, so there such a line
//! can appear twice.)
//!
//! The level is INFO by default, DEBUG under `JUJU_DEBUG`, or what `RECONCILER_LOG_LEVEL`
//! says (`trace`, `debug`, `info`, `warning`, `error`).
//!
//! Logging must never cost the hook its outcome. Each `juju-log` call has a short deadline,
//! [`JUJU_LOG_TIMEOUT`] (or the hook-tool deadline if that is shorter); once a call has
//! failed or timed out, the sink stops calling `juju-log` for the rest of the hook and
//! writes to stderr instead, so a hanging `juju-log` delays the hook once, by that
//! deadline, and the final `status-set` still happens. Messages are sent as Juju can take
//! them: control characters other than line feeds and tabs escaped (`\0`, `\u{1b}`), cut
//! at [`MAX_MESSAGE`] bytes.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::level_filters::LevelFilter;

use crate::backend::LogLevel;
use crate::juju::tools::HookTools;
use crate::juju_text;
use crate::logging::{LogRecord, RecordLayer};

/// The variable choosing how records reach `juju-log`: `batched` (default) or `immediate`.
pub const LOG_MODE_VAR: &str = "RECONCILER_JUJU_LOG";

/// The variable setting the lowest level logged: `trace`, `debug`, `info` (default),
/// `warning`, `error`.
pub const LOG_LEVEL_VAR: &str = "RECONCILER_LOG_LEVEL";

/// Longest message sent in one `juju-log` call; a longer batch is split, a longer record
/// is cut. (Linux refuses a single argument over 128 KiB.)
pub const MAX_MESSAGE: usize = juju_text::MAX_TOOL_MESSAGE;

/// The deadline of one `juju-log` call (unless the hook-tool deadline is shorter). Logging
/// is a local call to the unit agent that takes milliseconds; a hook should not wait long
/// for a log line.
pub const JUJU_LOG_TIMEOUT: Duration = Duration::from_secs(5);

/// How records reach `juju-log`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogMode {
    /// Warnings and errors at once; the rest in one call per level at the end of the hook.
    #[default]
    Batched,
    /// One call per record, as it happens.
    Immediate,
}

/// Where records go and which are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// The lowest level logged.
    pub level: LevelFilter,
    /// How records reach `juju-log`.
    pub mode: LogMode,
    /// Whether every record is also written to stderr (under `JUJU_DEBUG`); warnings and
    /// errors always are.
    pub stderr: bool,
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            level: LevelFilter::INFO,
            mode: LogMode::Batched,
            stderr: false,
        }
    }
}

impl LogConfig {
    /// Reads [`LOG_LEVEL_VAR`], [`LOG_MODE_VAR`] and `JUJU_DEBUG`. Unknown values fall back
    /// to the defaults (and are reported by [`LogConfig::problems`]).
    pub fn from_env() -> LogConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let debug = var("JUJU_DEBUG").is_some();
        LogConfig {
            level: var(LOG_LEVEL_VAR)
                .and_then(|v| parse_level(&v))
                .unwrap_or(if debug {
                    LevelFilter::DEBUG
                } else {
                    LevelFilter::INFO
                }),
            mode: match var(LOG_MODE_VAR).as_deref() {
                Some("immediate") => LogMode::Immediate,
                _ => LogMode::Batched,
            },
            stderr: debug,
        }
    }

    /// Messages about unusable logging variables, and about an unusable hook-tool or
    /// Pebble deadline (`RECONCILER_HOOK_TOOL_TIMEOUT`,
    /// `RECONCILER_PEBBLE_TIMEOUT`), to log once logging is up.
    pub fn problems() -> Vec<String> {
        let mut problems: Vec<String> = crate::juju::tools::TIMEOUT
            .problem()
            .into_iter()
            .chain(crate::juju::pebble_client::TIMEOUT.problem())
            .collect();
        if let Ok(v) = std::env::var(LOG_LEVEL_VAR)
            && !v.is_empty()
            && parse_level(&v).is_none()
        {
            problems.push(format!(
                "{LOG_LEVEL_VAR}={v:?} is not one of trace, debug, info, warning, error; using the default"
            ));
        }
        if let Ok(v) = std::env::var(LOG_MODE_VAR)
            && !v.is_empty()
            && v != "batched"
            && v != "immediate"
        {
            problems.push(format!(
                "{LOG_MODE_VAR}={v:?} is not batched or immediate; using batched"
            ));
        }
        problems
    }
}

fn parse_level(text: &str) -> Option<LevelFilter> {
    Some(match text.to_ascii_lowercase().as_str() {
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "info" => LevelFilter::INFO,
        "warn" | "warning" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        "off" => LevelFilter::OFF,
        _ => return None,
    })
}

/// Where log records go: `juju-log` (batched or not) and, under `JUJU_DEBUG`, stderr.
pub struct JujuLogSink {
    tools: HookTools,
    config: LogConfig,
    started: Instant,
    buffer: Mutex<Vec<(Duration, LogRecord)>>,
    juju_log_failed: AtomicBool,
}

impl JujuLogSink {
    /// A sink calling `juju-log` through `tools`, each call with the deadline
    /// [`JUJU_LOG_TIMEOUT`] or the shorter deadline of `tools`.
    pub fn new(tools: HookTools, config: LogConfig) -> Arc<JujuLogSink> {
        let timeout = tools.timeout().min(JUJU_LOG_TIMEOUT);
        Arc::new(JujuLogSink {
            tools: tools.with_timeout(timeout),
            config,
            started: Instant::now(),
            buffer: Mutex::new(Vec::new()),
            juju_log_failed: AtomicBool::new(false),
        })
    }

    /// A `tracing` layer feeding this sink. Combine it with `self.config().level` as a
    /// filter so records below the level are never formatted.
    pub fn layer(
        self: &Arc<JujuLogSink>,
    ) -> RecordLayer<impl Fn(LogRecord) + Send + Sync + 'static> {
        let sink = Arc::clone(self);
        RecordLayer::new(move |record| sink.accept(record))
    }

    /// Takes one record: to stderr now if it is a warning or an error or `JUJU_DEBUG` is
    /// set, to `juju-log` now or at [`JujuLogSink::flush`].
    pub fn accept(&self, record: LogRecord) {
        if self.config.stderr || record.level >= LogLevel::Warning {
            let _ = writeln!(std::io::stderr().lock(), "{record}");
        }
        let immediate = self.config.mode == LogMode::Immediate || record.level >= LogLevel::Warning;
        if immediate {
            self.send(record.level, &record.message);
        } else if let Ok(mut buffer) = self.buffer.lock() {
            buffer.push((self.started.elapsed(), record));
        }
    }

    /// Sends the kept records: one `juju-log` call per level (more if a batch exceeds
    /// [`MAX_MESSAGE`]). Safe to call more than once.
    pub fn flush(&self) {
        let records = match self.buffer.lock() {
            Ok(mut buffer) => std::mem::take(&mut *buffer),
            Err(_) => return,
        };
        let mut levels: Vec<LogLevel> = Vec::new();
        for (_, record) in &records {
            if !levels.contains(&record.level) {
                levels.push(record.level);
            }
        }
        for level in levels {
            let mut batch = String::new();
            for (at, record) in records.iter().filter(|(_, r)| r.level == level) {
                let message = juju_text::tool_message(&record.message);
                let line = format!("[+{at:.1?}] {message}");
                if !batch.is_empty() && batch.len() + 1 + line.len() > MAX_MESSAGE {
                    self.send(level, &batch);
                    batch.clear();
                }
                if !batch.is_empty() {
                    batch.push('\n');
                }
                batch.push_str(&line);
            }
            if !batch.is_empty() {
                self.send(level, &batch);
            }
        }
    }

    fn send(&self, level: LogLevel, message: &str) {
        let message = juju_text::tool_message(message);
        if self.juju_log_failed.load(Ordering::Relaxed) {
            // juju-log is unusable; stderr is all there is (unless already written there).
            if !self.config.stderr && level < LogLevel::Warning {
                let _ = writeln!(std::io::stderr().lock(), "{} {message}", level.as_str());
            }
            return;
        }
        if let Err(e) = self.tools.run(
            "juju-log",
            &["--log-level", level.as_str(), "--", &message],
            None,
        ) {
            self.juju_log_failed.store(true, Ordering::Relaxed);
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "ERROR cannot log to Juju ({e}); logging to stderr");
            if !self.config.stderr && level < LogLevel::Warning {
                let _ = writeln!(stderr, "{} {message}", level.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse() {
        assert_eq!(parse_level("WARNING"), Some(LevelFilter::WARN));
        assert_eq!(parse_level("debug"), Some(LevelFilter::DEBUG));
        assert_eq!(parse_level("loud"), None);
    }

    #[test]
    fn juju_log_gets_a_short_deadline() {
        let long = HookTools::new().with_timeout(Duration::from_secs(60));
        let sink = JujuLogSink::new(long, LogConfig::default());
        assert_eq!(sink.tools.timeout(), JUJU_LOG_TIMEOUT);
        let short = HookTools::new().with_timeout(Duration::from_secs(1));
        let sink = JujuLogSink::new(short, LogConfig::default());
        assert_eq!(sink.tools.timeout(), Duration::from_secs(1));
    }
}
