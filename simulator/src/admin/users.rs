//! The organization's users: `GET /api/v1/orgadmin/` (paged) and
//! `GET /api/v1/orgadmin/<user_id>/`, in the shape of XSOAR's
//! `list_user_response`: the key is `user_id`, a string; a user who never
//! logged in has `last_login: null`; there is no `id`. Both need Org Admin
//! (XSOAR's README: "Only users with org admin permission can run this
//! command").
//!
//! Three users: the simulated account (an org admin), an analyst, and a
//! deactivated user who never logged in.

use serde_json::{json, Value};

use crate::http::answer::{number, Answer, Refused};
use crate::http::paging::{self, Paging};
use crate::http::request::RecordedRequest;
use crate::http::response;
use crate::http::route::{to, with, Handler};
use crate::import::session::USER_ID;
use crate::permissions::Permission;
use crate::state::State;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("GET", ["api", "v1", "orgadmin"]) => to(|c| list(c.state, c.request)),
        ("GET", ["api", "v1", "orgadmin", id]) => with(number(id)?, |c, id| get(c.state, id)),
        _ => None,
    }
}

/// The users, oldest first.
fn users(account: &str) -> Vec<Value> {
    vec![
        user(USER_ID, account, true, true, Some("2026-09-14T08:00:12.193422")),
        user(
            202,
            "soc-lead@example.com",
            true,
            false,
            Some("2026-09-13T17:45:03.031000"),
        ),
        user(303, "former-analyst@example.com", false, false, None),
    ]
}

fn user(id: u64, email: &str, active: bool, admin: bool, last_login: Option<&str>) -> Value {
    json!({
        "avatar_s3_url": "", "can_approve_intel": admin, "can_import_to_taxii_inbox": false,
        "can_see_api_key": true, "can_share_intelligence": admin, "can_submit_sandbox": true,
        "can_use_chat": true, "can_use_match": true, "date_joined": "2020-08-26T12:54:37",
        "date_password_changed": null, "email": email, "is_active": active, "is_locked": false,
        "is_org_admin": admin, "is_readonly": false, "is_tfa_exempt": false,
        "last_access_ts": last_login.unwrap_or("1970-01-01T00:00:00"), "last_login": last_login,
        "must_change_password": false, "name": "", "next_password_change_ts": null, "nickname": "",
        "resource_uri": format!("/api/v1/orgadmin/{id}/"), "user_id": id.to_string(),
    })
}

pub(crate) fn list(state: &State, request: &RecordedRequest) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    let pairs = request.query_pairs();
    let paging = Paging::from_query(&pairs).map_err(|message| Refused::bad(&message))?;
    Ok(paging::page(
        users(&state.account.username),
        paging,
        &request.path,
        &pairs,
    ))
}

pub(crate) fn get(state: &State, id: u64) -> Answer {
    state.denials.require(Permission::OrgAdmin)?;
    users(&state.account.username)
        .into_iter()
        .find(|user| user["user_id"].as_str().and_then(|user_id| user_id.parse().ok()) == Some(id))
        .map(|user| response::json(200, &user))
        .ok_or_else(|| Refused::new(404, &format!("No user with id {id}.")))
}
