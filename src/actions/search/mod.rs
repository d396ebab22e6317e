//! Searching intelligence by anything but one observable's value: ThreatStream's query language and
//! the common filters, every page up to a limit. The lookups (`lookups/`) answer about one observable
//! with a verdict; a search answers with whatever records match, written out as they arrive.

mod query;
mod search_intelligence;

use crate::protocol::Action;

/// The search actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[&search_intelligence::SearchIntelligence];
