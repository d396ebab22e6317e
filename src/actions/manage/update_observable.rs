//! Update Observable: an analyst's verdict on an observable (active, inactive, or a false positive) and
//! the fields that go with it: confidence, severity, TLP, expiry and indicator type.
//!
//! Only the fields given are sent: an input left as the form leaves it (`""`, the empty choice, a
//! confidence of 0) changes nothing, and an input that changes nothing is refused before any request.
//! One `PATCH /api/v2/intelligence/{id}/` per observable selected, answered 202 (with the record or
//! with nothing). Each sets fields to the values given, so sending it twice does what sending it once
//! does, and it is retried like a read.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{ids, no_id, ChangeOutput, TargetInputs};
use crate::actions::connection::Connection;
use crate::actions::failure::{absent, forbidden, unconfirmed, Permission, Write};
use crate::actions::import::Tlp;
use crate::actions::input::step_input;
use crate::actions::input::{Choice, Percent};
use crate::actions::{chosen, TypedAction, TypedStep};
use crate::actions::{date, itype};
use crate::protocol::Failure;
use crate::threatstream::{self, ApiError, Severity, Status};

step_input! {
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct UpdateObservableInput {
        ..TargetInputs,
        /// New status: active, inactive, or falsepos (a false positive)
        #[schemars(title = "Status", example = Status::Falsepos, extend("default" = ""))]
        status: Option<Choice<Status>>,
        /// New confidence, 1-100; 0 or empty leaves it as it is (the form sends 0 for an empty field); to set 0, give 0 as text
        #[schemars(title = "Confidence", example = 10)]
        confidence: Option<Percent>,
        /// New severity
        #[schemars(title = "Severity", example = Severity::Low, extend("default" = ""))]
        severity: Option<Choice<Severity>>,
        /// New Traffic Light Protocol marking
        #[schemars(title = "TLP", example = Tlp::Green, extend("default" = ""))]
        tlp: Option<Tlp>,
        /// New expiration time
        #[schemars(
            title = "Expiration Time Stamp",
            example = "2026-12-31T00:00:00Z",
            extend("format" = "date-time", "displayType" = "date")
        )]
        expiration_ts: Option<String>,
        /// New indicator type, such as mal_domain or phish_url
        #[schemars(title = "Itype", example = &"suspicious_domain")]
        itype: Option<String>,
    }
}

impl UpdateObservableInput {
    /// The fields to set, under ThreatStream's names; at least one.
    fn changes(&self) -> Result<Map<String, Value>, Failure> {
        let mut changes = Map::new();
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                changes.insert(name.to_owned(), value);
            }
        };
        put("status", chosen(self.status).map(Value::from));
        put(
            "confidence",
            Percent::read(self.confidence.as_ref(), "confidence")?.map(Value::from),
        );
        put("severity", chosen(self.severity).map(Value::from));
        put("tlp", chosen(self.tlp).map(Value::from));
        put(
            "expiration_ts",
            date(self.expiration_ts.as_deref(), "expiration_ts")?.map(Value::from),
        );
        put(
            "itype",
            itype(self.itype.as_deref().unwrap_or_default(), "itype")?.map(Value::from),
        );
        if changes.is_empty() {
            return Err(Failure::invalid_input(
                "status",
                "nothing to update; give at least one of status, confidence, severity, tlp, expiration_ts or itype",
            ));
        }
        Ok(changes)
    }
}

/// An update, when a failure leaves unknown whether ThreatStream applied it.
const UPDATE: Write = Write {
    what: "the update",
    check: "Get Observables shows the observable's fields as they are now",
    twice: None,
};

fn update_failure(error: ApiError, id: u64) -> Failure {
    unconfirmed(error, &UPDATE, |error| {
        absent(error, no_id(id)).unwrap_or_else(|error| forbidden(error, &[Permission::Edit], "changing an observable"))
    })
}

pub(crate) struct UpdateObservable;

impl TypedStep for UpdateObservable {
    const ID: &'static str = "update_observable";
    const TITLE: &'static str = "Update Observable";
    const DESCRIPTION: &'static str =
        "Update the status, confidence, severity, TLP, expiration or type of an observable";
    type Input = UpdateObservableInput;
    type Output = ChangeOutput;
}

impl TypedAction for UpdateObservable {
    async fn run(connection: &Connection, input: UpdateObservableInput) -> Result<ChangeOutput, Failure> {
        let selector = TargetInputs::from(&input).selector()?;
        let changes = input.changes()?;
        let targets = selector.targets(connection).await?;
        for target in &targets {
            threatstream::update_observable(&connection.client, target.id, &changes, target.in_cloud)
                .await
                .map_err(|error| update_failure(error, target.id))?;
        }
        Ok(ChangeOutput::changed(ids(&targets)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(value: Value) -> Result<Map<String, Value>, Failure> {
        serde_json::from_value::<UpdateObservableInput>(value)
            .unwrap()
            .changes()
    }

    #[test]
    fn only_the_fields_given_are_set() {
        let set = changes(
            json!({"id": 1, "status": "falsepos", "confidence": 0, "severity": "", "tlp": "",
            "expiration_ts": "0001-01-01T00:00:00Z", "itype": " suspicious_domain "}),
        )
        .unwrap();
        assert_eq!(
            Value::Object(set),
            json!({"status": "falsepos", "itype": "suspicious_domain"}),
            "the form's 0 leaves the confidence as it is"
        );
        let zero = changes(json!({"confidence": "0"})).unwrap();
        assert_eq!(Value::Object(zero), json!({"confidence": 0}), "0 as text sets 0");
        let all =
            changes(json!({"severity": "very-high", "tlp": "amber+strict", "expiration_ts": "2026-12-31"})).unwrap();
        assert_eq!(
            Value::Object(all),
            json!({"severity": "very-high", "tlp": "amber+strict", "expiration_ts": "2026-12-31"})
        );
    }

    #[test]
    fn nothing_to_change_or_a_bad_field_is_refused() {
        assert!(changes(json!({"id": 1}))
            .unwrap_err()
            .cause
            .contains("nothing to update"));
        let untouched = json!({"id": 0, "value": "x.example", "all_matches": false, "status": "", "confidence": 0,
            "severity": "", "tlp": "", "expiration_ts": "", "itype": ""});
        assert!(changes(untouched).unwrap_err().cause.contains("nothing to update"));
        assert!(changes(json!({"confidence": 101}))
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'confidence'"));
        assert!(changes(json!({"itype": "Mal Domain"}))
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'itype'"));
        assert!(changes(json!({"expiration_ts": "soon"}))
            .unwrap_err()
            .cause
            .starts_with("Invalid input 'expiration_ts'"));
    }
}
