//! The step log: every log line of a step goes to stderr and into the event's `body.log`.
//!
//! The orchestrator shows `body.log` as the job log, and people running the container by hand read
//! stderr; stdout carries only the envelope. Capture is per step (a subscriber scoped to the step's
//! future), so concurrent steps in server mode never see each other's lines.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::Registry;

/// Only our own events: dependencies may log things we have not vetted for secrets.
const OWN_TARGET: &str = "anomali_threatstream";

/// The lines captured for one step.
#[derive(Clone, Default)]
pub(crate) struct StepLog {
    lines: Arc<Mutex<String>>,
}

impl StepLog {
    /// A subscriber that writes each event of `level` or more severe to stderr and to this log.
    pub(crate) fn subscriber(&self, debug: bool) -> impl Subscriber + Send + Sync {
        let max_level = if debug { Level::DEBUG } else { Level::INFO };
        Registry::default().with(Capture {
            lines: Arc::clone(&self.lines),
            max_level,
        })
    }

    pub(crate) fn text(&self) -> String {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

struct Capture {
    lines: Arc<Mutex<String>>,
    max_level: Level,
}

impl<S: Subscriber> Layer<S> for Capture {
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.level() <= &self.max_level && metadata.target().starts_with(OWN_TARGET)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut line = LinePrinter::default();
        event.record(&mut line);
        let mut text = match *event.metadata().level() {
            Level::ERROR => format!("ERROR: {}", line.text),
            Level::WARN => format!("WARNING: {}", line.text),
            _ => line.text,
        };
        text.push('\n');
        // A closed stderr must not fail the step; the line still reaches body.log.
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_str(&text);
    }
}

/// Renders an event as its message followed by `key=value` for each other field.
#[derive(Default)]
struct LinePrinter {
    text: String,
}

impl Visit for LinePrinter {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record(field, format_args!("{value:?}"));
    }
}

impl LinePrinter {
    fn record(&mut self, field: &Field, value: std::fmt::Arguments<'_>) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value}");
        } else {
            let _ = write!(self.text, " {}={value}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_own_lines_at_info_and_above() {
        let log = StepLog::default();
        tracing::subscriber::with_default(log.subscriber(false), || {
            tracing::info!(page = 2, "Fetched a page");
            tracing::debug!("not at info");
            tracing::warn!("careful");
        });
        assert_eq!(log.text(), "Fetched a page page=2\nWARNING: careful\n");
    }

    #[test]
    fn debug_lines_need_debug() {
        let log = StepLog::default();
        tracing::subscriber::with_default(log.subscriber(true), || tracing::debug!("now shown"));
        assert_eq!(log.text(), "now shown\n");
    }
}
