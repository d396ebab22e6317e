//! Contract tests: answers that the public ThreatStream clients show, replayed through the plugin.
//!
//! The simulator was written from our own reading of the API, and that reading was wrong in places
//! (references, paging, sandbox reports). The integrations that have run against live tenants for
//! years (XSOAR's v3 and its test data, Splunk SOAR's connector, Google SecOps SOAR's ThreatFuse,
//! FortiSOAR, Polarity, Rapid7's plugin and its unit-test responses) are the oracle. Each fixture under
//! `tests/fixtures/<group>/` is an answer we wrote ourselves from what one of them shows, and names
//! that source and its route. Each route the plugin calls has its contract beside the call that sends
//! it (a `# Contract` section in src/threatstream/), listing the fixtures that hold it, and
//! docs/threatstream-api.md is the table `make generate` writes from those. `routes` keeps the
//! contract complete: it fails on a route the code calls without a contract, a contract nothing
//! calls, and a fixture its route's contract does not list.
//!
//! A test serves a fixture on its route (`Fixture::serve`, a simulator fault rule that answers every
//! request to that path) and runs the real binary against it, so the answer goes through the same
//! client, paging and output code as on a tenant. Unusual shapes (empty objects, missing optional
//! keys, ids as numbers or numeric strings) are fixtures too.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use threatstream_simulator::{Fault, FaultRule, Simulator};

mod admin;
mod context;
mod import;
mod intelligence;
mod routes;
mod sandbox;

/// One answer a public client shows for one route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The public client and file the facts come from (repository, path, and commit where known).
    pub source: String,
    /// What the source shows, in a sentence: what this fixture holds the plugin to.
    pub shows: String,
    /// The route, as docs/threatstream-api.md names it, e.g. `GET /api/v1/submit/{id}/report/`.
    pub route: String,
    /// The HTTP status the answer comes with.
    #[serde(default = "ok")]
    pub status: u16,
    /// The answer's JSON body; a fixture without one answers with no body at all (a 204, or the
    /// empty 202 some writes get).
    #[serde(default)]
    pub body: Value,
}

fn ok() -> u16 {
    200
}

impl Fixture {
    /// `tests/fixtures/<name>.json`, e.g. `fixture("sandbox/xsoar_report")`.
    #[track_caller]
    pub fn load(name: &str) -> Fixture {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let fixture: Fixture =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(
            !fixture.source.trim().is_empty() && !fixture.shows.trim().is_empty(),
            "{}: a fixture names its source and what it shows",
            path.display()
        );
        fixture
    }

    /// Makes `sim` answer every request whose path is exactly `path` with this fixture.
    pub fn serve(&self, sim: &Simulator, path: &str) {
        sim.add_fault_rule(FaultRule::new(self.fault()).path_exact(path).always());
    }

    /// Makes `sim` answer the next request whose path is exactly `path` with this fixture, once:
    /// fixtures served once on one path answer its requests in the order they were served, as the
    /// pages of one search follow each other.
    pub fn serve_once(&self, sim: &Simulator, path: &str) {
        sim.add_fault_rule(FaultRule::new(self.fault()).path_exact(path));
    }

    /// This fixture as the simulator's answer.
    fn fault(&self) -> Fault {
        let body = match &self.body {
            Value::Null => String::new(),
            body => body.to_string(),
        };
        Fault::Status {
            status: self.status,
            body,
        }
    }
}

/// Shorthand for `Fixture::load`.
#[track_caller]
pub fn fixture(name: &str) -> Fixture {
    Fixture::load(name)
}

#[test]
fn every_fixture_names_its_source_and_route() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for group in std::fs::read_dir(&root).expect("tests/fixtures") {
        let group = group.expect("an entry").path();
        if !group.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&group).expect("a group folder") {
            let file = file.expect("an entry").path();
            let name = file.strip_prefix(&root).expect("under root").with_extension("");
            let fixture = Fixture::load(&name.to_string_lossy());
            let method = fixture.route.split_whitespace().next().unwrap_or_default();
            assert!(
                ["GET", "POST", "PATCH", "DELETE"].contains(&method) && fixture.route.contains(" /api/"),
                "{}: route {:?} is not `METHOD /api/...`",
                file.display(),
                fixture.route
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "no fixtures found under {}", root.display());
}
