//! An InsightConnect plugin for Anomali ThreatStream.
//!
//! Three rooms: `protocol` speaks the InsightConnect wire (envelopes, presets, schemas, the step
//! pipeline), `threatstream` speaks the ThreatStream REST API, and `actions` joins them. Only `run` is
//! public, so the binary, the server and the tests share one code path.

mod actions;
mod cli;
mod protocol;
mod threatstream;

use std::ffi::OsString;

/// Runs the plugin with command-line `args` (program name first) and answers with the exit status.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    cli::main(&actions::PLUGIN, args.into_iter().map(Into::into).collect())
}
