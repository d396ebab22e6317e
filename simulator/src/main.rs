//! `threatstream-simulator`: the simulator as a process, for `make demo` and
//! scripts that cannot link the library. It prints one line, `listening on
//! <url>`, and then serves until killed. With `--receiver` it runs the
//! dispatcher receiver instead, for trigger soak scripts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use threatstream_simulator::{
    Permission, Receiver, Simulator, SubmitResponse, DEFAULT_API_KEY, DEFAULT_BULK_RECORDS, DEFAULT_IMPORT_DELAY,
    DEFAULT_KEPT_EVENTS, DEFAULT_SANDBOX_PROCESSING, USERNAME,
};

const USAGE: &str = "usage: threatstream-simulator [--port N] [--username U] [--api-key K] \
                     [--tls [--cert-out PATH]] [--bulk-records N] [--latency-ms N] \
                     [--sandbox-processing-ms N] [--submit-response by_platform|list] \
                     [--import-delay-ms N] [--synthetic-values M --synthetic-records N] \
                     [--deny PERMISSION]...\n       \
                     threatstream-simulator --receiver [--port N] [--keep-events N]";

/// `--help`: every option and control route, for someone who has only the
/// binary. The crate doc (`simulator/src/lib.rs`) has the API routes and
/// the seed data.
fn help() -> String {
    let permissions: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
    format!(
        "threatstream-simulator: a local stand-in for Anomali ThreatStream's REST API, to run the plugin's
steps without a ThreatStream account. It prints one line, `listening on <url>`, then serves on
127.0.0.1 until killed. It keeps its state (records, import sessions, sandbox, comments) in memory.

{USAGE}

Options:
  --port N                   the port on 127.0.0.1 (default 0: a free one, named in the line printed)
  --username U               the one account it accepts (default {USERNAME})
  --api-key K                that account's key (default {DEFAULT_API_KEY}); requests carry
                             `Authorization: apikey U:K`, as the plugin sends them
  --tls                      serve HTTPS with a fresh self-signed certificate for 127.0.0.1 and localhost
  --cert-out PATH            with --tls: write that certificate (PEM) to PATH before the line is printed
  --latency-ms N             delay every API request by N ms (default 0)
  --import-delay-ms N        an import session stays `processing` for N ms (default {import_ms})
  --sandbox-processing-ms N  a sandbox submission stays `processing` for N ms (default {sandbox_ms})
  --submit-response SHAPE    how a sandbox submission lists its reports: by_platform (default) or list
  --bulk-records N           how many records share the value 203.0.113.77, for paging (default {DEFAULT_BULK_RECORDS})
  --synthetic-values M --synthetic-records N
                             add N generated records over M generated values (bench data)
  --deny PERMISSION          answer 403 to the writes that need it; repeatable; one of {permissions}
  --receiver                 run the dispatcher receiver instead: a stand-in for the InsightConnect
                             dispatcher a trigger posts events to (takes --port and --keep-events)
  --keep-events N            with --receiver: how many whole events it keeps (default {DEFAULT_KEPT_EVENTS})
  -h, --help                 this text

Control routes (no credentials; never recorded, delayed or faulted; JSON bodies):
  GET, DELETE /__simulator/requests    the API requests received so far (method, path, query,
                                       headers, body), oldest first; DELETE forgets them
  POST /__simulator/faults             a fault for the next API request, or a list of them:
                                       {{\"kind\": \"status\", \"status\": 503}}, {{\"kind\": \"rate_limited\"}},
                                       {{\"kind\": \"slow\", \"millis\": 1500}}, {{\"kind\": \"drop_connection\"}}, ...;
                                       with \"path\" (a prefix) and \"times\" (N or \"always\") it
                                       answers the requests to that path instead
  DELETE /__simulator/faults           forget every fault and fault rule
  GET, PUT /__simulator/latency        {{\"millis\": 50}}
  GET, PUT /__simulator/sandbox        {{\"processing_millis\": 0, \"submit_response\": \"list\"}}; GET also
                                       lists the submissions with their forms
  POST /__simulator/hold               {{\"what\": \"import_sessions\"}}, \"sandbox_reports\" or \"snapshots\": those
                                       made from now on stay `processing` until released
  POST /__simulator/release            the same body: everything held finishes at once
  GET /__simulator/hold                what is held
  GET, POST /__simulator/records       records changed after ?update_id__gt=N; POST adds records,
                                       [{{\"value\": \"198.51.100.9\", \"itype\": \"c2_ip\", \"confidence\": 90}}]
  GET, POST, DELETE /__simulator/feed  a live feed of new and changed records,
                                       {{\"per_second\": 50, \"total\": 500}}; GET its progress; DELETE stops it
  GET, POST /__simulator/synthetic     {{\"values\": 500, \"records\": 2500}}: bench data
  GET, PUT /__simulator/permissions    {{\"denied\": [\"approve_intel\"]}}
  GET, PUT /__simulator/import_delay   {{\"millis\": 0}}
With --receiver:
  GET /__receiver/events               the events received ({{\"stats\", \"events\"}}); DELETE forgets them
  GET /__receiver/stats, /__receiver/update_ids
  POST /__receiver/fail                {{\"times\": 3, \"status\": 503}}: fail the next posts
  POST /__receiver/silence             {{\"mode\": \"hang\"}} or {{\"mode\": \"delay\", \"millis\": 30000}}
  POST /__receiver/recover             answer normally again

Exit codes: 2 for a bad argument, 1 when it cannot serve (a busy port, say); it runs until killed.
The API routes it serves and its seed data are listed in its crate documentation
(simulator/src/lib.rs, or `cargo doc -p threatstream-simulator --open`).",
        import_ms = DEFAULT_IMPORT_DELAY.as_millis(),
        sandbox_ms = DEFAULT_SANDBOX_PROCESSING.as_millis(),
        permissions = permissions.join(", "),
    )
}

struct Args {
    port: u16,
    username: String,
    api_key: String,
    tls: bool,
    cert_out: Option<PathBuf>,
    bulk_records: usize,
    latency: Duration,
    sandbox_processing: Duration,
    submit_response: SubmitResponse,
    /// Run the dispatcher receiver instead of the API.
    receiver: bool,
    keep_events: usize,
    /// `None` keeps the library's default.
    import_delay: Option<Duration>,
    synthetic: (u64, u64),
    denied: Vec<Permission>,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            let _ = writeln!(std::io::stdout(), "{}", help());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            complain(&format!("{message}\n{USAGE}"));
            return ExitCode::from(2);
        }
    };
    let started = if args.receiver {
        receiver(&args)
    } else {
        simulator(&args)
    };
    // Bound to a name so the server lives until the process is killed.
    let _server = match started.and_then(|server| announced(server, args.cert_out.as_ref())) {
        Ok(server) => server,
        Err(message) => {
            complain(&message);
            return ExitCode::FAILURE;
        }
    };
    // The server runs on its own thread; this one only keeps it alive.
    loop {
        std::thread::park();
    }
}

/// One line on stderr; a closed stderr is no reason to panic.
fn complain(message: &str) {
    let _ = writeln!(std::io::stderr(), "threatstream-simulator: {message}");
}

/// Writes the certificate (if asked) and the line, then answers the server
/// so the caller keeps it alive.
fn announced(server: Server, cert_out: Option<&PathBuf>) -> Result<Server, String> {
    match &server {
        Server::Api(simulator) => {
            write_certificate(simulator, cert_out)?;
            announce(&simulator.url())?;
        }
        Server::Receiver(receiver) => announce(&receiver.url())?,
    }
    Ok(server)
}

/// Whichever server this process runs; held only to keep it running.
enum Server {
    Api(#[allow(dead_code)] Simulator),
    Receiver(#[allow(dead_code)] Receiver),
}

fn receiver(args: &Args) -> Result<Server, String> {
    let builder = Receiver::builder().port(args.port).keep_events(args.keep_events);
    builder.try_start().map(Server::Receiver)
}

fn simulator(args: &Args) -> Result<Server, String> {
    let mut builder = Simulator::builder()
        .port(args.port)
        .username(&args.username)
        .api_key(&args.api_key)
        .tls(args.tls)
        .bulk_records(args.bulk_records)
        .latency(args.latency)
        .sandbox_processing(args.sandbox_processing)
        .submit_response(args.submit_response)
        .synthetic(args.synthetic.0, args.synthetic.1);
    if let Some(delay) = args.import_delay {
        builder = builder.import_delay(delay);
    }
    for permission in &args.denied {
        builder = builder.deny(*permission);
    }
    builder.try_start().map(Server::Api)
}

/// The certificate is written before the line is printed, so a script that
/// waits for the line can read the file straight away.
fn write_certificate(simulator: &Simulator, cert_out: Option<&PathBuf>) -> Result<(), String> {
    if let (Some(path), Some(pem)) = (cert_out, simulator.ca_cert_pem()) {
        std::fs::write(path, pem).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

fn announce(url: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {url}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("writing to stdout: {e}"))
}

/// `Ok(None)` means help was asked for.
fn parse(mut words: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        port: 0,
        username: USERNAME.to_owned(),
        api_key: DEFAULT_API_KEY.to_owned(),
        tls: false,
        cert_out: None,
        bulk_records: DEFAULT_BULK_RECORDS,
        latency: Duration::ZERO,
        sandbox_processing: DEFAULT_SANDBOX_PROCESSING,
        submit_response: SubmitResponse::ByPlatform,
        receiver: false,
        keep_events: DEFAULT_KEPT_EVENTS,
        import_delay: None,
        synthetic: (0, 0),
        denied: Vec::new(),
    };
    while let Some(flag) = words.next() {
        let mut value = || words.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = number(&flag, &value()?)?,
            "--username" => args.username = value()?,
            "--api-key" => args.api_key = value()?,
            "--tls" => args.tls = true,
            "--cert-out" => args.cert_out = Some(PathBuf::from(value()?)),
            "--bulk-records" => args.bulk_records = number(&flag, &value()?)?,
            "--latency-ms" => args.latency = Duration::from_millis(number(&flag, &value()?)?),
            "--sandbox-processing-ms" => args.sandbox_processing = Duration::from_millis(number(&flag, &value()?)?),
            "--submit-response" => args.submit_response = submit_response(&value()?)?,
            "--receiver" => args.receiver = true,
            "--keep-events" => args.keep_events = number(&flag, &value()?)?,
            "--import-delay-ms" => args.import_delay = Some(Duration::from_millis(number(&flag, &value()?)?)),
            "--synthetic-values" => args.synthetic.0 = number(&flag, &value()?)?,
            "--synthetic-records" => args.synthetic.1 = number(&flag, &value()?)?,
            "--deny" => args.denied.push(permission(&value()?)?),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.cert_out.is_some() && !args.tls {
        return Err("--cert-out needs --tls".to_owned());
    }
    if args.receiver && args.tls {
        return Err("--receiver serves plain HTTP only".to_owned());
    }
    if (args.synthetic.0 == 0) != (args.synthetic.1 == 0) {
        return Err("--synthetic-values and --synthetic-records go together".to_owned());
    }
    Ok(Some(args))
}

fn submit_response(raw: &str) -> Result<SubmitResponse, String> {
    match raw {
        "by_platform" => Ok(SubmitResponse::ByPlatform),
        "list" => Ok(SubmitResponse::List),
        _ => Err(format!("--submit-response needs by_platform or list, got {raw:?}")),
    }
}

fn number<T: std::str::FromStr>(flag: &str, raw: &str) -> Result<T, String> {
    raw.parse().map_err(|_| format!("{flag} needs a number, got {raw:?}"))
}

fn permission(name: &str) -> Result<Permission, String> {
    Permission::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
        format!("--deny needs one of {}, got {name:?}", known.join(", "))
    })
}
