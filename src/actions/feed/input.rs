//! The inputs the trigger and the task share: what to follow (the filters), what to leave out, where
//! to start and how much to take at once. `step_input!`'s `..FeedFilters` and `..FeedPacing` write them once
//! for both input types, and `feed` checks them into a `Feed` before any request.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::engine::Feed;
use super::observables::Observables;
use crate::actions::input::{at_most, distinct, given, or_default, MAX_NAMES};
use crate::actions::{names, wire_name, Names};
use crate::protocol::Failure;
use crate::threatstream::{FeedFilter, RecordType, Severity, Status};

/// A severity, as ThreatStream's `meta.severity` holds it.
// `threatstream::Severity` under the name the feeds' published schemas give it (elsewhere it is
// published in place).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
#[schemars(rename = "Severity")]
pub(crate) struct FeedSeverity(pub(crate) Severity);

pub(crate) fn active_only() -> Vec<Status> {
    vec![Status::Active]
}

pub(crate) fn default_backfill_hours() -> u32 {
    0
}

pub(crate) fn default_stability_window() -> u32 {
    60
}

pub(crate) fn default_max_per_poll() -> u32 {
    1000
}

/// What both feeds follow: their `..FeedFilters` inputs (`actions::input::step_input!`).
pub(crate) struct FeedFilters {
    pub(crate) types: Vec<RecordType>,
    pub(crate) itypes: Vec<String>,
    pub(crate) min_confidence: Option<u8>,
    pub(crate) severities: Vec<FeedSeverity>,
    pub(crate) statuses: Vec<Status>,
    pub(crate) tags: Vec<String>,
    pub(crate) trusted_circles: Vec<std::num::NonZeroU64>,
    pub(crate) exclude_tags: Vec<String>,
}

/// Where both feeds start and how much they take at once: their `..FeedPacing` inputs.
pub(crate) struct FeedPacing {
    pub(crate) backfill_hours: u32,
    pub(crate) stability_window_seconds: u32,
    pub(crate) max_per_poll: u32,
}

/// The checked feed of an input with `..FeedFilters` and `..FeedPacing`; an error names the input at
/// fault, before any request.
pub(crate) fn feed<I>(input: &I) -> Result<Feed<Observables>, Failure>
where
    for<'a> FeedFilters: From<&'a I>,
    for<'a> FeedPacing: From<&'a I>,
{
    let (fields, pacing) = (FeedFilters::from(input), FeedPacing::from(input));
    at_most(
        "trusted_circles",
        fields.trusted_circles.len(),
        MAX_NAMES,
        "trusted circles",
    )?;
    let filter = FeedFilter {
        types: distinct(fields.types.iter().map(wire_name)),
        itypes: names("itypes", &fields.itypes, Names::Itypes)?,
        // 0 would leave out the records whose confidence is unknown (-1), which nobody asks for.
        min_confidence: given(fields.min_confidence),
        severities: distinct(fields.severities.iter().map(wire_name)),
        statuses: distinct(fields.statuses.iter().map(wire_name)),
        tags: names("tags", &fields.tags, Names::Tags)?,
        trusted_circles: distinct(fields.trusted_circles.iter().map(|circle| circle.get())),
    };
    let exclude_tags = names("exclude_tags", &fields.exclude_tags, Names::Tags)?;
    Ok(Feed {
        source: Observables {
            filter,
            exclude_tags: exclude_tags.iter().map(|tag| tag.to_lowercase()).collect(),
        },
        backfill_hours: pacing.backfill_hours,
        stability_window_ms: i64::from(pacing.stability_window_seconds) * 1000,
        max_per_poll: or_default(pacing.max_per_poll, default_max_per_poll()) as usize,
    })
}
