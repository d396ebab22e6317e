//! The calls behind Enrich Observable, made concurrently, and what each answer adds to the output.
//!
//! One enrichment is up to fifteen GETs: the exact-match lookup, eight association look-ups (one per
//! threat model type), passive DNS, WHOIS, insights, references, the confidence trend and the intel
//! details. They are independent, so they run
//! together, at most `MAX_IN_FLIGHT` at a time: enough to finish in about three round trips, few
//! enough not to look like a burst to ThreatStream's rate limiter. Each call has the client's own
//! retries and time-out.
//!
//! Answers are taken as they arrive. The lookup is the enrichment's subject, so its failure fails the
//! action, and so does a 401 anywhere (the credentials are wrong for every call). Any other failure
//! of a section only marks that section unavailable, with the reason, and the rest still arrive.

use std::future::Future;
use std::pin::Pin;

use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use crate::budget::Exceeded;
use crate::plural::count_of;
use crate::protocol::{clean, Failure};
use crate::threatstream::enrichment::{self, IntelDetail, Reference};
use crate::threatstream::threat_models;
use crate::threatstream::{self, ApiError, Client, ModelType, Observable, Record};
use crate::verdict::{Tally, Verdict, VerdictOptions};

use super::enrich_observable::{Associations, Section, Unavailable};
use super::get_intel_details::intel_type;
use super::get_passive_dns::newest_first;
use super::get_whois::WhoisRecord;
use super::intel_details::{trend_of, IntelDetailOutput};
use super::threat_model::Association;
use super::{insight_type, passive_dns_kind};

/// Requests in flight at once, the browsers' per-host number.
const MAX_IN_FLIGHT: usize = 6;

/// The model types whose associations an enrichment looks up.
const ASSOCIATED_TYPES: [ModelType; 8] = [
    ModelType::Actor,
    ModelType::Campaign,
    ModelType::Incident,
    ModelType::Malware,
    ModelType::Signature,
    ModelType::TipReport,
    ModelType::Ttp,
    ModelType::Vulnerability,
];

/// What one enrichment asks for.
pub(super) struct Plan<'a> {
    pub(super) client: &'a Client,
    pub(super) observable: &'a Observable,
    pub(super) sections: &'a [Section],
    pub(super) include_records: bool,
    pub(super) limit: usize,
    pub(super) verdict: VerdictOptions,
}

/// What the calls brought, ready for the output.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) records_found: usize,
    pub(super) records: Vec<Value>,
    pub(super) verdict: Option<Verdict>,
    pub(super) associations: Option<Associations>,
    pub(super) passive_dns: Option<Vec<Value>>,
    pub(super) whois: Option<WhoisRecord>,
    pub(super) insights: Option<Vec<Value>>,
    pub(super) references: Option<Vec<Reference>>,
    pub(super) confidence_trend: Option<Value>,
    pub(super) intel_details: Option<Vec<IntelDetailOutput>>,
    pub(super) unavailable: Vec<Unavailable>,
}

/// The exact-match lookup's outcome: how many records, the first `limit` of them, cleaned, and the
/// verdict on all of them (tallied as they pass, so it never rests on the kept ones alone).
struct Records {
    found: usize,
    kept: Vec<Value>,
    verdict: Verdict,
}

/// One call's answer.
enum Fetched {
    Records(Result<Records, ApiError>),
    Associations(ModelType, Result<Vec<Record>, ApiError>),
    PassiveDns(Result<Vec<Record>, ApiError>),
    Whois(Result<Option<String>, ApiError>),
    Insights(Result<Vec<Value>, ApiError>),
    References(Result<Vec<Reference>, ApiError>),
    ConfidenceTrend(Result<Option<Record>, ApiError>),
    IntelDetails(Result<Vec<IntelDetail>, ApiError>),
}

type Call<'a> = Pin<Box<dyn Future<Output = Fetched> + Send + 'a>>;

/// Makes every call of `plan`, `MAX_IN_FLIGHT` at a time, and gathers the answers.
pub(super) async fn gather(plan: &Plan<'_>) -> Result<Gathered, Failure> {
    let calls = calls(plan);
    tracing::info!(
        "Enriching {}: {}, at most {MAX_IN_FLIGHT} at a time",
        plan.observable.value(),
        count_of(calls.len(), "call")
    );
    let mut gathered = Gathered::default();
    let mut answers = stream::iter(calls).buffer_unordered(MAX_IN_FLIGHT);
    while let Some(fetched) = answers.next().await {
        gathered.absorb(fetched, plan.limit)?;
    }
    Ok(gathered)
}

/// The lookup first (it may page, so it should start first), then each section's calls.
fn calls<'a>(plan: &Plan<'a>) -> Vec<Call<'a>> {
    let (client, observable, limit) = (plan.client, plan.observable, plan.limit);
    let records = records(client, observable, plan.include_records, limit, plan.verdict);
    let mut calls: Vec<Call<'a>> = vec![Box::pin(records)];
    for &section in plan.sections {
        if section == Section::Associations {
            calls
                .extend(ASSOCIATED_TYPES.map(|model_type| associations(client, model_type, observable.value(), limit)));
        } else {
            calls.extend(section_call(client, observable, section));
        }
    }
    calls
}

fn associations(client: &Client, model_type: ModelType, value: String, limit: usize) -> Call<'_> {
    Box::pin(async move {
        let found = threat_models::associated(client, model_type, &value, limit).await;
        Fetched::Associations(model_type, found)
    })
}

