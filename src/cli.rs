//! The command line, as the InsightConnect runtime's plugins have it (protocol reference §1).
//!
//! `run` and `test` read one start message and print one event; `info` and `sample` finish before any
//! I/O beyond stdout; `http` serves until told to stop. Only this file knows that flags exist.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::{Parser, Subcommand};

use crate::budget::MIB;
use crate::protocol::{
    execute, listen_for_stops, print_event, python_json, sample_for, serve, stdout_closed, unreadable, Plugin,
    StepKind, MAX_MESSAGE_BYTES,
};

#[derive(Parser)]
#[command(
    name = "icon_anomali_threatstream",
    version,
    about = "InsightConnect plugin for Anomali ThreatStream"
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
    /// Run the action, trigger or task of the start message read from standard input (a trigger runs
    /// until SIGTERM, SIGINT or the terminate flag)
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
    /// Show the plugin's name, vendor, version, description, triggers, actions and tasks
    Info,
    /// Print a start message for STEP, filled with the defaults of its schemas
    Sample {
        /// An action, trigger or task id, such as lookup_ip
        action: String,
    },
    /// Serve the runtime's REST routes over HTTP until SIGTERM or SIGINT
    Http {
        /// TCP port to listen on (0 picks a free one)
        #[arg(long, default_value_t = 10001)]
        port: u16,
        /// Address to listen on
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
        bind: IpAddr,
        /// MiB of ThreatStream's answers all steps in flight may hold together [default: the
        /// ANOMALI_THREATSTREAM_MEMORY_BUDGET_MIB variable, else 1024]
        #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(MIN_PROCESS_BUDGET_MIB..))]
        memory_budget: Option<u64>,
        #[command(flatten)]
        gunicorn: GunicornFlags,
    },
}

/// The process budget of `http` mode, in MiB, when neither the flag nor the variable sets one: four
/// steps at the connection's default budget, far below what eight hostile enrichments took without
/// one (2.37 GB).
const DEFAULT_PROCESS_BUDGET_MIB: u64 = 1024;

/// Less than this would refuse ordinary steps.
const MIN_PROCESS_BUDGET_MIB: u64 = 16;

/// Sets the process budget where the command line cannot be changed (a container the orchestrator
/// starts); `--memory-budget` wins over it.
const PROCESS_BUDGET_VARIABLE: &str = "ANOMALI_THREATSTREAM_MEMORY_BUDGET_MIB";

/// The Python runtime's `http` tuning flags (protocol reference §1.1), accepted so an orchestrator
/// that passes them still starts the plugin, and ignored: one process serves every request, on as
/// many threads as there are cores.
#[derive(clap::Args)]
struct GunicornFlags {
    #[arg(long = "process_workers", hide = true)]
    _process_workers: Option<String>,
    #[arg(long = "threads_per_worker", hide = true)]
    _threads_per_worker: Option<String>,
    #[arg(long = "worker_class", hide = true)]
    _worker_class: Option<String>,
    #[arg(long = "worker_connections", hide = true)]
    _worker_connections: Option<String>,
    #[arg(long = "graceful_timeout", hide = true)]
    _graceful_timeout: Option<String>,
}

/// Parses `args` and runs the command, answering with the process exit status.
pub(crate) fn main(plugin: &'static Plugin, args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return error.exit_code();
        }
    };
    match cli.command {
        // As the runtime's plugins do (protocol reference §1.1): the help on stdout and exit 0, like
        // `help` and `--help`. An orchestrator or a person probing the image with no arguments learns
        // what it takes; nothing was asked that could fail.
        None => {
            let _ = <Cli as clap::CommandFactory>::command().print_help();
            0
        }
        Some(Command::Run { message }) => step(plugin, StepKind::Run, message, cli.debug),
        Some(Command::Test { message }) => step(plugin, StepKind::Test, message, cli.debug),
        Some(Command::Info) => print_out(&info(plugin)),
        Some(Command::Sample { action }) => sample(plugin, &action),
        Some(Command::Http {
            port,
            bind,
            memory_budget,
            ..
        }) => http(plugin, SocketAddr::new(bind, port), memory_budget, cli.debug),
    }
}

/// The process budget in bytes: the flag's, else the variable's, else the default.
fn process_budget(flag: Option<u64>) -> Result<u64, String> {
    let mib = match (flag, std::env::var(PROCESS_BUDGET_VARIABLE)) {
        (Some(mib), _) => mib,
        (None, Ok(text)) => match text.trim().parse::<u64>() {
            Ok(mib) if mib >= MIN_PROCESS_BUDGET_MIB => mib,
            _ => {
                return Err(format!(
                    "{PROCESS_BUDGET_VARIABLE} must be a whole number of MiB, at least {MIN_PROCESS_BUDGET_MIB}"
                ))
            }
        },
        (None, Err(_)) => DEFAULT_PROCESS_BUDGET_MIB,
    };
    Ok(mib.saturating_mul(MIB))
}

