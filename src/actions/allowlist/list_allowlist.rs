//! List Allowlist: the organization's allowlist, every page of it, newest first, with the notes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::entry::{entry_of, example_entry, AllowlistEntry};
use super::MAX_ENTRIES;
use crate::actions::connection::Connection;
use crate::actions::input::or_default;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::allowlist;

fn default_limit() -> u64 {
    10_000
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListAllowlistInput {
    /// Most entries to return, newest first; 0 or empty returns up to 10,000
    #[serde(default = "default_limit")]
    #[schemars(title = "Limit", range(max = MAX_ENTRIES), example = 10000)]
    limit: u64,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ListAllowlistOutput {
    /// Entries of the allowlist, newest first
    #[schemars(title = "Entries", example = json!([example_entry()]))]
    entries: Vec<AllowlistEntry>,
    /// Number of entries returned
    #[schemars(title = "Count", example = 1)]
    count: u64,
}

pub(crate) struct ListAllowlist;

impl TypedStep for ListAllowlist {
    const ID: &'static str = "list_allowlist";
    const TITLE: &'static str = "List Allowlist";
    const DESCRIPTION: &'static str =
        "List the values on the organization's allowlist in Anomali ThreatStream, which it never treats as threats";
    type Input = ListAllowlistInput;
    type Output = ListAllowlistOutput;
}

impl TypedAction for ListAllowlist {
    async fn run(connection: &Connection, input: ListAllowlistInput) -> Result<ListAllowlistOutput, Failure> {
        let limit = usize::try_from(or_default(input.limit, default_limit())).unwrap_or(MAX_ENTRIES);
        let records = allowlist::allowlist(&connection.client, limit).await?;
        let entries: Vec<AllowlistEntry> = records.iter().filter_map(entry_of).collect();
        Ok(ListAllowlistOutput {
            count: u64::try_from(entries.len()).unwrap_or(u64::MAX),
            entries,
        })
    }
}
