//! Writing threat models: `POST /api/v1/{model}/`, `PATCH` and `DELETE /api/v1/{model}/{id}/`, and
//! a model's tags (`POST .../tag/`) and comments (`GET`, `POST .../comment/`) (reference §1.14).
//!
//! Which write may be sent twice:
//! - a create makes a second model and a comment a second comment: sent once (`Replay::Never`);
//! - an update sets fields to values, a delete of a model already gone changes nothing, and a tag
//!   name a model has already is one tag (the caller sends only the names the model lacks): retried
//!   (`Replay::Safe`).
//!
//! Answers as the public clients read them: a create's answer must carry the model's `id` (XSOAR and
//! Splunk SOAR both fail without one; CrowdStrike's spec answers 201 with the whole model); an update
//! answers 200 or 202 with the model, or nothing (FortiSOAR requires 202, CrowdStrike says 200); a
//! delete answers 204; a tag answers `{"success": true}` (XSOAR) or 201 with the `tags` added
//! (Polarity, on the observables' route of the same family); a comment answers 201 with the comment
//! (Splunk SOAR's example). A model the instance does not have may be in ThreatStream's cloud: a
//! write about one read there goes there (`remote::write_to`), and so does one that the instance
//! answered 404, as Splunk SOAR's comments and deletes do.

use reqwest::Method;
use serde_json::{json, Map, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;
use super::intelligence::{numeric_id, Record};
use super::paging::each_page;
use super::remote::{remote_query, write_to};
use super::tags::Tag;
use super::threat_models::ModelType;

/// One model, as a write names it: its type, its ID, and whether the cloud holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModelRef {
    pub(crate) model_type: ModelType,
    pub(crate) id: u64,
    pub(crate) in_cloud: bool,
}

impl ModelRef {
    pub(crate) fn path(&self) -> String {
        format!("api/v1/{}/{}/", self.model_type.as_str(), self.id)
    }
}

/// Creates a model of `model_type` from `fields` (ThreatStream's names); answers the model as
/// ThreatStream did, which has at least its numeric `id`. Sent once.
///
/// # Contract: POST `/api/v1/{model}/`
///
/// - Capability: Threat models (`create_threat_model`)
/// - Parameters and body: JSON of the fields given, in the type's names: `name`; the text as `body` (tipreport),
///   `notes` (signature) or `description`; `tlp`; `tags` as names; `is_public`; `publication_status`, a
///   tipreport's as `status`; `aliases`; an incident's `status` as the number of its status type (resolved by
///   name first); `s_type` (signature); `is_family`, `malware_types` (malware); `start_date`, `end_date`. Sent
///   once (`Replay::Never`); a failure that may have come after the create says so and names Search Threat Models
///   to check
/// - Answer and paging: 201 with the model; it must carry an `id` (number or numeric text), else the step fails.
///   The model is then read back (`GET /api/v1/{model}/{id}/`) and shown as Get Threat Model shows it. No paging
/// - Confirmed by: XS3 `threatstream-create-model` (fails without an `id`); SOAR create incident, create actor,
///   create vulnerability, create threat bulletin (reads `id`, then reads the model back); FS `create_incident`
///   (201, `status: 2`), `create_threat_bulletin` (201, a bulletin's `status: new`, its text in `body`); CS
///   `Anomali.json` (201 with the model; `s_type`, `is_family`, `malware_types`, `start_date`, `end_date` from
///   its schema alone, unconfirmed by a client that sends them)
/// - Fixtures: None (tests/models.rs against the simulator)
/// - Choice: XS3 writes a signature's text as `description` and reads it back from `notes`; CS writes `notes` →
///   `notes`. Tags as names (XS3) or `tags_v2` objects (SOAR's bulletins) → names. A fixed status number (SOAR 1,
///   FS 2) → the name given, resolved through the status types
pub(crate) async fn create_model(
    client: &Client,
    model_type: ModelType,
    fields: &Map<String, Value>,
) -> Result<Record, ApiError> {
    let path = format!("api/v1/{}/", model_type.as_str());
    let body = Value::Object(fields.clone()).to_string();
    let answer = client
        .send_json(Method::POST, &path, &[], Some(body), Replay::Never)
        .await?;
    let created = with_id(answer, client)?;
    info!("Created {} {}", model_type.as_str(), created["id"]);
    Ok(created)
}

/// The answer as a record with a numeric `id`; anything else is ThreatStream not saying what it made.
fn with_id(answer: Value, client: &Client) -> Result<Record, ApiError> {
    match answer {
        Value::Object(record) if record.get("id").and_then(numeric_id).is_some() => Ok(record),
        other => Err(ApiError::Decode {
            path: "id".into(),
            reason: "the answer does not carry the ID of the model created".into(),
            excerpt: client.excerpt_of(&other),
        }),
    }
}

