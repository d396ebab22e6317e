//! The incidents feed, as the engine follows it: ThreatStream's incidents as they are created and
//! changed, oldest change first by `modified_ts` (`threatstream::incidents` has the cursor), as
//! Splunk SOAR's on-poll ingests them.
//!
//! The filters are applied here, to each incident read, as Splunk applies its "published only":
//! no public client filters `GET /api/v1/incident/` by tag or status on the server, and a parameter
//! ThreatStream did not know would be ignored in silence, delivering everything. An incident kept is
//! then read whole with its observables, as Splunk reads each (`GET /api/v1/incident/{id}/` and
//! `.../intelligence/`), and delivered as one item: the incident, shaped as Get Threat Model shows a
//! model, and its observables. One that is gone by then is passed over, and so is one changed again
//! since it was listed: its newer change comes further on and delivers it, so each change is
//! delivered once, with the incident as that change left it.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::engine::{Changes, Source};
use crate::actions::context::ShapedModel;
use crate::actions::lookups::ResultRecord;
use crate::actions::models::example_model;
use crate::protocol::{clean, quoted, Failure};
use crate::threatstream::incidents::{incident, incident_changes, newest_incident_change, IncidentCursor};
use crate::threatstream::threat_models;
use crate::threatstream::timestamp::parse_us;
use crate::threatstream::{format_ms, now_ms, numeric_id, tag_names, ApiError, Client, ModelType, Record};

/// What New Incidents and Monitor Incidents follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Incidents {
    /// Only incidents whose publication status is `published`.
    pub(crate) published_only: bool,
    /// Lower-case tag names; an incident with any of them is kept. All when empty.
    pub(crate) tags: Vec<String>,
    /// Lower-case status names; an incident in any of them is kept. All when empty.
    pub(crate) statuses: Vec<String>,
    /// The most observables delivered with one incident.
    pub(crate) observable_limit: usize,
}

/// What the trigger saves and the task hands back for incidents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "incident_feed_state")]
pub(crate) struct IncidentState {
    /// The modified_ts of the last incident delivered or passed over, as ThreatStream wrote it: what changes at or after it comes next. Empty before the first poll
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Modified", extend("default" = null))]
    pub(crate) modified_ts: Option<String>,
    /// ThreatStream IDs of the incidents changed at exactly that time that were delivered or passed over already
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(title = "Incident IDs", extend("default" = []))]
    pub(crate) incident_ids: Vec<u64>,
    /// When the cursor was last saved (UTC)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Last Poll", extend("default" = null))]
    pub(crate) last_poll: Option<String>,
}

/// One incident delivered: a trigger's event, an item of the task's output.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "incident_event", title = "incident_event")]
pub(crate) struct IncidentEvent {
    /// The incident as ThreatStream holds it now, as Get Threat Model shows a model; its modified_ts tells a change from a repeat
    #[schemars(title = "Incident", example = example_model())]
    incident: ShapedModel,
    /// Intelligence records of the observables linked to it, up to the observable limit, without empty fields
    #[schemars(title = "Observables", example = example_observables())]
    observables: Observables,
}

/// Intelligence records as ThreatStream sends them, described as a lookup's are.
#[derive(Serialize)]
#[serde(transparent)]
struct Observables(Vec<Value>);

impl JsonSchema for Observables {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "IncidentObservables".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<Vec<ResultRecord>>()
    }
}

fn example_observables() -> Value {
    json!([{"id": 500000101, "value": "198.51.100.23", "type": "ip", "itype": "c2_ip", "confidence": 87,
            "status": "active", "source": "Abuse.ch Feodo Tracker"}])
}

/// An incident delivered, for help.md.
pub(crate) fn example_event() -> Value {
    json!({"incident": example_model(), "observables": example_observables()})
}

