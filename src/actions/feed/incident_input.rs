//! The inputs New Incidents and Monitor Incidents share: the filters, how many observables come with
//! an incident, where to start and how much to take at once. `incident_input!` writes them once for
//! both input types, and `IncidentInput::feed` checks them into a `Feed` before any request.

use super::engine::Feed;
use super::incidents::Incidents;
use crate::actions::input::or_default;
use crate::actions::{names, Names};
use crate::protocol::Failure;

/// Observables delivered with each incident when the input gives no limit.
pub(crate) fn default_observable_limit() -> usize {
    100
}

/// Incidents one poll takes when the input gives no limit: each costs two more reads (the incident
/// whole and its observables), so fewer than the observables' thousand.
pub(crate) fn default_max_incidents() -> u32 {
    100
}

/// The shared inputs, as the input types hold them.
pub(crate) struct IncidentFields<'a> {
    pub(crate) published_only: bool,
    pub(crate) tags: &'a [String],
    pub(crate) statuses: &'a [String],
    pub(crate) observable_limit: usize,
    pub(crate) backfill_hours: u32,
    pub(crate) stability_window_seconds: u32,
    pub(crate) max_per_poll: u32,
}

/// An input type with the shared inputs.
pub(crate) trait IncidentInput {
    fn fields(&self) -> IncidentFields<'_>;

    /// The checked feed; an error names the input at fault, before any request.
    fn feed(&self) -> Result<Feed<Incidents>, Failure> {
        let fields = self.fields();
        let lower = |names: Vec<String>| names.iter().map(|name| name.to_lowercase()).collect();
        Ok(Feed {
            source: Incidents {
                published_only: fields.published_only,
                tags: lower(names("tags", fields.tags, Names::Tags)?),
                statuses: lower(names("statuses", fields.statuses, Names::Tags)?),
                observable_limit: or_default(fields.observable_limit, default_observable_limit()),
            },
            backfill_hours: fields.backfill_hours,
            stability_window_ms: i64::from(fields.stability_window_seconds) * 1000,
            max_per_poll: or_default(fields.max_per_poll, default_max_incidents()) as usize,
        })
    }
}

/// Defines an input type with the shared inputs, `$extra` fields after the filters, and its
/// `IncidentInput` impl.
macro_rules! incident_input {
    ($(#[$attribute:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$attribute])*
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            /// Deliver only incidents whose publication status is published, as Splunk SOAR can ingest them
            #[serde(default)]
            #[schemars(title = "Published Only", example = false)]
            pub(crate) published_only: bool,
            /// Deliver only incidents with any of these tags (letter case ignored); all when empty
            #[serde(default)]
            #[schemars(title = "Tags", example = serde_json::json!(["phishing"]))]
            pub(crate) tags: Vec<String>,
            /// Deliver only incidents in any of these statuses, by the names ThreatStream gives them, such as New or Open (letter case ignored); all when empty
            #[serde(default)]
            #[schemars(title = "Statuses", example = serde_json::json!(["New", "Open"]))]
            pub(crate) statuses: Vec<String>,
            /// The most observables delivered with one incident; 0 or empty is the default, 100
            #[serde(default = "crate::actions::feed::incident_input::default_observable_limit")]
            #[schemars(title = "Observable Limit", range(max = 1000), example = 100)]
            pub(crate) observable_limit: usize,
            $($extra)*
            /// On the first start, also deliver what changed in this many hours before it; 0 delivers only what changes from then on
            #[serde(default = "crate::actions::feed::input::default_backfill_hours")]
            #[schemars(title = "Backfill Hours", range(max = 8760), example = 24)]
            pub(crate) backfill_hours: u32,
            /// Seconds an incident must have been unchanged before it is delivered, so one still being written is not read half-done
            #[serde(default = "crate::actions::feed::input::default_stability_window")]
            #[schemars(title = "Stability Window Seconds", range(max = 3600), example = 60)]
            pub(crate) stability_window_seconds: u32,
            /// The most incidents one poll takes; what is left comes with the next poll; 0 or empty is the default, 100
            #[serde(default = "crate::actions::feed::incident_input::default_max_incidents")]
            #[schemars(title = "Maximum Per Poll", range(max = 1000), example = 100)]
            pub(crate) max_per_poll: u32,
        }

        impl $crate::actions::feed::incident_input::IncidentInput for $name {
            fn fields(&self) -> $crate::actions::feed::incident_input::IncidentFields<'_> {
                $crate::actions::feed::incident_input::IncidentFields {
                    published_only: self.published_only,
                    tags: &self.tags,
                    statuses: &self.statuses,
                    observable_limit: self.observable_limit,
                    backfill_hours: self.backfill_hours,
                    stability_window_seconds: self.stability_window_seconds,
                    max_per_poll: self.max_per_poll,
                }
            }
        }
    };
}
pub(crate) use incident_input;
