//! Import with approval: the multipart upload that creates an import session
//! waiting for a person to review it (see [`crate::import::session`]).
//!
//! Validation follows what ThreatStream rejects with a 400, so the plugin's
//! own checks can be tested against a server that would catch what they miss.
//! The form's settings become the observables' fields on approval:
//! `confidence` (default 50), `severity` (default low), `classification`
//! (public or private), `tags` (JSON text `[{"name", "tlp"}]`),
//! `expiration_ts` (default 90 days on), `tlp`, `trustedcircles`, and the
//! itype: a CSV `itype` column first, then the `*_mapping` field for the
//! observable's kind, then one made from `threat_type` (`malware` + domain is
//! `mal_domain`). `default_state=active` approves the session as soon as it
//! is processed, and so needs "Approve Intel" as well as "Import".

use serde_json::{json, Value};

use crate::http::answer::Answer;
use crate::http::form::{FormEncoding, FormFile, SubmittedForm};
use crate::http::request::RecordedRequest;
use crate::http::response::{self, Response};
use crate::http::route::{to, Handler};
use crate::import::session::{ImportSession, PROCESSING};
use crate::intelligence::observable_record::{itype_for, Draft, TagSpec, SEVERITIES};
use crate::intelligence::observables::{self, Found};
use crate::intelligence::search::ApiVersion;
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v2", "intelligence", "import"]) => to(|c| import(c.state, c.request, ApiVersion::V2)),
        ("POST", ["api", "v1", "intelligence", "import"]) => to(|c| import(c.state, c.request, ApiVersion::V1)),
        _ => None,
    }
}

/// The form as received, before any judgement: its fields (a repeated one
/// reads as its last value, [`SubmittedForm::field`]) and the `file` part.
struct Form {
    fields: SubmittedForm,
    file: Option<FormFile>,
}

impl Form {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.field(name)
    }
}

pub(crate) fn import(state: &State, request: &RecordedRequest, version: ApiVersion) -> Answer {
    state.denials.require(Permission::Import)?;
    let form = match read_form(request) {
        Ok(form) => form,
        Err(message) => return Ok(rejected(&message)),
    };
    if let Err(message) = validate(&form) {
        return Ok(rejected(&message));
    }
    let approve = form.field("default_state") == Some("active");
    if approve {
        state.denials.require(Permission::ApproveIntel)?;
    }
    let username = state.account.username.clone();
    let id = state.create_session(|id, ready_at_ms| {
        let mut session = session(id, form, version, ready_at_ms);
        session.created_by = username;
        session.approve_when_ready = approve;
        session
    });
    let body = json!({"success": true, "import_session_id": id, "job_id": job_id(id)});
    Ok(response::json(202, &body))
}

fn rejected(message: &str) -> Response {
    response::json(400, &json!({"success": false, "message": message}))
}

/// Multipart only, as ThreatStream takes an import; the file is the part
/// named `file`, as it reads it.
fn read_form(request: &RecordedRequest) -> Result<Form, String> {
    let mut fields = request.form()?;
    if fields.encoding != FormEncoding::Multipart {
        return Err("The body must be multipart/form-data.".to_owned());
    }
    let mut files = std::mem::take(&mut fields.files)
        .into_iter()
        .filter(|file| file.field == "file");
    let file = files.next();
    if files.next().is_some() {
        return Err("Only one file can be imported at a time.".to_owned());
    }
    Ok(Form { fields, file })
}

fn validate(form: &Form) -> Result<(), String> {
    for (name, value) in &form.fields.fields {
        check_field(name, value)?;
    }
    let has_datatext = form.field("datatext").is_some();
    match (form.file.is_some(), has_datatext) {
        (true, true) => Err("Send either a file or datatext, not both.".to_owned()),
        (false, false) => Err("Nothing to import: send a file or datatext.".to_owned()),
        _ => Ok(()),
    }
}

fn check_field(name: &str, value: &str) -> Result<(), String> {
    let ok = match name {
        "classification" => ["public", "private"].contains(&value),
        "confidence" | "source_confidence_weight" => is_percent(value),
        "severity" => value.is_empty() || SEVERITIES.contains(&value),
        "trustedcircles" => value.is_empty() || value.split(',').all(|id| id.trim().parse::<u64>().is_ok()),
        "tags" => value.trim().is_empty() || tag_specs(value).is_some(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("Invalid value for '{name}': '{value}'."))
    }
}

