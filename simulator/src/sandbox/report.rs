//! Sandbox reports: what `GET /api/v1/submit/{id}/report/` answers once a
//! detonation is done.
//!
//! The public clients show two shapes of report. Every new detonation
//! answers in the full, Cuckoo-style one that Splunk SOAR's data paths and
//! FortiSOAR's output schema describe: `success`, `pcap` and `screenshots` at
//! the top level, and `results` with `info` (with `machine`), `target`,
//! `signatures` (`name`, `description`, a numeric `severity`, `alert`),
//! `network` (`hosts`, `domains` with their `ip`, `dns`, `tcp`, `udp`,
//! `http`, `icmp`, `smtp`, `irc`, `pcap_sha256`), `behavior` (processes and
//! the summary of files, keys and mutexes), `dropped` and `debug`. Report 101
//! is the compact shape, Rapid7 4.0.0's unit-test answer word for word
//! (`results.screenshots`, `info.is_malicious`, signatures with a textual
//! severity, no `machine`), so both are exercised.

use ring::digest::{digest, Algorithm, SHA1_FOR_LEGACY_USE_ONLY, SHA256, SHA512};
use serde_json::{json, Value};

use crate::sandbox::pcap;

/// What a detonation concluded, as the status route spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Benign,
    Malicious,
}

impl Verdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Benign => "benign",
            Verdict::Malicious => "malicious",
        }
    }

    /// Known-bad seed values in what was detonated make it malicious, so a
    /// test can choose either verdict by what it submits.
    pub(crate) fn of(detonated: &[u8]) -> Verdict {
        let text = String::from_utf8_lossy(detonated).to_lowercase();
        let bad = KNOWN_BAD.iter().any(|needle| text.contains(needle));
        if bad {
            Verdict::Malicious
        } else {
            Verdict::Benign
        }
    }
}

/// Seed observables (data/intelligence.json) and the EICAR test string.
const KNOWN_BAD: [&str; 4] = [
    "malicious.example.net",
    "evil-domain.example",
    "198.51.100.23",
    "eicar-standard-antivirus-test-file",
];

/// What was sent to the sandbox, as far as the report needs it.
pub(crate) struct Detonation<'a> {
    pub(crate) id: u64,
    pub(crate) platform: &'a str,
    /// The URL, or the file.
    pub(crate) target: Target<'a>,
    pub(crate) verdict: Verdict,
    /// Seconds since the Unix epoch when the submission arrived.
    pub(crate) submitted: u64,
}

pub(crate) enum Target<'a> {
    Url(&'a str),
    File { name: &'a str, bytes: &'a [u8] },
}

/// How long every simulated detonation ran, in seconds.
const DURATION: u64 = 142;

/// The user the simulated submissions belong to, in links and the state.
pub(crate) const USER_ID: u64 = 16783;

/// The report of `detonation`, its capture's link on `origin`, the
/// simulator's own scheme, host and port (see `pcap.rs`).
pub(crate) fn report(detonation: &Detonation<'_>, origin: &str) -> Value {
    let started = detonation.submitted + 3;
    let malicious = detonation.verdict == Verdict::Malicious;
    let day = &timestamp(started)[..10];
    json!({
        "success": true,
        "pcap": pcap::link(origin, day, USER_ID, detonation.id),
        "screenshots": screenshots(detonation.id, started),
        "results": {
            "info": info(detonation, started),
            "target": target(&detonation.target),
            "signatures": if malicious { malicious_signatures() } else { benign_signatures() },
            "network": network(detonation.id, malicious),
            "behavior": behavior(&detonation.target, malicious),
            "dropped": if malicious { dropped() } else { json!([]) },
            "debug": {"log": "2019-12-04 21:04:30,001 [analyzer] INFO: Starting analyzer", "errors": []},
        }
    })
}

fn info(detonation: &Detonation<'_>, started: u64) -> Value {
    let (category, package) = match detonation.target {
        Target::Url(_) => ("url", "ie"),
        Target::File { .. } => ("file", "exe"),
    };
    json!({
        "category": category,
        "package": package,
        "started": timestamp(started),
        "ended": timestamp(started + DURATION),
        "duration": DURATION,
        "id": detonation.id,
        "version": "1.3-dev",
        "custom": null,
        "machine": machine(detonation.platform, started),
    })
}

fn machine(platform: &str, started: u64) -> Value {
    let name = format!("{platform}_4");
    json!({
        "id": 188_372,
        "name": name,
        "label": name,
        "manager": "KVM",
        "started_on": timestamp(started),
        "shutdown_on": timestamp(started + DURATION),
    })
}

fn target(target: &Target<'_>) -> Value {
    match target {
        Target::Url(url) => json!({"category": "url", "url": url}),
        Target::File { name, bytes } => {
            let mut file = digests(bytes);
            file["name"] = json!(name);
            file["size"] = json!(bytes.len());
            file["path"] = json!(format!("/tmp/cuckoo-tmp/{name}"));
            file["type"] = json!(if bytes.starts_with(b"MZ") {
                "PE32 executable (GUI) Intel 80386, for MS Windows"
            } else {
                "data"
            });
            json!({"category": "file", "file": file})
        }
    }
}

