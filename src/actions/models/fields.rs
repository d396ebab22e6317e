//! The fields Create Threat Model and Update Threat Model write, checked and put in ThreatStream's
//! names before any request.
//!
//! ThreatStream names a field per model type, and the public clients show which:
//! - the text: `body` for a threat bulletin, `notes` for a signature, `description` otherwise (XSOAR
//!   reads them so; CrowdStrike's spec writes a signature's `notes`). XSOAR's create writes
//!   `description` for a signature too, and then reads `notes`: the spec's field is written here;
//! - the publication status: a bulletin's is its `status` (Splunk SOAR's create, ThreatFuse's
//!   example, CrowdStrike's spec), every other model's `publication_status`;
//! - tags: a list of names (XSOAR's create; Splunk sends a bulletin's as `tags_v2` objects, and XSOAR
//!   as names for every type, which is what is sent);
//! - an incident's status: the number of a status type (Splunk sends 1, New; FortiSOAR 2, Open, after
//!   reading the types from `GET /api/v1/incidentstatustype/`, as the name given is resolved here);
//! - a signature's type in `s_type`, required (CrowdStrike's spec; the names are those XSOAR's search
//!   takes, unconfirmed for a create); a malware's `is_family` and `malware_types`, required
//!   (CrowdStrike's spec); `aliases` as names for actors, campaigns, incidents and malware, and
//!   `start_date`/`end_date` (CrowdStrike's spec; unconfirmed by any client that sends them).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::limits::{text, written_names, MAX_MODEL_NAME_CHARS, MAX_TEXT_CHARS};
use crate::actions::connection::Connection;
use crate::actions::import::Tlp;
use crate::actions::input::{given, line, Choice};
use crate::actions::{chosen, date, wire_name};
use crate::protocol::{quoted, Failure};
use crate::threatstream::model_writes::incident_status_types;
use crate::threatstream::{numeric_id, ModelType, PublicationStatus};

/// A signature's type, as XSOAR's threat model search names them; empty is not set
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum SignatureType {
    #[serde(rename = "Bro")]
    Bro,
    #[serde(rename = "Carbon Black Query")]
    CarbonBlackQuery,
    #[serde(rename = "ClamAV")]
    ClamAv,
    #[serde(rename = "Custom")]
    Custom,
    #[serde(rename = "CybOX")]
    Cybox,
    #[serde(rename = "OpenIOC")]
    OpenIoc,
    #[serde(rename = "RSA NetWitness")]
    RsaNetWitness,
    #[serde(rename = "Snort")]
    Snort,
    #[serde(rename = "Splunk Query")]
    SplunkQuery,
    #[serde(rename = "Suricata")]
    Suricata,
    #[serde(rename = "YARA")]
    Yara,
    #[serde(rename = "")]
    Unset,
}

/// A kind of malware, as CrowdStrike's ThreatStream spec lists them
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(inline)]
pub(crate) enum MalwareType {
    Adware,
    Backdoor,
    Bootkit,
    Bot,
    Ddos,
    Downloader,
    Dropper,
    Keylogger,
    ExploitKit,
    Ransomware,
    RemoteAccessTrojan,
    ResourceExploitation,
    RogueSecuritySoftware,
    Rootkit,
    ScreenCapture,
    Spyware,
    Trojan,
    Unknown,
    Virus,
    Webshell,
    Wiper,
    Worm,
}

/// The inputs Create and Update Threat Model share, as the input types hold them.
#[derive(Default)]
pub(crate) struct ModelInputs<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) description: Option<&'a str>,
    pub(crate) tlp: Option<Tlp>,
    pub(crate) tags: &'a [String],
    pub(crate) publication_status: Option<Choice<PublicationStatus>>,
    pub(crate) aliases: &'a [String],
    pub(crate) incident_status: Option<&'a str>,
    pub(crate) signature_type: Option<SignatureType>,
    pub(crate) malware_types: &'a [MalwareType],
    pub(crate) start_date: Option<&'a str>,
    pub(crate) end_date: Option<&'a str>,
}

/// The fields to write, in ThreatStream's names, and an incident status to resolve by name first.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Changes {
    pub(crate) fields: Map<String, Value>,
    pub(crate) incident_status: Option<String>,
}

impl Changes {
    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.incident_status.is_none()
    }

    /// The fields, the incident status in them by its number.
    pub(crate) async fn resolved(mut self, connection: &Connection) -> Result<Map<String, Value>, Failure> {
        if let Some(name) = &self.incident_status {
            let number = incident_status_number(connection, name).await?;
            self.fields.insert("status".into(), json!(number));
        }
        Ok(self.fields)
    }
}

