//! An InsightConnect plugin for Anomali ThreatStream.
//!
//! Three rooms: `protocol` speaks the InsightConnect wire (envelopes, presets, schemas, the step
//! pipeline), `threatstream` speaks the ThreatStream REST API, and `actions` joins them. Domain rules
//! that are neither wire nor API have rooms of their own: `verdict` judges records, `whois` reads
//! registry texts. Only `run` is public, so the binary, the server and the tests share one code path;
//! `action_ids` lets tests cover every action the registry lists.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod actions;
mod backoff;
mod budget;
mod cli;
mod excerpt;
mod plural;
mod protocol;
mod threatstream;
mod verdict;
mod whois;

use std::ffi::OsString;

/// Runs the plugin with command-line `args` (program name first) and answers with the exit status.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    install_panic_hook();
    cli::main(&actions::PLUGIN, args.into_iter().map(Into::into).collect())
}

/// The ids of the plugin's actions, in the order the spec lists them: for tests and tools that must
/// cover every action without listing them a second time.
pub fn action_ids() -> impl Iterator<Item = &'static str> {
    actions::PLUGIN.actions.iter().map(|action| action.id())
}

/// How the plugin names itself in every HTTP request it makes, to ThreatStream and to the dispatcher.
const USER_AGENT: &str = concat!("anomali-threatstream-insightconnect/", env!("CARGO_PKG_VERSION"));

/// Reports where a panic happened, never its message: a message could quote input or a response,
/// and stderr ends up in job logs. The step turns the panic into an error event (see `protocol::step`).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|panic| {
        let place = panic
            .location()
            .map(ToString::to_string)
            .unwrap_or_else(|| "an unknown place".to_owned());
        eprintln!("ERROR: internal error (panic) at {place}");
    }));
}
