//! Threat context: what ThreatStream knows around an observable beyond its intelligence records.
//!
//! One action tells the whole story at once (`enrich_observable`: records, threat-model associations,
//! passive DNS, WHOIS, insights, references, the confidence trend and the intel details, fetched
//! concurrently); the others fetch one thing each, for playbooks that want only that
//! (`get_passive_dns`, `get_whois`, `get_confidence_trend`, `get_intel_details`), or work with threat
//! models themselves (`search_threat_models`, `get_threat_model`).
//!
//! ThreatStream licenses some of these per module, so a 403 here usually means the account lacks a
//! module rather than bad credentials; `context_failure` says so.

mod enrich_observable;
mod gather;
mod get_confidence_trend;
mod get_intel_details;
mod get_passive_dns;
mod get_threat_model;
mod get_whois;
mod intel_details;
mod search_threat_models;
mod threat_model;

pub(crate) use threat_model::ShapedModel;

use crate::actions::observable::{observable, ObservableType};
use crate::protocol::{quoted, Action, Failure, Preset};
use crate::threatstream::enrichment::{InsightType, PassiveDnsKind};
use crate::threatstream::{ApiError, Observable};

/// The context actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &enrich_observable::EnrichObservable,
    &get_passive_dns::GetPassiveDns,
    &get_whois::GetWhois,
    &search_threat_models::SearchThreatModels,
    &get_threat_model::GetThreatModel,
    &get_confidence_trend::GetConfidenceTrend,
    &get_intel_details::GetIntelDetails,
];

/// Items per list when the input gives no limit: a case view's worth.
const DEFAULT_LIMIT: usize = 100;

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// Why an observable has no passive DNS, WHOIS or insights: ThreatStream keeps them for some kinds only.
const PASSIVE_DNS_KEPT_FOR: &str = "passive DNS is kept for IP addresses and domains";
const WHOIS_KEPT_FOR: &str = "WHOIS is kept for domains and IP addresses";
const NO_INSIGHTS: &str = "ThreatStream has no insights for URLs";

/// Why an account may not read what it asked for (a 403), said by Enrich Observable's unavailable
/// sections and by the other actions' failures alike.
const PER_MODULE: &str = "ThreatStream grants it per module and per user";

/// The passive DNS look-up an observable has, if any; WHOIS is kept for the same two kinds.
fn passive_dns_kind(observable: &Observable) -> Option<PassiveDnsKind> {
    match observable {
        Observable::Ip(_) => Some(PassiveDnsKind::Ip),
        Observable::Domain(_) => Some(PassiveDnsKind::Domain),
        Observable::Url(_) | Observable::Email(_) | Observable::Hash(_) | Observable::Any(_) => None,
    }
}

/// The insights type of an observable, if the endpoint takes its kind (it takes no URLs).
fn insight_type(observable: &Observable) -> Option<InsightType> {
    match observable {
        Observable::Ip(_) => Some(InsightType::Ip),
        Observable::Domain(_) => Some(InsightType::Domain),
        Observable::Email(_) => Some(InsightType::Email),
        Observable::Hash(digest) => InsightType::of_digest(digest),
        Observable::Url(_) | Observable::Any(_) => None,
    }
}

/// The observable in the input `value`, with the kind `kind_of` gives it; a value of a kind it gives
/// none is refused before any request, saying what the data is `kept_for`.
fn subject<T>(value: &str, kind_of: fn(&Observable) -> Option<T>, kept_for: &str) -> Result<(Observable, T), Failure> {
    let found = observable(value, None).map_err(|problem| Failure::invalid_input("value", problem))?;
    match kind_of(&found) {
        Some(kind) => Ok((found, kind)),
        None => {
            let noun = ObservableType::of(&found).map_or("a value of no known type", ObservableType::noun);
            let problem = format!("{} is {noun}; {kept_for}", quoted(value.trim()));
            Err(Failure::invalid_input("value", problem))
        }
    }
}

/// The failure for `error` from a call about `what` ("passive DNS", "threat models"): a 403 says
/// which access the account lacks. `failure::forbidden`'s shape, but these reads need a licensed
/// module rather than one of its write permissions.
fn context_failure(error: ApiError, what: &str) -> Failure {
    let mut failure = Failure::from(error);
    if failure.preset_of() == Some(Preset::Unauthorized) {
        failure.assistance = format!(
            "The account configured in the connection may not read {what}. {PER_MODULE}; ask a ThreatStream \
             administrator for it, then try again."
        );
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_and_domains_have_passive_dns_and_whois() {
        let (found, kind) = subject(" Evil-Domain.example ", passive_dns_kind, WHOIS_KEPT_FOR).unwrap();
        assert_eq!(
            (found, kind),
            (Observable::Domain("evil-domain.example".into()), PassiveDnsKind::Domain)
        );
        assert_eq!(
            subject("2001:db8::bad:c0de", passive_dns_kind, "").unwrap().1,
            PassiveDnsKind::Ip
        );
        let refused = |value| {
            subject(value, passive_dns_kind, PASSIVE_DNS_KEPT_FOR)
                .unwrap_err()
                .cause
        };
        assert_eq!(
            refused("http://evil-domain.example/x"),
            "Invalid input 'value': 'http://evil-domain.example/x' is a URL; passive DNS is kept for IP addresses \
             and domains."
        );
        assert!(refused("44d88612fea8a8f36de82e1278abb02f").contains("is an MD5, SHA-1, SHA-256 or SHA-512 hash;"));
        assert!(refused("").contains("it is empty"));
    }

    #[test]
    fn insights_take_every_kind_but_urls() {
        let digest = Observable::Hash("a".repeat(64));
        assert_eq!(insight_type(&digest), Some(InsightType::Sha256));
        assert_eq!(insight_type(&Observable::Url("http://a.example/".into())), None);
    }

    #[test]
    fn a_403_names_the_access_that_is_missing() {
        let error = ApiError::Status {
            status: 403,
            body: "{}".into(),
            retry_after: None,
        };
        let failure = context_failure(error, "WHOIS records");
        assert_eq!(failure.preset_of(), Some(Preset::Unauthorized));
        assert_eq!(
            failure.assistance,
            "The account configured in the connection may not read WHOIS records. ThreatStream grants it per \
             module and per user; ask a ThreatStream administrator for it, then try again."
        );
        let other = context_failure(ApiError::Timeout, "WHOIS records");
        assert_eq!(other.preset_of(), Some(Preset::Timeout));
    }
}