/// Serves until a stop signal; exit 0 after a graceful stop, 1 if the server cannot start.
fn http(plugin: &'static Plugin, address: SocketAddr, memory_budget: Option<u64>, debug: bool) -> i32 {
    let memory_budget = match process_budget(memory_budget) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("\nError: {error}");
            return 1;
        }
    };
    // Many threads: one slow ThreatStream call must not hold up the requests behind it.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("\nError: cannot start the async runtime: {error}");
            return 1;
        }
    };
    match runtime.block_on(serve(plugin, address, memory_budget, debug)) {
        Ok(()) => 0,
        Err(error) => {
            // The runtime's start-up failure format (protocol reference §1.2).
            eprintln!("\nError: {error}");
            1
        }
    }
}

/// `run` or `test` of one start message. A stdout closed from the start would lose the event, so
/// nothing runs; `run` hears stop signals from its first moment (a trigger answers them with an
/// event even while it is starting).
fn step(plugin: &'static Plugin, kind: StepKind, message: Option<String>, debug: bool) -> i32 {
    if kind == StepKind::Run {
        listen_for_stops();
    }
    if stdout_closed() {
        eprintln!("ERROR: standard output is closed, so the step's event would be lost: nothing was run");
        return 1;
    }
    let message = match message {
        Some(message) => Ok(message.into_bytes()),
        None => read_stdin(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ERROR: cannot start the async runtime: {error}");
            return 1;
        }
    };
    let outcome = match message {
        Ok(message) => runtime.block_on(execute(plugin, kind, message, debug)),
        Err(cause) => unreadable(kind, cause),
    };
    print_event(&outcome.event, outcome.exit_code())
}

/// Reads all of stdin, refusing (without reading on) a message larger than any legitimate one.
fn read_stdin() -> Result<Vec<u8>, String> {
    let mut message = Vec::new();
    let limit = MAX_MESSAGE_BYTES as u64 + 1;
    if let Err(error) = std::io::stdin().lock().take(limit).read_to_end(&mut message) {
        return Err(format!(
            "The start message could not be read from standard input: {error}."
        ));
    }
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(format!("The start message is larger than {MAX_MESSAGE_BYTES} bytes."));
    }
    Ok(message)
}

/// The runtime's `info` text, byte for byte (runtime 6.6.1 `cli.py`, protocol reference §1.2): the
/// values, each group's count and each id in green, and a stray reset after each description. Groups
/// come in the runtime's order (triggers, actions, tasks) and an empty one prints nothing. The runtime
/// ends with `print(result)` on text that already ends in a newline, hence the blank line.
fn info(plugin: &Plugin) -> String {
    let green = |text: &str| format!("{GREEN}{text}{RESET}");
    let mut text = format!(
        "Name:        {}\nVendor:      {}\nVersion:     {}\nDescription: {}\n",
        green(plugin.title),
        green(plugin.vendor),
        green(plugin.version),
        green(plugin.description)
    );
    let triggers: Vec<_> = plugin
        .triggers
        .iter()
        .map(|step| (step.id(), step.description()))
        .collect();
    let actions: Vec<_> = plugin
        .actions
        .iter()
        .map(|step| (step.id(), step.description()))
        .collect();
    let tasks: Vec<_> = plugin
        .tasks
        .iter()
        .map(|step| (step.id(), step.description()))
        .collect();
    for (heading, steps) in [("Triggers", triggers), ("Actions", actions), ("Tasks", tasks)] {
        if steps.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{heading} ({}):\n", green(&steps.len().to_string())));
        for (id, description) in steps {
            text.push_str(&format!("└── {} ({description}{RESET})\n", green(id)));
        }
    }
    text.push('\n');
    text
}

const GREEN: &str = "\u{1b}[92m";
const RESET: &str = "\u{1b}[0m";

/// The start message on one line, as Python's `json.dump` writes it, and a line break the runtime
/// leaves out: `jq` and JSON readers do not mind it, and a shell prompt no longer follows the message.
fn sample(plugin: &Plugin, id: &str) -> i32 {
    match sample_for(plugin, id) {
        Some(message) => print_out(&format!("{}\n", python_json(&message))),
        None => {
            let known = [plugin.triggers.ids(), plugin.actions.ids(), plugin.tasks.ids()].concat();
            eprintln!(
                "ValueError: Invalid trigger, action or task name. Known steps: {}",
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
