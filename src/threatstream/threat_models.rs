//! ThreatStream's threat models: actors, campaigns, incidents, malware, signatures, threat bulletins,
//! TTPs, vulnerabilities and attack patterns (threatstream-api-and-peers.md §1.14).
//!
//! Four calls: the models tied to an observable (`associated_with_intelligence`), the unified search
//! (`threat_model_search`), one model, and the observables of one model. A 404 on one model or on its
//! observables means "no such model" or "none", as Cortex XSOAR reads it (§1.15), so those answer
//! `None` or an empty list; every other failure is an `ApiError`, a 404 on a later page of
//! observables too (the pages before it were real). With the connection's Remote API on, associations
//! ask ThreatStream's cloud too and a model the instance does not have is asked for there (`remote`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::client::Client;
use super::error::{none_when_missing, ApiError};
use super::intelligence::Record;
use super::paging::{each_page, Page, PAGE_SIZE};
use super::remote::{local_then_remote, remote_query, with_remote};

/// Threat model type
// The names are ThreatStream's own, in paths and in `model_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "threat_model_type")]
pub(crate) enum ModelType {
    Actor,
    AttackPattern,
    Campaign,
    Incident,
    Malware,
    Signature,
    TipReport,
    Ttp,
    Vulnerability,
}

impl ModelType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ModelType::Actor => "actor",
            ModelType::AttackPattern => "attackpattern",
            ModelType::Campaign => "campaign",
            ModelType::Incident => "incident",
            ModelType::Malware => "malware",
            ModelType::Signature => "signature",
            ModelType::TipReport => "tipreport",
            ModelType::Ttp => "ttp",
            ModelType::Vulnerability => "vulnerability",
        }
    }

    /// Where the model keeps its text: `body` for threat bulletins, `notes` for signatures.
    pub(crate) fn text_field(self) -> &'static str {
        match self {
            ModelType::TipReport => "body",
            ModelType::Signature => "notes",
            _ => "description",
        }
    }
}

/// Publication status
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "publication_status")]
pub(crate) enum PublicationStatus {
    New,
    PendingReview,
    ReviewRequested,
    Reviewed,
    Published,
}

impl PublicationStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PublicationStatus::New => "new",
            PublicationStatus::PendingReview => "pending_review",
            PublicationStatus::ReviewRequested => "review_requested",
            PublicationStatus::Reviewed => "reviewed",
            PublicationStatus::Published => "published",
        }
    }
}

/// What a threat model search asks for; empty fields are left out of the query.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ModelSearch {
    pub(crate) model_types: Vec<ModelType>,
    pub(crate) name: Option<String>,
    /// Looked for in names, aliases, texts and tags (ThreatStream's `value`).
    pub(crate) keyword: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) publication_statuses: Vec<&'static str>,
    /// `YYYY-MM-DDTHH:MM:SS`, UTC.
    pub(crate) modified_since: Option<String>,
}

impl ModelSearch {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        let list = |items: Vec<&str>| items.join(",");
        if !self.model_types.is_empty() {
            query.push((
                "model_type",
                list(self.model_types.iter().map(|t| t.as_str()).collect()),
            ));
        }
        if let Some(name) = &self.name {
            query.push(("name", name.clone()));
        }
        if let Some(keyword) = &self.keyword {
            query.push(("value", keyword.clone()));
        }
        if !self.tags.is_empty() {
            query.push(("tags", list(self.tags.iter().map(String::as_str).collect())));
        }
        if !self.publication_statuses.is_empty() {
            query.push(("publication_status", list(self.publication_statuses.clone())));
        }
        if let Some(since) = &self.modified_since {
            query.push(("modified_ts__gte", since.clone()));
        }
        query.push(("order_by", "-modified_ts".to_owned()));
        query
    }
}

/// The models of `model_type` tied to the observable `value`, at most `limit` (one page); none on a 404. A limit of 0
/// asks nothing: Tastypie would read `limit=0` as "no limit".
///
/// # Contract: GET `/api/v1/{model}/associated_with_intelligence/`
///
/// - Capability: Threat models (`enrich_observable`'s associations)
/// - Parameters and body: `value=<observable>`, `limit` (at most 1000); `remote_api=true` on every call when
///   Remote API is on. One call per type: actor, campaign, incident, malware, signature, tipreport, ttp,
///   vulnerability
/// - Answer and paging: A Tastypie page of models: ids as numbers, `tags` as names plus `tags_v2` `{id, name}`,
///   `is_cloneable: "yes"`, `association_info` (`from_id` a number or text). `total_count` may not match
///   `objects`; a 404 is none. One page
/// - Confirmed by: XS3 `get_intelligence_information` with `mocked_actor_response.json` and
///   `mocked_empty_response.json` (and its `remote_api`); SOAR `_handle_list_incidents` (incident, `value`); TF
///   `get_related_indicator_associations` (`ids=`)
/// - Fixtures: `context/xsoar_actor_associations`, `context/xsoar_empty_list`,
///   `context/splunk_associations_string_ids`
/// - Choice: `value=` (XS3, SOAR) or `ids=` (TF, GA) → `value=`: we hold the observable, not its record ids. XS3
///   asks 6 types, TF 14, ours 8. `total_count` not trusted
pub(crate) async fn associated(
    client: &Client,
    model_type: ModelType,
    value: &str,
    limit: usize,
) -> Result<Vec<Record>, ApiError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let path = format!("api/v1/{}/associated_with_intelligence/", model_type.as_str());
    let query = [("value", value.to_owned()), ("limit", limit.min(PAGE_SIZE).to_string())];
    // With Remote API on, XSOAR asks the cloud for associations every time (`remote`).
    let query = with_remote(client, &query);
    // A 404 is an observable no model of this type is tied to, as it is for the other sections.
    let page: Option<Page> = none_when_missing(client.get_json(&path, &query).await)?;
    Ok(page
        .map(|page| page.objects.into_iter().take(limit).collect())
        .unwrap_or_default())
}

