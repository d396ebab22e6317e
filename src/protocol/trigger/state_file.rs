//! A trigger's saved state: `/workspace/cache/<meta.triggerId>.json`, as runtime 6.5.0+ keeps it
//! (protocol reference §2.4, §3.6).
//!
//! Written whole to a temporary file, flushed to disk, then renamed over the old one: a crash at any
//! moment leaves either the old state or the new, never half of one. The trigger id comes from the
//! start message, so it is checked before it becomes part of a path.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::protocol::failure::{quoted, Failure};

/// Where the runtime keeps a plugin's cache and scratch files inside the container.
const WORKSPACE: &str = "/workspace";

/// Replaces `WORKSPACE`, so tests and a plugin run outside its image can keep state elsewhere. The
/// cache is `<workspace>/cache`, the terminate flag `<workspace>/tmp/terminate_trigger.flag`.
pub(crate) const WORKSPACE_VARIABLE: &str = "ANOMALI_THREATSTREAM_WORKSPACE";

/// Longer than any id the orchestrator makes (UUIDs), short enough for every file system.
const MAX_TRIGGER_ID_CHARS: usize = 128;

fn workspace() -> PathBuf {
    std::env::var_os(WORKSPACE_VARIABLE).map_or_else(|| PathBuf::from(WORKSPACE), PathBuf::from)
}

/// The file the orchestrator creates to ask a trigger to save its state and stop.
pub(crate) fn terminate_flag() -> PathBuf {
    workspace().join("tmp").join("terminate_trigger.flag")
}

/// Where one trigger's state lives, if it has a place at all.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: Option<PathBuf>,
}

impl StateFile {
    /// The state file of the trigger `meta` names; none when `meta` has no `triggerId` (a trigger
    /// started by hand), which is then said in the log.
    pub(crate) fn of(meta: &Value) -> Result<StateFile, Failure> {
        let id = match meta.get("triggerId") {
            None | Some(Value::Null) => {
                tracing::warn!(
                    "The start message's meta has no triggerId: the trigger's state is kept in memory only \
                     and a restart starts afresh"
                );
                return Ok(StateFile { path: None });
            }
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            Some(_) => return Err(bad_id("it is not a string")),
        };
        check_id(&id)?;
        let directory = workspace().join("cache");
        fs::create_dir_all(&directory).map_err(|error| unusable(&directory, &error))?;
        Ok(StateFile {
            path: Some(directory.join(format!("{id}.json"))),
        })
    }

    /// The saved state; `None` on a first start.
    pub(crate) fn load(&self) -> Result<Option<Value>, Failure> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let text = match fs::read(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(unusable(path, &error)),
        };
        serde_json::from_slice(&text).map(Some).map_err(|error| {
            Failure::caller(
                format!("The trigger's saved state in {} is not JSON: {error}.", path.display()),
                "The file was changed by hand or by another program. Restore it, or delete it to start \
                 the trigger afresh (as on its first start).",
            )
        })
    }

    /// Replaces the saved state, atomically.
    pub(crate) fn save(&self, state: &Value) -> Result<(), Failure> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        write_atomically(path, state).map_err(|error| {
            Failure::upstream(
                format!("The trigger's state could not be saved to {}: {error}.", path.display()),
                "Make the plugin's cache directory writable, with room to spare, and start the trigger again; \
                 it goes on from its last saved state.",
            )
        })
    }

    /// Where the state is kept, for messages that tell how to reset it.
    pub(crate) fn place(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => "memory (the start message has no meta.triggerId)".to_owned(),
        }
    }
}

/// Writes `state` beside `path` and renames it over `path`. A temporary that could not be written
/// whole or renamed (a full disk, a directory in the way) is removed again, so failed saves leave
/// nothing behind.
fn write_atomically(path: &Path, state: &Value) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("json.tmp-{}", std::process::id()));
    let written = write_synced(&temporary, state).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    // The rename itself lives in the directory; without this a power cut could still undo it.
    if let Some(directory) = path.parent() {
        File::open(directory)?.sync_all()?;
    }
    Ok(())
}

fn write_synced(path: &Path, state: &Value) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    serde_json::to_writer(&mut file, state)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn check_id(id: &str) -> Result<(), Failure> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if id.is_empty() || id.starts_with('.') || !id.chars().all(allowed) {
        return Err(bad_id(&format!(
            "{} may only have letters, digits, '-', '_' and '.', and may not start with '.'",
            quoted(id)
        )));
    }
    if id.chars().count() > MAX_TRIGGER_ID_CHARS {
        return Err(bad_id(&format!("it is longer than {MAX_TRIGGER_ID_CHARS} characters")));
    }
    Ok(())
}

fn bad_id(problem: &str) -> Failure {
    Failure::caller(
        format!("The start message's meta.triggerId cannot name a state file: {problem}."),
        "Start the trigger as InsightConnect does, with the trigger's id in meta.triggerId.",
    )
}

fn unusable(path: &Path, error: &std::io::Error) -> Failure {
    Failure::upstream(
        format!("The trigger's state at {} cannot be used: {error}.", path.display()),
        "Make the plugin's cache directory (/workspace/cache in the image) readable and writable by the \
         plugin's user.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_that_could_escape_the_cache_are_refused() {
        for bad in ["../x", "a/b", "", ".hidden", "a b", "x\0"] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        for good in ["3f2c9a10-0b1e-4c7e-9a51-0d7a1f0e9c11", "trigger_7", "a.b"] {
            assert!(check_id(good).is_ok(), "{good:?}");
        }
        assert!(check_id(&"a".repeat(200)).is_err());
    }

    #[test]
    fn saving_replaces_the_file_whole_and_leaves_no_temporary() {
        let directory = std::env::temp_dir().join(format!("state-file-test-{}", std::process::id()));
        fs::create_dir_all(&directory).unwrap();
        let file = StateFile {
            path: Some(directory.join("t.json")),
        };
        assert_eq!(file.load().unwrap(), None);
        file.save(&json!({"cursor": 1})).unwrap();
        file.save(&json!({"cursor": 2})).unwrap();
        assert_eq!(file.load().unwrap(), Some(json!({"cursor": 2})));
        let names: Vec<String> = fs::read_dir(&directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["t.json"]);
        fs::write(directory.join("t.json"), b"{half").unwrap();
        assert!(file.load().unwrap_err().cause.contains("is not JSON"));
        fs::remove_dir_all(&directory).unwrap();
    }

    /// A save that fails (here: a directory where the file should be, so the rename fails) leaves no
    /// temporary file behind, however often it is tried.
    #[test]
    fn a_failed_save_leaves_no_temporary() {
        let directory = std::env::temp_dir().join(format!("state-file-fail-{}", std::process::id()));
        fs::create_dir_all(directory.join("t.json")).unwrap();
        let file = StateFile {
            path: Some(directory.join("t.json")),
        };
        for cursor in 0..3 {
            let failure = file.save(&json!({"cursor": cursor})).unwrap_err();
            assert!(
                failure.cause.contains(&directory.join("t.json").display().to_string()),
                "{failure:?}"
            );
        }
        let names: Vec<String> = fs::read_dir(&directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["t.json"]);
        fs::remove_dir_all(&directory).unwrap();
    }
}
