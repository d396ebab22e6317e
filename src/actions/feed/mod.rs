//! Reacting to what changes in ThreatStream: new or changed observables (the New Observables trigger,
//! the Monitor Observables task) and incidents (New Incidents, Monitor Incidents).
//!
//! Every feed stands on one engine (`engine`): a `Source` says what it follows (`observables` by
//! `update_id`, `incidents` by `modified_ts`), and the one trigger run (`follow`) and task run
//! (`collect`) deliver its records exactly once, save its cursor by the same rules and check a saved
//! cursor the same way. A trigger and the task of one feed take the same filters (`input`,
//! `incident_input`) and save the same state, so a workflow can move from one to the other without a
//! gap.

mod collect;
pub(crate) mod engine;
mod follow;
pub(crate) mod incident_input;
mod incidents;
pub(crate) mod input;
mod monitor_incidents;
mod monitor_observables;
mod new_incidents;
mod new_observables;
mod observables;

use crate::protocol::{Task, Trigger};

/// The triggers of this group, in the order the spec lists them.
pub(super) const TRIGGERS: &[&dyn Trigger] = &[&new_observables::NewObservables, &new_incidents::NewIncidents];

/// The tasks of this group, likewise.
pub(super) const TASKS: &[&dyn Task] = &[
    &monitor_observables::MonitorObservables,
    &monitor_incidents::MonitorIncidents,
];
