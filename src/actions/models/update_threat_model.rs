//! Update Threat Model: change what was given of a model, and nothing else.
//!
//! `PATCH /api/v1/{model}/{id}/` with only the fields given; inputs left as the form leaves them are
//! not sent, and an update given nothing to change is refused before any request. Setting a field to
//! the value it has changes nothing, so the update is retried like a read. Tags given replace the
//! model's tags, as XSOAR's update documents it ("overrides previous data"): Add Threat Model Tags
//! adds tags instead. The model is answered as ThreatStream holds it after the update.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::fields::{changes, Changes, MalwareType, ModelInputs, SignatureType};
use super::{answered_model, model_failure, read_back, ModelOutput, MODEL_ID};
use crate::actions::connection::Connection;
use crate::actions::failure::Permission;
use crate::actions::import::Tlp;
use crate::actions::input::{Choice, NumberId};
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::model_writes::{update_model, ModelRef};
use crate::threatstream::{numeric_id, ModelType, PublicationStatus};

/// Who may see the model; empty leaves it as it is
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum Visibility {
    #[serde(rename = "public")]
    Public,
    #[serde(rename = "private")]
    Private,
    #[serde(rename = "")]
    Unchanged,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateThreatModelInput {
    /// Type of the model: `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport` (a threat bulletin), `ttp` or `vulnerability`
    #[schemars(title = "Model Type", example = ModelType::Incident)]
    model_type: ModelType,
    /// ThreatStream ID of the model, as a number or as text
    #[schemars(title = "ID", example = 20001)]
    id: NumberId,
    /// New name, at most 255 characters; unchanged when empty
    #[schemars(
        title = "Name",
        example = "Phishing wave against accounts payable (case 4711, closed)"
    )]
    name: Option<String>,
    /// New text of the model (a bulletin's body, a signature's rule); unchanged when empty
    #[schemars(
        title = "Description",
        example = "<p>Contained on 2026-09-14; both mailboxes reset.</p>"
    )]
    description: Option<String>,
    /// New Traffic Light Protocol marking; unchanged when empty
    #[schemars(title = "TLP", example = Tlp::Green, extend("default" = ""))]
    tlp: Option<Tlp>,
    /// Tags that replace the model's tags; unchanged when empty (Add Threat Model Tags adds tags instead)
    #[serde(default)]
    #[schemars(title = "Tags", example = json!(["phishing", "case-4711", "closed"]))]
    tags: Vec<String>,
    /// `public` to show the model to every ThreatStream organization, `private` to keep it to yours; unchanged when empty
    #[schemars(title = "Visibility", example = Visibility::Private, extend("default" = ""))]
    visibility: Option<Visibility>,
    /// New publication status: `new`, `pending_review`, `review_requested`, `reviewed` or `published`; unchanged when empty
    #[schemars(title = "Publication Status", example = PublicationStatus::Published, extend("default" = ""))]
    publication_status: Option<Choice<PublicationStatus>>,
    /// Other names that replace the model's aliases (actors, campaigns, incidents and malware); unchanged when empty
    #[serde(default)]
    #[schemars(title = "Aliases", example = json!(["AP-Invoice-Wave"]))]
    aliases: Vec<String>,
    /// New status of an incident, by the name ThreatStream gives it, such as Open or Closed; unchanged when empty
    #[schemars(title = "Incident Status", example = &"Closed")]
    incident_status: Option<String>,
    /// New type of a signature; unchanged when empty
    #[schemars(title = "Signature Type", example = SignatureType::Snort, extend("default" = ""))]
    signature_type: Option<SignatureType>,
    /// Kinds of malware that replace the model's (the values Create Threat Model takes); unchanged when empty
    #[serde(default)]
    #[schemars(title = "Malware Types", example = json!(["trojan", "dropper"]))]
    malware_types: Vec<MalwareType>,
    /// When the actor, campaign or incident was first known to be active; unchanged when empty
    #[schemars(title = "Start Date", extend("format" = "date-time", "displayType" = "date"), example = "2026-09-12T07:00:00Z")]
    start_date: Option<String>,
    /// When the campaign or incident was known to have ended; unchanged when empty
    #[schemars(title = "End Date", extend("format" = "date-time", "displayType" = "date"), example = "2026-09-14T12:00:00Z")]
    end_date: Option<String>,
}

