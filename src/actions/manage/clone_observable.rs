//! Clone Observable: a copy of an observable another organization shared, as an import session of
//! your own organization, to reclassify (Edit Import Classification) and approve.
//!
//! `POST /api/v2/intelligence/{id}/clone/` with no body, as Cortex XSOAR's clone command sends it;
//! ThreatStream answers 202 with the session, `{"import_session_id": "139", "job_id": "..."}` (XSOAR's
//! test and CrowdStrike's OpenAPI description give both as text). A second copy would clone it twice,
//! so the call is sent once. XSOAR's docstring says when ThreatStream refuses with a 403 `{"message":
//! "The entity <value> is not cloneable"}`: an observable of type string, one that is pending, or one
//! your organization already owns; that 403 is named as such. Any other 403 names Import Intel, the
//! permission an import session needs (no public source names the one cloning needs).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::no_id;
use crate::actions::connection::Connection;
use crate::actions::failure::{absent, forbidden, unconfirmed, Permission, Write};
use crate::actions::input::NumberId;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, numeric_id, ApiError};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CloneObservableInput {
    /// ThreatStream ID of the observable to clone (a number, or the number as text), as the lookups answer it
    #[schemars(title = "ID", example = 500000201)]
    id: NumberId,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct CloneObservableOutput {
    /// ID of the import session that holds the clone, for Edit Import Classification, Get Import Session and Approve Import Session
    #[schemars(title = "Import Session ID", example = &"1000000345")]
    import_session_id: String,
    /// ID of the import job ThreatStream runs for the clone
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Job ID", example = &"1b0ad011-e595-4f7f-8eb6-6e3fb3fd7a15")]
    job_id: Option<String>,
    /// ThreatStream ID of the observable cloned
    #[schemars(title = "ID", example = 500000201)]
    id: u64,
}

/// A clone, when a failure leaves unknown whether ThreatStream made it.
const CLONE: Write = Write {
    what: "the clone",
    check: "List Import Sessions shows the newest import sessions: one created just now holds the clone",
    twice: Some("clone the observable twice"),
};

fn clone_failure(error: ApiError, id: u64) -> Failure {
    unconfirmed(error, &CLONE, |error| {
        let error = match absent(error, no_id(id)) {
            Ok(missing) => return missing,
            Err(error) => error,
        };
        match &error {
            ApiError::Status { status: 403, body, .. } if body.contains("not cloneable") => {
                let mut failure = Failure::from(error).with_cause(format!(
                    "ThreatStream will not clone observable {id}: it is not cloneable."
                ));
                failure.assistance = "ThreatStream clones only observables another organization owns, and none \
                                      of type string or still pending. One your organization owns is yours \
                                      already: change it with Update Observable."
                    .to_owned();
                failure
            }
            _ => forbidden(error, &[Permission::Import], "cloning an observable"),
        }
    })
}

pub(crate) struct CloneObservable;

impl TypedStep for CloneObservable {
    const ID: &'static str = "clone_observable";
    const TITLE: &'static str = "Clone Observable";
    const DESCRIPTION: &'static str =
        "Clone an observable another organization shared into an import session of your own organization";
    type Input = CloneObservableInput;
    type Output = CloneObservableOutput;
}

impl TypedAction for CloneObservable {
    async fn run(connection: &Connection, input: CloneObservableInput) -> Result<CloneObservableOutput, Failure> {
        let id = input.id.read(
            "id",
            "an observable ID; give the positive whole number a lookup answered",
        )?;
        let answer = threatstream::clone_observable(&connection.client, id)
            .await
            .map_err(|error| clone_failure(error, id))?;
        let Some(session) = answer.get("import_session_id").and_then(numeric_id) else {
            let missing = ApiError::Decode {
                path: "import_session_id".to_owned(),
                reason: "the clone's answer names no import session".to_owned(),
                excerpt: connection.client.excerpt_of(&answer),
            };
            return Err(clone_failure(missing, id));
        };
        let job_id = answer.get("job_id").and_then(Value::as_str).map(str::to_owned);
        Ok(CloneObservableOutput {
            import_session_id: session.to_string(),
            job_id,
            id,
        })
    }
}
