//! ThreatStream user permissions, so tests can take one away.
//!
//! A real account may lack "Approve Intel" or the right to tag; the plugin
//! must then report which permission is missing instead of a bare 403. A
//! denied write is refused before anything changes, with ThreatStream's
//! error body `{"message": "..."}` naming the permission. Org Admin is the
//! role Splunk SOAR's manual says deletes need; no public client names the
//! permissions for threat models and investigations, so those two names are
//! the simulator's own.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::http::answer::Refused;

/// One class of write a user may be denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Import with approval (`POST .../intelligence/import/`).
    Import,
    /// Approve or reject import sessions, import without approval
    /// (`PATCH /api/v2/intelligence/`) and `default_state=active`.
    ApproveIntel,
    /// Add or remove tags.
    Tag,
    /// Change an observable (`PATCH /api/v2/intelligence/<id>/`).
    Update,
    /// Comment on an observable.
    Comment,
    /// Create, change, tag, comment on and link threat models.
    ThreatModel,
    /// Administer the organization: delete rules and threat models (Splunk
    /// SOAR's manual), list its users (XSOAR's README), change its allowlist
    /// and take snapshots (no public client names a permission for these two;
    /// the simulator files them here).
    OrgAdmin,
    /// Create, change and delete investigations and add their elements.
    Investigation,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::Import,
        Permission::ApproveIntel,
        Permission::Tag,
        Permission::Update,
        Permission::Comment,
        Permission::ThreatModel,
        Permission::OrgAdmin,
        Permission::Investigation,
    ];

    /// The snake-case name used by the control route and in messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Permission::Import => "import",
            Permission::ApproveIntel => "approve_intel",
            Permission::Tag => "tag",
            Permission::Update => "update",
            Permission::Comment => "comment",
            Permission::ThreatModel => "threat_model",
            Permission::OrgAdmin => "org_admin",
            Permission::Investigation => "investigation",
        }
    }

    /// The name ThreatStream's user settings show.
    fn label(self) -> &'static str {
        match self {
            Permission::Import => "Import Intel",
            Permission::ApproveIntel => "Approve Intel",
            Permission::Tag => "Tag Intel",
            Permission::Update => "Edit Intel",
            Permission::Comment => "Comment on Intel",
            Permission::ThreatModel => "Edit Threat Models",
            Permission::OrgAdmin => "Org Admin",
            Permission::Investigation => "Edit Investigations",
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|permission| permission.name() == name)
    }
}

/// The permissions currently taken away.
#[derive(Default)]
pub(crate) struct Denials(Mutex<BTreeSet<Permission>>);

impl Denials {
    pub(crate) fn set(&self, denied: impl IntoIterator<Item = Permission>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = denied.into_iter().collect();
    }

    pub(crate) fn denied(&self) -> Vec<Permission> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .copied()
            .collect()
    }

    /// `Err` carries the 403 to send back.
    pub(crate) fn require(&self, permission: Permission) -> Result<(), Refused> {
        let denied = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&permission);
        if denied {
            return Err(Refused::new(403, &refusal(permission)));
        }
        Ok(())
    }
}

fn refusal(permission: Permission) -> String {
    format!(
        "You do not have permission to perform this action: the '{}' permission ({}) is required.",
        permission.name(),
        permission.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_denials_refuse() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.name()), Some(permission));
        }
        let denials = Denials::default();
        assert!(denials.require(Permission::Tag).is_ok());
        denials.set([Permission::Tag]);
        assert_eq!(denials.require(Permission::Tag).map_err(|r| r.status), Err(403));
        assert!(denials.require(Permission::Update).is_ok());
        assert!(refusal(Permission::ApproveIntel).contains("'approve_intel' permission (Approve Intel)"));
    }
}
