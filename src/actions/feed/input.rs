//! The inputs the trigger and the task share: what to follow (the filters), what to leave out, where
//! to start and how much to take at once. `feed_input!` writes them once for both input types, and
//! `FeedInput::feed` checks them into a `Feed` before any request.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::engine::Feed;
use super::observables::Observables;
use crate::actions::input::{at_most, distinct, given, or_default, MAX_NAMES};
use crate::actions::{names, wire_name, Names};
use crate::protocol::Failure;
use crate::threatstream::FeedFilter;

/// An observable type, as ThreatStream's v2 `type` filter takes it.
// A record's type, not `actions::observable::ObservableType` (the kinds a value is told apart by): it
// also has `ipv6` and `string`, and every hash under `md5`. The schema keeps its published name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "ObservableType")]
pub(crate) enum RecordType {
    Ip,
    Ipv6,
    Domain,
    Url,
    Email,
    // Every hash algorithm: ThreatStream files them all under md5, the algorithm in `subtype`.
    Md5,
    String,
}

/// A severity, as ThreatStream's `meta.severity` holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Severity {
    Low,
    Medium,
    High,
    VeryHigh,
}

/// An observable's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Active,
    Inactive,
    Falsepos,
}

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

/// The shared inputs, as the input types hold them.
pub(crate) struct FeedFields<'a> {
    pub(crate) types: &'a [RecordType],
    pub(crate) itypes: &'a [String],
    pub(crate) min_confidence: Option<u8>,
    pub(crate) severities: &'a [Severity],
    pub(crate) statuses: &'a [Status],
    pub(crate) tags: &'a [String],
    pub(crate) trusted_circles: &'a [std::num::NonZeroU64],
    pub(crate) exclude_tags: &'a [String],
    pub(crate) backfill_hours: u32,
    pub(crate) stability_window_seconds: u32,
    pub(crate) max_per_poll: u32,
}

/// An input type with the shared inputs.
pub(crate) trait FeedInput {
    fn fields(&self) -> FeedFields<'_>;

    /// The checked feed; an error names the input at fault, before any request.
    fn feed(&self) -> Result<Feed<Observables>, Failure> {
        let fields = self.fields();
        at_most(
            "trusted_circles",
            fields.trusted_circles.len(),
            MAX_NAMES,
            "trusted circles",
        )?;
        let filter = FeedFilter {
            types: distinct(fields.types.iter().map(wire_name)),
            itypes: names("itypes", fields.itypes, Names::Itypes)?,
            // 0 would leave out the records whose confidence is unknown (-1), which nobody asks for.
            min_confidence: given(fields.min_confidence),
            severities: distinct(fields.severities.iter().map(wire_name)),
            statuses: distinct(fields.statuses.iter().map(wire_name)),
            tags: names("tags", fields.tags, Names::Tags)?,
            trusted_circles: distinct(fields.trusted_circles.iter().map(|circle| circle.get())),
        };
        let exclude_tags = names("exclude_tags", fields.exclude_tags, Names::Tags)?;
        Ok(Feed {
            source: Observables {
                filter,
                exclude_tags: exclude_tags.iter().map(|tag| tag.to_lowercase()).collect(),
            },
            backfill_hours: fields.backfill_hours,
            stability_window_ms: i64::from(fields.stability_window_seconds) * 1000,
            max_per_poll: or_default(fields.max_per_poll, default_max_per_poll()) as usize,
        })
    }
}

/// Defines an input type with the shared inputs, `$extra` fields after the filters, and its
/// `FeedInput` impl.
macro_rules! feed_input {
    ($(#[$attribute:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$attribute])*
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            /// Observable types to follow: `ip`, `ipv6`, `domain`, `url`, `email`, `md5` (hashes of every algorithm) or `string`; all when empty
            #[serde(default)]
            #[schemars(title = "Types", example = serde_json::json!(["ip", "domain"]))]
            pub(crate) types: Vec<$crate::actions::feed::input::RecordType>,
            /// Indicator types to follow, such as c2_ip or mal_domain; all when empty
            #[serde(default)]
            #[schemars(title = "Itypes", example = serde_json::json!(["c2_ip", "mal_domain"]))]
            pub(crate) itypes: Vec<String>,
            /// Follow only observables with at least this confidence (1-100); empty or 0 follows all
            #[schemars(title = "Minimum Confidence", range(max = 100), example = 60)]
            pub(crate) min_confidence: Option<u8>,
            /// Severities to follow: `low`, `medium`, `high` or `very-high`; all when empty
            #[serde(default)]
            #[schemars(title = "Severities", example = serde_json::json!(["high", "very-high"]))]
            pub(crate) severities: Vec<$crate::actions::feed::input::Severity>,
            /// Statuses to follow: `active`, `inactive` or `falsepos`; add the last two to learn of retractions
            #[serde(default = "crate::actions::feed::input::active_only")]
            #[schemars(title = "Statuses", example = serde_json::json!(["active"]))]
            pub(crate) statuses: Vec<$crate::actions::feed::input::Status>,
            /// Follow only observables with any of these tags; all when empty
            #[serde(default)]
            #[schemars(title = "Tags", example = serde_json::json!(["apt29"]))]
            pub(crate) tags: Vec<String>,
            /// Follow only observables shared in any of these trusted circles (IDs); all when empty
            #[serde(default)]
            #[schemars(title = "Trusted Circles", example = serde_json::json!([146]))]
            pub(crate) trusted_circles: Vec<std::num::NonZeroU64>,
            /// Leave out observables with any of these tags, such as the tag your own imports carry, so they do not come back as new (letter case ignored)
            #[serde(default)]
            #[schemars(title = "Exclude Tags", example = serde_json::json!(["insightconnect"]))]
            pub(crate) exclude_tags: Vec<String>,
            $($extra)*
            /// On the first start, also deliver what changed in this many hours before it; 0 delivers only what changes from then on
            #[serde(default = "crate::actions::feed::input::default_backfill_hours")]
            #[schemars(title = "Backfill Hours", range(max = 8760), example = 24)]
            pub(crate) backfill_hours: u32,
            /// Seconds an observable must have been unchanged before it is delivered, so one still being written is not read half-done
            #[serde(default = "crate::actions::feed::input::default_stability_window")]
            #[schemars(title = "Stability Window Seconds", range(max = 3600), example = 60)]
            pub(crate) stability_window_seconds: u32,
            /// The most observables one poll takes; what is left comes with the next poll
            #[serde(default = "crate::actions::feed::input::default_max_per_poll")]
            #[schemars(title = "Maximum Per Poll", range(max = 10000), example = 1000)]
            pub(crate) max_per_poll: u32,
        }

        impl $crate::actions::feed::input::FeedInput for $name {
            fn fields(&self) -> $crate::actions::feed::input::FeedFields<'_> {
                $crate::actions::feed::input::FeedFields {
                    types: &self.types,
                    itypes: &self.itypes,
                    min_confidence: self.min_confidence,
                    severities: &self.severities,
                    statuses: &self.statuses,
                    tags: &self.tags,
                    trusted_circles: &self.trusted_circles,
                    exclude_tags: &self.exclude_tags,
                    backfill_hours: self.backfill_hours,
                    stability_window_seconds: self.stability_window_seconds,
                    max_per_poll: self.max_per_poll,
                }
            }
        }
    };
}
pub(crate) use feed_input;