impl Incidents {
    /// Whether the filters keep `incident`.
    fn keeps(&self, incident: &Record) -> bool {
        let text = |field: &str| incident.get(field).and_then(Value::as_str).unwrap_or_default();
        if self.published_only && text("publication_status") != "published" {
            return false;
        }
        if !self.tags.is_empty() {
            let v2: Record = [("tags".to_owned(), incident.get("tags_v2").cloned().unwrap_or_default())]
                .into_iter()
                .collect();
            let mut names = tag_names(incident).chain(tag_names(&v2));
            if !names.any(|name| self.tags.contains(&name.to_lowercase())) {
                return false;
            }
        }
        if !self.statuses.is_empty() {
            let status = incident.get("status");
            let name = status
                .and_then(|status| status.get("display_name"))
                .or(status)
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !self.statuses.contains(&name.trim().to_lowercase()) {
                return false;
            }
        }
        true
    }
}

/// Whether `whole`, read after `listed` was, carries a later `modified_ts`.
fn changed_since_listed(listed: &Record, whole: &Record) -> bool {
    let micros = |record: &Record| record.get("modified_ts").and_then(Value::as_str).and_then(parse_us);
    matches!((micros(listed), micros(whole)), (Some(listed), Some(now)) if now > listed)
}

impl Source for Incidents {
    type Cursor = IncidentCursor;
    type Item = IncidentEvent;
    type State = IncidentState;
    const NOUN: &'static str = "incident";
    const PASSED_OVER: &'static str = "left out by the filters or gone";
    const MOVES_BY: &'static str = "modification times";

    async fn start(&self, client: &Client, since_ms: Option<i64>) -> Result<IncidentCursor, ApiError> {
        if let Some(since) = since_ms {
            return Ok(IncidentCursor::at(since));
        }
        // With no incident at all, every incident to come is new.
        Ok(newest_incident_change(client)
            .await?
            .unwrap_or_else(|| IncidentCursor::at(0)))
    }

    /// A `modified_ts` cursor is only dangerous from the future: ThreatStream stamps every change
    /// with its clock, so a cursor at or before its newest change, or before now, skips nothing. One
    /// after both (a state edited, or saved against a ThreatStream whose clock ran ahead) would skip
    /// every change until that time. An incident deleted since the cursor was saved makes the newest
    /// change older than the cursor, which is why now counts too.
    async fn newest_if_ahead(
        &self,
        client: &Client,
        cursor: &IncidentCursor,
    ) -> Result<Option<IncidentCursor>, ApiError> {
        let Some(at) = cursor.micros() else {
            return Ok(None);
        };
        let newest = newest_incident_change(client).await?;
        let newest_at = newest.as_ref().and_then(IncidentCursor::micros).unwrap_or(i64::MIN);
        let now = now_ms().saturating_mul(1000);
        if at <= newest_at || at <= now {
            return Ok(None);
        }
        Ok(Some(newest.unwrap_or_else(|| IncidentCursor::at(now_ms()))))
    }

    async fn changes(
        &self,
        client: &Client,
        cursor: &IncidentCursor,
        until_ms: i64,
        limit: usize,
    ) -> Result<Changes<IncidentCursor>, ApiError> {
        let changes = incident_changes(client, cursor, until_ms, limit).await?;
        Ok(Changes {
            records: changes.records,
            full: changes.full,
        })
    }

    async fn item(&self, client: &Client, record: Record) -> Result<Option<IncidentEvent>, ApiError> {
        if !self.keeps(&record) {
            return Ok(None);
        }
        let Some(id) = record.get("id").and_then(numeric_id) else {
            return Ok(None);
        };
        let Some(whole) = incident(client, id).await? else {
            tracing::info!("Incident {id} is gone; passed over");
            return Ok(None);
        };
        if changed_since_listed(&record, &whole) {
            // Its newer change is further on in the feed and delivers it then, once, as it is now;
            // delivering it here too would send the same change twice.
            tracing::info!("Incident {id} changed again since it was listed; it comes with that change");
            return Ok(None);
        }
        let records = threat_models::observables(client, ModelType::Incident, id, self.observable_limit).await?;
        let mut observables = Vec::with_capacity(records.len());
        for record in records {
            let mut observable = Value::Object(record);
            clean(&mut observable);
            observables.push(observable);
        }
        Ok(Some(IncidentEvent {
            incident: ShapedModel::of(whole, Some(ModelType::Incident)),
            observables: Observables(observables),
        }))
    }

