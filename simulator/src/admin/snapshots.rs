//! Snapshots, ThreatStream's bulk export: `POST /api/v1/snapshot/` and
//! `GET /api/v1/snapshot/<id>/`, in the shapes of CrowdStrike's OpenAPI
//! description of the API, the only public source (no SOAR integration
//! calls them; no public client shows an answer).
//!
//! - `POST /api/v1/snapshot/` `{"custom_config": {"chunk_size": "10MB",
//!   "format": "json_v2"}}` (both optional, those the defaults): 201 with
//!   `{id, location, resource_uri, sha256sum, snapshot_ts, status}`. A
//!   chunk size that is not `<n>MB` or `<n>KB`, or another format, is a 400.
//!   Needs Org Admin (the simulator's choice).
//! - `GET /api/v1/snapshot/<id>/`: the same fields, and `files`, each
//!   `{download_url, sha256, total_count}`: `inprogress` with no files while
//!   snapshots are held ([`crate::Simulator::hold`]), else `completed`.
//!   CrowdStrike's path has no trailing slash; every other v1 path has one,
//!   and Tastypie's detail routes end in one, so the simulator keeps it.
//! - `GET /api/v1/snapshot/<id>/download/<n>/`: file `n` (from 1), a JSON
//!   array of the v2 records it counts, no larger than the chunk size
//!   unless one record is. CrowdStrike names only a `download_url` on the
//!   instance; this path is the simulator's own.
//!
//! A snapshot holds every record there is when it completes.

use bytes::Bytes;
use ring::digest::{digest, Context, SHA256};
use serde_json::{json, Value};

use crate::admin::v1_time;
use crate::http::answer::{json_body, number, Answer, Refused};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v1", "snapshot"]) => to(|c| create(c.state, c.request)),
        ("GET", ["api", "v1", "snapshot", id]) => with(number(id)?, |c, id| get(c.state, id)),
        ("GET", ["api", "v1", "snapshot", id, "download", file]) => with((number(id)?, number(file)?), |c, (id, file)| download(c.state, id, file)),
        _ => None,
    }
}

const MIB: usize = 1024 * 1024;

/// The one format CrowdStrike names.
const FORMAT: &str = "json_v2";

struct File {
    bytes: Bytes,
    sha256: String,
    total_count: usize,
}

struct Snapshot {
    id: u64,
    chunk_bytes: usize,
    snapshot_ts: String,
    /// `None` while in progress.
    files: Option<Vec<File>>,
}

impl Snapshot {
    fn json(&self, with_files: bool) -> Value {
        let status = if self.files.is_some() {
            "completed"
        } else {
            "inprogress"
        };
        let mut snapshot = json!({
            "id": self.id, "location": format!("snapshots/{}/", self.id),
            "resource_uri": format!("/api/v1/snapshot/{}/", self.id), "sha256sum": self.sha256sum(),
            "snapshot_ts": self.snapshot_ts, "status": status,
        });
        if with_files {
            let files: Vec<Value> = self
                .files
                .iter()
                .flatten()
                .enumerate()
                .map(|(index, file)| {
                    json!({"download_url": download_path(self.id, index + 1), "sha256": file.sha256,
                    "total_count": file.total_count})
                })
                .collect();
            snapshot["files"] = Value::Array(files);
        }
        snapshot
    }

    /// The digest of every file's bytes in order; empty while in progress.
    fn sha256sum(&self) -> String {
        let Some(files) = &self.files else {
            return String::new();
        };
        let mut context = Context::new(&SHA256);
        for file in files {
            context.update(&file.bytes);
        }
        hex(context.finish().as_ref())
    }
}

#[derive(Default)]
pub(crate) struct SnapshotBook {
    snapshots: Vec<Snapshot>,
    holding: bool,
}

impl SnapshotBook {
    pub(crate) fn hold(&mut self) {
        self.holding = true;
    }

    pub(crate) fn holding(&self) -> bool {
        self.holding
    }

    fn find(&self, id: u64) -> Option<&Snapshot> {
        self.snapshots.iter().find(|snapshot| snapshot.id == id)
    }
}

/// Stops holding and completes every snapshot in progress; answers how many.
pub(crate) fn release(state: &State) -> usize {
    let pending: Vec<(u64, usize)> = {
        let mut book = state.admin.snapshots();
        book.holding = false;
        let pending = book.snapshots.iter().filter(|s| s.files.is_none());
        pending.map(|snapshot| (snapshot.id, snapshot.chunk_bytes)).collect()
    };
    for (id, chunk_bytes) in &pending {
        let files = files_of(state, *chunk_bytes);
        if let Some(snapshot) = state.admin.snapshots().snapshots.iter_mut().find(|s| s.id == *id) {
            snapshot.files = Some(files);
        }
    }
    pending.len()
}

