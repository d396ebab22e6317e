//! The organization's users, so a playbook can assign work or notify someone by the address
//! ThreatStream knows them by. Listing them needs Org Admin (XSOAR's README).

mod list_users;

use crate::protocol::Action;

/// The user actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[&list_users::ListUsers];
