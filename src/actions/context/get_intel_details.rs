//! Get Intel Details: what third-party services (VirusTotal, Domain Tools, Google Safe Browsing,
//! IPVoid, Project Honey Pot, Web of Trust) classify an observable as, as ThreatStream gathered it.
//!
//! `GET /api/v1/inteldetails/automatic/?type=&value=`, with the observable's type as ThreatStream
//! files it (`ip`, `domain`, `url`, `email`, `md5` for every hash), as Google SecOps SOAR's ThreatFuse
//! asks for it for an IP address's "IP Details" insight. Every service in the answer is listed, in the
//! order sent; none is an empty list, not a failure.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::intel_details::{example_details, IntelDetailOutput};
use super::{context_failure, subject};
use crate::actions::connection::Connection;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{enrichment, Observable};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetIntelDetailsInput {
    /// Observable whose intel details to get: an IP address, domain, URL, e-mail address, or MD5, SHA-1, SHA-256 or SHA-512 hash
    #[schemars(title = "Value", example = "198.51.100.23")]
    value: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetIntelDetailsOutput {
    /// What each service says of the observable; empty when ThreatStream has nothing
    #[schemars(title = "Intel Details", example = example_details())]
    intel_details: Vec<IntelDetailOutput>,
}

/// The type the intel details take: every observable has one (hashes of every algorithm are `md5`).
pub(super) fn intel_type(observable: &Observable) -> Option<&'static str> {
    observable.v2_type()
}

pub(crate) struct GetIntelDetails;

impl TypedStep for GetIntelDetails {
    const ID: &'static str = "get_intel_details";
    const TITLE: &'static str = "Get Intel Details";
    const DESCRIPTION: &'static str =
        "Get what third-party services such as VirusTotal and IPVoid classify an observable as";
    type Input = GetIntelDetailsInput;
    type Output = GetIntelDetailsOutput;
}

impl TypedAction for GetIntelDetails {
    async fn run(connection: &Connection, input: GetIntelDetailsInput) -> Result<GetIntelDetailsOutput, Failure> {
        let (observable, kind) = subject(
            &input.value,
            intel_type,
            "intel details are kept for observables of a known type",
        )?;
        let details = enrichment::intel_details(&connection.client, kind, &observable.value())
            .await
            .map_err(|error| context_failure(error, "intel details"))?;
        Ok(GetIntelDetailsOutput {
            intel_details: details.into_iter().map(IntelDetailOutput::from).collect(),
        })
    }
}
