//! The command line, as the InsightConnect runtime's plugins have it (protocol reference §1).
//!
//! `run` and `test` read one start message and print one event; `info` and `sample` finish before any
//! I/O beyond stdout. Only this file knows that flags exist.

use std::ffi::OsString;
use std::io::{Read, Write};

use clap::{Parser, Subcommand};

use crate::protocol::{execute, python_json, sample_message, Plugin, StepKind};

/// Larger than any legitimate start message: a 64 MiB file to import is about 86 MiB of base64.
const MAX_MESSAGE_BYTES: u64 = 128 * 1024 * 1024;

#[derive(Parser)]
#[command(
    name = "icon_anomali_threatstream",
    version,
    about = "InsightConnect plugin for Anomali ThreatStream",
    disable_help_subcommand = true
)]
struct Cli {
    /// Log at debug level (to stderr and the event's log)
    #[arg(long, global = true)]
    debug: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the action of the start message read from standard input
    Run {
        /// The start message, instead of standard input (after a literal `--`)
        #[arg(last = true)]
        message: Option<String>,
    },
    /// Test the connection of the start message read from standard input
    Test {
        /// The start message, instead of standard input (after a literal `--`)
        #[arg(last = true)]
        message: Option<String>,
    },
    /// Show the plugin's name, vendor, version, description and actions
    Info,
    /// Print a start message for ACTION, filled with the defaults of its schemas
    Sample {
        /// An action id, such as lookup_ip
        action: String,
    },
}

/// Parses `args` and runs the command, answering with the process exit status.
pub(crate) fn main(plugin: &Plugin, args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return error.exit_code();
        }
    };
    match cli.command {
        None => {
            let _ = <Cli as clap::CommandFactory>::command().print_help();
            0
        }
        Some(Command::Run { message }) => step(plugin, StepKind::Run, message, cli.debug),
        Some(Command::Test { message }) => step(plugin, StepKind::Test, message, cli.debug),
        Some(Command::Info) => print_out(&info(plugin)),
        Some(Command::Sample { action }) => sample(plugin, &action),
    }
}

fn step(plugin: &Plugin, kind: StepKind, message: Option<String>, debug: bool) -> i32 {
    let message = match message {
        Some(message) => message.into_bytes(),
        None => read_stdin(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ERROR: cannot start the async runtime: {error}");
            return 1;
        }
    };
    let outcome = runtime.block_on(execute(plugin, kind, message, debug));
    match serde_json::to_string(&outcome.event) {
        Ok(event) => {
            print_out(&format!("{event}\n"));
            outcome.exit_code()
        }
        Err(error) => {
            eprintln!("ERROR: cannot encode the event: {error}");
            1
        }
    }
}

/// Reads all of stdin, or a little more than the limit, so the envelope parser can say what is wrong.
fn read_stdin() -> Vec<u8> {
    let mut message = Vec::new();
    let read = std::io::stdin()
        .lock()
        .take(MAX_MESSAGE_BYTES + 1)
        .read_to_end(&mut message);
    if read.is_err() || message.len() as u64 > MAX_MESSAGE_BYTES {
        // Not JSON, so the step answers with a clear "not valid JSON" event instead of a partial read.
        return format!("start message unreadable or larger than {MAX_MESSAGE_BYTES} bytes").into_bytes();
    }
    message
}

/// The runtime's `info` text, byte for byte (runtime 6.6.1 `cli.py`, protocol reference §1.2): the
/// values, the action count and each action id in green, and a stray reset after each description.
/// The runtime ends with `print(result)` on text that already ends in a newline, hence the blank line.
fn info(plugin: &Plugin) -> String {
    let green = |text: &str| format!("{GREEN}{text}{RESET}");
    let mut text = format!(
        "Name:        {}\nVendor:      {}\nVersion:     {}\nDescription: {}\n",
        green(plugin.title),
        green(plugin.vendor),
        green(plugin.version),
        green(plugin.description)
    );
    // A plugin without actions prints no Actions block; this one has no triggers or tasks.
    if !plugin.actions.is_empty() {
        text.push_str(&format!("\nActions ({}):\n", green(&plugin.actions.len().to_string())));
        for action in plugin.actions {
            text.push_str(&format!(
                "└── {} ({}{RESET})\n",
                green(action.id()),
                action.description()
            ));
        }
    }
    text.push('\n');
    text
}

const GREEN: &str = "\u{1b}[92m";
const RESET: &str = "\u{1b}[0m";

fn sample(plugin: &Plugin, id: &str) -> i32 {
    match plugin.action(id) {
        Some(action) => print_out(&python_json(&sample_message(plugin, action))),
        None => {
            let known: Vec<&str> = plugin.actions.iter().map(|action| action.id()).collect();
            eprintln!(
                "ValueError: Invalid trigger, action or task name. Known actions: {}",
                known.join(", ")
            );
            1
        }
    }
}

fn print_out(text: &str) -> i32 {
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (the reader went away) leaves nothing to report to.
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    0
}
