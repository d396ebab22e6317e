//! Lookup Observables: a verdict on each of up to a thousand observables, in one action.
//!
//! A phishing triage extracts dozens or hundreds of IP addresses, domains, URLs, addresses and
//! hashes from one message; looking each up with its own action costs a process and a request per
//! value. This action tells each value's type by its shape (`actions::observable`), looks each
//! distinct one up once, in a few batched searches (`threatstream::batch`), and answers with one
//! verdict per observable in the order given. Entries that are no observable are listed with the
//! reason and do not fail the action, unless no entry is an observable at all.
//!
//! Records are tallied as they arrive and written out only when asked (`include_records`), so a
//! thousand verdicts cost little memory. A search that still fails after its retries fails the whole
//! action: a verdict judged on part of the records would look trustworthy and not be. With the
//! connection's Check Allowlist, the allowlist is read once, before the searches, for every verdict.

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::bulk_output::{output, Looked, LookupObservablesOutput};
use super::RecordsText;
use crate::actions::allowlisted;
use crate::actions::connection::Connection;
use crate::actions::input::or_default;
use crate::actions::input::step_input;
use crate::actions::observable::{observable, ObservableType, TypeHint};
use crate::actions::verdict::VerdictInputs;
use crate::actions::{TypedAction, TypedStep};
use crate::plural::count_of;
use crate::protocol::Failure;
use crate::threatstream::allowlisted::Allowlist;
use crate::threatstream::{lookup_many, Observable, Record};
use crate::verdict::{Tally, VerdictOptions};

/// More than a phishing message or an alert carries; larger lists belong to a feed, not an action.
pub(crate) const MAX_OBSERVABLES: usize = 1000;

/// Requests in flight at once unless the input says: few enough not to look like a burst to
/// ThreatStream's rate limiter.
const DEFAULT_CONCURRENCY: u8 = 4;
const MAX_CONCURRENCY: u8 = 8;

step_input! {
    #[derive(Default, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct LookupObservablesInput {
        /// Observables to look up, 1 to 1,000, in any mix: IP addresses, domains, URLs, e-mail addresses and MD5, SHA-1, SHA-256 or SHA-512 hashes; defanged values such as hxxp://evil[.]example are accepted
        #[schemars(title = "Observables", example = ["198.51.100.23", "evil-domain.example", ""])]
        pub(crate) observables: Option<Vec<String>>,
        /// Type of every observable; any (the default) tells each value's type by its shape
        #[serde(default, rename = "type")]
        #[schemars(title = "Type", example = TypeHint::Any)]
        pub(crate) kind: TypeHint,
        /// Include each observable's records in the output; off by default, to keep the output small
        #[serde(default)]
        #[schemars(title = "Include Records", example = false)]
        pub(crate) include_records: bool,
        /// Requests to ThreatStream in flight at once, 1 to 8
        #[serde(default = "default_concurrency")]
        #[schemars(title = "Concurrency", range(max = 8), example = 4)]
        pub(crate) concurrency: u8,
        ..VerdictInputs,
    }
}

fn default_concurrency() -> u8 {
    DEFAULT_CONCURRENCY
}

/// The entries sorted out: the distinct observables in the order given, with their type and the entry
/// each came from, and the entries that are none.
#[derive(Debug, Default)]
pub(crate) struct Entries<'a> {
    pub(crate) distinct: Vec<(Observable, ObservableType, &'a str)>,
    pub(crate) invalid: Vec<Invalid<'a>>,
    pub(crate) duplicates: usize,
}

/// An entry that is no observable, and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Invalid<'a> {
    pub(crate) index: usize,
    pub(crate) value: &'a str,
    pub(crate) reason: String,
}

impl LookupObservablesInput {
    /// The entries, sorted out; a list that is missing, empty, too long or has no observable at all
    /// is refused before any request.
    fn entries(&self) -> Result<Entries<'_>, Failure> {
        let given = self.observables.as_deref().unwrap_or_default();
        if given.is_empty() {
            return Err(Failure::invalid_input(
                "observables",
                "it is missing or empty; give 1 to 1,000 observables",
            ));
        }
        if given.len() > MAX_OBSERVABLES {
            return Err(Failure::invalid_input(
                "observables",
                format!(
                    "it has {} entries, more than the 1,000 one action looks up; split the list",
                    given.len()
                ),
            ));
        }
        let entries = sort_out(given, self.kind.wanted());
        if entries.distinct.is_empty() {
            let first = entries
                .invalid
                .first()
                .map(|invalid| invalid.reason.as_str())
                .unwrap_or_default();
            return Err(Failure::invalid_input(
                "observables",
                format!(
                    "none of its {} is an observable; the first: {first}",
                    count_of(given.len(), "entry")
                ),
            ));
        }
        Ok(entries)
    }

    /// The concurrency asked for; 0, what a form sends for the field cleared, is the default.
    fn concurrency(&self) -> Result<usize, Failure> {
        let concurrency = or_default(self.concurrency, DEFAULT_CONCURRENCY);
        if concurrency > MAX_CONCURRENCY {
            return Err(Failure::invalid_input(
                "concurrency",
                format!("it is {concurrency}; give 1 to {MAX_CONCURRENCY}"),
            ));
        }
        Ok(usize::from(concurrency))
    }
}

