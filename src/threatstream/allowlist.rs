//! The organization's allowlist (ThreatStream's "whitelist"): `/api/v1/orgwhitelist/`, as XSOAR's
//! v3 integration reads and writes it (reference §1.14).
//!
//! The list is read whole, newest first, with its notes (`showNote=true`, `format=json`,
//! `order_by=-created_ts`, as XSOAR sends them). Entries are added many at once through the bulk
//! route, sent once: whether ThreatStream stores a second copy of an entry is not public. A note's
//! change and a removal do the same however often they are sent, and are retried like reads.
//! CrowdStrike's description names `/api/v1/whitelist/` instead; no client calls that path, and
//! XSOAR's answers name `/api/v1/orgwhitelist/` as the entries' own, so that is the path used.
//! Every write drops the copy a lookup's verdict keeps (`allowlisted`), answered or not.

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};
use tracing::info;

use super::allowlisted::forget;
use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;
use super::paging::each_page;

const PATH: &str = "api/v1/orgwhitelist/";

fn path(id: u64) -> String {
    format!("{PATH}{id}/")
}

/// One entry to add, as the bulk route takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct NewEntry {
    /// cidr, domain, email, ip, md5, url or user-agent.
    pub(crate) value_type: &'static str,
    pub(crate) value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notes: Option<String>,
}

/// The list's query: JSON, with notes, newest first.
fn list_query() -> [(&'static str, String); 3] {
    [
        ("format", "json".to_owned()),
        ("showNote", "true".to_owned()),
        ("order_by", "-created_ts".to_owned()),
    ]
}

/// The allowlist, newest first, up to `limit` entries.
///
/// # Contract: GET `/api/v1/orgwhitelist/`
///
/// - Capability: Allowlist (`list_allowlist`; the pre-read of `add_to_allowlist` and `remove_from_allowlist`; the
///   connection's Check Allowlist, every page, once per process)
/// - Parameters and body: `format=json&showNote=true&order_by=-created_ts`, `limit=<up to 1000>&offset=0`
/// - Answer and paging: `{meta, objects: [{id, value, value_type, notes, created_ts, modified_ts,
///   resource_uri}]}`: `id` a number, `notes` text or null (absent without `showNote=true`), naive timestamps in
///   microseconds. Paging: `meta.next` as given, until the limit (all pages for Check Allowlist)
/// - Confirmed by: XS3 `list_whitelist_entry_request` (`format`, `showNote=true`, `order_by=-created_ts`),
///   `list_whitelist_entry_command` and `mocked_data.json` `list_whitelist_response`
/// - Fixtures: `admin/xsoar_list_allowlist`, `admin/xsoar_empty_allowlist`
/// - Choice: XS3's mock links a placeholder next page (`some_next`) → a last page with `next` null. XS3 also asks
///   `format=csv` → JSON only
pub(crate) async fn allowlist(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut entries = Vec::new();
    each_page(client, PATH, &list_query(), limit, |page| entries.extend(page)).await?;
    Ok(entries)
}

/// Every entry of the allowlist, all pages, each handed to `entry` as its page arrives (`allowlisted`
/// keeps only what a verdict needs of them).
pub(super) async fn each_entry(client: &Client, mut entry: impl FnMut(Record)) -> Result<(), ApiError> {
    each_page(client, PATH, &list_query(), usize::MAX, |page| {
        page.into_iter().for_each(&mut entry)
    })
    .await?;
    Ok(())
}

/// `POST /api/v1/orgwhitelist/bulk/` `{"whitelist": [...]}`: ThreatStream's answer, such as
/// `{"message": "Created 2 item(s).", "success": true}`. Sent once.
///
/// # Contract: POST `/api/v1/orgwhitelist/bulk/`
///
/// - Capability: Allowlist (`add_to_allowlist`)
/// - Parameters and body: JSON `{"whitelist": [{"value_type", "value", "notes"?}]}`, `value_type` one of `cidr`,
///   `domain`, `email`, `ip`, `md5`, `url`, `user-agent`, each value checked for its type before sending; only
///   values not already on the list. Sent once
/// - Answer and paging: 201 (or 200) `{"message": "Created N item(s).", "success": true}`, or CS's `{success,
///   created_count}`; `success: false` with a `message` is a refusal. No paging
/// - Confirmed by: XS3 `create_whitelist_entry_without_file_request`, `test_create_whitelist_entry_command`; CS
///   `Anomali.json` (201, at `/api/v1/whitelist/bulk/`)
/// - Fixtures: `admin/xsoar_bulk_created`, `admin/crowdstrike_bulk_created`, `admin/refused_bulk`
/// - Choice: CS names `/api/v1/whitelist/bulk/`, which no client calls → XS3's `orgwhitelist`, the path its
///   answers name as the entries' own. Whether a repeated entry is stored twice is unconfirmed → sent once. The
///   permission is unconfirmed → a 403 names Org Admin
pub(crate) async fn add_to_allowlist(client: &Client, entries: &[NewEntry]) -> Result<Value, ApiError> {
    let body = json!({ "whitelist": entries }).to_string();
    let answer = client
        .send_json(Method::POST, &format!("{PATH}bulk/"), &[], Some(body), Replay::Never)
        .await;
    // Whatever the answer, the list may have changed: the next verdict reads it again.
    forget(client);
    let answer = answer?;
    info!("Sent {} allowlist entries", entries.len());
    Ok(answer)
}

/// `PATCH /api/v1/orgwhitelist/{id}/` `{"notes": ...}`.
///
/// # Contract: PATCH `/api/v1/orgwhitelist/{id}/`
///
/// - Capability: Allowlist (`update_allowlist_note`)
/// - Parameters and body: JSON `{"notes": "..."}`. Retried like a read
/// - Answer and paging: 202 (or any 2xx) with no body; nothing is read from it. 404: no entry with that ID. No
///   paging
/// - Confirmed by: XS3 `update_whitelist_entry_note_request` (the JSON of `notes`),
///   `test_update_whitelist_entry_note_command` (mocked empty)
/// - Fixtures: `admin/xsoar_note_updated_empty`
/// - Choice: None
pub(crate) async fn update_allowlist_note(client: &Client, id: u64, notes: &str) -> Result<(), ApiError> {
    let body = json!({ "notes": notes }).to_string();
    let answer = client
        .send_json(Method::PATCH, &path(id), &[], Some(body), Replay::Safe)
        .await;
    forget(client);
    answer?;
    info!("Changed the note of allowlist entry {id}");
    Ok(())
}

/// `DELETE /api/v1/orgwhitelist/{id}/`.
///
/// # Contract: DELETE `/api/v1/orgwhitelist/{id}/`
///
/// - Capability: Allowlist (`remove_from_allowlist`)
/// - Parameters and body: No body. Retried like a read
/// - Answer and paging: 204, no body. 404: no entry with that ID. No paging
/// - Confirmed by: XS3 `delete_whitelist_entry_request`, `test_delete_whitelist_entry_command` and its
///   `error_handler` (204 is success)
/// - Fixtures: `admin/xsoar_entry_deleted_empty`
/// - Choice: None
pub(crate) async fn remove_from_allowlist(client: &Client, id: u64) -> Result<(), ApiError> {
    let answer = client
        .send_json(Method::DELETE, &path(id), &[], None, Replay::Safe)
        .await;
    forget(client);
    answer?;
    info!("Removed allowlist entry {id}");
    Ok(())
}
