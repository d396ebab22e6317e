//! List Users: `GET /api/v1/orgadmin/`, every page up to a limit, each user in the fields XSOAR's
//! test data (`list_user_response`) shows: keyed by `user_id` (text, as ThreatStream sends it), with
//! the e-mail address, whether the account is active, locked, an org admin or read-only, what it may
//! do, and when it last logged in (`null` for a user who never did, left out here). An optional
//! filter keeps only active users, read from each user rather than sent, since no public client
//! filters this route.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::connection::Connection;
use crate::actions::failure::{forbidden, Permission};
use crate::actions::fields::{flag, text};
use crate::actions::input::or_default;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{users, Record};

/// More users than a workflow step can usefully carry.
const MAX_LIMIT: u64 = 10_000;

fn default_limit() -> u64 {
    1000
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListUsersInput {
    /// Leave out deactivated users
    #[serde(default)]
    #[schemars(title = "Active Only", example = true)]
    active_only: bool,
    /// Most users to read; 0 or empty reads up to 1,000
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = MAX_LIMIT), example = 1000)]
    limit: u64,
}

/// A user of the organization.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "user", title = "user")]
pub(crate) struct User {
    /// ThreatStream ID of the user
    #[schemars(title = "User ID")]
    user_id: String,
    /// E-mail address of the user, which ThreatStream signs them in with
    #[schemars(title = "Email")]
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// Name of the user
    #[schemars(title = "Name")]
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Nickname of the user
    #[schemars(title = "Nickname")]
    #[serde(skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
    /// Whether the account is active
    #[schemars(title = "Is Active")]
    #[serde(skip_serializing_if = "Option::is_none")]
    is_active: Option<bool>,
    /// Whether the account is locked
    #[schemars(title = "Is Locked")]
    #[serde(skip_serializing_if = "Option::is_none")]
    is_locked: Option<bool>,
    /// Whether the user administers the organization
    #[schemars(title = "Is Org Admin")]
    #[serde(skip_serializing_if = "Option::is_none")]
    is_org_admin: Option<bool>,
    /// Whether the user may only read
    #[schemars(title = "Is Read Only")]
    #[serde(skip_serializing_if = "Option::is_none")]
    is_readonly: Option<bool>,
    /// Whether the user may approve imports
    #[schemars(title = "Can Approve Intel")]
    #[serde(skip_serializing_if = "Option::is_none")]
    can_approve_intel: Option<bool>,
    /// Whether the user may share intelligence
    #[schemars(title = "Can Share Intelligence")]
    #[serde(skip_serializing_if = "Option::is_none")]
    can_share_intelligence: Option<bool>,
    /// Whether the user may submit to the sandbox
    #[schemars(title = "Can Submit Sandbox")]
    #[serde(skip_serializing_if = "Option::is_none")]
    can_submit_sandbox: Option<bool>,
    /// When the user last logged in; absent for a user who never did
    #[schemars(title = "Last Login")]
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login: Option<String>,
    /// When the user joined
    #[schemars(title = "Date Joined")]
    #[serde(skip_serializing_if = "Option::is_none")]
    date_joined: Option<String>,
}

fn user_of(record: &Record) -> Option<User> {
    Some(User {
        user_id: text(record, "user_id").or_else(|| text(record, "id"))?,
        email: text(record, "email"),
        name: text(record, "name"),
        nickname: text(record, "nickname"),
        is_active: flag(record, "is_active"),
        is_locked: flag(record, "is_locked"),
        is_org_admin: flag(record, "is_org_admin"),
        is_readonly: flag(record, "is_readonly"),
        can_approve_intel: flag(record, "can_approve_intel"),
        can_share_intelligence: flag(record, "can_share_intelligence"),
        can_submit_sandbox: flag(record, "can_submit_sandbox"),
        last_login: text(record, "last_login"),
        date_joined: text(record, "date_joined"),
    })
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ListUsersOutput {
    /// Users of the organization
    #[schemars(title = "Users", example = json!([{"user_id": "121", "email": "analyst@example.com",
        "is_active": true, "is_locked": false, "is_org_admin": true, "is_readonly": false,
        "can_approve_intel": true, "can_share_intelligence": true, "can_submit_sandbox": true,
        "last_login": "2026-09-14T08:00:12.193422", "date_joined": "2020-08-26T12:54:37"}]))]
    users: Vec<User>,
    /// Number of users returned
    #[schemars(title = "Count", example = 1)]
    count: u64,
}

pub(crate) struct ListUsers;

impl TypedStep for ListUsers {
    const ID: &'static str = "list_users";
    const TITLE: &'static str = "List Users";
    const DESCRIPTION: &'static str = "List the users of the organization in Anomali ThreatStream";
    type Input = ListUsersInput;
    type Output = ListUsersOutput;
}

impl TypedAction for ListUsers {
    async fn run(connection: &Connection, input: ListUsersInput) -> Result<ListUsersOutput, Failure> {
        let limit = usize::try_from(or_default(input.limit, default_limit())).unwrap_or(usize::MAX);
        let records = users::users(&connection.client, limit)
            .await
            .map_err(|error| forbidden(error, &[Permission::OrgAdmin], "listing the organization's users"))?;
        let users: Vec<User> = records
            .iter()
            .filter_map(user_of)
            .filter(|user| !input.active_only || user.is_active != Some(false))
            .collect();
        Ok(ListUsersOutput {
            count: u64::try_from(users.len()).unwrap_or(u64::MAX),
            users,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::record_of;

    #[test]
    fn users_read_as_xsoars_test_data_shows_them() {
        let record = record_of(json!({"user_id": "333", "email": "user3@email.com", "is_active": false,
            "last_login": null, "name": "", "nickname": "", "date_joined": "2020-08-26T12:54:37",
            "is_org_admin": false, "avatar_s3_url": ""}));
        assert_eq!(
            serde_json::to_value(user_of(&record).expect("a user")).unwrap(),
            json!({"user_id": "333", "email": "user3@email.com", "is_active": false, "is_org_admin": false,
                "date_joined": "2020-08-26T12:54:37"})
        );
    }
}
