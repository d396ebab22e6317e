//! Get Passive DNS: which domains an IP address resolved for, or which addresses a domain resolved to,
//! newest first.
//!
//! ThreatStream's answer comes in no promised order (the simulator's is shuffled on purpose), and an
//! analyst reads the most recent resolutions first, so records are sorted here by `last_seen`, then
//! `first_seen`, newest first, before the limit is applied. A 404 means ThreatStream has no history.

use std::cmp::Ordering;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::protocol::{clean, Failure};
use crate::threatstream::enrichment;
use crate::threatstream::Record;

use super::{context_failure, default_limit, passive_dns_kind, subject, PASSIVE_DNS_KEPT_FOR};
use crate::actions::connection::Connection;
use crate::actions::input::or_default;
use crate::actions::output::passed_through;
use crate::actions::{TypedAction, TypedStep};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetPassiveDnsInput {
    /// IP address or domain whose DNS history to get
    #[schemars(title = "Value", example = "198.51.100.23")]
    value: String,
    /// Most records to return, newest first
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = 1000), example = 100)]
    limit: usize,
}

// What `run` returns; the records pass through, described by `PassiveDnsRecord`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct GetPassiveDnsOutput {
    /// DNS resolutions seen for the value, newest first; empty when there are none
    #[schemars(title = "Results", with = "Vec<PassiveDnsRecord>", example = example_records())]
    results: Vec<Value>,
}

passed_through! {
    /// One resolution seen by a passive DNS sensor; null and empty fields are dropped, fields not listed
    /// pass through.
    #[name = "passive_dns_record"]
    pub(crate) struct PassiveDnsRecord {
        /// The address the domain resolved to
        #[title = "IP"]
        ip: Option<String>,
        /// The domain that resolved
        #[title = "Domain"]
        domain: Option<String>,
        /// DNS record type, such as A or AAAA
        #[title = "Record Type"]
        rrtype: Option<String>,
        /// The passive DNS source that saw the resolution
        #[title = "Source"]
        source: Option<String>,
        /// When the resolution was first seen
        #[title = "First Seen"]
        first_seen: Option<String>,
        /// When the resolution was last seen
        #[title = "Last Seen"]
        last_seen: Option<String>,
    }
}

pub(crate) fn example_records() -> Value {
    json!([{"ip": "198.51.100.23", "domain": "update.pebble-harvest.example", "rrtype": "A", "source": "Farsight",
        "first_seen": "2024-02-15 12:00:00", "last_seen": "2024-03-04 08:30:00"}])
}

/// The records, cleaned, newest first, at most `limit`.
pub(crate) fn newest_first(records: Vec<Record>, limit: usize) -> Vec<Value> {
    let mut records: Vec<Value> = records.into_iter().map(Value::Object).collect();
    records.sort_by(|a, b| {
        seen(b, "last_seen")
            .cmp(&seen(a, "last_seen"))
            .then_with(|| first_seen_newest(a, b))
    });
    records.truncate(limit);
    records.iter_mut().for_each(clean);
    records
}

fn first_seen_newest(a: &Value, b: &Value) -> Ordering {
    seen(b, "first_seen").cmp(&seen(a, "first_seen"))
}

/// A time as sortable text: ThreatStream writes `2024-02-01 10:00:00`, some sources `2024-02-01T10:00:00Z`;
/// both sort the same once the `T` is a space. Missing times sort oldest.
fn seen(record: &Value, field: &str) -> Option<String> {
    let text = record.get(field)?.as_str()?.trim();
    (!text.is_empty()).then(|| text.replacen('T', " ", 1))
}

pub(crate) struct GetPassiveDns;

impl TypedStep for GetPassiveDns {
    const ID: &'static str = "get_passive_dns";
    const TITLE: &'static str = "Get Passive DNS";
    const DESCRIPTION: &'static str =
        "Get the passive DNS history of an IP address or domain from Anomali ThreatStream";
    type Input = GetPassiveDnsInput;
    type Output = GetPassiveDnsOutput;
}

impl TypedAction for GetPassiveDns {
    async fn run(connection: &Connection, input: GetPassiveDnsInput) -> Result<GetPassiveDnsOutput, Failure> {
        let (subject, kind) = subject(&input.value, passive_dns_kind, PASSIVE_DNS_KEPT_FOR)?;
        let records = enrichment::passive_dns(&connection.client, kind, &subject.value())
            .await
            .map_err(|error| context_failure(error, "passive DNS"))?;
        Ok(GetPassiveDnsOutput {
            results: newest_first(records, or_default(input.limit, super::DEFAULT_LIMIT)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(values: Value) -> Vec<Record> {
        serde_json::from_value(values).unwrap()
    }

    #[test]
    fn newest_last_seen_comes_first_then_newest_first_seen() {
        let sorted = newest_first(
            records(json!([
                {"domain": "old", "first_seen": "2022-01-01 00:00:00", "last_seen": "2023-01-30 18:22:05"},
                {"domain": "undated"},
                {"domain": "new-late", "first_seen": "2024-02-15 12:00:00", "last_seen": "2024-03-04T08:30:00Z"},
                {"domain": "new-early", "first_seen": "2024-01-05 07:40:02", "last_seen": "2024-03-04 08:30:00"},
                {"domain": "mid", "last_seen": "2024-02-28 23:59:59", "source": ""}
            ])),
            10,
        );
        let order: Vec<&str> = sorted
            .iter()
            .map(|r| r["domain"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(order, ["new-late", "new-early", "mid", "old", "undated"]);
        assert!(sorted[2].get("source").is_none(), "empty fields are dropped");
        assert_eq!(newest_first(records(json!([{"a": 1}, {"a": 2}])), 1).len(), 1);
    }
}
