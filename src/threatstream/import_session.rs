//! Import sessions: what an import with approval became, read, listed, followed, approved and rejected.
//!
//! ThreatStream keeps sessions under the v1 API whatever the connection's version (reference §1.11).
//! Reading, listing and following are reads, retried. Approving and rejecting are writes, but sending
//! either twice does what sending it once does (approving an approved session succeeds again), so they
//! are retried too. Following a session polls it with a growing pause until it leaves the working
//! states or the caller's deadline passes: a session still processing then is an answer, not an error.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::time::Instant;
use tracing::{debug, info};

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::{numeric_id, Record};
use super::paging::each_page;
use crate::backoff::first_step;

/// The first pause between two polls; it doubles, up to `LONGEST_POLL_PAUSE`.
const FIRST_POLL_PAUSE: Duration = Duration::from_secs(1);

/// A session takes seconds to minutes; polling more often than this would only load the server.
const LONGEST_POLL_PAUSE: Duration = Duration::from_secs(15);

/// The states in which ThreatStream is still working on a session.
const WORKING_STATES: [&str; 3] = ["processing", "approving", "rejecting"];

fn path(id: u64) -> String {
    format!("api/v1/importsession/{id}/")
}

/// `GET /api/v1/importsession/{id}/`.
///
/// # Contract: GET `/api/v1/importsession/{id}/`
///
/// - Capability: Import sessions (`get_import_session`, `approve_import_session`; the imports' wait for
///   processing)
/// - Parameters and body: None
/// - Answer and paging: The session, with `associations`; `messages` a string, submitter `email` and `user_id`,
///   ids as numbers or text. 404 names the session. No paging
/// - Confirmed by: FS `info.json` `get_import_job_status`; TF `get-job-details` (polls `status`, reads
///   `numRejected`); XS3 `list_import_job_command` with an ID; SOAR `threatstream.json` session examples
/// - Fixtures: `import/fortisoar_session_detail`, `import/session_ids_as_text`
/// - Choice: FS leaves out the trailing slash; XS3 and TF keep it → kept
pub(crate) async fn import_session(client: &Client, id: u64) -> Result<Record, ApiError> {
    client.get_json(&path(id), &[]).await
}

/// Which sessions `import_sessions` lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SessionFilter {
    /// ThreatStream's status value, such as `done`.
    pub(crate) status: Option<String>,
    /// Only sessions changed at or after this ISO 8601 time.
    pub(crate) modified_since: Option<String>,
    /// At most this many sessions.
    pub(crate) limit: usize,
}

/// `GET /api/v1/importsession/` page by page, until `filter.limit` sessions or the last page.
///
/// # Contract: GET `/api/v1/importsession/`
///
/// - Capability: Import sessions (`list_import_sessions`)
/// - Parameters and body: `status` (one value), `date_modified__gte`, `limit=<up to 1000>&offset=0`
/// - Answer and paging: `{meta: {limit, next, offset, previous, total_count}, objects}`; list items carry no
///   `associations`. Paging: `meta.next` as given, until the limit
/// - Confirmed by: XS3 `list_import_job_command` and `mocked_data.json` `list_import_job_response`, `README.md`
///   context example; FS `get_import_jobs` (follows `next`); SOAR session search
/// - Fixtures: `import/xsoar_list_import_jobs`, `import/xsoar_readme_approved_sessions`, `import/empty_list_page`
/// - Choice: `status` (XS3) or `status__in` (SOAR) → `status`
pub(crate) async fn import_sessions(client: &Client, filter: &SessionFilter) -> Result<Vec<Record>, ApiError> {
    let mut sessions = Vec::new();
    let query = session_filters(filter);
    each_page(client, "api/v1/importsession/", &query, filter.limit, |page| {
        sessions.extend(page);
    })
    .await?;
    Ok(sessions)
}

fn session_filters(filter: &SessionFilter) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(status) = &filter.status {
        query.push(("status", status.clone()));
    }
    if let Some(since) = &filter.modified_since {
        query.push(("date_modified__gte", since.clone()));
    }
    query
}