pub(crate) fn create(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    let body = json_body(request)?;
    let config = body.get("custom_config").cloned().unwrap_or(json!({}));
    let chunk_bytes = chunk_size(config.get("chunk_size"))?;
    let format = config.get("format").map_or(Some(FORMAT), Value::as_str);
    if format != Some(FORMAT) {
        return Err(Refused::bad(&format!("Unknown format; the format is {FORMAT}.")));
    }
    let holding = state.admin.snapshots().holding;
    // Built before the book is locked again: reading every record takes a while.
    let files = (!holding).then(|| files_of(state, chunk_bytes));
    let mut book = state.admin.snapshots();
    let id = u64::try_from(book.snapshots.len()).unwrap_or(u64::MAX) + 1;
    let snapshot = Snapshot {
        id,
        chunk_bytes,
        snapshot_ts: v1_time(timestamp::now_ms()),
        files,
    };
    let answer = snapshot.json(false);
    book.snapshots.push(snapshot);
    Ok(response::json(201, &answer))
}

pub(crate) fn get(state: &State, id: u64) -> Answer {
    let book = state.admin.snapshots();
    let snapshot = book.find(id).ok_or_else(|| no_snapshot(id))?;
    Ok(response::json(200, &snapshot.json(true)))
}

pub(crate) fn download(state: &State, id: u64, number: u64) -> Answer {
    let book = state.admin.snapshots();
    let snapshot = book.find(id).ok_or_else(|| no_snapshot(id))?;
    let index = usize::try_from(number).ok().and_then(|n| n.checked_sub(1));
    let file = index
        .and_then(|index| snapshot.files.as_ref()?.get(index))
        .ok_or_else(|| Refused::new(404, &format!("Snapshot {id} has no file {number}.")))?;
    Ok(response::bytes(200, response::JSON, file.bytes.clone()))
}

fn no_snapshot(id: u64) -> Refused {
    Refused::new(404, &format!("No snapshot with id {id}."))
}

fn download_path(id: u64, number: usize) -> String {
    format!("/api/v1/snapshot/{id}/download/{number}/")
}

/// `10MB` (the default) or `512KB`, in bytes.
fn chunk_size(given: Option<&Value>) -> Result<usize, Refused> {
    let Some(given) = given else {
        return Ok(10 * MIB);
    };
    let text = given.as_str().unwrap_or_default().trim().to_ascii_uppercase();
    let (number, unit) = if let Some(number) = text.strip_suffix("MB") {
        (number, MIB)
    } else if let Some(number) = text.strip_suffix("KB") {
        (number, 1024)
    } else {
        ("", 0)
    };
    match number.trim().parse::<usize>() {
        Ok(count) if count > 0 => Ok(count.saturating_mul(unit)),
        _ => Err(Refused::bad("chunk_size: give a size such as 10MB.")),
    }
}

/// Every record, as JSON arrays of at most `chunk_bytes` each.
fn files_of(state: &State, chunk_bytes: usize) -> Vec<File> {
    let records = state.records();
    let mut files = Vec::new();
    let mut chunk: Vec<u8> = Vec::new();
    let mut count = 0;
    for record in records.records() {
        let bytes = record.to_string();
        if count > 0 && chunk.len() + bytes.len() + 2 > chunk_bytes {
            files.push(file(std::mem::take(&mut chunk), count));
            count = 0;
        }
        chunk.push(if count == 0 { b'[' } else { b',' });
        chunk.extend_from_slice(bytes.as_bytes());
        count += 1;
    }
    if count > 0 {
        files.push(file(chunk, count));
    }
    files
}

fn file(mut bytes: Vec<u8>, total_count: usize) -> File {
    bytes.push(b']');
    File {
        sha256: hex(digest(&SHA256, &bytes).as_ref()),
        bytes: Bytes::from(bytes),
        total_count,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes_are_megabytes_or_kilobytes() {
        assert_eq!(chunk_size(None), Ok(10 * MIB));
        assert_eq!(chunk_size(Some(&json!("2MB"))), Ok(2 * MIB));
        assert_eq!(chunk_size(Some(&json!("512kb"))), Ok(512 * 1024));
        for bad in [json!("0MB"), json!("10"), json!(10), json!("ten MB")] {
            assert!(chunk_size(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_file_is_a_json_array_with_its_digest() {
        let made = file(b"[{\"id\":1}".to_vec(), 1);
        assert_eq!(&made.bytes[..], b"[{\"id\":1}]");
        assert_eq!(made.sha256.len(), 64);
        assert_eq!(made.sha256, hex(digest(&SHA256, b"[{\"id\":1}]").as_ref()));
    }
}