/// Sets `changes` on a model; answers what ThreatStream answered (the model, or `Null`). Retried.
///
/// # Contract: PATCH `/api/v1/{model}/{id}/`
///
/// - Capability: Threat models (`update_threat_model`)
/// - Parameters and body: JSON of the fields given only, in the names Create sends; nothing given is refused
///   before any request. `remote_api=true` for a cloud model, or after a 404 when Remote API is on. Retried like
///   a read (`Replay::Safe`): setting fields twice sets them once
/// - Answer and paging: 200 or 202 with the model, or no body; the model is read back either way. A 404 names the
///   model. No paging
/// - Confirmed by: XS3 `threatstream-update-model`; SOAR update incident, update actor, update threat bulletin
///   (404 → `remote_api=true`); FS `update_incident`, `update_threat_bulletin` (require 202); CS `Anomali.json`
///   (200)
/// - Fixtures: None (simulator)
/// - Choice: 202 only (FS) or 200 (CS) → any 2xx. FS resolves the status by name as here
pub(crate) async fn update_model(
    client: &Client,
    model: ModelRef,
    changes: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let body = Value::Object(changes.clone()).to_string();
    let answer = send(client, model, Method::PATCH, "", Some(body), Replay::Safe).await?;
    let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
    info!(
        "Updated {} {}: {}",
        model.model_type.as_str(),
        model.id,
        fields.join(", ")
    );
    Ok(answer)
}

/// Deletes a model. Retried.
///
/// # Contract: DELETE `/api/v1/{model}/{id}/`
///
/// - Capability: Threat models (`delete_threat_model`)
/// - Parameters and body: No body. The model is read first, so the output shows what was deleted. Retried like a
///   read: a model deleted twice is deleted once
/// - Answer and paging: 204, no body. A 404 after the read found the model means it is gone already (a retry
///   after an applied first try): `deleted: true`. No paging
/// - Confirmed by: SOAR delete incident, delete actor, delete vulnerability, delete threat bulletin (the manual:
///   Org Admin); FS `delete_incident` (204)
/// - Fixtures: None (simulator)
/// - Choice: None
pub(crate) async fn delete_model(client: &Client, model: ModelRef) -> Result<(), ApiError> {
    send(client, model, Method::DELETE, "", None, Replay::Safe).await?;
    info!("Deleted {} {}", model.model_type.as_str(), model.id);
    Ok(())
}

/// Adds `tags` to a model, as XSOAR's `add_tag_to_model` sends them. Retried: the caller sends only
/// names the model lacks.
///
/// # Contract: POST `/api/v1/{model}/{id}/tag/`
///
/// - Capability: Threat models (`add_threat_model_tags`)
/// - Parameters and body: JSON `{"tags": [{"name", "tlp"}]}`, only the names the model lacks (read first), each
///   with the TLP input, `red` by default. Retried like a read
/// - Answer and paging: `{"success": true}`, or 201 with the tags; any 2xx that does not say it failed is
///   success. The model is read back. No paging
/// - Confirmed by: XS3 `threatstream-add-tag-to-model` (`{"tags": [{"name", "tlp"}]}`, answer `success`)
/// - Fixtures: None (simulator)
/// - Choice: None: XS3 is the only client of this route
pub(crate) async fn tag_model(client: &Client, model: ModelRef, tags: &[Tag]) -> Result<Value, ApiError> {
    let body = json!({"tags": tags.iter().map(Tag::to_json).collect::<Vec<_>>()}).to_string();
    let answer = send(client, model, Method::POST, "tag/", Some(body), Replay::Safe).await?;
    info!(
        "Tagged {} {} with {}",
        model.model_type.as_str(),
        model.id,
        crate::plural::count_of(tags.len(), "tag")
    );
    Ok(answer)
}

/// A comment to add: Splunk SOAR's `{"title", "body"}`, with a TLP when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModelComment {
    pub(crate) title: Option<String>,
    pub(crate) body: String,
    pub(crate) tlp: Option<String>,
}

/// Adds a comment to a model; answers the comment as ThreatStream answered it. Sent once.
///
/// # Contract: POST `/api/v1/{model}/{id}/comment/`
///
/// - Capability: Threat models (`add_threat_model_comment`)
/// - Parameters and body: JSON `{"body", "title"?, "tlp"?}`. Sent once
/// - Answer and paging: 201 with the comment (`id`, `title`, `body`, `tlp`, `created_ts`, `user`). No paging
/// - Confirmed by: SOAR `threatstream_consts.py` (the `/comment/` path) and its create and update threat bulletin
///   (`{"title", "body"}` comments)
/// - Fixtures: None (simulator)
/// - Choice: SOAR comments threat bulletins only; the same route on other types is unconfirmed (ThreatStream's
///   models share their sub-routes, as `intelligence/` and `tag/` show)
pub(crate) async fn comment_model(client: &Client, model: ModelRef, comment: &ModelComment) -> Result<Value, ApiError> {
    let mut body = json!({"body": comment.body});
    if let Some(title) = &comment.title {
        body["title"] = json!(title);
    }
    if let Some(tlp) = &comment.tlp {
        body["tlp"] = json!(tlp);
    }
    let answer = send(
        client,
        model,
        Method::POST,
        "comment/",
        Some(body.to_string()),
        Replay::Never,
    )
    .await?;
    info!("Commented on {} {}", model.model_type.as_str(), model.id);
    Ok(answer)
}