/// Every model the search finds, newest change first, up to `limit`.
///
/// # Contract: GET `/api/v1/threat_model_search/`
///
/// - Capability: Threat models (`search_threat_models`)
/// - Parameters and body: `model_type` (comma list), `name`, `value` (keyword), `tags` (comma list),
///   `publication_status` (comma list), `modified_ts__gte`, `order_by=-modified_ts`, `limit=<up to
///   1000>&offset=0`
/// - Answer and paging: `{objects, meta: {total_count, offset, limit, took, next}}`; tags as objects with text
///   ids, `organization {id, title}`, optional `owner_user`, `sort`, `+00:00` times, aliases as names or
///   `{name}`, `status` null. Paging: `meta.next` as given, until the limit
/// - Confirmed by: XS3 `search_threat_model_command` and `mocked_data.json` `search_threat_model_response`; SOAR
///   `_handle_threat_model_search` and its list threat models and list actors examples; TF (`model_type`,
///   `value`, `order_by`)
/// - Fixtures: `context/xsoar_threat_model_search`, `context/splunk_threat_model_search`
/// - Choice: Tag filter `tags` (XS3) or `tags.name` (SOAR, CS) → `tags`. SOAR adds a second query with
///   `model_type=vulnerability` when no type is given → not copied
pub(crate) async fn search(client: &Client, search: &ModelSearch, limit: usize) -> Result<Vec<Record>, ApiError> {
    collect_pages(client, "api/v1/threat_model_search/", &search.query(), limit).await
}

/// One model with its text, or `None` when ThreatStream has no such model. Without its observables
/// and associations, as XSOAR's `get_model_description` and Google SecOps' ThreatFuse ask for it:
/// `observables` pages through the observables, and a model may have thousands.
///
/// # Contract: GET `/api/v1/{model}/{id}/`
///
/// - Capability: Threat models (`get_threat_model`; the model steps' reads before and after a write; each
///   incident `new_incidents` and `monitor_incidents` deliver)
/// - Parameters and body: `skip_intelligence=true&skip_associations=true`; `remote_api=true` after a 404 when
///   Remote API is on
/// - Answer and paging: The model: its text in `description`, `body` (tipreport) or `notes` (signature), as HTML;
///   `tags` as names plus `tags_v2`, or `tags_v2` alone; aliases as objects; a tipreport's publication state in
///   `status`, an incident's or campaign's `status` an object; id a number or numeric text. A 404 is `found:
///   false`, not a failure. No paging
/// - Confirmed by: XS3 `get_model_description` and `test_get_model_description__various_models`; TF details and
///   `resources/get_related_associations_JsonResult_example.json`; SOAR `_get_threat_model_support`, its get
///   incident and create threat bulletin examples, and `_get_incident_support` (each incident its on-poll
///   ingests; an incident gone by then is passed over here)
/// - Fixtures: `context/xsoar_model_description`, `context/xsoar_signature_notes`,
///   `context/xsoar_tipreport_body`, `context/threatfuse_campaign`, `context/threatfuse_tipreport`,
///   `context/splunk_incident`, `context/splunk_tipreport_string_id`
/// - Choice: XS3 leaves out the trailing slash; SOAR and TF keep it → kept. The skip parameters as XS3 and TF
///   send them
pub(crate) async fn model(client: &Client, model_type: ModelType, id: u64) -> Result<Option<Record>, ApiError> {
    let path = format!("api/v1/{}/{id}/", model_type.as_str());
    let fixed = [
        ("skip_intelligence", "true".to_owned()),
        ("skip_associations", "true".to_owned()),
    ];
    let answer = local_then_remote(client, |remote| {
        let mut query = fixed.to_vec();
        query.extend(remote_query(remote));
        let path = &path;
        async move { client.get_json(path, &query).await }
    })
    .await;
    none_when_missing(answer)
}

