//! `threatstream-simulator`: the simulator as a process, for `make demo` and
//! scripts that cannot link the library. It prints one line, `listening on
//! <url>`, and then serves until killed. With `--receiver` it runs the
//! dispatcher receiver instead, for trigger soak scripts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use threatstream_simulator::{
    Permission, Receiver, Simulator, SubmitResponse, DEFAULT_API_KEY, DEFAULT_BULK_RECORDS, DEFAULT_KEPT_EVENTS,
    DEFAULT_SANDBOX_PROCESSING, USERNAME,
};

const USAGE: &str = "usage: threatstream-simulator [--port N] [--username U] [--api-key K] \
                     [--tls [--cert-out PATH]] [--bulk-records N] [--latency-ms N] \
                     [--sandbox-processing-ms N] [--submit-response by_platform|list] \
                     [--import-delay-ms N] [--synthetic-values M --synthetic-records N] \
                     [--deny PERMISSION]...\n       \
                     threatstream-simulator --receiver [--port N] [--keep-events N]";

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
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("threatstream-simulator: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Bound to a name so the server lives until the process is killed.
    let (_server, announced) = if args.receiver {
        let receiver = Receiver::builder()
            .port(args.port)
            .keep_events(args.keep_events)
            .start();
        let announced = announce(&receiver.url());
        (Server::Receiver(receiver), announced)
    } else {
        let simulator = simulator(&args);
        let announced = write_certificate(&simulator, args.cert_out.as_ref()).and_then(|()| announce(&simulator.url()));
        (Server::Api(simulator), announced)
    };
    if let Err(message) = announced {
        eprintln!("threatstream-simulator: {message}");
        return ExitCode::FAILURE;
    }
    // The server runs on its own thread; this one only keeps it alive.
    loop {
        std::thread::park();
    }
}

/// Whichever server this process runs; held only to keep it running.
enum Server {
    Api(#[allow(dead_code)] Simulator),
    Receiver(#[allow(dead_code)] Receiver),
}

fn simulator(args: &Args) -> Simulator {
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
    builder.start()
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
