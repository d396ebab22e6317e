//! Standard output, the orchestrator's one channel for a step's event, and what happens when it is
//! gone.
//!
//! An event that cannot be written is lost, and a step that then exits 0 tells the orchestrator that
//! all went well. Two ways to lose it: a reader that went away (the write fails with a broken pipe),
//! and a stdout closed before the plugin started. The second one is quiet: the Rust runtime opens
//! `/dev/null` in place of a closed standard descriptor, where every write succeeds. It opens it
//! read-write, which no shell redirection (`>/dev/null`) does, and that is how `closed` tells the two
//! apart. Either way the step ends with exit 1 and a line on stderr.

use std::io::{self, Write};
use std::sync::OnceLock;

use super::envelope::Event;

/// Whether stdout was closed when the plugin started (see the module doc), looked at once. Linux
/// only, through `/proc`; elsewhere, or without `/proc`, it is taken as open.
pub(crate) fn closed() -> bool {
    static CLOSED: OnceLock<bool> = OnceLock::new();
    *CLOSED.get_or_init(|| {
        #[cfg(target_os = "linux")]
        {
            let is_null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|target| target.as_os_str() == "/dev/null");
            is_null && opened_read_write("/proc/self/fdinfo/1")
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    })
}

/// The access mode in an fdinfo file's `flags:` line (octal): 2 is `O_RDWR`.
#[cfg(target_os = "linux")]
fn opened_read_write(fdinfo: &str) -> bool {
    let Ok(info) = std::fs::read_to_string(fdinfo) else {
        return false;
    };
    info.lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
        .is_some_and(|flags| flags & 0o3 == 0o2)
}

/// The error for a stdout that `closed` found closed.
fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "standard output is closed")
}

/// Writes the event on one line, streamed (a lookup's event is not built as one string first), and
/// flushes it. An error means the event did not reach the reader.
pub(crate) fn write_event(event: &Event) -> io::Result<()> {
    if closed() {
        return Err(closed_error());
    }
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer(&mut stdout, event)?;
    stdout.write_all(b"\n")?;
    stdout.flush()
}

/// Writes `line` and a newline, flushed: a trigger's event under `--debug`.
pub(crate) fn write_line(line: &[u8]) -> io::Result<()> {
    if closed() {
        return Err(closed_error());
    }
    let mut stdout = io::stdout().lock();
    stdout.write_all(line)?;
    stdout.write_all(b"\n")?;
    stdout.flush()
}

/// Prints a step's event and answers with the exit status: `exit_code` when the event was written,
/// 1 (and a line on stderr) when it was lost.
pub(crate) fn print_event(event: &Event, exit_code: i32) -> i32 {
    match write_event(event) {
        Ok(()) => exit_code,
        Err(error) => {
            eprintln!("ERROR: the step's event could not be written to standard output ({error}): it is lost");
            1
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_access_mode_is_read_from_fdinfo() {
        let directory = std::env::temp_dir().join(format!("stdout-test-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let cases = [
            ("pos:\t0\nflags:\t0100002\nmnt_id:\t25\n", true),
            ("pos:\t0\nflags:\t02100001\n", false),
            ("flags:\t0100000\n", false),
            ("nothing here\n", false),
        ];
        for (number, (info, read_write)) in cases.into_iter().enumerate() {
            let path = directory.join(number.to_string());
            std::fs::write(&path, info).unwrap();
            assert_eq!(opened_read_write(&path.to_string_lossy()), read_write, "{info:?}");
        }
        assert!(!opened_read_write("/nonexistent/fdinfo"));
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
