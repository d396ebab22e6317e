//! Import with approval: the multipart upload that creates an import session
//! waiting for a person to review it.
//!
//! Validation follows what ThreatStream rejects with a 400, so the plugin's
//! own checks can be tested against a server that would catch what they miss.

use std::convert::Infallible;

use base64::Engine;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::observables;
use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::search::ApiVersion;
use crate::state::State;

/// One import job as ThreatStream would hold it after the upload.
#[derive(Clone, Debug, Serialize)]
pub struct ImportSession {
    pub id: u64,
    pub job_id: String,
    /// Always `"done"`: ThreatStream's word for "ready to review".
    pub status: String,
    /// `"v1"` or `"v2"`: which import route created it.
    pub api_version: String,
    /// Every non-file form field, in arrival order.
    pub fields: Vec<(String, String)>,
    pub file_name: Option<String>,
    pub file_bytes: Option<Vec<u8>>,
    /// Values found in the file or `datatext`.
    pub observables: Vec<String>,
}

/// The form as received, before any judgement.
struct Form {
    fields: Vec<(String, String)>,
    file: Option<(Option<String>, Vec<u8>)>,
}

pub(crate) async fn import(state: &State, request: &RecordedRequest, version: ApiVersion) -> Response {
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(message) => return rejected(&message),
    };
    if let Err(message) = validate(&form) {
        return rejected(&message);
    }
    let session = state.create_session(|id| session(id, form, version));
    response::json(
        202,
        &json!({"success": true, "import_session_id": session.id, "job_id": session.job_id}),
    )
}

fn rejected(message: &str) -> Response {
    response::json(400, &json!({"success": false, "message": message}))
}

async fn read_form(request: &RecordedRequest) -> Result<Form, String> {
    let content_type = request.header("content-type").unwrap_or_default();
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| "The body must be multipart/form-data.".to_owned())?;
    let body = Bytes::from(request.body.clone());
    let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut form = Form {
        fields: Vec::new(),
        file: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if form.file.is_some() {
                return Err("Only one file can be imported at a time.".to_owned());
            }
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            form.file = Some((file_name, bytes.to_vec()));
        } else {
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            form.fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(form)
}

fn validate(form: &Form) -> Result<(), String> {
    for (name, value) in &form.fields {
        check_field(name, value)?;
    }
    let has_datatext = form.fields.iter().any(|(name, _)| name == "datatext");
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
        "severity" => ["", "low", "medium", "high", "very-high"].contains(&value),
        "trustedcircles" => value.is_empty() || value.split(',').all(|id| id.trim().parse::<u64>().is_ok()),
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

fn session(id: u64, form: Form, version: ApiVersion) -> ImportSession {
    let text = match (&form.file, datatext(&form)) {
        (Some((_, bytes)), _) => String::from_utf8_lossy(bytes).into_owned(),
        (None, Some(text)) => text.to_owned(),
        (None, None) => String::new(),
    };
    let (file_name, file_bytes) = form.file.map_or((None, None), |(n, b)| (n, Some(b)));
    ImportSession {
        id,
        job_id: job_id(id),
        status: "done".to_owned(),
        api_version: version.as_str().to_owned(),
        observables: observables::extract(&text),
        fields: form.fields,
        file_name,
        file_bytes,
    }
}

fn datatext(form: &Form) -> Option<&str> {
    form.fields
        .iter()
        .find(|(name, _)| name == "datatext")
        .map(|(_, value)| value.as_str())
}

/// A UUID-v4-looking id derived from the session id: unique per session and
/// the same on every run, which keeps snapshots stable.
fn job_id(id: u64) -> String {
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

/// `GET /api/v1/importsession/<id>/` for a session that exists.
pub(crate) fn session_json(session: &ImportSession) -> Value {
    let fields: Map<String, Value> = session
        .fields
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    let file = session
        .file_bytes
        .as_ref()
        .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes));
    json!({
        "id": session.id,
        "jobID": session.job_id,
        "status": session.status,
        "numIndicators": session.observables.len(),
        "fields": fields,
        "fileName": session.file_name,
        "fileBytesBase64": file,
        "observables": session.observables,
    })
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
    }
}
