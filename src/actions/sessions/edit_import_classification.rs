//! Edit Import Classification: who will see an import session's observables once it is approved,
//! public or private, and which trusted circles it is shared with.
//!
//! The step Cortex XSOAR pairs with cloning an observable (its `threatstream-edit-classification`):
//! clone an observable another organization shared, share the copy with a trusted circle, approve it.
//! `PATCH /api/v1/importsession/{id}/edit_classification/` with `{"is_public", "circles"}` as XSOAR's
//! help and test send it; only what was given is sent, and a form that gives neither is refused before
//! any request. Setting a classification twice does what setting it once does, so the call is retried
//! like a read. ThreatStream answers with the session; XSOAR takes the edit as failed when that
//! session's `status` is `errors`, and so does this step. An answer without a session (XSOAR's test
//! answers only `{"id", "date"}`) is read back with Get Import Session's call. Which permission the
//! edit needs is not public: a 403 names Import Intel and Approve Intel, one of which the account lacks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{example_session, session_failure, session_id, summary, ImportSessionSummary, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::input::{at_most, distinct, given, TextId};
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::protocol::{quoted, Failure};
use crate::threatstream::{self, Client, Record};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditImportClassificationInput {
    /// ID of the import session, as Clone Observable or an import answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: TextId,
    /// New classification of the session's observables: public (every ThreatStream organization) or private (yours, and the trusted circles it is shared with); empty leaves it as it is
    #[schemars(title = "Classification", example = SessionClassification::Private, extend("default" = ""))]
    classification: Option<SessionClassification>,
    /// IDs of the trusted circles to share the session's observables with; they replace the circles it had, and empty leaves them as they are
    #[schemars(title = "Trusted Circles", example = json!([146]))]
    trusted_circles: Option<Vec<u64>>,
}

/// Public or private, as an import session is classified.
#[derive(Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum SessionClassification {
    Public,
    Private,
    // The form's empty choice: the classification stays as it is.
    #[serde(rename = "")]
    Unset,
}

/// Most trusted circles one session is shared with, as an import takes them.
const MAX_TRUSTED_CIRCLES: usize = 100;

impl EditImportClassificationInput {
    /// The body to send: `is_public` and `circles`, each only when given, at least one.
    fn change(&self) -> Result<Value, Failure> {
        let mut change = Map::new();
        if let Some(classification) = chosen(self.classification) {
            change.insert("is_public".into(), Value::Bool(classification == "public"));
        }
        if let Some(circles) = given(self.trusted_circles.as_deref()) {
            at_most("trusted_circles", circles.len(), MAX_TRUSTED_CIRCLES, "trusted circles")?;
            if circles.contains(&0) {
                return Err(Failure::invalid_input(
                    "trusted_circles",
                    "0 is not a trusted circle ID",
                ));
            }
            change.insert("circles".into(), json!(distinct(circles.iter().copied())));
        }
        if change.is_empty() {
            return Err(Failure::invalid_input(
                "classification",
                "nothing to change; give a classification, trusted circles or both",
            ));
        }
        Ok(Value::Object(change))
    }
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct EditImportClassificationOutput {
    /// Whether ThreatStream changed the classification: true, since a session in errors is an error
    #[schemars(title = "Success", example = true)]
    success: bool,
    /// The import session as it is now
    #[schemars(title = "Import Session", example = example_reclassified())]
    import_session: ImportSessionSummary,
}

fn example_reclassified() -> Value {
    let mut session = example_session();
    session["is_public"] = json!(false);
    session["trusted_circles"] = json!([146]);
    session
}

pub(crate) struct EditImportClassification;

impl TypedStep for EditImportClassification {
    const ID: &'static str = "edit_import_classification";
    const TITLE: &'static str = "Edit Import Classification";
    const DESCRIPTION: &'static str =
        "Change the classification and trusted circles of an import session before it is approved";
    type Input = EditImportClassificationInput;
    type Output = EditImportClassificationOutput;
}

impl TypedAction for EditImportClassification {
    async fn run(
        connection: &Connection,
        input: EditImportClassificationInput,
    ) -> Result<EditImportClassificationOutput, Failure> {
        let id = session_id(&input.import_session_id, "import_session_id")?;
        let change = input.change()?;
        let client = &connection.client;
        let answer = threatstream::edit_classification(client, id, &change)
            .await
            .map_err(|error| session_failure(error, id, SessionCall::Reclassify))?;
        let session = match answer {
            Value::Object(session) if session.contains_key("status") => session,
            _ => threatstream::import_session(client, id)
                .await
                .map_err(|error| session_failure(error, id, SessionCall::Read))?,
        };
        if session.get("status").and_then(Value::as_str) == Some("errors") {
            return Err(in_errors(client, id, &session));
        }
        Ok(EditImportClassificationOutput {
            success: true,
            import_session: summary(&session),
        })
    }
}

/// ThreatStream answered with session `id` in `errors`: XSOAR's "Import Session Approval Failed".
fn in_errors(client: &Client, id: u64, session: &Record) -> Failure {
    let messages = session
        .get("messages")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|messages| !messages.is_empty())
        .map_or_else(String::new, |messages| {
            format!(" ThreatStream says: {}", quoted(messages))
        });
    Failure::upstream(
        format!("Import session {id} ended in errors, so its classification was not changed.{messages}"),
        "An import that ended in errors has nothing to share: Get Import Session and Get Import Session Rejects \
         show what went wrong; import the observables again.",
    )
    .with_data(client.excerpt_of(&Value::Object(session.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(input: Value) -> Result<Value, Failure> {
        let mut input = input;
        input["import_session_id"] = json!("7");
        serde_json::from_value::<EditImportClassificationInput>(input)
            .expect("an input")
            .change()
    }

    #[test]
    fn only_what_was_given_is_sent() {
        assert_eq!(
            change(json!({"classification": "private", "trusted_circles": [146, 146, 311]})).unwrap(),
            json!({"is_public": false, "circles": [146, 311]})
        );
        assert_eq!(
            change(json!({"classification": "public"})).unwrap(),
            json!({"is_public": true})
        );
        assert_eq!(
            change(json!({"classification": "", "trusted_circles": [12866]})).unwrap(),
            json!({"circles": [12866]})
        );
    }

    #[test]
    fn an_untouched_form_or_a_bad_circle_is_refused() {
        for (input, named) in [
            (json!({"classification": "", "trusted_circles": []}), "'classification'"),
            (json!({}), "'classification'"),
            (json!({"trusted_circles": [0]}), "'trusted_circles'"),
            (json!({"trusted_circles": vec![1; 101]}), "'trusted_circles'"),
        ] {
            let failure = change(input.clone()).expect_err("refused");
            assert!(failure.cause.contains(named), "{input}: {}", failure.cause);
        }
    }
}