/// The observables linked to one model, up to `limit`; none when the model has none (a 404 on the
/// first page: one on a later page is an error, not a reason to drop the pages already read).
///
/// # Contract: GET `/api/v1/{model}/{id}/intelligence/`
///
/// - Capability: Threat models (`get_threat_model`'s observables; the observables of each incident
///   `new_incidents` and `monitor_incidents` deliver)
/// - Parameters and body: `limit=<up to 1000>&offset=0`; the whole read again with `remote_api=true` after a 404
///   on the first page, when Remote API is on
/// - Answer and paging: `{objects: [intelligence records]}`, `meta` optional; a tag's `org_id` may be text. A 404
///   on the first page is none; one on a later page is an error. Paging: `meta.next` as given, until the limit
/// - Confirmed by: XS3 `get_iocs_by_model` and `mocked_get_commands_response.json`
///   `threatstream-get-indicators-by-model`; SOAR `_get_incident_support` (`limit=1000`, each incident its
///   on-poll ingests); TF (`type`, `confidence__gte`, follows `meta.next`)
/// - Fixtures: `context/xsoar_model_intelligence`
/// - Choice: TF filters by `type` → no filter, every observable up to the limit
pub(crate) async fn observables(
    client: &Client,
    model_type: ModelType,
    id: u64,
    limit: usize,
) -> Result<Vec<Record>, ApiError> {
    let path = format!("api/v1/{}/{id}/intelligence/", model_type.as_str());
    if let Some(found) = observable_pages(client, &path, &[], limit).await? {
        return Ok(found);
    }
    // A model the instance does not have may be in the cloud (`remote`), asked as `model` asks.
    if client.remote_api() {
        if let Some(found) = observable_pages(client, &path, &remote_query(true), limit).await? {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// The observables at `path`, up to `limit`; `None` when the first page is a 404.
async fn observable_pages(
    client: &Client,
    path: &str,
    filters: &[(&'static str, String)],
    limit: usize,
) -> Result<Option<Vec<Record>>, ApiError> {
    let mut found: Option<Vec<Record>> = None;
    let paged = each_page(client, path, filters, limit, |page| {
        found.get_or_insert_with(Vec::new).extend(page);
    })
    .await;
    match paged {
        Err(ApiError::Status { status: 404, .. }) if found.is_none() => Ok(None),
        Err(error) => Err(error),
        Ok(_) => Ok(Some(found.unwrap_or_default())),
    }
}

/// Every object of `path` with `filters`, up to `limit`.
async fn collect_pages(
    client: &Client,
    path: &str,
    filters: &[(&'static str, String)],
    limit: usize,
) -> Result<Vec<Record>, ApiError> {
    let mut found: Vec<Record> = Vec::new();
    each_page(client, path, filters, limit, |page| found.extend(page)).await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use threatstream_simulator::{Fault, Simulator};

    use super::super::paging::tests::{client_of, page_of, run};
    use super::*;

    fn not_found() -> Fault {
        Fault::Status {
            status: 404,
            body: r#"{"message": "not found"}"#.into(),
        }
    }

    #[test]
    fn a_404_means_no_observables_on_the_first_page_only() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        sim.push_fault(not_found());
        let none = run(observables(&client, ModelType::Actor, 7, 10)).expect("none");
        assert!(none.is_empty());
        sim.push_fault(page_of(&[1, 2], true));
        sim.push_fault(not_found());
        let error = run(observables(&client, ModelType::Actor, 7, 10)).expect_err("a lost page");
        assert!(matches!(error, ApiError::Status { status: 404, .. }), "{error:?}");
        assert_eq!(sim.requests().len(), 3);
    }

    #[test]
    fn asking_for_no_models_sends_nothing() {
        let sim = Simulator::start("k");
        let client = client_of(&sim);
        let found = run(associated(&client, ModelType::Actor, "198.51.100.23", 0)).expect("nothing");
        assert!(found.is_empty());
        let found = run(observables(&client, ModelType::Actor, 7, 0)).expect("nothing");
        assert!(found.is_empty());
        assert!(sim.requests().is_empty());
    }

    #[test]
    fn search_query_lists_only_what_was_given() {
        let search = ModelSearch {
            model_types: vec![ModelType::Actor, ModelType::TipReport],
            keyword: Some("emotet".into()),
            tags: vec!["a".into(), "b c".into()],
            publication_statuses: vec!["published", "reviewed"],
            ..ModelSearch::default()
        };
        let expected: Vec<(&str, String)> = vec![
            ("model_type", "actor,tipreport".into()),
            ("value", "emotet".into()),
            ("tags", "a,b c".into()),
            ("publication_status", "published,reviewed".into()),
            ("order_by", "-modified_ts".into()),
        ];
        assert_eq!(search.query(), expected);
    }

    #[test]
    fn model_types_speak_threatstreams_names() {
        let names: Vec<String> = [ModelType::AttackPattern, ModelType::TipReport]
            .iter()
            .map(|t| serde_json::to_value(t).unwrap().as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(names, ["attackpattern", "tipreport"]);
        assert_eq!(ModelType::AttackPattern.as_str(), "attackpattern");
        assert_eq!(ModelType::Signature.text_field(), "notes");
    }
}
