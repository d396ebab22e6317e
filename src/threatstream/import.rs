//! Import with approval: ThreatStream parses the uploaded file or text into observables and files them
//! as an import session that an analyst approves.
//!
//! The upload is not idempotent (each one creates a new session), so it is sent once and never
//! retried, and a 2xx answer whose JSON says the import failed is an error, not a success.

use serde_json::Value;
use tracing::info;

use super::client::Client;
use super::error::ApiError;
use super::intelligence;
use super::upload::{form, Upload};

/// Where the observables come from: an uploaded file, or text pasted into the `datatext` field.
pub(crate) enum ImportSource {
    File(Upload),
    Text(String),
}

/// The session ThreatStream created: waiting for approval, or approved once processed (`default_state`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ImportSession {
    pub(crate) id: String,
    pub(crate) job_id: String,
}

/// Uploads `source` with the given form `fields` (ThreatStream's own field names and text values).
///
/// # Contract: POST `/api/v{1,2}/intelligence/import/`
///
/// - Capability: Import (`add_approval_indicator`, `import_observable`)
/// - Parameters and body: Multipart form: `confidence`, `source_confidence_weight`, `severity`, `classification`,
///   `expiration_ts`, `notes` (comma list), `ip_mapping`, `domain_mapping`, `url_mapping`, `email_mapping`,
///   `md5_mapping`, `trustedcircles` (comma list), `threat_type`, `tlp` (Import Observable),
///   `default_state=active` when asked; each only when given. The observables: a `file` part, or a `datatext`
///   field
/// - Answer and paging: 202 `{success: true, import_session_id, job_id}`, sometimes `remote_api`.
///   `import_session_id` a number or numeric text (output as text). Anything but `success: true` is a refusal,
///   and so is an answer without `import_session_id`. Sent once, never retried. No paging
/// - Confirmed by: XS3 `import_ioc_with_approval`, `test_import_indicator_with_approval__fail_import` (`success:
///   false`); SOAR `import_support` and `threatstream.json` (`"1045"`); R7 `import_observable_success.json.resp`
///   (`"482"`); FS `import_observables`; TF `submit_observable`; CS `Anomali.json` `ImportResponse` (an integer)
/// - Fixtures: `import/rapid7_import_answer`, `import/splunk_import_answer`, `import/crowdstrike_import_answer`,
///   `import/xsoar_import_failed`
/// - Choice: Multipart (XS3, FS) or urlencoded (SOAR, TF) → multipart, which carries a file. `trustedcircles`
///   (XS3, TF) or `trusted_circles` (FS) → `trustedcircles`. v1 (SOAR, TF, R7) or v2 (XS3, FS, CS) → the
///   connection's version
pub(crate) async fn import_with_approval(
    client: &Client,
    fields: Vec<(&'static str, String)>,
    source: ImportSource,
) -> Result<ImportSession, ApiError> {
    let form = match source {
        ImportSource::File(upload) => form(fields, Some(upload)),
        ImportSource::Text(text) => form(fields, None).text("datatext", text),
    };
    let path = format!("{}import/", intelligence::path(client.api_version()));
    let answer = client.post_form(&path, form).await?;
    let session = session_of(&answer).ok_or_else(|| ApiError::Rejected {
        body: client.excerpt_of(&answer),
    })?;
    info!(
        "ThreatStream created import session {} (job {})",
        session.id, session.job_id
    );
    Ok(session)
}

/// The session in an accepted answer, or `None` when it names none. The public clients show
/// `import_session_id` both ways (text `"482"` in Rapid7's unit-test answer and Splunk SOAR's example
/// values, an integer in CrowdStrike's API description), so both are read; `job_id` is a UUID.
fn session_of(answer: &Value) -> Option<ImportSession> {
    let id = match answer.get("import_session_id")? {
        Value::Number(number) => number.as_u64()?.to_string(),
        Value::String(text) if !text.trim().is_empty() => text.trim().to_owned(),
        _ => return None,
    };
    let job_id = match answer.get("job_id") {
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    Some(ImportSession { id, job_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn session_id_is_always_text() {
        let numeric = json!({"success": true, "import_session_id": 1000000344, "job_id": "00bc2d03-c608"});
        assert_eq!(
            session_of(&numeric),
            Some(ImportSession {
                id: "1000000344".into(),
                job_id: "00bc2d03-c608".into()
            })
        );
        let text = json!({"success": true, "import_session_id": " 482 ", "job_id": "j"});
        assert_eq!(session_of(&text).map(|session| session.id), Some("482".into()));
        let no_job = json!({"success": true, "import_session_id": 7});
        assert_eq!(session_of(&no_job).map(|session| session.job_id), Some(String::new()));
    }

    #[test]
    fn an_answer_without_a_session_id_is_not_a_session() {
        for answer in [
            json!({"success": true}),
            json!({"success": true, "import_session_id": ""}),
            json!({"success": true, "import_session_id": null}),
            json!({"success": true, "import_session_id": -1}),
            json!({"success": true, "import_session_id": 4.5}),
        ] {
            assert_eq!(session_of(&answer), None, "{answer}");
        }
    }
}