fn is_percent(value: &str) -> bool {
    value.parse::<u8>().is_ok_and(|n| n <= 100)
}

fn session(id: u64, form: Form, version: ApiVersion, ready_at_ms: i64) -> ImportSession {
    let text = match (&form.file, form.field("datatext")) {
        (Some(file), _) => String::from_utf8_lossy(&file.bytes).into_owned(),
        (None, Some(text)) => text.to_owned(),
        (None, None) => String::new(),
    };
    let parsed = observables::parse(&text);
    let drafts = parsed.found.iter().map(|found| draft(found, &form, id)).collect();
    let (file_name, file_bytes) = form
        .file
        .map_or((None, None), |file| (Some(file.file_name), Some(file.bytes)));
    let now = timestamp::format_ms(timestamp::now_ms());
    ImportSession {
        id,
        job_id: job_id(id),
        status: PROCESSING.to_owned(),
        api_version: version.as_str().to_owned(),
        observables: parsed.found.into_iter().map(|found| found.value).collect(),
        num_rejected: parsed.rejected_lines,
        rejects: parsed.rejected,
        fields: form.fields.fields,
        file_name,
        file_bytes,
        created_by: String::new(),
        approved_by: None,
        created_ts: now.clone(),
        date_modified: now,
        processed_ts: None,
        messages: String::new(),
        drafts,
        ready_at_ms,
        approve_when_ready: false,
    }
}

/// The record an approval will create for `found`, from the form's settings.
fn draft(found: &Found, form: &Form, session_id: u64) -> Draft {
    let setting = |name: &str| form.field(name).map(str::trim).filter(|value| !value.is_empty());
    let itype = found
        .itype
        .clone()
        .or_else(|| setting(found.kind.mapping_field()).map(str::to_owned))
        .unwrap_or_else(|| itype_for(setting("threat_type"), found.kind));
    let mut draft = Draft::new(&found.value, found.kind, &itype);
    draft.import_session_id = Some(session_id);
    draft.confidence = setting("confidence")
        .and_then(|c| c.parse().ok())
        .unwrap_or(draft.confidence);
    if let Some(severity) = setting("severity") {
        draft.severity = Some(severity.to_owned());
    }
    draft.is_public = setting("classification") == Some("public");
    draft.tags = setting("tags").and_then(tag_specs).unwrap_or_default();
    draft.tlp = setting("tlp").map(str::to_owned);
    draft.expiration_ts = setting("expiration_ts")
        .and_then(timestamp::parse)
        .map(timestamp::format_ms);
    draft.trusted_circle_ids = setting("trustedcircles")
        .map(|ids| ids.split(',').filter_map(|id| id.trim().parse().ok()).collect())
        .unwrap_or_default();
    draft
}

/// `[{"name": "x", "tlp": "red"}]`, as JSON text.
fn tag_specs(text: &str) -> Option<Vec<TagSpec>> {
    let value: Value = serde_json::from_str(text).ok()?;
    value.as_array()?.iter().map(TagSpec::from_json).collect()
}

/// A UUID-v4-looking id derived from the session id: unique per session and
/// the same on every run, which keeps snapshots stable.
pub(crate) fn job_id(id: u64) -> String {
    let (a, b) = (mix(id), mix(id ^ 0x5bd1_e995));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// splitmix64's finaliser: cheap, and spreads consecutive ids apart.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_look_like_uuids_and_differ() {
        let (a, b) = (job_id(1_000_000_344), job_id(1_000_000_345));
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, vec![8, 4, 4, 4, 12]);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }

    #[test]
    fn fields_are_checked_like_threatstream() {
        assert!(check_field("classification", "private").is_ok());
        assert!(check_field("classification", "secret").is_err());
        assert!(check_field("confidence", "100").is_ok());
        assert!(check_field("confidence", "101").is_err());
        assert!(check_field("source_confidence_weight", "").is_err());
        assert!(check_field("severity", "").is_ok());
        assert!(check_field("severity", "critical").is_err());
        assert!(check_field("trustedcircles", "146,311").is_ok());
        assert!(check_field("trustedcircles", "146, x").is_err());
        assert!(check_field("notes", "anything").is_ok());
        assert!(check_field("tags", r#"[{"name": "a", "tlp": "red"}]"#).is_ok());
        assert!(check_field("tags", "a,b").is_err());
        assert!(check_field("tags", "").is_ok());
        assert!(check_field("tags", r#"[{"tlp": "red"}]"#).is_err());
    }
}
