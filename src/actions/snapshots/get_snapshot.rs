//! Get Snapshot: `GET /api/v1/snapshot/{id}/`, the snapshot's status and, once it is `completed`,
//! its files with their SHA-256 and counts. A workflow loops on it until the status is `completed`
//! (or `errors`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::snapshot::{example_snapshot, snapshot_of, Snapshot};
use super::snapshot_failure;
use crate::actions::connection::Connection;
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::snapshots;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetSnapshotInput {
    /// ThreatStream ID of the snapshot, as Create Snapshot answered it
    #[schemars(title = "ID", example = 7)]
    id: NumberId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetSnapshotOutput {
    /// The snapshot
    #[schemars(title = "Snapshot", example = example_snapshot())]
    snapshot: Snapshot,
}

pub(crate) struct GetSnapshot;

impl TypedStep for GetSnapshot {
    const ID: &'static str = "get_snapshot";
    const TITLE: &'static str = "Get Snapshot";
    const DESCRIPTION: &'static str = "Get the status of a snapshot and, once it is completed, its files";
    type Input = GetSnapshotInput;
    type Output = GetSnapshotOutput;
}

impl TypedAction for GetSnapshot {
    async fn run(connection: &Connection, input: GetSnapshotInput) -> Result<GetSnapshotOutput, Failure> {
        let id = input.id.read(
            "id",
            "a snapshot ID; give the positive whole number Create Snapshot answered",
        )?;
        let record = snapshots::snapshot(&connection.client, id)
            .await
            .map_err(|error| snapshot_failure(error, Some(id)))?;
        Ok(GetSnapshotOutput {
            snapshot: snapshot_of(&record, id),
        })
    }
}
