//! Create Threat Model: a new actor, campaign, incident, malware, signature, threat bulletin, TTP,
//! vulnerability or attack pattern, with the fields its type has (`fields`), such as the incident an
//! investigation concluded.
//!
//! `POST /api/v1/{model}/` once: a second copy would be a second model, so a failure that may have
//! come after ThreatStream made it says so, and how to find it, rather than being retried. The model
//! is then read back (Splunk SOAR does the same) and answered as Get Threat Model shows it.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::fields::{changes, MalwareType, ModelInputs, SignatureType};
use super::{read_back, sent_once, ModelOutput};
use crate::actions::connection::Connection;
use crate::actions::failure::{forbidden, Permission};
use crate::actions::import::Tlp;
use crate::actions::input::Choice;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::model_writes::{create_model, ModelRef};
use crate::threatstream::{numeric_id, ModelType, PublicationStatus};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateThreatModelInput {
    /// Type of the model to create: `actor`, `attackpattern`, `campaign`, `incident`, `malware`, `signature`, `tipreport` (a threat bulletin), `ttp` or `vulnerability`
    #[schemars(title = "Model Type", example = ModelType::Incident)]
    model_type: ModelType,
    /// Name of the model, at most 255 characters
    #[schemars(title = "Name", example = "Phishing wave against accounts payable (case 4711)")]
    name: String,
    /// The model's text, often HTML: a threat bulletin's body, a signature's rule, any other model's description
    #[schemars(
        title = "Description",
        example = "<p>Two invoice lures; the payload called home to 198.51.100.23.</p>"
    )]
    description: Option<String>,
    /// Traffic Light Protocol marking of the model; ThreatStream's default when not set
    #[schemars(title = "TLP", example = Tlp::Amber, extend("default" = ""))]
    tlp: Option<Tlp>,
    /// Names of the model's tags
    #[serde(default)]
    #[schemars(title = "Tags", example = json!(["phishing", "case-4711"]))]
    tags: Vec<String>,
    /// Whether every ThreatStream organization may see the model; private when false
    #[serde(default)]
    #[schemars(title = "Is Public", example = false)]
    is_public: bool,
    /// Publication status: `new`, `pending_review`, `review_requested`, `reviewed` or `published`; ThreatStream's default (new) when not set
    #[schemars(title = "Publication Status", example = PublicationStatus::New, extend("default" = ""))]
    publication_status: Option<Choice<PublicationStatus>>,
    /// Other names of the model (actors, campaigns, incidents and malware)
    #[serde(default)]
    #[schemars(title = "Aliases", example = json!(["AP-Invoice-Wave"]))]
    aliases: Vec<String>,
    /// An incident's status, by the name ThreatStream gives it, such as New or Open (incidents only)
    #[schemars(title = "Incident Status", example = &"Open")]
    incident_status: Option<String>,
    /// A signature's type, which a signature needs (signatures only)
    #[schemars(title = "Signature Type", example = SignatureType::Suricata, extend("default" = ""))]
    signature_type: Option<SignatureType>,
    /// Kinds of malware, any of `adware`, `backdoor`, `bootkit`, `bot`, `ddos`, `downloader`, `dropper`, `keylogger`, `exploit-kit`, `ransomware`, `remote-access-trojan`, `resource-exploitation`, `rogue-security-software`, `rootkit`, `screen-capture`, `spyware`, `trojan`, `unknown`, `virus`, `webshell`, `wiper` and `worm`; a malware model needs at least one (malware only)
    #[serde(default)]
    #[schemars(title = "Malware Types", example = json!(["trojan"]))]
    malware_types: Vec<MalwareType>,
    /// Whether the malware is a family rather than one sample (malware only)
    #[serde(default)]
    #[schemars(title = "Is Family", example = false)]
    is_family: bool,
    /// When the actor, campaign or incident was first known to be active
    #[schemars(title = "Start Date", extend("format" = "date-time", "displayType" = "date"), example = "2026-09-12T07:00:00Z")]
    start_date: Option<String>,
    /// When the campaign or incident was known to have ended
    #[schemars(title = "End Date", extend("format" = "date-time", "displayType" = "date"), example = "2026-09-13T18:00:00Z")]
    end_date: Option<String>,
}

/// A model created, when a failure leaves it unknown whether ThreatStream made it.
const CHECK: &str = "Search Threat Models (by the name given) shows whether ThreatStream created it";