/// The one call of a single-call section, if the section applies to the observable.
fn section_call<'a>(client: &'a Client, observable: &Observable, section: Section) -> Option<Call<'a>> {
    let value = observable.value();
    Some(match section {
        Section::Associations => return None,
        Section::PassiveDns => {
            let kind = passive_dns_kind(observable)?;
            Box::pin(async move { Fetched::PassiveDns(enrichment::passive_dns(client, kind, &value).await) })
        }
        Section::Whois => Box::pin(async move { Fetched::Whois(enrichment::whois(client, &value).await) }),
        Section::Insights => {
            let kind = insight_type(observable)?;
            Box::pin(async move { Fetched::Insights(enrichment::insights(client, kind, &value).await) })
        }
        Section::References => {
            Box::pin(async move { Fetched::References(enrichment::references(client, &value).await) })
        }
        Section::ConfidenceTrend => {
            Box::pin(async move { Fetched::ConfidenceTrend(enrichment::confidence_trend(client, &value).await) })
        }
        Section::IntelDetails => {
            let kind = intel_type(observable)?;
            Box::pin(async move { Fetched::IntelDetails(enrichment::intel_details(client, kind, &value).await) })
        }
    })
}

async fn records(
    client: &Client,
    observable: &Observable,
    include: bool,
    limit: usize,
    options: VerdictOptions,
) -> Fetched {
    let mut kept = Vec::new();
    let mut tally = Tally::new(options);
    let found = threatstream::lookup(client, observable, |record| {
        tally.add(&record);
        if include && kept.len() < limit {
            let mut record = Value::Object(record);
            clean(&mut record);
            kept.push(record);
        }
    })
    .await;
    Fetched::Records(found.map(|found| Records {
        found,
        kept,
        verdict: tally.verdict(),
    }))
}

impl Gathered {
    fn absorb(&mut self, fetched: Fetched, limit: usize) -> Result<(), Failure> {
        match fetched {
            Fetched::Records(found) => {
                let records = found?;
                self.records_found = records.found;
                self.records = records.kept;
                self.verdict = Some(records.verdict);
            }
            Fetched::Associations(model_type, found) => {
                let section = format!("associations.{}", model_type.as_str());
                let found = self.unavailable_unless(&section, "associations", found)?;
                let associations = self.associations.get_or_insert_with(Associations::default);
                if let Some(models) = found {
                    associations.set(model_type, models.iter().filter_map(Association::of).collect());
                }
            }
            Fetched::PassiveDns(found) => {
                let found = self.unavailable_unless("passive_dns", "passive DNS", found)?;
                self.passive_dns = found.map(|records| newest_first(records, limit));
            }
            Fetched::Whois(found) => match self.unavailable_unless("whois", "WHOIS data", found)? {
                Some(Some(text)) => self.whois = Some(WhoisRecord::of(&text)),
                Some(None) => self.unavailable.push(Unavailable::none("whois", "WHOIS data")),
                None => {}
            },
            Fetched::Insights(found) => {
                let found = self.unavailable_unless("insights", "insights", found)?;
                self.insights = found.map(|insights| shaped_insights(insights, limit));
            }
            Fetched::References(found) => {
                let found = self.unavailable_unless("references", "external references", found)?;
                self.references = found.map(|mut references| {
                    references.truncate(limit);
                    references
                });
            }
            Fetched::ConfidenceTrend(found) => {
                match self.unavailable_unless("confidence_trend", "confidence trends", found)? {
                    Some(Some(trend)) => self.confidence_trend = Some(trend_of(trend)),
                    Some(None) => self
                        .unavailable
                        .push(Unavailable::none("confidence_trend", "confidence trend")),
                    None => {}
                }
            }
            Fetched::IntelDetails(found) => {
                let found = self.unavailable_unless("intel_details", "intel details", found)?;
                self.intel_details =
                    found.map(|details| details.into_iter().take(limit).map(IntelDetailOutput::from).collect());
            }
        }
        Ok(())
    }

    /// The answer of a section, or `None` with the section listed as unavailable. A 401 is no
    /// section's problem: it fails the action. Nor is a process with no memory left for the answer
    /// (`http` mode's budget, held by other steps): the action fails with a 503, to be tried again
    /// whole rather than answered with sections missing.
    fn unavailable_unless<T>(
        &mut self,
        section: &str,
        what: &str,
        found: Result<T, ApiError>,
    ) -> Result<Option<T>, Failure> {
        match found {
            Ok(found) => Ok(Some(found)),
            Err(error @ (ApiError::Status { status: 401, .. } | ApiError::OverBudget(Exceeded::Process { .. }))) => {
                Err(Failure::from(error))
            }
            Err(error) => {
                tracing::warn!("{section} is unavailable: {error}");
                self.unavailable.push(Unavailable::of(section, what, &error));
                Ok(None)
            }
        }
    }
}

/// Insights as outputs show them, at most `limit`: an object cleaned, a bare text as `{"insight":
/// text}` (the one item a public source shows, Splunk SOAR's test, is a string), anything else left out.
fn shaped_insights(insights: Vec<Value>, limit: usize) -> Vec<Value> {
    insights
        .into_iter()
        .filter_map(|insight| match insight {
            Value::Object(_) => Some(insight),
            Value::String(text) if !text.trim().is_empty() => Some(json!({"insight": text.trim()})),
            _ => None,
        })
        .take(limit)
        .map(|mut insight| {
            clean(&mut insight);
            insight
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insights_keep_objects_and_texts() {
        let insights = vec![
            json!({"type": "reputation", "insight": "listed", "severity": null}),
            json!(" one "),
            json!(""),
            json!(7),
            Value::Null,
            json!("two"),
        ];
        assert_eq!(
            shaped_insights(insights.clone(), 10),
            [
                json!({"type": "reputation", "insight": "listed"}),
                json!({"insight": "one"}),
                json!({"insight": "two"})
            ]
        );
        assert_eq!(shaped_insights(insights, 2).len(), 2);
    }
}