/// The given inputs for a model of `model_type`, checked; an input its type does not have is refused.
pub(crate) fn changes(model_type: ModelType, inputs: &ModelInputs<'_>) -> Result<Changes, Failure> {
    let mut fields = Map::new();
    if let Some(name) = given(inputs.name).map(str::trim) {
        line(name, "name", "the name", MAX_MODEL_NAME_CHARS)?;
        fields.insert("name".into(), json!(name));
    }
    if let Some(text) = text(inputs.description, "description", MAX_TEXT_CHARS)? {
        fields.insert(model_type.text_field().into(), json!(text));
    }
    if let Some(tlp) = chosen(inputs.tlp) {
        fields.insert("tlp".into(), json!(tlp));
    }
    if !inputs.tags.is_empty() {
        fields.insert("tags".into(), json!(written_names(inputs.tags, "tags")?));
    }
    if let Some(status) = chosen(inputs.publication_status) {
        let field = if model_type == ModelType::TipReport {
            "status"
        } else {
            "publication_status"
        };
        fields.insert(field.into(), json!(status));
    }
    let only = |input: &str, given: bool, types: &[ModelType]| only_for(model_type, input, given, types);
    only("aliases", !inputs.aliases.is_empty(), &WITH_ALIASES)?;
    if !inputs.aliases.is_empty() {
        fields.insert("aliases".into(), json!(written_names(inputs.aliases, "aliases")?));
    }
    let incident_status = given(inputs.incident_status).map(str::trim);
    only("incident_status", incident_status.is_some(), &[ModelType::Incident])?;
    if let Some(status) = incident_status {
        line(status, "incident_status", "the status", MAX_MODEL_NAME_CHARS)?;
    }
    let signature_type = chosen(inputs.signature_type);
    only("signature_type", signature_type.is_some(), &[ModelType::Signature])?;
    if let Some(kind) = signature_type {
        fields.insert("s_type".into(), json!(kind));
    }
    only("malware_types", !inputs.malware_types.is_empty(), &[ModelType::Malware])?;
    if !inputs.malware_types.is_empty() {
        let mut kinds: Vec<String> = inputs.malware_types.iter().map(wire_name).collect();
        kinds.dedup();
        fields.insert("malware_types".into(), json!(kinds));
    }
    for (input, given, types) in [
        ("start_date", inputs.start_date, &WITH_START[..]),
        ("end_date", inputs.end_date, &WITH_END[..]),
    ] {
        let given = date(given, input)?;
        only(input, given.is_some(), types)?;
        if let Some(given) = given {
            fields.insert(input.into(), json!(given));
        }
    }
    Ok(Changes {
        fields,
        incident_status: incident_status.map(str::to_owned),
    })
}

const WITH_ALIASES: [ModelType; 4] = [
    ModelType::Actor,
    ModelType::Campaign,
    ModelType::Incident,
    ModelType::Malware,
];
const WITH_START: [ModelType; 3] = [ModelType::Actor, ModelType::Campaign, ModelType::Incident];
const WITH_END: [ModelType; 2] = [ModelType::Campaign, ModelType::Incident];

fn only_for(model_type: ModelType, input: &str, given: bool, types: &[ModelType]) -> Result<(), Failure> {
    if !given || types.contains(&model_type) {
        return Ok(());
    }
    let names: Vec<&str> = types.iter().map(|kind| kind.as_str()).collect();
    let problem = format!(
        "a {} has none; it is for a model of type {}",
        model_type.as_str(),
        names.join(", ")
    );
    Err(Failure::invalid_input(input, problem))
}

/// The number of the incident status type called `name` (any letter case), read from ThreatStream as
/// FortiSOAR reads it; a name it does not have is refused, listing those it has.
async fn incident_status_number(connection: &Connection, name: &str) -> Result<u64, Failure> {
    let types = incident_status_types(&connection.client).await?;
    let named = |record: &serde_json::Map<String, Value>| {
        let display = record.get("display_name").and_then(Value::as_str)?;
        let id = record.get("id").and_then(numeric_id)?;
        Some((display.to_owned(), id))
    };
    let known: Vec<(String, u64)> = types.iter().filter_map(named).collect();
    if let Some((_, id)) = known.iter().find(|(display, _)| display.eq_ignore_ascii_case(name)) {
        return Ok(*id);
    }
    let names: Vec<&str> = known.iter().map(|(display, _)| display.as_str()).collect();
    Err(Failure::caller(
        format!(
            "ThreatStream has no incident status called {}; it has {}.",
            quoted(name),
            names.join(", ")
        ),
        "Set incident_status to one of them.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_keeps_its_text_and_publication_status_where_threatstream_does() {
        let inputs = ModelInputs {
            name: Some(" Bulletin "),
            description: Some("<p>x</p>"),
            publication_status: Some(Choice::Chosen(PublicationStatus::Published)),
            tags: &["a".to_owned(), "A".to_owned()],
            ..ModelInputs::default()
        };
        let bulletin = changes(ModelType::TipReport, &inputs).expect("a bulletin");
        assert_eq!(
            Value::Object(bulletin.fields),
            json!({"name": "Bulletin", "body": "<p>x</p>", "status": "published", "tags": ["a"]})
        );
        let signature = changes(ModelType::Signature, &inputs).expect("a signature");
        assert_eq!(signature.fields["notes"], "<p>x</p>");
        assert_eq!(signature.fields["publication_status"], "published");
    }

    #[test]
    fn a_field_of_another_type_is_refused() {
        let aliased = ModelInputs {
            aliases: &["QUOKKA".to_owned()],
            ..ModelInputs::default()
        };
        let failure = changes(ModelType::Signature, &aliased).expect_err("no aliases");
        assert_eq!(
            failure.cause,
            "Invalid input 'aliases': a signature has none; it is for a model of type actor, campaign, incident, \
             malware."
        );
        let typed = ModelInputs {
            signature_type: Some(SignatureType::CarbonBlackQuery),
            ..ModelInputs::default()
        };
        assert_eq!(
            changes(ModelType::Signature, &typed).expect("ok").fields["s_type"],
            "Carbon Black Query"
        );
        assert!(changes(ModelType::Actor, &typed).is_err());
        let dated = ModelInputs {
            end_date: Some("soon"),
            ..ModelInputs::default()
        };
        assert!(changes(ModelType::Incident, &dated)
            .expect_err("no date")
            .cause
            .contains("'end_date'"));
        let empty = changes(ModelType::Actor, &ModelInputs::default()).expect("nothing");
        assert!(empty.is_empty());
    }
}
