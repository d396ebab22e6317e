//! Investigations: an analyst's case in ThreatStream, holding the observables and threat models it
//! concerns. List, read, open, change and close (delete) them, and add observables and models to
//! them, from a playbook, so a case worked in InsightConnect is one an analyst in ThreatStream finds.
//!
//! Every step shows an investigation in one shape (`investigation::InvestigationSummary`). A 404 names
//! the investigation ThreatStream lacks; a 403 names the permission the account lacks. An update and
//! a delete are retried like reads; a create and the elements added are sent once, and a failure that
//! may have come after ThreatStream applied them says so and how to check.

mod add_investigation_elements;
mod create_investigation;
mod delete_investigation;
mod element;
mod get_investigation;
mod investigation;
mod list_investigations;
mod update_investigation;

use crate::actions::failure::{absent, forbidden, Missing, Permission};
use crate::protocol::{Action, Failure, Preset};
use crate::threatstream::ApiError;

/// The investigation actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &list_investigations::ListInvestigations,
    &get_investigation::GetInvestigation,
    &create_investigation::CreateInvestigation,
    &update_investigation::UpdateInvestigation,
    &delete_investigation::DeleteInvestigation,
    &add_investigation_elements::AddInvestigationElements,
];

/// What an ID that is no investigation's is not, in an error (`NumberId::read`).
const INVESTIGATION_ID: &str = "an investigation ID; ThreatStream numbers them from 1";

/// Investigations or elements per list when the input gives no limit: a case view's worth.
const DEFAULT_LIMIT: usize = 100;

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// `error` of a call about investigation `id`: a 404 names it, a 403 the permission `doing` needs.
fn investigation_failure(error: ApiError, id: u64, doing: &str) -> Failure {
    absent(error, || Missing::investigation(id))
        .unwrap_or_else(|error| forbidden(error, &[Permission::Investigations], doing))
}

/// The failure for an investigation ThreatStream does not have.
fn missing(id: u64) -> Failure {
    Failure::upstream(
        format!("ThreatStream has no investigation with ID {id}."),
        "Check the ID (List Investigations lists them), and that the account may see the investigation.",
    )
}

/// `error` of a read: a 403 says the account may not read investigations, which ThreatStream grants
/// per module and per user.
fn read_failure(error: ApiError) -> Failure {
    let mut failure = Failure::from(error);
    if failure.preset_of() == Some(Preset::Unauthorized) {
        failure.assistance = "The account configured in the connection may not read investigations. ThreatStream \
                              grants it per module and per user; ask a ThreatStream administrator for it, then try \
                              again."
            .to_owned();
    }
    failure
}