/// The digests Cuckoo writes for a file (without MD5, which the simulator
/// cannot compute; every client treats each field as optional).
fn digests(bytes: &[u8]) -> Value {
    let hex = |algorithm: &'static Algorithm| -> String {
        digest(algorithm, bytes)
            .as_ref()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    };
    json!({"sha1": hex(&SHA1_FOR_LEGACY_USE_ONLY), "sha256": hex(&SHA256), "sha512": hex(&SHA512)})
}

fn upload_link(started: u64, name: &str) -> String {
    let day = &timestamp(started)[..10];
    format!("https://ui.threatstream.example/userUploads/{day}/userId-{USER_ID}_{name}")
}

fn screenshots(id: u64, started: u64) -> Value {
    (0..2)
        .map(|n| upload_link(started, &format!("sandbox-report-{id}-screenshot_{n:02}.png")))
        .collect()
}

fn benign_signatures() -> Value {
    json!([{
        "name": "antisandbox_sleep",
        "description": "A process attempted to delay the analysis task.",
        "severity": 2,
        "alert": false,
        "data": [{"process": {"process_name": "iexplore.exe"},
                  "signs": [{"type": "api", "value": {"api": "NtDelayExecution", "category": "system"}}]}]
    }])
}

fn malicious_signatures() -> Value {
    json!([
        {
            "name": "network_ioc_domain",
            "description": "Contacts a domain listed in threat intelligence",
            "severity": 3,
            "alert": true,
            "data": [{"process": {"process_name": "payload.exe"},
                      "signs": [{"type": "ioc", "value": "evil-domain.example"}]}]
        },
        {
            "name": "persistence_autorun",
            "description": "Installs itself for autorun at Windows startup",
            "severity": 3,
            "alert": true,
            "data": [{"process": {"process_name": "payload.exe"},
                      "signs": [{"type": "registry", "value":
                          "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\PebbleLoader"}]}]
        }
    ])
}

fn network(id: u64, malicious: bool) -> Value {
    let (domains, hosts): (Vec<(&str, &str)>, Vec<&str>) = if malicious {
        (
            vec![
                ("evil-domain.example", "198.51.100.23"),
                ("malicious.example.net", "198.51.100.24"),
            ],
            vec!["198.51.100.23", "198.51.100.24"],
        )
    } else {
        (vec![("www.example.com", "192.0.2.80")], vec!["192.0.2.80"])
    };
    let dns: Vec<Value> = domains
        .iter()
        .map(|(domain, ip)| json!({"request": domain, "type": "A", "answers": [{"data": ip, "type": "A"}]}))
        .collect();
    let tcp: Vec<Value> = hosts
        .iter()
        .enumerate()
        .map(|(n, host)| {
            json!({"src": "10.0.2.15", "dst": host, "sport": 49170 + n, "dport": 443,
            "offset": 466 + 100 * n, "time": 6.4298})
        })
        .collect();
    let http: Vec<Value> = if malicious {
        vec![
            json!({"src": "10.0.2.15", "dst": "198.51.100.24", "dport": 80, "host": "malicious.example.net",
            "method": "GET", "uri": "/payload.exe", "path": "/payload.exe", "version": "1.1"}),
        ]
    } else {
        Vec::new()
    };
    json!({
        "hosts": hosts,
        "domains": domains.iter().map(|(domain, ip)| json!({"domain": domain, "ip": ip})).collect::<Vec<_>>(),
        "dns": dns,
        "tcp": tcp,
        "udp": [{"src": "10.0.2.15", "dst": "10.0.2.3", "sport": 53211, "dport": 53, "offset": 7218, "time": 6.4295}],
        "http": http,
        "icmp": [],
        "smtp": [],
        "irc": [],
        "pcap_sha256": pcap::sha256(id),
        "sorted_pcap_sha256": digests(format!("sorted pcap of detonation {id}").as_bytes())["sha256"],
    })
}

fn behavior(target: &Target<'_>, malicious: bool) -> Value {
    let process = match target {
        Target::Url(_) => "iexplore.exe",
        Target::File { name, .. } => name,
    };
    let mut summary = json!({"files": ["C:\\Users\\analyst\\AppData\\Local\\Temp\\~DF1A2B.tmp"],
        "keys": ["HKEY_CURRENT_USER\\Software\\Microsoft\\Internet Explorer\\Main"], "mutexes": []});
    if malicious {
        summary["keys"] = json!(["HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\PebbleLoader"]);
        summary["mutexes"] = json!(["PebbleLoaderMutex"]);
    }
    json!({
        "processes": [{"process_name": process, "process_id": 2680, "parent_id": 2228,
            "first_seen": "2019-12-04 21:04:31,921",
            "calls": [{"api": "NtCreateFile", "category": "filesystem", "status": true, "return": "0x00000000",
                       "thread_id": "2684", "timestamp": "2019-12-04 21:04:32,001", "repeated": 0,
                       "arguments": [{"name": "FileName", "value": "C:\\Windows\\Temp\\x.tmp"}]}]}],
        "processtree": [{"name": process, "pid": 2680, "parent_id": 2228, "children": []}],
        "summary": summary,
    })
}

