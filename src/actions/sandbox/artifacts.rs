//! What a Cuckoo-style sandbox report says about files and processes: the target detonated, the files
//! the sample dropped (with their hashes, the observables a playbook imports or blocks), and the
//! summary of its behaviour. Splunk SOAR's data paths and FortiSOAR's output schema show these blocks
//! (`results.target`, `results.dropped`, `results.behavior`); the compact shape has none of them.
//! A process's API calls are left out: they run to thousands of entries and no client reads them.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::report::{number, objects, some, text, texts};
use crate::actions::lenient::NumberOrString;

/// What was detonated.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "sandbox_target", title = "sandbox_target")]
pub(crate) struct Target {
    /// Whether a file or a URL was detonated
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Category")]
    category: Option<String>,
    /// The URL detonated
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "URL")]
    url: Option<String>,
    /// The file detonated
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "File")]
    file: Option<SandboxFile>,
}

/// A file the report names, with its hashes.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "sandbox_file", title = "sandbox_file")]
pub(crate) struct SandboxFile {
    /// File name
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Name")]
    name: Option<String>,
    /// Where the file was, in the sandbox
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Path")]
    path: Option<String>,
    /// Size in bytes
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Size", with = "Option<NumberOrString>")]
    size: Option<Value>,
    /// File type, as the sandbox identified it
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Type")]
    kind: Option<String>,
    /// MD5 hash
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "MD5")]
    md5: Option<String>,
    /// SHA-1 hash
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "SHA1")]
    sha1: Option<String>,
    /// SHA-256 hash
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "SHA256")]
    sha256: Option<String>,
    /// SHA-512 hash
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "SHA512")]
    sha512: Option<String>,
    /// ssdeep fuzzy hash
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "SSDEEP")]
    ssdeep: Option<String>,
}

/// How the sample behaved.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "sandbox_behavior", title = "sandbox_behavior")]
pub(crate) struct Behavior {
    /// Processes the sample ran, each with its name, ID, parent ID and when it was first seen
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Processes")]
    processes: Option<Vec<Map<String, Value>>>,
    /// Files the sample touched
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Files")]
    files: Option<Vec<String>>,
    /// Registry keys the sample touched
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Registry Keys")]
    keys: Option<Vec<String>>,
    /// Mutexes the sample created or opened
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Mutexes")]
    mutexes: Option<Vec<String>>,
}

impl SandboxFile {
    /// The file an object describes, or nothing when it names none of the file's facts.
    pub(super) fn of(file: &Map<String, Value>) -> Option<SandboxFile> {
        let field = |name: &str| file.get(name).and_then(text);
        let read = SandboxFile {
            name: field("name"),
            path: field("path"),
            size: file.get("size").and_then(number),
            kind: field("type"),
            md5: field("md5"),
            sha1: field("sha1"),
            sha256: field("sha256"),
            sha512: field("sha512"),
            ssdeep: field("ssdeep"),
        };
        let hashes = [&read.md5, &read.sha1, &read.sha256, &read.sha512];
        (read.name.is_some() || read.path.is_some() || hashes.iter().any(|hash| hash.is_some())).then_some(read)
    }
}

/// `results.target`, when it names something.
pub(super) fn target(target: &Value) -> Option<Target> {
    let read = Target {
        category: text(&target["category"]),
        url: text(&target["url"]),
        file: target["file"].as_object().and_then(SandboxFile::of),
    };
    (read.category.is_some() || read.url.is_some() || read.file.is_some()).then_some(read)
}

/// `results.dropped`.
pub(super) fn dropped(dropped: &Value) -> Option<Vec<SandboxFile>> {
    some(objects(dropped).iter().filter_map(SandboxFile::of).collect())
}

/// `results.behavior`: its processes without their calls, and its summary.
pub(super) fn behavior(behavior: &Value) -> Option<Behavior> {
    let processes = objects(&behavior["processes"])
        .into_iter()
        .map(|mut process| {
            process.remove("calls");
            process
        })
        .filter(|process| !process.is_empty())
        .collect();
    let summary = &behavior["summary"];
    let read = Behavior {
        processes: some(processes),
        files: some(texts(&summary["files"])),
        keys: some(texts(&summary["keys"])),
        mutexes: some(texts(&summary["mutexes"])),
    };
    let parts = [&read.files, &read.keys, &read.mutexes];
    (read.processes.is_some() || parts.iter().any(|part| part.is_some())).then_some(read)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fortisoars_blocks_keep_hashes_and_drop_api_calls() {
        let target = json!({"category": "file", "file": {"name": "box.png", "size": 7707, "md5": "aa", "crc32": "x"}});
        assert_eq!(
            serde_json::to_value(super::target(&target)).unwrap(),
            json!({"category": "file", "file": {"name": "box.png", "size": 7707, "md5": "aa"}})
        );
        let behavior = json!({"processes": [{"process_name": "cmd.exe", "process_id": 2680, "parent_id": 2228,
            "calls": [{"api": "NtOpenFile"}]}], "summary": {"files": ["C:\\a.txt"], "keys": [], "mutexes": ["m1"]}});
        assert_eq!(
            serde_json::to_value(super::behavior(&behavior)).unwrap(),
            json!({"processes": [{"process_name": "cmd.exe", "process_id": 2680, "parent_id": 2228}],
                "files": ["C:\\a.txt"], "mutexes": ["m1"]})
        );
        let dropped = json!([{"name": "x.dll", "sha256": "ff", "size": "4922"}, {"crc32": "only"}, "text"]);
        assert_eq!(
            serde_json::to_value(super::dropped(&dropped)).unwrap(),
            json!([{"name": "x.dll", "sha256": "ff", "size": "4922"}])
        );
    }

    #[test]
    fn empty_blocks_are_none() {
        assert!(target(&json!({"file": {}})).is_none());
        assert!(behavior(&json!({"processes": [{"calls": []}], "summary": {}})).is_none());
        assert!(dropped(&json!({})).is_none());
    }
}
