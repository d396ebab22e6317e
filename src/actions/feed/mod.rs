//! Reacting to new intelligence: the New Observables trigger and the Monitor Observables task.
//!
//! Both follow ThreatStream's changes with one incremental cursor (`engine`), take the same filters
//! (`input`) and save the same state, so a workflow can move from one to the other without a gap.

mod collect;
pub(crate) mod engine;
mod follow;
pub(crate) mod input;
mod monitor_observables;
mod new_observables;
mod observables;

use crate::protocol::{Task, Trigger};

/// The triggers of this group, in the order the spec lists them.
pub(super) const TRIGGERS: &[&dyn Trigger] = &[&new_observables::NewObservables];

/// The tasks of this group, likewise.
pub(super) const TASKS: &[&dyn Task] = &[&monitor_observables::MonitorObservables];
