//! Download Snapshot against the simulator: a completed snapshot's file written whole to a directory,
//! its SHA-256 ThreatStream's and its objects the count it gives; an existing file kept unless
//! Overwrite; a corrupt download refused with nothing left behind; a snapshot still in progress or a
//! file it does not have named; bad inputs refused before any request.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use threatstream_simulator::{Fault, FaultRule, Hold, Simulator};

use crate::harness::{assert_untouched, run_ok, simulator, Invocation};

/// A fresh directory for one test, removed when dropped.
struct Directory(PathBuf);

impl Directory {
    fn new(name: &str) -> Directory {
        let path = std::env::temp_dir().join(format!("anomali-snapshot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        Directory(path)
    }

    fn text(&self) -> String {
        self.0.display().to_string()
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("readable")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A completed snapshot of 1 MB files: its ID and Get Snapshot's view of it.
fn completed(sim: &Simulator) -> (u64, Value) {
    let started = run_ok(sim, "create_snapshot", json!({"chunk_size_mb": 1}));
    let id = started["snapshot"]["id"].as_u64().expect("an ID");
    let snapshot = run_ok(sim, "get_snapshot", json!({"id": id}));
    (id, snapshot["snapshot"].clone())
}

fn sha256_of(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("the file");
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_file_is_written_whole_with_threatstreams_sha256() {
    let sim = simulator();
    let directory = Directory::new("whole");
    let (id, snapshot) = completed(&sim);
    let listed = &snapshot["files"][1];
    let output = run_ok(
        &sim,
        "download_snapshot",
        json!({"id": id, "file_number": 2, "directory": directory.text()}),
    );
    let file = &output["file"];
    let path = directory.0.join(format!("snapshot-{id}-2"));
    assert_eq!(file["path"], path.display().to_string());
    assert_eq!(file["sha256"], listed["sha256"]);
    assert_eq!(sha256_of(&path), listed["sha256"].as_str().unwrap_or_default());
    assert_eq!(file["bytes"], std::fs::metadata(&path).expect("written").len());
    assert_eq!(file["total_count"], listed["total_count"]);
    let records: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("a JSON array");
    assert_eq!(Some(records.len() as u64), listed["total_count"].as_u64());
    assert_eq!(directory.names(), [format!("snapshot-{id}-2")], "nothing partial left");
    let download = sim
        .requests()
        .into_iter()
        .find(|request| request.path.contains("/download/"))
        .expect("the file was read");
    assert_eq!(download.path, format!("/api/v1/snapshot/{id}/download/2/"));

    let again = Invocation::run("download_snapshot")
        .input(json!({"id": id, "file_number": 2, "directory": directory.text()}))
        .against(&sim)
        .errs();
    assert!(
        again
            .exception()
            .cause
            .ends_with("already exists, so the file was not downloaded."),
        "{:?}",
        again.exception()
    );
    run_ok(
        &sim,
        "download_snapshot",
        json!({"id": id, "file_number": 2, "directory": directory.text(), "overwrite": true}),
    );
    assert_eq!(sha256_of(&path), listed["sha256"].as_str().unwrap_or_default());
}

#[test]
fn a_corrupt_download_is_refused_and_nothing_is_kept() {
    let sim = simulator();
    let directory = Directory::new("corrupt");
    let (id, _) = completed(&sim);
    sim.add_fault_rule(
        FaultRule::new(Fault::Status {
            status: 200,
            body: "[]".into(),
        })
        .path_exact(&format!("/api/v1/snapshot/{id}/download/1/"))
        .always(),
    );
    let run = Invocation::run("download_snapshot")
        .input(json!({"id": id, "file_number": 1, "directory": directory.text()}))
        .against(&sim)
        .errs();
    let cause = run.exception().cause;
    assert!(
        cause.starts_with("The file downloaded has the SHA-256 ") && cause.contains("it is corrupt or incomplete"),
        "{cause}"
    );
    assert!(directory.names().is_empty(), "{:?}", directory.names());
}

#[test]
fn a_snapshot_in_progress_or_a_file_it_lacks_is_named() {
    let sim = simulator();
    let directory = Directory::new("missing");
    sim.hold(Hold::Snapshots);
    let started = run_ok(&sim, "create_snapshot", json!({}));
    let id = started["snapshot"]["id"].as_u64().expect("an ID");
    let running = Invocation::run("download_snapshot")
        .input(json!({"id": id, "file_number": 1, "directory": directory.text()}))
        .against(&sim)
        .errs();
    assert_eq!(
        running.exception().cause,
        format!("Snapshot {id} is 'inprogress', not completed: it has no files to download yet.")
    );
    sim.release(Hold::Snapshots);
    let beyond = Invocation::run("download_snapshot")
        .input(json!({"id": id, "file_number": 999, "directory": directory.text()}))
        .against(&sim)
        .errs();
    assert!(
        beyond
            .exception()
            .cause
            .starts_with("Invalid input 'file_number': it is 999, and snapshot"),
        "{:?}",
        beyond.exception()
    );
    let unknown = Invocation::run("download_snapshot")
        .input(json!({"id": 99, "file_number": 1, "directory": directory.text()}))
        .against(&sim)
        .errs();
    assert_eq!(unknown.exception().cause, "ThreatStream has no snapshot with ID 99.");
    assert!(directory.names().is_empty());
}

#[test]
fn bad_download_inputs_are_refused_before_any_request() {
    let sim = simulator();
    let directory = Directory::new("inputs");
    let not_a_directory = directory.0.join("plain-file");
    std::fs::write(&not_a_directory, "x").expect("a file");
    let cases = [
        (
            json!({"id": 0, "file_number": 1, "directory": directory.text()}),
            "'id'",
        ),
        (json!({"id": 7, "directory": directory.text()}), "file_number"),
        (
            json!({"id": 7, "file_number": 0, "directory": directory.text()}),
            "'file_number'",
        ),
        (json!({"id": 7, "file_number": 1}), "directory"),
        (json!({"id": 7, "file_number": 1, "directory": " "}), "'directory'"),
        (
            json!({"id": 7, "file_number": 1, "directory": "snapshots"}),
            "'directory'",
        ),
        (
            json!({"id": 7, "file_number": 1, "directory": "/no/such/place"}),
            "'directory'",
        ),
        (
            json!({"id": 7, "file_number": 1, "directory": not_a_directory.display().to_string()}),
            "'directory'",
        ),
    ];
    for (input, named) in cases {
        Invocation::run("download_snapshot")
            .input(input)
            .against(&sim)
            .refused_naming(named);
    }
    assert_untouched(&sim);
}
