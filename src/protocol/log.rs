//! The step log: every log line of a step goes to stderr and into the event's `body.log`.
//!
//! The orchestrator shows `body.log` as the job log, and people running the container by hand read
//! stderr; stdout carries only the envelope. One subscriber serves the whole process; a line joins
//! the log of the step whose task emitted it (a task-local), so concurrent steps in server mode never
//! see each other's lines. A subscriber per step would be simpler, but tracing rebuilds its callsite
//! cache whenever a dispatcher comes or goes, which cost a server under load a good part of its time.
//! Each line is masked with its step's secrets (see `mask`) before it goes anywhere.

use std::fmt::Write as _;
use std::future::Future;
#[cfg(not(test))]
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::Registry;

use super::failure::without_controls;
use super::mask::Secrets;

/// Only our own events: dependencies may log things we have not vetted for secrets.
const OWN_TARGET: &str = env!("CARGO_CRATE_NAME");

tokio::task_local! {
    static CURRENT: StepLog;
}

/// The lines captured for one step.
#[derive(Clone, Default)]
pub(crate) struct StepLog {
    lines: Arc<Mutex<String>>,
    /// The most a log keeps, oldest lines dropped first. A trigger's log empties only when an event
    /// carries it away (`take`), and a trigger may run for months without one.
    limit: Option<usize>,
    /// The step's connection secrets, masked in every line on its way to stderr and the log.
    secrets: Arc<Secrets>,
}

impl StepLog {
    /// Runs `step` with this log as the one its lines go to.
    pub(crate) async fn capture<F: Future>(&self, step: F) -> F::Output {
        CURRENT.scope(self.clone(), step).await
    }

    /// Runs `write` with this log as the one its lines go to, outside any step's task.
    pub(crate) fn capture_now<R>(&self, write: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self.clone(), write)
    }

    /// A log that keeps at most about `limit` bytes of its latest lines.
    pub(crate) fn bounded(limit: usize) -> StepLog {
        StepLog {
            lines: Arc::default(),
            limit: Some(limit),
            secrets: Arc::default(),
        }
    }

    /// The same log, its lines masked with `secrets` from now on.
    pub(crate) fn masking(mut self, secrets: Arc<Secrets>) -> StepLog {
        self.secrets = secrets;
        self
    }

    /// The secrets this log masks: what the step's other writers mask too.
    pub(crate) fn secrets(&self) -> &Arc<Secrets> {
        &self.secrets
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The lines so far, leaving the log empty: what a trigger event carries.
    pub(crate) fn take(&self) -> String {
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn push(&self, line: &str) {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.push_str(line);
        if let Some(limit) = self.limit.filter(|limit| lines.len() > *limit) {
            // Whole lines go, so the log never starts mid-line.
            let excess = lines.len() - limit;
            // Searched as bytes: `excess` may fall inside a character, and a newline never does.
            let newline = lines.as_bytes()[excess..].iter().position(|byte| *byte == b'\n');
            let cut = newline.map_or(lines.len(), |at| excess + at + 1);
            lines.drain(..cut);
        }
    }
}

/// Installs the process's subscriber once; the first call decides the level (the CLI's `--debug`).
pub(crate) fn install(debug: bool) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let max_level = if debug { Level::DEBUG } else { Level::INFO };
        // Fails only if another subscriber is already global, and then lines still go to that one.
        let _ = tracing::subscriber::set_global_default(Registry::default().with(Capture { max_level }));
    });
}

struct Capture {
    max_level: Level,
}

impl<S: Subscriber> Layer<S> for Capture {
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.level() <= &self.max_level && metadata.target().starts_with(OWN_TARGET)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut line = LinePrinter::default();
        event.record(&mut line);
        let text = match *event.metadata().level() {
            Level::ERROR => format!("ERROR: {}", line.text),
            Level::WARN => format!("WARNING: {}", line.text),
            _ => line.text,
        };
        // A line outside any step (none has secrets then) goes to stderr only. Masked first: the
        // escaping must not change a secret before the mask looks for it.
        let in_step = CURRENT.try_with(|log| {
            let text = terminal_safe(&log.secrets.text(&text));
            write_stderr(&text);
            log.push(&text);
        });
        if in_step.is_err() {
            write_stderr(&terminal_safe(&text));
        }
    }
}

/// `text` with every control character but its line breaks escaped: a log line may quote what a user
/// or ThreatStream sent, and stderr is often a terminal, where an escape sequence would act (or a NUL
/// cut the line) rather than show.
fn terminal_safe(text: &str) -> String {
    let mut safe = text.split('\n').map(without_controls).collect::<Vec<_>>().join("\n");
    safe.push('\n');
    safe
}

/// A closed stderr must not fail the step; the line still reaches body.log.
#[cfg(not(test))]
fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// In unit tests, through the test harness's capture, which only `eprint!` reaches: the steps the
/// unit and property tests run would otherwise print hundreds of error lines under a passing
/// `make test`. A failing test still shows its lines.
#[cfg(test)]
fn write_stderr(text: &str) {
    eprint!("{text}");
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

    #[tokio::test]
    async fn each_step_captures_its_own_lines() {
        install(false);
        let (first, second) = (StepLog::default(), StepLog::default());
        first
            .capture(async { tracing::info!(page = 2, "Fetched a page") })
            .await;
        second.capture(async { tracing::warn!("careful") }).await;
        tracing::info!("outside any step");
        assert_eq!(first.text(), "Fetched a page page=2\n");
        assert_eq!(second.text(), "WARNING: careful\n");
    }

    #[test]
    fn a_bounded_log_keeps_its_latest_whole_lines_and_empties_when_taken() {
        install(false);
        let log = StepLog::bounded(13);
        log.capture_now(|| {
            tracing::info!("first line");
            tracing::info!("second");
            tracing::info!("third");
        });
        assert_eq!(log.take(), "second\nthird\n");
        assert_eq!(log.text(), "");
    }

    #[test]
    fn a_bounded_log_cut_inside_a_character_keeps_whole_lines() {
        install(false);
        // "é…\n" is 6 bytes; at a limit of 11 the cut falls at byte 1, inside the first "é".
        let log = StepLog::bounded(11);
        log.capture_now(|| {
            tracing::info!("é…");
            tracing::info!("é…");
        });
        assert_eq!(log.take(), "é…\n");
    }

    #[test]
    fn lines_are_masked_with_their_steps_secrets() {
        install(false);
        let secrets = Secrets::of(&serde_json::json!({"api_key": {"secretKey": "k3y-9"}}));
        let log = StepLog::default().masking(Arc::new(secrets));
        log.capture_now(|| tracing::info!("session is k3y-9, key k3y-9"));
        assert_eq!(log.text(), "session is ********, key ********\n");
    }

    #[test]
    fn control_characters_are_escaped_and_line_breaks_kept() {
        install(false);
        let log = StepLog::default();
        log.capture_now(|| tracing::warn!("key \u{1b}[31mred\u{0}\nsecond line"));
        assert_eq!(log.text(), "WARNING: key \\u{1b}[31mred\\0\nsecond line\n");
    }

    #[test]
    fn lines_outside_a_task_can_join_a_step() {
        install(false);
        let log = StepLog::default();
        log.capture_now(|| tracing::error!("late failure"));
        assert_eq!(log.text(), "ERROR: late failure\n");
    }
}
