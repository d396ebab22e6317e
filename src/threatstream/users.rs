//! The organization's users: `GET /api/v1/orgadmin/`, as XSOAR's v3 integration lists them (it needs
//! Org Admin). CrowdStrike's description names `/api/v1/user/` with the same fields; Polarity reads
//! that path as the caller's own account, so the organization's list is `orgadmin`.

use super::client::Client;
use super::error::ApiError;
use super::intelligence::Record;
use super::paging::each_page;

/// Up to `limit` users, in ThreatStream's order.
///
/// # Contract: GET `/api/v1/orgadmin/`
///
/// - Capability: Users (`list_users`)
/// - Parameters and body: `limit=<up to 1000>&offset=0`
/// - Answer and paging: `{meta, objects: [{user_id (text), email, name, nickname, is_active, is_org_admin,
///   is_readonly, can_*, last_login (null when never), last_access_ts, ...}]}`: no `id`. Paging: `meta.next` as
///   given, until the limit. 403 without Org Admin
/// - Confirmed by: XS3 `list_users_request` (`v1/orgadmin/`), `list_user_command`, `mocked_data.json`
///   `list_user_response`, `README.md` (only Org Admin users may run it)
/// - Fixtures: `admin/xsoar_list_users`
/// - Choice: CS names `/api/v1/user/` with the same fields; POL reads that path as the caller's own account →
///   `orgadmin`, the organization's list
pub(crate) async fn users(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut users = Vec::new();
    each_page(client, "api/v1/orgadmin/", &[], limit, |page| users.extend(page)).await?;
    Ok(users)
}
