//! One snapshot as the snapshot steps show it: its ID, status and time, and once it is `completed`
//! its files, each with its SHA-256 and the number of objects it holds, and their sum. The fields are
//! those of CrowdStrike's OpenAPI description (`id`, `status`, `snapshot_ts`, `location`,
//! `sha256sum`; `files` of `download_url`, `sha256`, `total_count`); a file is named by the last
//! segment of its link's path, and the link itself is not shown.

use reqwest::Url;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::actions::fields::{number, text};
use crate::threatstream::Record;

/// A snapshot.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "snapshot", title = "snapshot")]
pub(crate) struct Snapshot {
    /// ThreatStream ID of the snapshot
    #[schemars(title = "ID")]
    pub(super) id: u64,
    /// ThreatStream's status: inprogress, completed or errors
    #[schemars(title = "Status")]
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    /// When the snapshot was taken
    #[schemars(title = "Snapshot Time")]
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot_ts: Option<String>,
    /// Where ThreatStream keeps the snapshot
    #[schemars(title = "Location")]
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    /// SHA-256 ThreatStream gives the snapshot as a whole
    #[schemars(title = "SHA-256 Sum")]
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256sum: Option<String>,
    /// The snapshot's files, once it is completed
    #[schemars(title = "Files")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    files: Vec<SnapshotFile>,
    /// Number of files
    #[schemars(title = "File Count")]
    file_count: u64,
    /// Objects in all the files together
    #[schemars(title = "Total Count")]
    total_count: u64,
}

/// One file of a snapshot.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "snapshot_file", title = "snapshot_file")]
pub(crate) struct SnapshotFile {
    /// Position of the file in the snapshot, from 1
    #[schemars(title = "Number")]
    number: u64,
    /// Name of the file: the last part of its link
    #[schemars(title = "Name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// SHA-256 of the file, as ThreatStream gives it
    #[schemars(title = "SHA-256")]
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    /// Number of objects in the file
    #[schemars(title = "Total Count")]
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<u64>,
}

/// An example snapshot, completed, for help.md.
pub(crate) fn example_snapshot() -> Value {
    json!({"id": 7, "status": "completed", "snapshot_ts": "2026-09-14T08:21:58.774012",
        "location": "snapshots/7/", "sha256sum": "9f2c8a0e3b7d6f1e5a4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5",
        "files": [{"number": 1, "name": "snapshot-7-1.json",
            "sha256": "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b", "total_count": 25000}],
        "file_count": 1, "total_count": 25000})
}

/// The snapshot's ID in ThreatStream's answer, when it has one. CrowdStrike's description of the
/// detail answer has none (only `status` and `files`), so Get Snapshot keeps the ID it asked for.
pub(crate) fn answered_id(record: &Record) -> Option<u64> {
    number(record, "id")
}

/// ThreatStream's snapshot `id` in the shared shape.
pub(crate) fn snapshot_of(record: &Record, id: u64) -> Snapshot {
    let files: Vec<SnapshotFile> = record
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .zip(1..)
        .map(|(file, number)| SnapshotFile {
            number,
            name: text(file, "download_url").and_then(|link| file_name(&link)),
            sha256: text(file, "sha256"),
            total_count: crate::actions::fields::number(file, "total_count"),
        })
        .collect();
    Snapshot {
        id,
        status: text(record, "status"),
        snapshot_ts: text(record, "snapshot_ts"),
        location: text(record, "location"),
        sha256sum: text(record, "sha256sum"),
        file_count: u64::try_from(files.len()).unwrap_or(u64::MAX),
        total_count: files.iter().filter_map(|file| file.total_count).sum(),
        files,
    }
}

/// The last segment of a link's path, absolute or relative, without its query.
fn file_name(link: &str) -> Option<String> {
    let base = Url::parse("https://threatstream.invalid/").ok()?;
    let url = base.join(link.trim()).ok()?;
    let segment = url.path_segments()?.rev().find(|segment| !segment.is_empty())?;
    Some(segment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::record_of;

    #[test]
    fn a_snapshot_shows_its_files_without_their_links() {
        let record = record_of(
            json!({"id": "7", "status": "completed", "snapshot_ts": "2026-09-14T08:21:58",
            "files": [{"download_url": "https://bucket.example/snapshots/7/part-1.json.gz?X-Amz-Signature=s",
                    "sha256": "ab", "total_count": 10},
                {"download_url": "/api/v1/snapshot/7/download/2/", "sha256": "cd", "total_count": "5"}]}),
        );
        let shown = serde_json::to_value(snapshot_of(&record, 7)).unwrap();
        assert_eq!(
            shown,
            json!({"id": 7, "status": "completed", "snapshot_ts": "2026-09-14T08:21:58",
                "files": [{"number": 1, "name": "part-1.json.gz", "sha256": "ab", "total_count": 10},
                    {"number": 2, "name": "2", "sha256": "cd", "total_count": 5}],
                "file_count": 2, "total_count": 15})
        );
        assert!(!shown.to_string().contains("Signature"));
        let without_id = record_of(json!({"status": "inprogress", "files": []}));
        assert_eq!(answered_id(&without_id), None);
        assert_eq!(answered_id(&record), Some(7));
    }
}