/// Each entry as an observable (of `wanted`'s type when given), each observable once.
pub(crate) fn sort_out(given: &[String], wanted: Option<ObservableType>) -> Entries<'_> {
    let mut entries = Entries::default();
    let mut seen = HashSet::new();
    for (index, text) in given.iter().enumerate() {
        let found = observable(text, wanted).and_then(|found| match ObservableType::of(&found) {
            Some(kind) => Ok((found, kind)),
            // `observable` tells every value's type by its shape; only Get Observables' has none.
            None => Err("its type cannot be told from its shape".to_owned()),
        });
        match found {
            Ok((found, _)) if seen.contains(&found) => entries.duplicates += 1,
            Ok((found, kind)) => {
                seen.insert(found.clone());
                entries.distinct.push((found, kind, text.as_str()));
            }
            Err(reason) => entries.invalid.push(Invalid {
                index,
                value: text,
                reason,
            }),
        }
    }
    entries
}

/// What one observable's search brought: its tally, and its records when asked for.
struct Evidence {
    tally: Tally,
    records: Option<RecordsText>,
}

impl Evidence {
    fn add(&mut self, record: Record) {
        self.tally.add(&record);
        if let Some(records) = &mut self.records {
            records.push(record);
        }
    }

    /// The verdict, told of the allowlist when the connection asked, and the records.
    fn finish(self, allowlist: Option<&Allowlist>, observable: &Observable) -> Result<Looked, Failure> {
        let records = match self.records {
            Some(records) => Some(RawValue::from_string(records.finish()?).map_err(super::unencodable)?),
            None => None,
        };
        Ok(Looked {
            verdict: allowlisted::judged(self.tally.verdict(), allowlist, observable),
            records,
        })
    }
}

pub(crate) struct LookupObservables;

impl TypedStep for LookupObservables {
    const ID: &'static str = "lookup_observables";
    const TITLE: &'static str = "Lookup Observables";
    const DESCRIPTION: &'static str =
        "Lookup up to 1,000 observables of any type in Anomali ThreatStream at once, with a verdict on each";
    type Input = LookupObservablesInput;
    type Output = LookupObservablesOutput;
}

impl TypedAction for LookupObservables {
    async fn run(connection: &Connection, input: LookupObservablesInput) -> Result<LookupObservablesOutput, Failure> {
        let entries = input.entries()?;
        let concurrency = input.concurrency()?;
        let options: VerdictOptions = VerdictInputs::from(&input).options(connection)?;
        let observables: Vec<Observable> = entries.distinct.iter().map(|(found, _, _)| found.clone()).collect();
        let allowlist = allowlisted::wanted(connection).await?;
        let include_records = input.include_records;
        let new_evidence = || Evidence {
            tally: Tally::new(options),
            records: include_records.then(RecordsText::default),
        };
        let found = lookup_many(
            &connection.client,
            &observables,
            concurrency,
            new_evidence,
            Evidence::add,
        )
        .await?;
        let looked = found
            .into_iter()
            .zip(&observables)
            .map(|(evidence, observable)| evidence.finish(allowlist.as_deref(), observable))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(output(entries, looked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_owned()).collect()
    }

    #[test]
    fn entries_are_sorted_out_in_order_once_each() {
        let given = texts(&[
            "198.51.100.23",
            "Evil-Domain.example",
            "",
            "evil-domain.example.",
            "not an observable",
            "198[.]51[.]100[.]23",
            "44D88612FEA8A8F36DE82E1278ABB02F",
        ]);
        let entries = sort_out(&given, None);
        let distinct: Vec<(String, &str)> = entries
            .distinct
            .iter()
            .map(|(found, _, text)| (found.value(), *text))
            .collect();
        assert_eq!(
            distinct,
            [
                ("198.51.100.23".to_owned(), "198.51.100.23"),
                ("evil-domain.example".to_owned(), "Evil-Domain.example"),
                (
                    "44d88612fea8a8f36de82e1278abb02f".to_owned(),
                    "44D88612FEA8A8F36DE82E1278ABB02F"
                ),
            ]
        );
        assert_eq!(entries.duplicates, 2);
        let invalid: Vec<usize> = entries.invalid.iter().map(|invalid| invalid.index).collect();
        assert_eq!(invalid, [2, 4]);
        assert!(
            entries.invalid[0].reason.starts_with("it is empty"),
            "{:?}",
            entries.invalid
        );
    }

    #[test]
    fn a_type_hint_makes_other_shapes_invalid() {
        let given = texts(&["198.51.100.23", "evil-domain.example"]);
        let entries = sort_out(&given, Some(ObservableType::Domain));
        assert_eq!(entries.distinct.len(), 1);
        assert_eq!(entries.invalid[0].reason, "'198.51.100.23' is not a domain");
    }

    fn input(observables: Option<Vec<String>>) -> LookupObservablesInput {
        LookupObservablesInput {
            observables,
            concurrency: DEFAULT_CONCURRENCY,
            ..LookupObservablesInput::default()
        }
    }

    #[test]
    fn lists_that_cannot_be_looked_up_are_refused_naming_the_input() {
        let too_many = (0..=MAX_OBSERVABLES)
            .map(|i| format!("198.51.{}.{}", i / 256, i % 256))
            .collect();
        for (observables, reason) in [
            (None, "it is missing or empty"),
            (Some(Vec::new()), "it is missing or empty"),
            (Some(too_many), "it has 1001 entries, more than the 1,000"),
            (
                Some(texts(&["", "nope"])),
                "none of its 2 entries is an observable; the first: it is empty",
            ),
        ] {
            let failure = input(observables).entries().expect_err(reason);
            assert!(
                failure.cause.starts_with("Invalid input 'observables': "),
                "{}",
                failure.cause
            );
            assert!(failure.cause.contains(reason), "{}", failure.cause);
        }
        let mut zero = input(Some(texts(&["198.51.100.23"])));
        zero.concurrency = 0;
        assert_eq!(
            zero.concurrency(),
            Ok(usize::from(DEFAULT_CONCURRENCY)),
            "0 is the default"
        );
        zero.concurrency = 9;
        assert!(zero.concurrency().is_err());
    }
}
