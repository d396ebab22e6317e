//! Snapshots: ThreatStream's export of everything, started by Create Snapshot, followed by Get
//! Snapshot until it is `completed`, when it lists its files with their SHA-256 and counts; Download
//! Snapshot then writes one file to a mounted directory, its SHA-256 checked.
//!
//! No SOAR integration offers snapshots and no public client calls their routes: the shapes are
//! those of CrowdStrike's OpenAPI description of the API alone (`threatstream::snapshots`). What it
//! does not describe (a file's size, a list of snapshots) the steps do not claim. A file's download
//! link is not output: it may be a pre-signed link that grants the whole export to whoever holds it.
//! No public client names the permission snapshots need; a 403 names Org Admin, which exporting the
//! organization's intelligence is likely to need.

mod create_snapshot;
mod download_snapshot;
mod get_snapshot;
mod snapshot;

use super::failure::{absent, forbidden, Missing, Permission};
use crate::protocol::{Action, Failure};
use crate::threatstream::ApiError;

/// The snapshot actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &create_snapshot::CreateSnapshot,
    &get_snapshot::GetSnapshot,
    &download_snapshot::DownloadSnapshot,
];

/// A failed call about snapshot `id` (or a new one): a 404 names it, a 403 names Org Admin.
fn snapshot_failure(error: ApiError, id: Option<u64>) -> Failure {
    let error = match id {
        Some(id) => match absent(error, || Missing::snapshot(id)) {
            Ok(missing) => return missing,
            Err(error) => error,
        },
        None => error,
    };
    forbidden(
        error,
        &[Permission::OrgAdmin],
        "exporting the organization's intelligence",
    )
}
