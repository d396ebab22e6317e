//! The routes that run a step, and what each means (protocol reference §5.2): which step kind runs,
//! and which body key must match the route's name. Every answer is masked (see `mask`).
//!
//! There is no route that runs a trigger: the runtime starts triggers from the command line only
//! ("Triggers should be started in legacy mode"), and a trigger_start message on any other step route
//! is refused here rather than left to loop inside the server.

use serde_json::Value;

use super::request::{python_str, Glance};
use crate::protocol::step::StepKind;

/// Which step route a start message came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StepRoute {
    /// `POST /actions/<name>`: the action.
    Run,
    /// `POST /actions/<name>/test`: the connection test of an action's message.
    TestAction,
    /// `POST /triggers/<name>/test`: one poll of the trigger.
    TestTrigger,
    /// `POST /tasks/<name>`: the task.
    RunTask,
    /// `POST /tasks/<name>/test`: one poll of the task.
    TestTask,
    /// `POST /api/v1/connection/test` and `test_task`: 204 for a test without output.
    TestConnection,
}

impl StepRoute {
    pub(super) fn kind(self) -> StepKind {
        match self {
            StepRoute::Run | StepRoute::RunTask => StepKind::Run,
            StepRoute::TestAction | StepRoute::TestTrigger | StepRoute::TestTask | StepRoute::TestConnection => {
                StepKind::Test
            }
        }
    }

    /// Why the message cannot go on this route named `name`: the runtime's description, if any.
    pub(super) fn refusal(self, glance: &Glance, name: Option<&str>) -> Option<String> {
        let is_trigger_start = glance.kind.as_ref().and_then(Value::as_str) == Some("trigger_start");
        if is_trigger_start && self != StepRoute::TestTrigger {
            return Some(
                "Starting a trigger is not supported over HTTP: triggers are started with the run command and \
                 the message on standard input"
                    .to_owned(),
            );
        }
        let name = name?;
        let (sent, word) = match self {
            StepRoute::Run | StepRoute::TestAction => (glance.action.as_ref(), "Action"),
            StepRoute::TestTrigger => (glance.trigger.as_ref(), "Trigger"),
            StepRoute::RunTask | StepRoute::TestTask => (glance.task.as_ref(), "Task"),
            StepRoute::TestConnection => return None,
        };
        (sent.and_then(Value::as_str) != Some(name)).then(|| {
            format!(
                "{word} name ({}) in input body is not matching with name ({name}) in route",
                python_str(sent)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glance(text: &str) -> Glance {
        Glance::of(text.as_bytes()).expect("JSON")
    }

    #[test]
    fn each_route_compares_its_own_key_and_no_route_runs_a_trigger() {
        let task = glance(r#"{"type":"task_start","body":{"task":"monitor"}}"#);
        assert_eq!(StepRoute::RunTask.refusal(&task, Some("monitor")), None);
        assert_eq!(
            StepRoute::Run.refusal(&task, Some("monitor")).as_deref(),
            Some("Action name (None) in input body is not matching with name (monitor) in route")
        );
        let trigger = glance(r#"{"type":"trigger_start","body":{"trigger":"t","task":"monitor","action":"a"}}"#);
        assert_eq!(StepRoute::TestTrigger.refusal(&trigger, Some("t")), None);
        for route in [StepRoute::RunTask, StepRoute::Run, StepRoute::TestConnection] {
            assert!(route.refusal(&trigger, Some("monitor")).is_some(), "{route:?}");
        }
    }
}
