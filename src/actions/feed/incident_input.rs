//! The inputs New Incidents and Monitor Incidents share: the filters, how many observables come with
//! an incident, where to start and how much to take at once. `step_input!`'s `..IncidentFilters` and
//! `..IncidentPacing` write them once for both input types, and `incident_feed` checks them into a
//! `Feed` before any request.

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

/// What both incident feeds follow: their `..IncidentFilters` inputs (`actions::input::step_input!`).
pub(crate) struct IncidentFilters {
    pub(crate) published_only: bool,
    pub(crate) tags: Vec<String>,
    pub(crate) statuses: Vec<String>,
    pub(crate) observable_limit: usize,
}

/// Where both incident feeds start and how much they take at once: their `..IncidentPacing` inputs.
pub(crate) struct IncidentPacing {
    pub(crate) backfill_hours: u32,
    pub(crate) stability_window_seconds: u32,
    pub(crate) max_per_poll: u32,
}

/// The checked feed of an input with `..IncidentFilters` and `..IncidentPacing`; an error names the
/// input at fault, before any request.
pub(crate) fn incident_feed<I>(input: &I) -> Result<Feed<Incidents>, Failure>
where
    for<'a> IncidentFilters: From<&'a I>,
    for<'a> IncidentPacing: From<&'a I>,
{
    let (fields, pacing) = (IncidentFilters::from(input), IncidentPacing::from(input));
    let lower = |names: Vec<String>| names.iter().map(|name| name.to_lowercase()).collect();
    Ok(Feed {
        source: Incidents {
            published_only: fields.published_only,
            tags: lower(names("tags", &fields.tags, Names::Tags)?),
            statuses: lower(names("statuses", &fields.statuses, Names::Tags)?),
            observable_limit: or_default(fields.observable_limit, default_observable_limit()),
        },
        backfill_hours: pacing.backfill_hours,
        stability_window_ms: i64::from(pacing.stability_window_seconds) * 1000,
        max_per_poll: or_default(pacing.max_per_poll, default_max_incidents()) as usize,
    })
}
