//! The organization's users: `GET /api/v1/orgadmin/`, as XSOAR's v3 integration lists them (it needs
//! Org Admin). CrowdStrike's description names `/api/v1/user/` with the same fields; Polarity reads
//! that path as the caller's own account, so the organization's list is `orgadmin`.

use super::client::Client;
use super::error::ApiError;
use super::intelligence::Record;
use super::paging::each_page;

/// Up to `limit` users, in ThreatStream's order.
pub(crate) async fn users(client: &Client, limit: usize) -> Result<Vec<Record>, ApiError> {
    let mut users = Vec::new();
    each_page(client, "api/v1/orgadmin/", &[], limit, |page| users.extend(page)).await?;
    Ok(users)
}
