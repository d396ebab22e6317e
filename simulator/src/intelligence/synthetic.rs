//! Synthetic bench data: `records` records spread over `values` generated
//! observables, for bulk look-up benchmarks.
//!
//! Everything is a pure function of an index, so a bench script can compute
//! the values itself or ask `GET /__simulator/synthetic`:
//! - value `i` has type `i % 5`: ip, domain, url, email, md5, in that order;
//! - with `n = i / 5`: ip `198.18.<n / 256>.<n % 256>` (198.18.0.0/15,
//!   RFC 2544's benchmarking range), domain `syn-<i>.bench.example`, url
//!   `http://syn-<i>.bench.example/ioc`, email `user<i>@syn.bench.example`,
//!   md5 32 hex digits from splitmix64 of `i`;
//! - record `j` belongs to value `j % values`, so 2,500 records over 500
//!   values gives each value five;
//! - [`absent_value`] `i` is built the same way in places no synthetic or
//!   seeded value lives (`198.19.x.y`, `nosyn-...`), for look-ups that must
//!   find nothing. Up to 65,536 values per type stay distinct.

use serde::Serialize;

use crate::intelligence::observable_record::{Draft, SEVERITIES};
use crate::intelligence::observables::{classify, ObservableKind};
use crate::timestamp;

/// One generated observable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyntheticObservable {
    pub value: String,
    /// The v2 `type`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The `index`th synthetic value: one that has records once loaded.
///
/// Value `i` has type `i % 5` (ip, domain, url, email, md5); with `n = i / 5`
/// they are `198.18.<n / 256>.<n % 256>`, `syn-<i>.bench.example`,
/// `http://syn-<i>.bench.example/ioc`, `user<i>@syn.bench.example` and 32 hex
/// digits. Loading `records` over `values` gives record `j` to value
/// `j % values`.
#[must_use]
pub fn synthetic_value(index: u64) -> SyntheticObservable {
    generate(index, "198.18", "syn", 0)
}

/// The `index`th value that is never stored: built like
/// [`synthetic_value`] but in `198.19.x.y` and under `nosyn-` names, where no
/// seeded, synthetic or feed value lives.
#[must_use]
pub fn absent_value(index: u64) -> SyntheticObservable {
    generate(index, "198.19", "nosyn", 0x5bd1_e995)
}

fn generate(index: u64, network: &str, label: &str, salt: u64) -> SyntheticObservable {
    let n = index / 5;
    let (kind, value) = match index % 5 {
        0 => ("ip", format!("{network}.{}.{}", (n / 256) % 256, n % 256)),
        1 => ("domain", format!("{label}-{index}.bench.example")),
        2 => ("url", format!("http://{label}-{index}.bench.example/ioc")),
        3 => ("email", format!("user{index}@{label}.bench.example")),
        _ => ("md5", format!("{:016x}{:016x}", mix(index ^ salt), mix(!index ^ salt))),
    };
    SyntheticObservable { value, kind }
}

/// splitmix64's finaliser: spreads consecutive indexes apart.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const SOURCES: [(&str, u64); 4] = [
    ("Emerging Threats - Compromised", 1544),
    ("Abuse.ch Feodo Tracker", 3412),
    ("AlienVault OTX", 2733),
    ("Analyst", 0),
];

/// How much synthetic data is loaded: the next record continues the count,
/// so loading twice adds rather than repeats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct SyntheticLoad {
    pub(crate) values: u64,
    pub(crate) records: u64,
}

impl SyntheticLoad {
    /// The drafts for `records` more records over `values` values, noted as loaded.
    pub(crate) fn load(&mut self, values: u64, records: u64) -> Vec<Draft> {
        let drafts = drafts(values, self.records, records);
        if !drafts.is_empty() {
            self.values = self.values.max(values);
            self.records += records;
        }
        drafts
    }
}

/// The drafts of records `first..first + count` over `values` values.
pub(crate) fn drafts(values: u64, first: u64, count: u64) -> Vec<Draft> {
    if values == 0 {
        return Vec::new();
    }
    (first..first + count)
        .map(|j| draft(j, synthetic_value(j % values)))
        .collect()
}

fn draft(j: u64, observable: SyntheticObservable) -> Draft {
    let kind = classify(&observable.value).unwrap_or(ObservableKind::Domain);
    let itype = format!(
        "{}_{}",
        ["mal", "c2", "phish", "scan"][(j % 4) as usize],
        kind.itype_suffix()
    );
    let mut draft = Draft::new(&observable.value, kind, &itype);
    let (source, feed_id) = SOURCES[(j % 4) as usize];
    draft.confidence = i64::try_from((j * 37 + 11) % 101).unwrap_or_default();
    draft.status = match j % 13 {
        0 => "falsepos",
        1 | 7 => "inactive",
        _ => "active",
    }
    .to_owned();
    draft.severity = Some(SEVERITIES[(j % 4) as usize].to_owned());
    draft.source = source.to_owned();
    draft.feed_id = feed_id;
    draft.is_public = true;
    // One record a minute through January 2024, like the bulk IP's records.
    let minutes = i64::try_from(j % (28 * 24 * 60)).unwrap_or_default();
    let at = timestamp::parse("2024-01-01").unwrap_or_default() + minutes * 60_000;
    draft.created_ts = Some(timestamp::format_ms(at));
    draft.modified_ts = draft.created_ts.clone();
    draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn values_are_distinct_typed_and_never_absent() {
        let present: Vec<SyntheticObservable> = (0..5000).map(synthetic_value).collect();
        let absent: Vec<SyntheticObservable> = (0..5000).map(absent_value).collect();
        let mut seen = HashSet::new();
        for observable in present.iter().chain(&absent) {
            assert!(seen.insert(observable.value.clone()), "{observable:?} twice");
            let kind = classify(&observable.value).map(|k| k.type_name());
            assert_eq!(kind, Some(observable.kind), "{observable:?}");
        }
        assert_eq!(synthetic_value(0).value, "198.18.0.0");
        assert_eq!(synthetic_value(1281).value, "syn-1281.bench.example");
        assert_eq!(synthetic_value(1280).value, "198.18.1.0");
    }

    #[test]
    fn records_spread_evenly_over_values() {
        let drafts = drafts(500, 0, 2500);
        let mut per_value = std::collections::HashMap::new();
        for draft in &drafts {
            *per_value.entry(draft.value.clone()).or_insert(0) += 1;
        }
        assert_eq!(per_value.len(), 500);
        assert!(per_value.values().all(|&count| count == 5));
        assert!(drafts.iter().any(|d| d.status == "falsepos") && drafts.iter().any(|d| d.confidence == 100));
        assert!(super::drafts(0, 0, 10).is_empty());
    }
}
