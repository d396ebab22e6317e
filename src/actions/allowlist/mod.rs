//! The organization's allowlist (ThreatStream's "whitelist"): values ThreatStream never treats as
//! threats, such as a partner's domain or the organization's own address ranges.
//!
//! The steps read the whole list (every page, newest first, with notes), add many values at once,
//! change an entry's note and remove entries by ID or by value. Values are checked for their type
//! before any request (`values.rs`). Adding is sent once (whether ThreatStream would store a second
//! copy is not public), but the step first reads the list and sends only what is not on it, so
//! running it again after a failure adds what is missing and nothing twice. Changing a note and
//! removing are retried like reads. No public client names the permission the writes need; the
//! allowlist is the organization's setting, so a 403 names Org Admin.

mod add_to_allowlist;
mod entry;
mod list_allowlist;
mod remove_from_allowlist;
mod update_allowlist_note;
pub(crate) mod values;

use super::failure::{absent, forbidden, Missing, Permission};
use super::input::NumberId;
use crate::protocol::{Action, Failure};
use crate::threatstream::ApiError;

/// The allowlist actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &list_allowlist::ListAllowlist,
    &add_to_allowlist::AddToAllowlist,
    &update_allowlist_note::UpdateAllowlistNote,
    &remove_from_allowlist::RemoveFromAllowlist,
];

/// The most entries a step reads: far more than any organization's allowlist.
const MAX_ENTRIES: usize = 100_000;

/// An allowlist entry ID input.
fn entry_id(given: &NumberId) -> Result<u64, Failure> {
    given.read(
        "id",
        "an allowlist entry ID; give the positive whole number List Allowlist shows",
    )
}

/// A failed write to entry `id` (or to the list): a 404 names the entry, a 403 Org Admin.
fn allowlist_failure(error: ApiError, id: Option<u64>) -> Failure {
    let error = match id {
        Some(id) => match absent(error, || Missing::allowlist_entry(id)) {
            Ok(missing) => return missing,
            Err(error) => error,
        },
        None => error,
    };
    forbidden(error, &[Permission::OrgAdmin], "changing the organization's allowlist")
}
