//! Turning `tracing` events into plain log records, for `juju-log` under Juju and for the
//! log lines the testing harness returns.
//!
//! [`RecordLayer`] is a `tracing-subscriber` layer that formats each event into a
//! [`LogRecord`] (level and one line of text) and hands it to a sink. The text is the
//! event's message; other fields are appended as `key=value` so nothing is lost.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context as LayerContext;

use crate::backend::LogLevel;

/// One formatted log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// Its level, in Juju's terms.
    pub level: LogLevel,
    /// The line: the message, then any other fields as `key=value`.
    pub message: String,
}

impl fmt::Display for LogRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.level.as_str(), self.message)
    }
}

/// Maps a `tracing` level to the level `juju-log` takes.
pub fn juju_level(level: &Level) -> LogLevel {
    match *level {
        Level::TRACE => LogLevel::Trace,
        Level::DEBUG => LogLevel::Debug,
        Level::INFO => LogLevel::Info,
        Level::WARN => LogLevel::Warning,
        Level::ERROR => LogLevel::Error,
    }
}

/// A `tracing` layer that formats events into [`LogRecord`]s and passes them to `sink`.
pub struct RecordLayer<F> {
    sink: F,
}

impl<F> RecordLayer<F>
where
    F: Fn(LogRecord) + Send + Sync + 'static,
{
    /// A layer that calls `sink` with every event.
    pub fn new(sink: F) -> RecordLayer<F> {
        RecordLayer { sink }
    }
}

/// Records collected by [`collector`], shared with the layer that fills them.
#[cfg(any(test, feature = "testing"))]
pub type Records = std::sync::Arc<std::sync::Mutex<Vec<LogRecord>>>;

/// A layer that appends every record to a shared vector, and the vector (for the
/// in-memory harness).
#[cfg(any(test, feature = "testing"))]
pub fn collector() -> (
    RecordLayer<impl Fn(LogRecord) + Send + Sync + 'static>,
    Records,
) {
    let records = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&records);
    let layer = RecordLayer::new(move |record| {
        if let Ok(mut records) = sink.lock() {
            records.push(record);
        }
    });
    (layer, records)
}

impl<S, F> Layer<S> for RecordLayer<F>
where
    S: Subscriber,
    F: Fn(LogRecord) + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        let mut visitor = LineVisitor::default();
        event.record(&mut visitor);
        (self.sink)(LogRecord {
            level: juju_level(event.metadata().level()),
            message: visitor.finish(),
        });
    }
}

#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: String,
}

impl LineVisitor {
    fn finish(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{} {}", self.message, self.fields),
        }
    }
}

impl Visit for LineVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.push_field(field, format_args!("{value}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.push_field(field, format_args!("{value:?}"));
        }
    }
}

impl LineVisitor {
    fn push_field(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if !self.fields.is_empty() {
            self.fields.push(' ');
        }
        let _ = write!(self.fields, "{}={}", field.name(), value);
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn the_collector_keeps_messages_with_their_fields() {
        let (layer, records) = super::collector();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(status = "active", "workload ran");
        });
        let records = records.lock().unwrap();
        assert_eq!(records[0].message, "workload ran status=active");
    }
}