/// A model's comments, oldest first, up to `limit`; none when the model has none (a 404).
///
/// # Contract: GET `/api/v1/{model}/{id}/comment/`
///
/// - Capability: Threat models (`get_threat_model` with Include Comments; `add_threat_model_comment`'s check)
/// - Parameters and body: `limit=<up to 1000>&offset=0`; `remote_api=true` for a cloud model when Remote API is
///   on
/// - Answer and paging: A Tastypie page of comments, oldest first; a 404 is none. Paging: `meta.next` as given,
///   until the limit
/// - Confirmed by: Unconfirmed: SOAR writes comments to this path and no public client reads them back; a GET on
///   the path of a POST is how every other Tastypie list route here reads
/// - Fixtures: None (simulator)
/// - Choice: None
pub(crate) async fn model_comments(client: &Client, model: ModelRef, limit: usize) -> Result<Vec<Record>, ApiError> {
    let path = format!("{}comment/", model.path());
    let mut found = Vec::new();
    let remote = remote_query(model.in_cloud && client.remote_api());
    match each_page(client, &path, &remote, limit, |page| found.extend(page)).await {
        Err(ApiError::Status { status: 404, .. }) if found.is_empty() => Ok(Vec::new()),
        Err(error) => Err(error),
        Ok(_) => Ok(found),
    }
}

/// The incident status types (`GET /api/v1/incidentstatustype/`), which FortiSOAR reads to send an
/// incident's status by its number.
///
/// # Contract: GET `/api/v1/incidentstatustype/`
///
/// - Capability: Threat models (`create_threat_model`, `update_threat_model`: an incident's status by name)
/// - Parameters and body: `limit=1000&offset=0`
/// - Answer and paging: `{objects: [{id, display_name, resource_uri}]}`; the name given is matched to
///   `display_name`, letter case ignored; an unknown name is an error listing the names. Paging: `meta.next` as
///   given
/// - Confirmed by: FS `get_status` (reads `display_name` → `id` before `update_incident`); SOAR's get incident
///   example shows the status object it names
/// - Fixtures: None (simulator)
/// - Choice: SOAR and FS send a fixed number → the name, since status numbers are per tenant (unconfirmed that
///   they differ)
pub(crate) async fn incident_status_types(client: &Client) -> Result<Vec<Record>, ApiError> {
    let mut found = Vec::new();
    each_page(client, "api/v1/incidentstatustype/", &[], 1000, |page| {
        found.extend(page)
    })
    .await?;
    Ok(found)
}

async fn send(
    client: &Client,
    model: ModelRef,
    method: Method,
    below: &str,
    body: Option<String>,
    replay: Replay,
) -> Result<Value, ApiError> {
    let path = format!("{}{below}", model.path());
    write_to(client, model.in_cloud, |remote| {
        let (method, body, query, path) = (method.clone(), body.clone(), remote_query(remote), &path);
        async move { client.send_json(method, path, &query, body, replay).await }
    })
    .await
}

#[cfg(test)]
mod tests {
    use threatstream_simulator::{Fault, Simulator};

    use super::super::paging::tests::{client_of, run};
    use super::*;

    #[test]
    fn a_create_is_sent_once_and_must_say_what_it_made() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        sim.push_fault(Fault::Status {
            status: 503,
            body: "{}".into(),
        });
        let fields = json!({"name": "Case"});
        let fields = fields.as_object().cloned().unwrap_or_default();
        let error = run(create_model(&client, ModelType::Incident, &fields)).expect_err("a 503");
        assert!(matches!(error, ApiError::Status { status: 503, .. }), "{error:?}");
        assert_eq!(sim.requests().len(), 1, "never sent twice");
        sim.push_fault(Fault::Status {
            status: 201,
            body: "{}".into(),
        });
        let error = run(create_model(&client, ModelType::Incident, &fields)).expect_err("no id");
        assert!(matches!(error, ApiError::Decode { .. }), "{error:?}");
        let created = run(create_model(&client, ModelType::Incident, &fields)).expect("created");
        assert!(created.get("id").and_then(numeric_id).is_some());
    }

    #[test]
    fn an_update_is_retried_and_a_comment_is_not() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        let actor = ModelRef {
            model_type: ModelType::Actor,
            id: 3101,
            in_cloud: false,
        };
        sim.push_fault(Fault::Status {
            status: 503,
            body: "{}".into(),
        });
        let changes = json!({"name": "Quokka"});
        let changes = changes.as_object().cloned().unwrap_or_default();
        run(update_model(&client, actor, &changes)).expect("retried");
        assert_eq!(sim.requests().len(), 2);
        sim.clear_requests();
        sim.push_fault(Fault::Status {
            status: 503,
            body: "{}".into(),
        });
        let comment = ModelComment {
            title: None,
            body: "x".into(),
            tlp: None,
        };
        assert!(run(comment_model(&client, actor, &comment)).is_err());
        assert_eq!(sim.requests().len(), 1);
    }
}
