//! One observable by its ID: `GET` and `PATCH /api/v2/intelligence/{id}/` (reference §1.8, §1.12), its
//! clone, and a report that it is a false positive.
//!
//! These are v2 endpoints whatever the connection's version. An update sets fields to the values
//! given, so sending it twice does what sending it once does: it is retried like a read. ThreatStream
//! answers an update with 202 and the whole updated observable (Polarity replaces its record with that
//! answer; Splunk SOAR's example answer is one), or with nothing. An observable the instance does not
//! have may be in ThreatStream's cloud, asked for when the connection says so (`remote`).

use reqwest::Method;
use serde_json::{json, Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;
use super::remote::{local_then_remote, remote_query, write_to};

fn path(id: u64) -> String {
    format!("api/v2/intelligence/{id}/")
}

/// The observable with ThreatStream ID `id`: the bare record, as Polarity reads it.
///
/// # Contract: GET `/api/v2/intelligence/{id}/`
///
/// - Capability: Observables (the by-ID targets of `update_observable`, `add_tags`, `remove_tags`,
///   `get_comments`, `add_comment`, `report_false_positive`)
/// - Parameters and body: None; `remote_api=true` after a 404 when the connection's Remote API is on
/// - Answer and paging: The bare record, 200. A cloud record says `remote_api: true`; `import_session_id` may be
///   text. 404: no observable with that ID. No paging
/// - Confirmed by: POL `anomali.js` `getObservable`; SOAR `threatstream.json` observable example
/// - Fixtures: `intelligence/splunk_observable`
/// - Choice: SOAR searches `?id=` instead → POL's route. The 404 retry with `remote_api` is our inference
///   (unconfirmed): SOAR retries the writes, and the read must find a cloud observable before its write can
pub(crate) async fn observable(client: &Client, id: u64) -> Result<Record, ApiError> {
    let path = path(id);
    local_then_remote(client, |remote| {
        let (path, query) = (&path, remote_query(remote));
        async move { client.get_json(path, &query).await }
    })
    .await
}

/// Sets `changes` (ThreatStream's field names) on observable `id`, which is the cloud's when
/// `in_cloud` (`remote`); answers with the record when the 202 carried it, `Null` otherwise.
///
/// # Contract: PATCH `/api/v2/intelligence/{id}/`
///
/// - Capability: Observables (`update_observable`)
/// - Parameters and body: JSON of the fields given: `status`, `confidence`, `severity` (top level), `tlp`,
///   `expiration_ts`, `itype`. `remote_api=true` at once for a cloud record, or after a 404. Retried like a read
/// - Answer and paging: 202 with the whole updated record (timestamps may lack `Z`, a tag's `org_id` may be a
///   number), or empty. No paging
/// - Confirmed by: POL `anomali.js` `updateObservable` (requires 202, uses the answer); SOAR
///   `_handle_update_observable` and `threatstream.json` (404 → `remote_api=true`)
/// - Fixtures: `intelligence/splunk_updated_observable`
/// - Choice: None
pub(crate) async fn update_observable(
    client: &Client,
    id: u64,
    changes: &Map<String, Value>,
    in_cloud: bool,
) -> Result<Value, ApiError> {
    let (path, body) = (path(id), Value::Object(changes.clone()).to_string());
    let answer = write_to(client, in_cloud, |remote| {
        let (path, body, query) = (&path, body.clone(), remote_query(remote));
        async move {
            client
                .send_json(Method::PATCH, path, &query, Some(body), Replay::Safe)
                .await
        }
    })
    .await?;
    let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
    info!("Updated observable {id}: {}", fields.join(", "));
    Ok(answer)
}

/// `POST /api/v2/intelligence/{id}/clone/`, no body, sent once: a second copy would clone it twice.
/// ThreatStream answers 202 with the import session holding the clone, `{"import_session_id": "139",
/// "job_id": "..."}` (Cortex XSOAR's test; CrowdStrike's OpenAPI description types both as text); a
/// 403 `{"message": "The entity <value> is not cloneable"}` for a string, a pending observable or one
/// the caller's organization owns (XSOAR's docstring).
///
/// # Contract: POST `/api/v2/intelligence/{id}/clone/`
///
/// - Capability: Observables (`clone_observable`)
/// - Parameters and body: No body, no query. Sent once (`Replay::Never`): a second copy clones twice
/// - Answer and paging: 202 `{import_session_id, job_id}`, both text in XS3's test and CS's description (a number
///   is read too); an answer without `import_session_id` fails the step. 403 `{"message": "The entity <value> is
///   not cloneable"}` for a string, a pending observable or one the caller's organization owns: named as not
///   cloneable; any other 403 names Import Intel. 404: no observable with the ID. No paging
/// - Confirmed by: XS3 `clone_ioc_command` (its docstring gives the 403) and `_test.py`; CS `Anomali.json`
/// - Fixtures: `intelligence/xsoar_clone_answer`, `intelligence/xsoar_not_cloneable`
/// - Choice: The permission cloning needs is unconfirmed (no client names it) → Import Intel, the permission an
///   import session needs
pub(crate) async fn clone_observable(client: &Client, id: u64) -> Result<Value, ApiError> {
    let path = format!("{}clone/", path(id));
    let answer = client.send_json(Method::POST, &path, &[], None, Replay::Never).await?;
    info!("Cloned observable {id}");
    Ok(answer)
}

/// `POST /api/v1/falsepositive/report/` with `{"intelligence": id, "reason", "comment"}`, as Google
/// SecOps SOAR's ThreatFuse and Anomali ThreatStream integrations send it; sent once, since a second
/// copy files a second report. ThreatFuse reads the answer's `success`; one that says it failed is
/// refused by the client, as every answer is.
///
/// # Contract: POST `/api/v1/falsepositive/report/`
///
/// - Capability: Observables (`report_false_positive`)
/// - Parameters and body: JSON `{"intelligence": <id>, "reason": "...", "comment": "..."}`, both texts required;
///   one report per observable selected (by ID, or by value with `all_matches`), each read first
///   (`/api/v2/intelligence/{id}/` or the search) so an unknown observable fails before any report. Sent once
/// - Answer and paging: A 2xx; TF reads `success`, and one that says it failed is refused as on every route. 403
///   names Edit Intel (unconfirmed, the closest permission). No paging
/// - Confirmed by: TF `ThreatFuseManager.report_as_false_positive` and GA `AnomaliManager` (the same route and
///   body); a fork of XS3 exported from an instance sends the same (repository not identified)
/// - Fixtures: None yet (simulator)
/// - Choice: The answer beyond `success` and the permission are unconfirmed. Whether a report changes the
///   observable's status is unconfirmed → the step reports only; Update Observable sets `falsepos`
pub(crate) async fn report_false_positive(
    client: &Client,
    id: u64,
    reason: &str,
    comment: &str,
) -> Result<Value, ApiError> {
    let body = json!({"intelligence": id, "reason": reason, "comment": comment}).to_string();
    let path = "api/v1/falsepositive/report/";
    let answer = client
        .send_json(Method::POST, path, &[], Some(body), Replay::Never)
        .await?;
    info!("Reported observable {id} as a false positive");
    Ok(answer)
}