fn dropped() -> Value {
    let bytes = b"MZ PebbleLoader second stage";
    let mut file = digests(bytes);
    file["name"] = json!("PebbleLoader.dll");
    file["path"] = json!("C:\\Users\\analyst\\AppData\\Roaming\\PebbleLoader.dll");
    file["size"] = json!(bytes.len());
    file["type"] = json!("PE32 executable (DLL) (GUI) Intel 80386, for MS Windows");
    json!([file])
}

/// Report 101: the published plugin's `get_sandbox_report_success.json.resp`
/// fixture (4.0.0), which has no `machine`, `package` or hosts.
pub(crate) fn fixture_report() -> Value {
    json!({
        "success": true,
        "results": {
            "network": {
                "domains": [
                    {"domain": "star-mini.c10r.facebook.com"},
                    {"domain": "pagead46.l.doubleclick.net"},
                    {"domain": "star.c10r.facebook.com"},
                    {"domain": "us-u.openx.net"}
                ]
            },
            "info": {
                "category": "URL",
                "confidence": 0,
                "duration": 302,
                "ended": "2019-12-04 21:09:32",
                "is_malicious": false,
                "is_suspicious": false,
                "is_unknown": false,
                "started": "2019-12-04 21:04:30"
            },
            "screenshots": [
                "http://domain.com/userUploads/2019-12-04/20191204_201304_userId-121_tmpsandbox-report-full-PaRfUDscreenshot_00.png",
                "http://domain.com/userUploads/2019-12-04/20191204_201305_userId-121_tmpsandbox-report-full-PaRfUDscreenshot_01.png",
                "http://domain.com/userUploads/2019-12-04/20191204_201305_userId-121_tmpsandbox-report-full-PaRfUDscreenshot_02.png"
            ],
            "signatures": [
                {
                    "data": [{"operation": "Window detected", "process": "Window Recorder",
                              "value": "More than 3 window changes detected"}],
                    "description": "Found graphical window changes (likely an installer)",
                    "severity": "-2.0"
                },
                {
                    "data": [{"operation": "File opened",
                              "process": "C:\\Program Files (x86)\\Internet Explorer\\iexplore.exe",
                              "value": "C:\\Program Files (x86)\\Java\\jre1.8.0_191\\bin\\msvcr100.dll"}],
                    "description": "Uses new MSVCR Dlls",
                    "severity": "-1.0"
                }
            ]
        }
    })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, the format of the fixture's `started`.
pub(crate) fn timestamp(unix_seconds: u64) -> String {
    crate::timestamp::format_plain(i64::try_from(unix_seconds).unwrap_or(i64::MAX / 1000) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_known_dates() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(timestamp(1_575_493_470), "2019-12-04 21:04:30");
        assert_eq!(timestamp(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(timestamp(1_735_689_599), "2024-12-31 23:59:59");
    }

    #[test]
    fn verdict_follows_known_bad_values() {
        assert_eq!(
            Verdict::of(b"http://malicious.example.net/payload.exe"),
            Verdict::Malicious
        );
        assert_eq!(
            Verdict::of(b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"),
            Verdict::Malicious
        );
        assert_eq!(Verdict::of(b"https://www.example.com/"), Verdict::Benign);
    }

    #[test]
    fn reports_carry_what_the_plugin_reads() {
        let detonation = Detonation {
            id: 188,
            platform: "WINDOWS7",
            target: Target::File {
                name: "testfile",
                bytes: b"Hello World\n",
            },
            verdict: Verdict::Malicious,
            submitted: 1_575_493_467,
        };
        let report = report(&detonation, "http://127.0.0.1:1");
        let info = &report["results"]["info"];
        assert_eq!(info["category"], "file");
        assert_eq!(info["started"], "2019-12-04 21:04:30");
        assert_eq!(info["ended"], "2019-12-04 21:06:52");
        assert_eq!(info["machine"]["name"], "WINDOWS7_4");
        let file = &report["results"]["target"]["file"];
        assert_eq!(
            (file["sha256"].as_str(), file["size"].as_u64()),
            (
                Some("d2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26"),
                Some(12)
            )
        );
        assert!(report["pcap"]
            .as_str()
            .is_some_and(|link| link.ends_with("dump-188.pcap")));
        assert_eq!(report["screenshots"].as_array().map(Vec::len), Some(2));
        assert!(report["results"]["network"]["domains"][0]["ip"].is_string());
        assert_eq!(report["results"]["dropped"][0]["name"], "PebbleLoader.dll");
        assert!(fixture_report()["results"]["info"].get("machine").is_none());
    }
}
