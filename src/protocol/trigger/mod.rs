//! A trigger's run: the protocol's side of it, which the trigger itself sees as `TriggerContext`.
//!
//! The trigger decides what to poll and what each event says; this module delivers the events (see
//! `dispatch`), keeps the state file (see `state_file`) and tells it when to stop (see `stop`). Every
//! check that can fail on what the start message carries (the dispatcher URL, the trigger id, the saved
//! state) happens in `TriggerContext::open`, before the trigger makes its first request.

mod dispatch;
mod state_file;
mod stop;

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::envelope::StartMessage;
use super::failure::Failure;
use super::log::StepLog;
use super::plugin::Trigger;
use super::schema::{self, Quote};
use dispatch::Dispatcher;
use state_file::StateFile;
use stop::Stop;

pub(crate) use dispatch::Stopped;

/// Why a trigger ends its run: asked to stop, or a failure it cannot go on after.
#[derive(Debug)]
pub(crate) enum Halt {
    Stopped,
    Failed(Failure),
}

impl From<Stopped> for Halt {
    fn from(_: Stopped) -> Halt {
        Halt::Stopped
    }
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
    event_schema: &'static Value,
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
            log,
            event_schema: trigger.output_schema(),
        })
    }

    /// The state the last run saved; `None` on a first start.
    pub(crate) fn saved_state(&self) -> Option<&Value> {
        self.saved.as_ref()
    }

    /// Saves `state` whole, replacing the last. A trigger that cannot save cannot promise to go on
    /// where it left off, so the failure ends the run (loudly) rather than being logged and ignored.
    pub(crate) fn save_state(&mut self, state: &Value) -> Result<(), Failure> {
        self.state_file.save(state)?;
        self.saved = Some(state.clone());
        Ok(())
    }

    /// Delivers one event, carrying the log lines since the last; returns only once it was taken, or
    /// with `Halt::Stopped` (the event not delivered) when a stop was asked for meanwhile.
    pub(crate) async fn send(&mut self, output: &Value) -> Result<(), Halt> {
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
        let encoded = serde_json::to_vec(&event).map_err(|error| {
            Failure::defect("The trigger event could not be encoded.", "Please contact support.")
                .with_data(error.to_string())
        })?;
        self.dispatcher.deliver(&encoded, &self.stop).await?;
        Ok(())
    }

    /// Waits `duration` between polls; `Halt::Stopped` as soon as a stop is asked for.
    pub(crate) async fn pause(&self, duration: Duration) -> Result<(), Halt> {
        if self.stop.sleep(duration).await {
            Ok(())
        } else {
            Err(Halt::Stopped)
        }
    }
}
