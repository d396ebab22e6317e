//! A trigger's run: the protocol's side of it, which the trigger itself sees as `TriggerContext`.
//!
//! The trigger decides what to poll and what each event says; this module delivers the events (see
//! `dispatch`), keeps the state file (see `state_file`) and tells it when to stop (see `stop`). Every
//! check that can fail on what the start message carries (the dispatcher URL, the trigger id, the saved
//! state) happens in `TriggerContext::open`, before the trigger makes its first request.
//!
//! Until the trigger first saves, sends or pauses, it is starting: a stop then ends the process at
//! once with the stop event (see `signals`), since nothing was delivered or saved. From then on it
//! stops by itself, at its next send, pause or read (`unless_stopped`).

mod dispatch;
mod state_file;
mod stop;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::envelope::StartMessage;
use super::failure::Failure;
use super::log::StepLog;
use super::mask::Secrets;
use super::plugin::Trigger;
use super::schema::{self, Quote};
use super::signals::{self, OnStop};
use dispatch::Dispatcher;
use state_file::StateFile;
use stop::Stop;

/// Why a trigger ends its run: asked to stop, or a failure it cannot go on after.
#[derive(Debug)]
pub(crate) enum Halt {
    Stopped,
    Failed(Failure),
}

impl From<Failure> for Halt {
    fn from(failure: Failure) -> Halt {
        Halt::Failed(failure)
    }
}

/// What a running trigger may do besides its own requests.
pub(crate) struct TriggerContext {
    meta: Value,
    dispatcher: Dispatcher,
    state_file: StateFile,
    saved: Option<Value>,
    stop: Stop,
    log: StepLog,
    secrets: Arc<Secrets>,
    event_schema: &'static Value,
    /// The trigger has begun its work: stops are its own to act on (see the module doc).
    running: bool,
    /// The last save failed, which was logged; the next failure is not, until a save succeeds.
    unsaved: bool,
}

/// A trigger event as the runtime sends it: no `status` (protocol reference §3.6).
#[derive(Serialize)]
struct Event<'a> {
    body: EventBody<'a>,
    #[serde(rename = "type")]
    event_type: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct EventBody<'a> {
    meta: &'a Value,
    output: &'a Value,
    log: String,
}

impl TriggerContext {
    /// Checks the dispatcher, the trigger id and the saved state of `message`, and starts listening
    /// for a stop. `log` is the step's, whose lines each event carries away.
    pub(crate) fn open(
        trigger: &dyn Trigger,
        message: &StartMessage<'_>,
        meta: &Value,
        log: StepLog,
        debug: bool,
    ) -> Result<TriggerContext, Failure> {
        let dispatcher = Dispatcher::of(&message.dispatcher, debug)?;
        let state_file = StateFile::of(meta)?;
        let saved = state_file.load()?;
        if let Some(saved) = &saved {
            schema::check(trigger.state_schema(), saved, Quote::Values).map_err(Failure::invalid_trigger_state)?;
        }
        Ok(TriggerContext {
            meta: meta.clone(),
            dispatcher,
            state_file,
            saved,
            stop: Stop::listen(state_file::terminate_flag()),
            secrets: Arc::clone(log.secrets()),
            log,
            event_schema: trigger.output_schema(),
            running: false,
            unsaved: false,
        })
    }

    /// Where the saved state is kept, for messages that tell how to reset it.
    pub(crate) fn state_place(&self) -> String {
        self.state_file.place()
    }

    /// From the first save, send or pause on, a stop is the trigger's to act on.
    fn begin(&mut self) {
        if !self.running {
            self.running = true;
            signals::on_stop(OnStop::Note);
        }
    }

    /// The state the last run saved; `None` on a first start.
    pub(crate) fn saved_state(&self) -> Option<&Value> {
        self.saved.as_ref()
    }

    /// Saves `state` whole, replacing the last. A save that fails (a full disk) is logged with the
    /// file's path once, until a save succeeds again, and the run goes on: the events keep flowing,
    /// and a restart meanwhile repeats those after the last good save.
    pub(crate) fn save_state(&mut self, state: &Value) {
        if let Err(failure) = self.save_last_state(state) {
            if !std::mem::replace(&mut self.unsaved, true) {
                tracing::error!(
                    "{} Going on; the next saves try again, and this is logged again only once one succeeds.",
                    failure.cause
                );
            }
        }
    }

    /// Saves `state` as the run ends; a failure is the run's, for its event to report.
    pub(crate) fn save_last_state(&mut self, state: &Value) -> Result<(), Failure> {
        self.begin();
        self.state_file.save(state)?;
        if std::mem::take(&mut self.unsaved) {
            tracing::info!("The trigger's state is saved again, to {}", self.state_file.place());
        }
        self.saved = Some(state.clone());
        Ok(())
    }

    /// Delivers one event, carrying the log lines since the last; returns only once it was taken, or
    /// with `Halt::Stopped` (the event not delivered) when a stop was asked for meanwhile.
    pub(crate) async fn send(&mut self, output: &Value) -> Result<(), Halt> {
        self.begin();
        schema::check(self.event_schema, output, Quote::Values).map_err(|problems| {
            Failure::defect(
                "The trigger produced an event that does not match its output schema.",
                "This is a defect in the plugin; please report it together with the step log.",
            )
            .with_data(problems)
        })?;
        if self.stop.requested() {
            return Err(Halt::Stopped);
        }
        let event = Event {
            body: EventBody {
                meta: &self.meta,
                output,
                log: self.log.take(),
            },
            event_type: "trigger_event",
            version: "v1",
        };
        let encoded = serde_json::to_string(&event).map_err(|error| {
            Failure::defect("The trigger event could not be encoded.", "Please contact support.")
                .with_data(error.to_string())
        })?;
        let masked = self.secrets.json(&encoded);
        self.dispatcher.deliver(masked.as_bytes(), &self.stop).await
    }

    /// Waits `duration` between polls; `Halt::Stopped` as soon as a stop is asked for.
    pub(crate) async fn pause(&mut self, duration: Duration) -> Result<(), Halt> {
        self.begin();
        if self.stop.sleep(duration).await {
            Ok(())
        } else {
            Err(Halt::Stopped)
        }
    }

    /// Runs `read` (a request whose answer can be dropped unread) unless a stop comes first, which
    /// then answers `Halt::Stopped` without waiting for it: a ThreatStream that hangs does not hold
    /// up a stop.
    pub(crate) async fn unless_stopped<F: Future>(&self, read: F) -> Result<F::Output, Halt> {
        if self.stop.requested() {
            return Err(Halt::Stopped);
        }
        tokio::select! {
            answer = read => Ok(answer),
            () = self.stop.wait() => Err(Halt::Stopped),
        }
    }
}