impl CreateThreatModelInput {
    fn inputs(&self) -> ModelInputs<'_> {
        ModelInputs {
            name: Some(&self.name),
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
        }
    }

    /// The create's fields, with what a type needs to be created at all.
    fn checked(&self) -> Result<super::fields::Changes, Failure> {
        if self.name.trim().is_empty() {
            return Err(Failure::invalid_input("name", "it is empty; a model needs a name"));
        }
        if self.is_family && self.model_type != ModelType::Malware {
            return Err(Failure::invalid_input("is_family", "only a malware model is a family"));
        }
        let mut changes = changes(self.model_type, &self.inputs())?;
        let needs = match self.model_type {
            ModelType::Signature if !changes.fields.contains_key("s_type") => Some(("signature_type", "a signature")),
            ModelType::Malware if !changes.fields.contains_key("malware_types") => {
                Some(("malware_types", "a malware model"))
            }
            _ => None,
        };
        if let Some((input, model)) = needs {
            let problem = format!("it is empty; {model} needs it (ThreatStream requires it)");
            return Err(Failure::invalid_input(input, problem));
        }
        // Sent always, as XSOAR and Splunk SOAR send it: a model is private unless asked otherwise.
        changes.fields.insert("is_public".into(), json!(self.is_public));
        if self.model_type == ModelType::Malware {
            changes.fields.insert("is_family".into(), json!(self.is_family));
        }
        Ok(changes)
    }
}

pub(crate) struct CreateThreatModel;

impl TypedStep for CreateThreatModel {
    const ID: &'static str = "create_threat_model";
    const TITLE: &'static str = "Create Threat Model";
    const DESCRIPTION: &'static str = "Create a threat model in Anomali ThreatStream, such as the incident an \
                                       investigation concluded";
    type Input = CreateThreatModelInput;
    type Output = ModelOutput;
}

impl TypedAction for CreateThreatModel {
    async fn run(connection: &Connection, input: CreateThreatModelInput) -> Result<ModelOutput, Failure> {
        let model_type = input.model_type;
        let fields = input.checked()?.resolved(connection).await?;
        let created = create_model(&connection.client, model_type, &fields)
            .await
            .map_err(|error| {
                let what = format!("the {}", model_type.as_str());
                sent_once(error, &what, CHECK, "create a second model", |error| {
                    forbidden(error, &[Permission::ThreatModels], "creating a threat model")
                })
            })?;
        let id = created.get("id").and_then(numeric_id).unwrap_or_default();
        let model = ModelRef {
            model_type,
            id,
            in_cloud: false,
        };
        let record = read_back(connection, model, created).await;
        Ok(ModelOutput::of(record, model_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(value: serde_json::Value) -> CreateThreatModelInput {
        serde_json::from_value(value).expect("an input")
    }

    #[test]
    fn what_a_type_needs_is_asked_for_before_any_request() {
        let signature = input(json!({"model_type": "signature", "name": "beacon"}));
        assert!(signature
            .checked()
            .expect_err("no type")
            .cause
            .starts_with("Invalid input 'signature_type'"));
        let malware = input(json!({"model_type": "malware", "name": "Emotet", "malware_types": ["bot", "bot"]}));
        let fields = malware.checked().expect("malware").fields;
        assert_eq!(
            (&fields["malware_types"], &fields["is_family"], &fields["is_public"]),
            (&json!(["bot"]), &json!(false), &json!(false))
        );
        let unnamed = input(json!({"model_type": "actor", "name": "  "}));
        assert!(unnamed
            .checked()
            .expect_err("no name")
            .cause
            .starts_with("Invalid input 'name'"));
        let family = input(json!({"model_type": "actor", "name": "x", "is_family": true}));
        assert!(family.checked().is_err());
    }

    #[test]
    fn the_forms_empty_choices_send_nothing() {
        let plain = input(
            json!({"model_type": "incident", "name": "Case", "tlp": "", "publication_status": "",
            "signature_type": "", "incident_status": "", "tags": [], "aliases": [], "malware_types": [],
            "start_date": "", "end_date": "0001-01-01T00:00:00Z", "description": "", "is_public": false,
            "is_family": false}),
        );
        let changes = plain.checked().expect("a plain incident");
        assert_eq!(
            serde_json::Value::Object(changes.fields),
            json!({"name": "Case", "is_public": false})
        );
        assert_eq!(changes.incident_status, None);
    }
}
