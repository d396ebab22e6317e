//! Download Snapshot: one file of a completed snapshot, streamed to a directory the plugin's container
//! has mounted, its SHA-256 checked on the way (issue 24, item 10).
//!
//! A snapshot's files are chunks of the whole export, each up to the chunk size (1 GB at most), so the
//! file never passes through memory or the output: each chunk is written and added to the digest as it
//! arrives (`threatstream::download`). It is written beside its final name (`.<name>.partial`) and
//! renamed only once its SHA-256 is the one ThreatStream gives, so a reader of the directory never
//! sees a partial or corrupt file under the name; a failure removes what was written. An existing
//! file is kept unless Overwrite says otherwise. The directory must exist: creating one inside a
//! container would write where nothing outside it can read.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use ring::digest::{Context, SHA256};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::snapshot_failure;
use crate::actions::connection::Connection;
use crate::actions::fields::{number, text};
use crate::actions::input::{given, NumberId};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::{quoted, Failure};
use crate::threatstream::{download, snapshots, Record};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DownloadSnapshotInput {
    /// ThreatStream ID of the snapshot, as Create Snapshot answered it
    #[schemars(title = "ID", example = 7)]
    id: NumberId,
    /// Number of the file to download, from 1, as Get Snapshot lists the files
    #[schemars(title = "File Number", example = 1)]
    file_number: u64,
    /// Absolute path of an existing directory the plugin's container has mounted and may write to, such as /var/cache/snapshots
    // The example is a directory every container has, so that the spec's example runs as it is.
    #[schemars(title = "Directory", example = "/tmp")]
    directory: String,
    /// Replace a file of the same name in the directory; by default an existing file is kept and the step fails
    #[serde(default)]
    #[schemars(title = "Overwrite", example = false)]
    overwrite: bool,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct DownloadSnapshotOutput {
    /// The file as written, its SHA-256 checked against ThreatStream's
    #[schemars(title = "File", example = example_file())]
    file: Downloaded,
}

/// A snapshot file written to the directory.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "downloaded_snapshot_file", title = "downloaded_snapshot_file")]
struct Downloaded {
    /// Position of the file in the snapshot, from 1
    #[schemars(title = "Number")]
    number: u64,
    /// Path of the file written
    #[schemars(title = "Path")]
    path: String,
    /// Size of the file in bytes
    #[schemars(title = "Bytes")]
    bytes: u64,
    /// SHA-256 of the file, the one ThreatStream gives
    #[schemars(title = "SHA-256")]
    sha256: String,
    /// Number of objects in the file, as ThreatStream counts them
    #[schemars(title = "Total Count")]
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<u64>,
}

fn example_file() -> Value {
    json!({"number": 1, "path": "/var/cache/snapshots/snapshot-7-1.json", "bytes": 10485123,
        "sha256": "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b", "total_count": 25000})
}

/// What the inputs ask for, checked before any request.
struct Wanted {
    id: u64,
    number: u64,
    directory: PathBuf,
    overwrite: bool,
}

impl DownloadSnapshotInput {
    fn wanted(&self) -> Result<Wanted, Failure> {
        let id = self.id.read(
            "id",
            "a snapshot ID; give the positive whole number Create Snapshot answered",
        )?;
        let number = given(Some(self.file_number)).ok_or_else(|| {
            Failure::invalid_input(
                "file_number",
                "it is missing; give the file's number, from 1, as Get Snapshot lists it",
            )
        })?;
        let directory = self.directory.trim();
        Ok(Wanted {
            id,
            number,
            directory: writable_directory(directory)?,
            overwrite: self.overwrite,
        })
    }
}

/// `given` as a directory that exists: an absolute path, without control characters.
fn writable_directory(given: &str) -> Result<PathBuf, Failure> {
    let refuse = |problem: String| Failure::invalid_input("directory", problem);
    if given.is_empty() {
        return Err(refuse(
            "it is missing; give the absolute path of a directory the plugin's container has mounted".into(),
        ));
    }
    if given.chars().any(char::is_control) {
        return Err(refuse("it contains control characters or line breaks".into()));
    }
    let path = Path::new(given);
    if !path.is_absolute() {
        return Err(refuse(format!(
            "{} is not an absolute path; give one such as /var/cache/snapshots",
            quoted(given)
        )));
    }
    match fs::metadata(path) {
        Ok(found) if found.is_dir() => Ok(path.to_path_buf()),
        Ok(_) => Err(refuse(format!("{} is not a directory", quoted(given)))),
        Err(_) => Err(refuse(format!(
            "{} does not exist in the plugin's container; mount the directory into it first",
            quoted(given)
        ))),
    }
}

/// The file the snapshot lists as `number`: its link, its SHA-256 and its count.
struct Listed {
    link: String,
    sha256: String,
    total_count: Option<u64>,
}

fn listed(record: &Record, id: u64, number: u64) -> Result<Listed, Failure> {
    let status = text(record, "status").unwrap_or_default();
    if status != "completed" {
        return Err(Failure::caller(
            format!(
                "Snapshot {id} is {}, not completed: it has no files to download yet.",
                quoted(&status)
            ),
            "Run Get Snapshot until its status is completed, then download its files.",
        ));
    }
    let files: Vec<&serde_json::Map<String, Value>> = record
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let file = usize::try_from(number - 1).ok().and_then(|index| files.get(index));
    let Some(file) = file else {
        return Err(Failure::invalid_input(
            "file_number",
            format!("it is {number}, and snapshot {id} has {} files", files.len()),
        ));
    };
    let link = text(file, "download_url").ok_or_else(|| unlisted(id, number, "no download link"))?;
    let sha256 = text(file, "sha256")
        .map(|sum| sum.to_ascii_lowercase())
        .filter(|sum| sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| unlisted(id, number, "no SHA-256 to check it against"))?;
    Ok(Listed {
        link,
        sha256,
        total_count: number_of(file),
    })
}

fn number_of(file: &serde_json::Map<String, Value>) -> Option<u64> {
    number(file, "total_count")
}

fn unlisted(id: u64, number: u64, lacks: &str) -> Failure {
    Failure::caller(
        format!("ThreatStream lists file {number} of snapshot {id} with {lacks}, so it was not downloaded."),
        "Run Get Snapshot to see the file; if ThreatStream lists it again without it, ask Anomali support.",
    )
}

/// The name the file is written under: the snapshot and the file's number, and the extension of the
/// link's last segment (`part-1.json.gz` gives `.json.gz`), kept to safe characters.
fn file_name(id: u64, number: u64, link: &str) -> String {
    let path = link.split(['?', '#']).next().unwrap_or_default();
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    let extension: String = last
        .split_once('.')
        .map(|(_, extension)| extension)
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .take(16)
        .collect();
    match extension.trim_matches('.') {
        "" => format!("snapshot-{id}-{number}"),
        extension => format!("snapshot-{id}-{number}.{extension}"),
    }
}

pub(crate) struct DownloadSnapshot;

impl TypedStep for DownloadSnapshot {
    const ID: &'static str = "download_snapshot";
    const TITLE: &'static str = "Download Snapshot";
    const DESCRIPTION: &'static str =
        "Download one file of a completed snapshot to a directory the plugin's container has mounted, checking its SHA-256";
    type Input = DownloadSnapshotInput;
    type Output = DownloadSnapshotOutput;
}

impl TypedAction for DownloadSnapshot {
    async fn run(connection: &Connection, input: DownloadSnapshotInput) -> Result<DownloadSnapshotOutput, Failure> {
        let wanted = input.wanted()?;
        let record = snapshots::snapshot(&connection.client, wanted.id)
            .await
            .map_err(|error| snapshot_failure(error, Some(wanted.id)))?;
        let file = listed(&record, wanted.id, wanted.number)?;
        let path = wanted.directory.join(file_name(wanted.id, wanted.number, &file.link));
        if path.exists() && !wanted.overwrite {
            return Err(Failure::caller(
                format!("{} already exists, so the file was not downloaded.", path.display()),
                "Move the file away, or set Overwrite to replace it.",
            ));
        }
        let bytes = write_checked(connection, &file, &path).await?;
        tracing::info!(
            "Wrote file {} of snapshot {} ({bytes} bytes, SHA-256 as ThreatStream gives it) to {}",
            wanted.number,
            wanted.id,
            path.display()
        );
        Ok(DownloadSnapshotOutput {
            file: Downloaded {
                number: wanted.number,
                path: path.display().to_string(),
                bytes,
                sha256: file.sha256,
                total_count: file.total_count,
            },
        })
    }
}

/// Streams the file to `.<name>.partial` beside `path`, then renames it to `path` once its SHA-256
/// is ThreatStream's; whatever fails, nothing partial stays.
async fn write_checked(connection: &Connection, file: &Listed, path: &Path) -> Result<u64, Failure> {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let written = stream_to(connection, &file.link, &partial).await;
    let outcome = written.and_then(|(bytes, sha256)| {
        if sha256 != file.sha256 {
            return Err(Failure::upstream(
                format!(
                    "The file downloaded has the SHA-256 {sha256}, not the {} ThreatStream gives: it is corrupt or \
                     incomplete, and was not kept.",
                    file.sha256
                ),
                "Run the step again; if the SHA-256 differs again, ask Anomali support about the snapshot.",
            ));
        }
        fs::rename(&partial, path).map_err(|error| unwritable(path, &error))?;
        Ok(bytes)
    });
    if outcome.is_err() {
        let _ = fs::remove_file(&partial);
    }
    outcome
}

/// Writes every chunk of the file at `link` to `partial` as it arrives, and answers with the bytes
/// written and their SHA-256.
async fn stream_to(connection: &Connection, link: &str, partial: &Path) -> Result<(u64, String), Failure> {
    let mut download = download::open(&connection.client, link).await.map_err(Failure::from)?;
    let mut out = File::create(partial).map_err(|error| unwritable(partial, &error))?;
    let mut digest = Context::new(&SHA256);
    let mut bytes = 0u64;
    while let Some(chunk) = download.chunk().await.map_err(Failure::from)? {
        digest.update(&chunk);
        out.write_all(&chunk).map_err(|error| unwritable(partial, &error))?;
        bytes += chunk.len() as u64;
    }
    out.sync_all().map_err(|error| unwritable(partial, &error))?;
    if download.length().is_some_and(|length| length != bytes) {
        return Err(Failure::upstream(
            "The download ended before the whole file arrived.",
            "Run the step again.",
        ));
    }
    let sha256: String = digest.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect();
    Ok((bytes, sha256))
}

fn unwritable(path: &Path, error: &std::io::Error) -> Failure {
    Failure::caller(
        format!("{} could not be written: {error}.", path.display()),
        "Mount the directory writable for the plugin's user (the image runs as nobody), with room for the file.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_by_its_snapshot_number_and_extension() {
        assert_eq!(file_name(7, 1, "/api/v1/snapshot/7/download/1/"), "snapshot-7-1");
        assert_eq!(
            file_name(7, 2, "https://bucket.example/s/7/part-2.json.gz?X-Amz-Signature=x"),
            "snapshot-7-2.json.gz"
        );
        assert_eq!(file_name(7, 3, "https://b.example/../x.j$on/"), "snapshot-7-3.jon");
    }

    #[test]
    fn only_an_existing_absolute_directory_is_taken() {
        let temp = std::env::temp_dir();
        let temp = temp.to_str().expect("a UTF-8 temporary directory");
        assert!(writable_directory(temp).is_ok());
        for (given, problem) in [
            ("", "it is missing"),
            ("relative/dir", "is not an absolute path"),
            ("/no/such/directory/here", "does not exist"),
            ("/tmp/\nx", "control characters"),
        ] {
            let failure = writable_directory(given).expect_err(given);
            assert!(failure.cause.contains(problem), "{given}: {}", failure.cause);
        }
    }
}
