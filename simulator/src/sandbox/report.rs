//! Sandbox reports: what `GET /api/v1/submit/{id}/report/` answers once a
//! detonation is done.
//!
//! The shape follows the published plugin's 4.0.0 fixture (anomali-plugin.md
//! §5.2: `success`, `results.info`, `results.signatures`,
//! `results.screenshots`, `results.network.domains[].domain`) and what Cortex
//! XSOAR reads from real reports (§1.13: `info.machine` with `name` and `id`,
//! `network.hosts`, and `tcp`/`udp`/`http`/`https`/`icmp` entries with `src`,
//! `dst` and `dport`). Report 101 is that fixture word for word, without a
//! `machine` block, so the plugin's "missing machine becomes {}" rule has a
//! case; report 100 and every new submission carry the full shape.

use serde_json::{json, Value};

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
    /// The URL, or the file name.
    pub(crate) target: Target<'a>,
    pub(crate) verdict: Verdict,
    /// Seconds since the Unix epoch when the submission arrived.
    pub(crate) submitted: u64,
}

pub(crate) enum Target<'a> {
    Url(&'a str),
    File { name: &'a str, size: usize },
}

/// How long every simulated detonation ran, in seconds.
const DURATION: u64 = 142;

pub(crate) fn report(detonation: &Detonation<'_>) -> Value {
    let started = detonation.submitted + 3;
    let malicious = detonation.verdict == Verdict::Malicious;
    json!({
        "success": true,
        "results": {
            "info": info(detonation, started),
            "target": target(&detonation.target),
            "signatures": if malicious { malicious_signatures() } else { benign_signatures() },
            "screenshots": screenshots(detonation.id, started),
            "network": if malicious { malicious_network() } else { benign_network() },
        }
    })
}

fn info(detonation: &Detonation<'_>, started: u64) -> Value {
    let (category, package) = match detonation.target {
        Target::Url(_) => ("URL", "ie"),
        Target::File { .. } => ("FILE", "exe"),
    };
    let malicious = detonation.verdict == Verdict::Malicious;
    json!({
        "category": category,
        "package": package,
        "started": timestamp(started),
        "ended": timestamp(started + DURATION),
        "duration": DURATION,
        "id": detonation.id,
        "version": "2.0.7",
        "custom": "",
        "confidence": if malicious { 85 } else { 0 },
        "is_malicious": malicious,
        "is_suspicious": false,
        "is_unknown": false,
        "machine": machine(detonation.platform, started),
    })
}

fn machine(platform: &str, started: u64) -> Value {
    let name = format!("{}-sandbox-03", platform.to_lowercase());
    json!({
        "id": 31,
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
        Target::File { name, size } => json!({"category": "file", "file": {"name": name, "size": size}}),
    }
}

fn screenshots(id: u64, started: u64) -> Value {
    let day = &timestamp(started)[..10];
    (0..2)
        .map(|n| format!("https://ui.threatstream.example/userUploads/{day}/sandbox-report-{id}-screenshot_{n:02}.png"))
        .collect()
}

fn benign_signatures() -> Value {
    json!([{
        "data": [{"operation": "Window detected", "process": "Window Recorder", "value": "More than 3 window changes detected"}],
        "description": "Found graphical window changes (likely an installer)",
        "severity": "-2.0"
    }])
}

fn malicious_signatures() -> Value {
    json!([
        {
            "data": [{"operation": "DNS query", "process": "payload.exe", "value": "evil-domain.example"}],
            "description": "Contacts a domain listed in threat intelligence",
            "severity": "3.0"
        },
        {
            "data": [{"operation": "Registry key set", "process": "payload.exe",
                      "value": "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\PebbleLoader"}],
            "description": "Installs itself for autorun at Windows startup",
            "severity": "2.0"
        }
    ])
}

fn benign_network() -> Value {
    json!({
        "domains": [{"domain": "www.example.com", "ip": "192.0.2.80"}],
        "hosts": ["192.0.2.80"],
        "tcp": [{"src": "10.0.2.15", "dst": "192.0.2.80", "sport": 49163, "dport": 443}],
        "udp": [{"src": "10.0.2.15", "dst": "10.0.2.3", "sport": 53211, "dport": 53}],
        "http": [],
        "https": [{"src": "10.0.2.15", "dst": "192.0.2.80", "dport": 443}],
        "icmp": []
    })
}

fn malicious_network() -> Value {
    json!({
        "domains": [
            {"domain": "evil-domain.example", "ip": "198.51.100.23"},
            {"domain": "malicious.example.net", "ip": "198.51.100.24"}
        ],
        "hosts": ["198.51.100.23", "198.51.100.24"],
        "tcp": [
            {"src": "10.0.2.15", "dst": "198.51.100.23", "sport": 49170, "dport": 8443},
            {"src": "10.0.2.15", "dst": "198.51.100.24", "sport": 49171, "dport": 80}
        ],
        "udp": [{"src": "10.0.2.15", "dst": "10.0.2.3", "sport": 60321, "dport": 53}],
        "http": [{"src": "10.0.2.15", "dst": "198.51.100.24", "dport": 80,
                  "host": "malicious.example.net", "method": "GET", "uri": "/payload.exe"}],
        "https": [{"src": "10.0.2.15", "dst": "198.51.100.23", "dport": 8443}],
        "icmp": [{"src": "10.0.2.15", "dst": "198.51.100.23", "type": 8}]
    })
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
                size: 12,
            },
            verdict: Verdict::Malicious,
            submitted: 1_575_493_467,
        };
        let report = report(&detonation);
        let info = &report["results"]["info"];
        assert_eq!(info["category"], "FILE");
        assert_eq!(info["started"], "2019-12-04 21:04:30");
        assert_eq!(info["ended"], "2019-12-04 21:06:52");
        assert_eq!(info["machine"]["name"], "windows7-sandbox-03");
        assert!(report["results"]["network"]["domains"][0]["domain"].is_string());
        assert!(fixture_report()["results"]["info"].get("machine").is_none());
    }
}