/// `PATCH /api/v1/importsession/{id}/approve_all/`: the session as ThreatStream answered it (`Null`
/// when the answer was empty). A 2xx is not yet an approval: see `approver_id`.
///
/// # Contract: PATCH `/api/v1/importsession/{id}/approve_all/`
///
/// - Capability: Import sessions (`approve_import_session`)
/// - Parameters and body: No body. Retried like a read (`Replay::Safe`)
/// - Answer and paging: 200 with the session: `status: approving`, `approved_by` (a user, id as text),
///   `approved_by_id`, `associations`. Approved only when `approved_by_id` names a user (a number above 0, or
///   such a number as text); an empty answer is followed by a read of the session. No paging
/// - Confirmed by: XS3 `approve_import_job_command` (fails without `approved_by_id`) and `mocked_data.json`
///   `approve_import_job_response`; FS `approve_import_job` (no slash, no field check)
/// - Fixtures: `import/xsoar_approve_import_job`, `import/approve_approved_by_id_text`,
///   `import/approve_approved_by_id_null`, `import/approve_approved_by_id_zero`
/// - Choice: XS3 checks `approved_by_id`, FS does not → checked, so that a 2xx nobody approved fails the step.
///   `"0"` or non-numeric text is no approver
pub(crate) async fn approve_import_session(client: &Client, id: u64) -> Result<Value, ApiError> {
    let path = format!("{}approve_all/", path(id));
    let answer = client.send_json(Method::PATCH, &path, &[], None, Replay::Safe).await?;
    info!("Approved import session {id}");
    Ok(answer)
}

/// Who ThreatStream says approved `session`: its `approved_by_id`, when that names a user (a whole
/// number above 0, sent as a number or as numeric text). This is how a 2xx from `approve_all` is told
/// from an approval: ThreatStream answers the session, and XSOAR's v3 integration counts the approval
/// only when `approved_by_id` is set ("Import Session Approval Failed" when it is missing, `null` or
/// 0); its test data answers `approved_by_id: 111` with `status: "approving"`, Splunk SOAR's example
/// values show it as text (`"142"`). Text that is not a number names nobody here, where Python's
/// truthiness would pass it.
pub(crate) fn approver_id(session: &Record) -> Option<u64> {
    session.get("approved_by_id").and_then(numeric_id).filter(|id| *id > 0)
}

/// `PATCH /api/v1/importsession/{id}/edit_classification/` with `change` (`is_public`, `circles`),
/// as Cortex XSOAR sends it: the session as ThreatStream answered it (`Null` when empty). Setting a
/// classification twice does what setting it once does, so it is retried like a read. XSOAR takes the
/// edit as failed when the answer's `status` is `errors`; that judgement is the caller's.
///
/// # Contract: PATCH `/api/v1/importsession/{id}/edit_classification/`
///
/// - Capability: Import sessions (`edit_import_classification`)
/// - Parameters and body: JSON `{"is_public": true|false, "circles": [ids]}`, each only when given, at least one
///   (refused before any request otherwise). Retried like a read (`Replay::Safe`): setting it twice is setting it
///   once
/// - Answer and paging: The session (`status`, `is_public`, `trusted_circles` ...); `status: errors` fails the
///   step, as XS3 fails it. An answer without `status` (XS3's test answers `{id, date}`) is followed by a read of
///   the session. 404 names the session; 403 names Import Intel or Approve Intel (unconfirmed which). No paging
/// - Confirmed by: XS3 `edit_classification_job_command`, its README and `_test.py`
/// - Fixtures: None yet (simulator)
/// - Choice: The permission is unconfirmed → both named
pub(crate) async fn edit_classification(client: &Client, id: u64, change: &Value) -> Result<Value, ApiError> {
    let path = format!("{}edit_classification/", path(id));
    let body = Some(change.to_string());
    let answer = client.send_json(Method::PATCH, &path, &[], body, Replay::Safe).await?;
    info!("Edited the classification of import session {id}");
    Ok(answer)
}

/// `GET /api/v1/importsession/{id}/rejects/` page by page, up to `limit`: the lines the import left
/// out, and whether there were more. Unconfirmed: no public client calls the route, so its answer is
/// read as ThreatStream's other v1 lists are (`meta.next`, `objects`).
///
/// # Contract: GET `/api/v1/importsession/{id}/rejects/`
///
/// - Capability: Import sessions (`get_import_session_rejects`)
/// - Parameters and body: `limit=<up to 1000>&offset=0`
/// - Answer and paging: Unconfirmed: read as ThreatStream's other v1 lists, `{meta: {next, ...}, objects: [{id,
///   value, reason}]}`, each item passed on as sent. 404 names the session. Paging: `meta.next` as given, until
///   the limit (at most 10,000)
/// - Confirmed by: Unconfirmed: no public client calls it (XS3, SOAR, FS, TF, GA, R7 and CS searched); only the
///   count (`numRejected`, read by TF) appears in public answers
/// - Fixtures: None yet (simulator)
/// - Choice: —
pub(crate) async fn import_session_rejects(
    client: &Client,
    id: u64,
    limit: usize,
) -> Result<(Vec<Record>, bool), ApiError> {
    let mut rejects = Vec::new();
    let path = format!("{}rejects/", path(id));
    let more = each_page(client, &path, &[], limit, |page| rejects.extend(page)).await?;
    Ok((rejects, more))
}