impl UpdateThreatModelInput {
    /// The model's ID and the changes, refused when nothing is to change.
    fn checked(&self) -> Result<(u64, Changes), Failure> {
        let id = self.id.read("id", MODEL_ID)?;
        let inputs = ModelInputs {
            name: self.name.as_deref(),
            description: self.description.as_deref(),
            tlp: self.tlp,
            tags: &self.tags,
            publication_status: self.publication_status,
            aliases: &self.aliases,
            incident_status: self.incident_status.as_deref(),
            signature_type: self.signature_type,
            malware_types: &self.malware_types,
            start_date: self.start_date.as_deref(),
            end_date: self.end_date.as_deref(),
        };
        let mut changes = changes(self.model_type, &inputs)?;
        match self.visibility {
            Some(Visibility::Public) => changes.fields.insert("is_public".into(), json!(true)),
            Some(Visibility::Private) => changes.fields.insert("is_public".into(), json!(false)),
            Some(Visibility::Unchanged) | None => None,
        };
        if changes.is_empty() {
            return Err(Failure::caller(
                "Nothing to change: every field of the update was left empty.",
                "Give at least one field to change, such as name, description, tags or publication_status.",
            ));
        }
        Ok((id, changes))
    }
}

pub(crate) struct UpdateThreatModel;

impl TypedStep for UpdateThreatModel {
    const ID: &'static str = "update_threat_model";
    const TITLE: &'static str = "Update Threat Model";
    const DESCRIPTION: &'static str = "Change the fields given of a threat model in Anomali ThreatStream, and \
                                       nothing else";
    type Input = UpdateThreatModelInput;
    type Output = ModelOutput;
}

impl TypedAction for UpdateThreatModel {
    async fn run(connection: &Connection, input: UpdateThreatModelInput) -> Result<ModelOutput, Failure> {
        let (id, changes) = input.checked()?;
        let model_type = input.model_type;
        let fields = changes.resolved(connection).await?;
        let model = ModelRef {
            model_type,
            id,
            in_cloud: false,
        };
        let answered = update_model(&connection.client, model, &fields)
            .await
            .map_err(|error| {
                model_failure(
                    error,
                    model_type,
                    id,
                    Permission::ThreatModels,
                    "changing a threat model",
                )
            })?;
        let record = match answered {
            Value::Object(record)
                if record.get("id").and_then(numeric_id) == Some(id) && record.contains_key("name") =>
            {
                record
            }
            other => read_back(connection, model, answered_model(other, id)).await,
        };
        Ok(ModelOutput::of(record, model_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(value: Value) -> UpdateThreatModelInput {
        serde_json::from_value(value).expect("an input")
    }

    #[test]
    fn an_untouched_form_changes_nothing_and_is_refused() {
        let untouched = input(
            json!({"model_type": "incident", "id": "20001", "name": "", "description": "",
            "tlp": "", "tags": [], "visibility": "", "publication_status": "", "aliases": [], "incident_status": "",
            "signature_type": "", "malware_types": [], "start_date": "", "end_date": ""}),
        );
        assert!(untouched
            .checked()
            .expect_err("nothing")
            .cause
            .starts_with("Nothing to change"));
        let private = input(json!({"model_type": "actor", "id": 3101, "visibility": "private"}));
        let (id, changes) = private.checked().expect("a change");
        assert_eq!((id, Value::Object(changes.fields)), (3101, json!({"is_public": false})));
        let bad_id = input(json!({"model_type": "actor", "id": "three", "name": "x"}));
        assert!(bad_id
            .checked()
            .expect_err("no id")
            .cause
            .starts_with("Invalid input 'id'"));
    }
}
