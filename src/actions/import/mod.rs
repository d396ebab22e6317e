//! Imports: observables handed to ThreatStream, which files them as an import session.
//!
//! What the import actions share lives here: how a file arrives (`content`) and how the settings
//! become ThreatStream's form fields (`settings`).

mod add_approval_indicator;
mod content;
mod settings;

use crate::protocol::Action;

/// The import actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[&add_approval_indicator::AddApprovalIndicator];