/// How a rejection ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// ThreatStream answered that it rejected the session.
    Done,
    /// An attempt got no answer (`earlier`), and the retry found no session: the first attempt most
    /// likely rejected it, which removes it, and no session is what a rejection is for.
    Presumed { earlier: String },
}

/// `DELETE /api/v1/importsession/{id}/`: ThreatStream's rejection (the session becomes `deleted`).
///
/// # Contract: DELETE `/api/v1/importsession/{id}/`
///
/// - Capability: Import sessions (`reject_import_session`)
/// - Parameters and body: No body. Retried like a read
/// - Answer and paging: 204 with no body (FS also takes 200 or 202 with JSON). A 404 after an attempt that got no
///   answer means the first attempt rejected it. No paging
/// - Confirmed by: FS `info.json` `reject_import_job` and `api_request` (204 is success)
/// - Fixtures: `import/fortisoar_reject_204`
/// - Choice: FS is the only client that rejects; XS3 and SOAR call the resulting `deleted` status "Rejected". FS
///   leaves out the slash → kept, as on every other session route (unconfirmed with the slash)
pub(crate) async fn reject_import_session(client: &Client, id: u64) -> Result<Rejection, ApiError> {
    match client
        .send_json(Method::DELETE, &path(id), &[], None, Replay::Safe)
        .await
    {
        Ok(_) => {
            info!("Rejected import session {id}");
            Ok(Rejection::Done)
        }
        Err(ApiError::AfterUnanswered { earlier, error }) if matches!(*error, ApiError::Status { status: 404, .. }) => {
            Ok(Rejection::Presumed { earlier })
        }
        Err(error) => Err(error),
    }
}

/// Reads session `id` until it leaves the working states, pausing longer each time, for at most
/// `wait`; answers with its last state, which may still be a working one.
pub(crate) async fn follow_import_session(client: &Client, id: u64, wait: Duration) -> Result<Record, ApiError> {
    let deadline = Instant::now() + wait;
    let mut pause = first_step(FIRST_POLL_PAUSE);
    loop {
        let session = import_session(client, id).await?;
        let status = session.get("status").and_then(Value::as_str).unwrap_or_default();
        let left = deadline.saturating_duration_since(Instant::now());
        if !WORKING_STATES.contains(&status) || left.is_zero() {
            info!("Import session {id} is {status}");
            return Ok(session);
        }
        debug!("Import session {id} is {status}; reading it again in {pause:?}");
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(LONGEST_POLL_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::super::paging::first_page;
    use super::super::paging::tests::{client_of, run};
    use super::*;

    #[test]
    fn only_an_approved_by_id_that_names_a_user_is_an_approval() {
        // `Null` stands for a session without the key.
        let session = |id: Value| -> Record {
            let mut session = Record::new();
            if !id.is_null() {
                session.insert("approved_by_id".into(), id);
            }
            session
        };
        for (given, expected) in [
            (serde_json::json!(111), Some(111)),
            (serde_json::json!("142"), Some(142)),
            (serde_json::json!(" 7 "), Some(7)),
            (serde_json::json!(0), None),
            (serde_json::json!("0"), None),
            (serde_json::json!(""), None),
            (serde_json::json!("someone"), None),
            (serde_json::json!(-3), None),
            (serde_json::json!(true), None),
            (Value::Null, None),
        ] {
            assert_eq!(approver_id(&session(given.clone())), expected, "{given}");
        }
        let mut null = Record::new();
        null.insert("approved_by_id".into(), Value::Null);
        assert_eq!(approver_id(&null), None);
    }

    #[test]
    fn asking_for_no_sessions_sends_nothing() {
        let sim = threatstream_simulator::Simulator::start("k");
        let filter = SessionFilter::default();
        let sessions = run(import_sessions(&client_of(&sim), &filter)).expect("nothing");
        assert!(sessions.is_empty());
        assert!(sim.requests().is_empty());
    }

    #[test]
    fn the_query_carries_only_the_filters_given() {
        let filter = SessionFilter {
            status: Some("done".into()),
            modified_since: Some("2026-01-01T00:00:00Z".into()),
            limit: 5,
        };
        assert_eq!(
            first_page(&session_filters(&filter), 5),
            [
                ("status", "done".to_owned()),
                ("date_modified__gte", "2026-01-01T00:00:00Z".to_owned()),
                ("limit", "5".to_owned()),
                ("offset", "0".to_owned())
            ]
        );
        assert_eq!(first_page(&session_filters(&SessionFilter::default()), 1000).len(), 2);
    }
}
