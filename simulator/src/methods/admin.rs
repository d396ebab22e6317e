//! The Rust side of the organization's administration, for tests that link
//! the simulator: what the rules and the allowlist hold now, and allowlist
//! entries made without a request.

use serde_json::Value;

use crate::Simulator;

impl Simulator {
    /// Every rule as ThreatStream's detail route shows it, oldest first.
    #[must_use]
    pub fn rules(&self) -> Vec<Value> {
        self.state.admin.rules().all()
    }

    /// Every allowlist entry, with its notes, oldest first.
    #[must_use]
    pub fn allowlist(&self) -> Vec<Value> {
        self.state.admin.allowlist().all()
    }

    /// Adds an allowlist entry as the bulk route would (without checking
    /// the value); answers whether it was new.
    pub fn allow(&self, value_type: &str, value: &str, notes: Option<&str>) -> bool {
        self.state.admin.allowlist().add(value_type, value, notes)
    }
}
