//! Create Snapshot: `POST /api/v1/snapshot/` with `custom_config` `{chunk_size, format}`, which
//! starts ThreatStream's export of everything. A second copy would be a second export, so it is sent
//! once, also when the answer is a 503; the failure then says a snapshot may have started.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::snapshot::{answered_id, example_snapshot, snapshot_of, Snapshot};
use super::snapshot_failure;
use crate::actions::connection::Connection;
use crate::actions::failure::{unconfirmed, Write};
use crate::actions::input::or_default;
use crate::actions::{wire_name, TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::snapshots;

/// The largest file a snapshot is split into that a step asks for.
const MAX_CHUNK_MB: u64 = 1024;

const NEW_SNAPSHOT: Write = Write {
    what: "the snapshot",
    check: "ThreatStream's snapshots page shows whether one started",
    twice: Some("start a second export"),
};

fn default_chunk_size() -> u64 {
    10
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateSnapshotInput {
    /// Largest file the snapshot is split into, in megabytes; 0 or empty is 10, ThreatStream's default
    #[serde(default = "default_chunk_size")]
    #[schemars(title = "Chunk Size MB", range(max = MAX_CHUNK_MB), example = 10)]
    chunk_size_mb: u64,
    /// Format of the files: `json_v2` (ThreatStream's default, and the only format publicly described)
    #[serde(default)]
    #[schemars(title = "Format", example = SnapshotFormat::JsonV2)]
    format: SnapshotFormat,
}

/// A snapshot's format.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum SnapshotFormat {
    #[default]
    #[serde(rename = "json_v2")]
    JsonV2,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct CreateSnapshotOutput {
    /// The snapshot as ThreatStream started it; Get Snapshot follows it
    #[schemars(title = "Snapshot", example = example_snapshot())]
    snapshot: Snapshot,
}

pub(crate) struct CreateSnapshot;

impl TypedStep for CreateSnapshot {
    const ID: &'static str = "create_snapshot";
    const TITLE: &'static str = "Create Snapshot";
    const DESCRIPTION: &'static str =
        "Start a snapshot: an export of all the intelligence in Anomali ThreatStream, in files of a chosen size";
    type Input = CreateSnapshotInput;
    type Output = CreateSnapshotOutput;
}

impl TypedAction for CreateSnapshot {
    async fn run(connection: &Connection, input: CreateSnapshotInput) -> Result<CreateSnapshotOutput, Failure> {
        let chunk_size_mb = or_default(input.chunk_size_mb, default_chunk_size());
        let answer = snapshots::create_snapshot(&connection.client, chunk_size_mb, &wire_name(&input.format))
            .await
            .map_err(|error| unconfirmed(error, &NEW_SNAPSHOT, |error| snapshot_failure(error, None)))?;
        let record = answer.as_object();
        let snapshot = record
            .and_then(|record| Some(snapshot_of(record, answered_id(record)?)))
            .ok_or_else(|| {
                Failure::upstream(
                    "ThreatStream accepted the snapshot but its answer does not say which it is (no ID).",
                    format!("{}.", NEW_SNAPSHOT.check),
                )
                .with_data(answer.to_string())
            })?;
        Ok(CreateSnapshotOutput { snapshot })
    }
}
