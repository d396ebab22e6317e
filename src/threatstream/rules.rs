//! Rules (keyword alerts): `/api/v1/rule/` (reference §1.14), the routes XSOAR's v3 integration,
//! Splunk SOAR's connector and CrowdStrike's OpenAPI description agree on.
//!
//! Lists are read newest first (`order_by=-created_ts`, as all three send it) through `paging`.
//! Creating is sent once: a second copy would be a second rule. Changing and deleting do the same
//! however often they are sent, and are retried like reads.

use reqwest::Method;
use serde_json::{Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::Record;
use super::paging::each_page;

const PATH: &str = "api/v1/rule/";

fn path(id: u64) -> String {
    format!("{PATH}{id}/")
}

/// `GET /api/v1/rule/?order_by=-created_ts`, page by page, up to `limit` rules.
///
/// # Contract: GET `/api/v1/rule/`
///
/// - Capability: Rules (`list_rules`)
/// - Parameters and body: `order_by=-created_ts`, `limit=<up to 1000>&offset=0`
/// - Answer and paging: `{meta: {limit, next, offset, previous, total_count}, objects}`: ids as numbers, the
///   owner under `user` (its id as text) and `user_id` a number, `tags` as `{name, org_id, tlp}`,
///   `has_associations` instead of the association arrays, every `match_*` flag a boolean. Paging: `meta.next` as
///   given (an offset link restating `order_by`), until the limit
/// - Confirmed by: XS3 `list_rule_request` (`order_by=-created_ts`, `limit`, `offset`), `list_rule_command` and
///   `mocked_data.json` `list_rule_response`, `README.md` @081e68e4 (`threatstream-list-rule` with `page=2
///   page_size=2`); SOAR `_paginator` over `/v1/rule/` (limit and offset)
/// - Fixtures: `admin/xsoar_list_rules`, `admin/xsoar_rules_page_1`, `admin/xsoar_rules_page_2`
/// - Choice: XS3's mock links a next page with a placeholder (`some_next_token`) no server sends → the fixtures
///   carry an offset link, as SOAR pages this list by offset. Every client orders newest first → so does the
///   plugin
pub(crate) async fn rules(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut rules = Vec::new();
    let order = [("order_by", "-created_ts".to_owned())];
    each_page(client, PATH, &order, limit, |page| rules.extend(page)).await?;
    Ok(rules)
}

/// `GET /api/v1/rule/{id}/`: the rule with its associations.
///
/// # Contract: GET `/api/v1/rule/{id}/`
///
/// - Capability: Rules (`list_rules` with an ID; `update_rule` after an empty answer)
/// - Parameters and body: None
/// - Answer and paging: The rule's detail object with its association arrays. 404: no rule with that ID. No
///   paging
/// - Confirmed by: XS3 `list_rule_request` with a `rule_id` (`v1/rule/{id}/`)
/// - Fixtures: None yet (the steps' tests run against the simulator, whose detail object is the create answer's
///   shape)
/// - Choice: None
pub(crate) async fn rule(client: &Client, id: u64) -> Result<Record, ApiError> {
    client.get_json(&path(id), &[]).await
}

/// `POST /api/v1/rule/`: the new rule as ThreatStream answers it. Sent once.
///
/// # Contract: POST `/api/v1/rule/`
///
/// - Capability: Rules (`create_rule`)
/// - Parameters and body: JSON: `name`, `keywords`, every `match_*` flag, `match_impacts` or `exclude_impacts`,
///   `tags` as `[{"name"}]`, `create_investigation` with `investigation_config` or `investigation`,
///   `exclude_notify_org_whitelisted` and `exclude_notify_owner_org` when on. Checked before sending: keywords of
///   at least 3 characters, an IP as a regular expression, a subnet as CIDR, at least one `match_*`, types to
///   include or to exclude. Sent once
/// - Answer and paging: 201 with the rule's detail object (association arrays included; `keyword` the keywords
///   joined). No paging
/// - Confirmed by: XS3 `create_rule_request`, `create_rule_command` (reads the answer's `id`) and
///   `mocked_data.json` `create_rule_response`; CS `Anomali.json` `createRule` (201)
/// - Fixtures: `admin/xsoar_create_rule`
/// - Choice: None on the route. The limits are XS3's README's (keywords, IPs as regex, subnets as CIDR); SOAR's
///   manual notes that a rule matching within nothing breaks ThreatStream's editor → refused here
pub(crate) async fn create_rule(client: &Client, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let body = Value::Object(body.clone()).to_string();
    let answer = client
        .send_json(Method::POST, PATH, &[], Some(body), Replay::Never)
        .await?;
    info!("Created a rule");
    Ok(answer)
}

/// `PATCH /api/v1/rule/{id}/`: the fields given replace the rule's (lists whole).
///
/// # Contract: PATCH `/api/v1/rule/{id}/`
///
/// - Capability: Rules (`update_rule`)
/// - Parameters and body: JSON of the fields given only, checked as for a new rule; a list given replaces the
///   rule's (XS3's README warns so); `is_enabled` for State. Retried like a read (`Replay::Safe`)
/// - Answer and paging: 200 or 202 with the changed rule's detail object, or empty (then the rule is read). 404:
///   no rule with that ID. No paging
/// - Confirmed by: XS3 `update_rule_request` and `mocked_data.json` `update_rule_response`
/// - Fixtures: `admin/xsoar_update_rule`
/// - Choice: `is_enabled` is on the rule object (XS3's mock) but no client sends it (unconfirmed as a writable
///   field)
pub(crate) async fn update_rule(client: &Client, id: u64, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let body = Value::Object(body.clone()).to_string();
    let answer = client
        .send_json(Method::PATCH, &path(id), &[], Some(body), Replay::Safe)
        .await?;
    info!("Updated rule {id}");
    Ok(answer)
}

/// `DELETE /api/v1/rule/{id}/`, answered 204.
///
/// # Contract: DELETE `/api/v1/rule/{id}/`
///
/// - Capability: Rules (`delete_rule`)
/// - Parameters and body: No body. Retried like a read
/// - Answer and paging: 204, no body. 404: no rule with that ID. No paging
/// - Confirmed by: XS3 `delete_rule_request`; SOAR `_process_empty_response` (204 is success) and its manual (Org
///   Admin); CS `Anomali.json` `deleteRule` (204)
/// - Fixtures: `admin/splunk_delete_rule_204`
/// - Choice: None
pub(crate) async fn delete_rule(client: &Client, id: u64) -> Result<(), ApiError> {
    client
        .send_json(Method::DELETE, &path(id), &[], None, Replay::Safe)
        .await?;
    info!("Deleted rule {id}");
    Ok(())
}
