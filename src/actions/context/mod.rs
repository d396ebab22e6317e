//! Threat context: what ThreatStream knows around an observable beyond its intelligence records.
//!
//! One action tells the whole story at once (`enrich_observable`: records, threat-model associations,
//! passive DNS, WHOIS, insights and references, fetched concurrently); the others fetch one thing
//! each, for playbooks that want only that (`get_passive_dns`, `get_whois`), or work with threat
//! models themselves (`search_threat_models`, `get_threat_model`).
//!
//! ThreatStream licenses some of these per module, so a 403 here usually means the account lacks a
//! module rather than bad credentials; `context_failure` says so.

mod enrich_observable;
mod gather;
mod get_passive_dns;
mod get_threat_model;
mod get_whois;
mod search_threat_models;
mod threat_model;

use crate::protocol::{Action, Failure, Preset};
use crate::threatstream::ApiError;

/// The context actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &enrich_observable::EnrichObservable,
    &get_passive_dns::GetPassiveDns,
    &get_whois::GetWhois,
    &search_threat_models::SearchThreatModels,
    &get_threat_model::GetThreatModel,
];

/// Items per list when the input gives no limit: a case view's worth.
const DEFAULT_LIMIT: usize = 100;

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// Whether ThreatStream answered 404, which these endpoints use for "none" (§1.15).
fn is_missing(error: &ApiError) -> bool {
    matches!(error, ApiError::Status { status: 404, .. })
}

/// The failure for `error` from a call about `what` ("passive DNS", "threat models"): a 403 says
/// which access the account lacks.
fn context_failure(error: ApiError, what: &str) -> Failure {
    let forbidden = matches!(error, ApiError::Status { status: 403, .. });
    let mut failure = Failure::from(error);
    if forbidden && failure.preset_of() == Some(Preset::Unauthorized) {
        failure.assistance = format!(
            "The account configured in the connection may not read {what}. ThreatStream grants access to it \
             per module and per user; ask a ThreatStream administrator for it, then try again."
        );
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_names_the_access_that_is_missing() {
        let error = ApiError::Status {
            status: 403,
            body: "{}".into(),
            retry_after: None,
        };
        let failure = context_failure(error, "WHOIS records");
        assert_eq!(failure.preset_of(), Some(Preset::Unauthorized));
        assert!(failure
            .assistance
            .starts_with("The account configured in the connection may not read WHOIS records."));
        let other = context_failure(ApiError::Timeout, "WHOIS records");
        assert_eq!(other.preset_of(), Some(Preset::Timeout));
    }
}