    fn describe(cursor: &IncidentCursor) -> String {
        match cursor.taken.len() {
            0 => format!("modified_ts {}", cursor.modified_ts),
            taken => format!(
                "modified_ts {} ({} at it taken)",
                cursor.modified_ts,
                crate::plural::count_of(taken, "incident")
            ),
        }
    }

    fn state_at(cursor: &IncidentCursor) -> IncidentState {
        IncidentState {
            modified_ts: Some(cursor.modified_ts.clone()),
            incident_ids: cursor.taken.clone(),
            last_poll: Some(format_ms(now_ms())),
        }
    }

    fn cursor_of(state: &IncidentState) -> Result<Option<IncidentCursor>, Failure> {
        let Some(modified_ts) = &state.modified_ts else {
            return Ok(None);
        };
        let cursor = IncidentCursor {
            modified_ts: modified_ts.clone(),
            taken: state.incident_ids.clone(),
        };
        if cursor.micros().is_none() {
            return Err(Failure::caller(
                format!("The saved state's modified_ts {} is not a time.", quoted(modified_ts)),
                "Restore the state a run saved, or start afresh with {} (a trigger: delete its state file).",
            ));
        }
        Ok(Some(cursor))
    }

    fn reset(newest: &IncidentCursor) -> String {
        json!({"modified_ts": newest.modified_ts, "incident_ids": newest.taken}).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(value: Value) -> Record {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_read_publication_tags_and_status_as_threatstream_writes_them() {
        let all = Incidents {
            published_only: false,
            tags: Vec::new(),
            statuses: Vec::new(),
            observable_limit: 10,
        };
        let splunk = incident(json!({"id": 1000000003, "publication_status": "new",
            "status": {"display_name": "New", "id": 1, "resource_uri": "/api/v1/incidentstatustype/1/"},
            "tags_v2": [{"id": "15e", "name": "Phishing", "org_id": 67, "tlp": "white"}]}));
        assert!(all.keeps(&splunk));
        let published = Incidents {
            published_only: true,
            ..all.clone()
        };
        assert!(!published.keeps(&splunk));
        let tagged = Incidents {
            tags: vec!["phishing".into()],
            statuses: vec!["new".into()],
            ..all.clone()
        };
        assert!(tagged.keeps(&splunk), "tags_v2 and the status object count");
        let open = Incidents {
            statuses: vec!["open".into()],
            ..all
        };
        assert!(!open.keeps(&splunk));
    }

    #[test]
    fn an_incident_changed_since_it_was_listed_waits_for_that_change() {
        let listed = incident(json!({"id": 7, "modified_ts": "2024-03-04T09:30:00.000001"}));
        let same = incident(json!({"id": 7, "modified_ts": "2024-03-04T09:30:00.000001+00:00"}));
        let later = incident(json!({"id": 7, "modified_ts": "2024-03-04T09:30:00.000002"}));
        assert!(
            !changed_since_listed(&listed, &same),
            "the same time, written otherwise"
        );
        assert!(changed_since_listed(&listed, &later));
        assert!(!changed_since_listed(&listed, &incident(json!({"id": 7}))));
    }

    #[test]
    fn the_state_round_trips_and_refuses_what_is_no_time() {
        let cursor = IncidentCursor {
            modified_ts: "2024-03-04T09:30:00.000001".into(),
            taken: vec![7, 3],
        };
        let state = Incidents::state_at(&cursor);
        assert_eq!(Incidents::cursor_of(&state), Ok(Some(cursor.clone())));
        assert_eq!(Incidents::cursor_of(&IncidentState::default()), Ok(None));
        let bad = IncidentState {
            modified_ts: Some("yesterday".into()),
            ..IncidentState::default()
        };
        assert!(Incidents::cursor_of(&bad).is_err());
        assert_eq!(
            Incidents::reset(&cursor),
            r#"{"modified_ts":"2024-03-04T09:30:00.000001","incident_ids":[7,3]}"#
        );
    }
}
