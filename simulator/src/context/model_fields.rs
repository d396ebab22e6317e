//! The fields a create (`POST /api/v1/{model}/`) or an update (`PATCH
//! /api/v1/{model}/{id}/`) body may set, read into a model's plain form.
//!
//! Bodies as the public clients send them: XSOAR's `build_model_data`
//! (`name`, `is_public` as a bool or the text `"true"`/`"false"`, `tlp`,
//! `tags` as names, the text in `description`, or `body` for a bulletin),
//! Splunk SOAR's (`publication_status`, a bulletin's publication state in
//! `status` and its tags as `tags_v2` objects, an incident's `status` as a
//! status type id), and CrowdStrike's ThreatStream spec (`aliases` as names,
//! a signature's `notes` and its required `s_type`, a malware's required
//! `is_family` and `malware_types`, `start_date`/`end_date`). Tags may be
//! objects with a `tlp`. A field ThreatStream does not know is ignored, as
//! Tastypie ignores it; one it knows with a value it cannot take is a 400.

use serde_json::{json, Map, Value};

use crate::context::threat_models::{incident_status, ModelType, ThreatModel};
use crate::timestamp;

/// The longest name ThreatStream takes (CrowdStrike's spec: `maxLength: 255`).
const MAX_NAME_CHARS: usize = 255;

const TLPS: [&str; 6] = ["red", "amber", "amber+strict", "green", "white", "clear"];
const PUBLICATION_STATUSES: [&str; 5] = ["new", "pending_review", "review_requested", "reviewed", "published"];
const CAMPAIGN_STATUSES: [&str; 3] = ["ongoing", "historic", "future"];

/// What a create needs beyond a name: CrowdStrike's spec lists `s_type` as
/// required for a signature, `is_family` and `malware_types` for malware.
pub(crate) fn check_required(model_type: ModelType, body: &Map<String, Value>) -> Result<(), String> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.trim().is_empty() {
        return Err("The 'name' field is required.".into());
    }
    let required: &[&str] = match model_type {
        ModelType::Signature => &["s_type"],
        ModelType::Malware => &["is_family", "malware_types"],
        _ => &[],
    };
    match required
        .iter()
        .find(|field| body.get(**field).is_none_or(Value::is_null))
    {
        Some(field) => Err(format!(
            "The '{field}' field is required for a {}.",
            model_type.as_str()
        )),
        None => Ok(()),
    }
}

/// Sets on `model` every field of `body` it knows; `Err` is the 400's text,
/// with nothing changed.
pub(crate) fn apply(model: &mut ThreatModel, body: &Map<String, Value>, stamp: &str) -> Result<(), String> {
    let mut changed = model.clone();
    for (key, value) in body {
        set(&mut changed, key, value)?;
    }
    let published = changed.text("publication_status") == "published";
    if published && changed.detail.get("published_ts").is_none_or(Value::is_null) {
        changed.detail["published_ts"] = json!(stamp);
    }
    *model = changed;
    Ok(())
}

fn set(model: &mut ThreatModel, key: &str, value: &Value) -> Result<(), String> {
    let model_type = model.model_type;
    let detail = &mut model.detail;
    match key {
        "name" => detail["name"] = json!(name(value)?),
        "description" | "body" | "notes" | "status_desc" | "source" => detail[key] = json!(text(key, value)?),
        "tlp" => detail["tlp"] = json!(one_of(key, value, &TLPS)?),
        "is_public" | "is_family" | "is_anonymous" => detail[key] = json!(boolean(key, value)?),
        "publication_status" if model_type != ModelType::TipReport => {
            detail["publication_status"] = json!(one_of(key, value, &PUBLICATION_STATUSES)?);
        }
        // A bulletin's publication state is its `status` (Splunk SOAR, ThreatFuse).
        "status" if model_type == ModelType::TipReport => {
            detail["publication_status"] = json!(one_of(key, value, &PUBLICATION_STATUSES)?);
        }
        "status" if model_type == ModelType::Incident => {
            let id = value
                .as_u64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()));
            let status = id.and_then(incident_status);
            detail["status"] = status.ok_or_else(|| format!("Invalid incident status type: {value}."))?;
        }
        "status" if model_type == ModelType::Campaign => {
            let status = one_of(key, value, &CAMPAIGN_STATUSES)?;
            detail["status"] = json!({"display_name": capitalised(&status), "value": status});
        }
        "tags" | "tags_v2" => set_tags(model, key, value)?,
        "aliases" => detail["aliases"] = json!(names(key, value)?),
        "malware_types" => detail["malware_types"] = json!(names(key, value)?),
        "s_type" if model_type == ModelType::Signature => {
            let kind = text(key, value)?;
            detail["s_type"] = json!({"display_name": kind, "value": kind});
        }
        "start_date" | "end_date" => detail[key] = json!(date(key, value)?),
        _ => {}
    }
    Ok(())
}

fn set_tags(model: &mut ThreatModel, key: &str, value: &Value) -> Result<(), String> {
    let items = value.as_array().ok_or_else(|| format!("'{key}' must be a list."))?;
    let mut names = Vec::new();
    let mut tlps = Vec::new();
    for item in items {
        let name = item.as_str().or_else(|| item["name"].as_str()).map(str::trim);
        let name = name.filter(|name| !name.is_empty());
        let name = name.ok_or_else(|| format!("Each of '{key}' needs a name."))?;
        if let Some(tlp) = item.get("tlp").filter(|tlp| !tlp.is_null()) {
            tlps.push((name.to_lowercase(), one_of("tlp", tlp, &TLPS)?));
        }
        if !names.iter().any(|known: &String| known.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    model.detail["tags"] = json!(names);
    model
        .tag_tlps
        .retain(|(name, _)| !tlps.iter().any(|(given, _)| given == name));
    model.tag_tlps.extend(tlps);
    Ok(())
}

fn name(value: &Value) -> Result<String, String> {
    let name = value.as_str().map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err("The 'name' field may not be empty.".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("Ensure 'name' has at most {MAX_NAME_CHARS} characters."));
    }
    Ok(name.to_owned())
}

fn text(key: &str, value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("'{key}' must be text."))
}

fn one_of(key: &str, value: &Value, allowed: &[&str]) -> Result<String, String> {
    match value.as_str() {
        Some(given) if allowed.contains(&given) => Ok(given.to_owned()),
        _ => Err(format!(
            "Invalid '{key}': {value}. Valid values: {}.",
            allowed.join(", ")
        )),
    }
}

fn boolean(key: &str, value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(format!("'{key}' must be true or false, not {value}.")),
    }
}

/// Names given as text or as `{"name"}` objects.
fn names(key: &str, value: &Value) -> Result<Vec<String>, String> {
    let items = value.as_array().ok_or_else(|| format!("'{key}' must be a list."))?;
    items
        .iter()
        .map(|item| {
            let name = item.as_str().or_else(|| item["name"].as_str());
            name.map(str::to_owned)
                .ok_or_else(|| format!("Each of '{key}' must be text."))
        })
        .collect()
}

fn date(key: &str, value: &Value) -> Result<String, String> {
    let given = value.as_str().unwrap_or_default();
    timestamp::parse(given)
        .map(|_| given.to_owned())
        .ok_or_else(|| format!("'{key}' is not a date: {value}."))
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::threat_models::plain;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn bodies_as_the_clients_send_them() {
        let mut bulletin = plain(ModelType::TipReport, 1, json!({}), Vec::new());
        let given = body(
            json!({"name": " B ", "status": "published", "is_public": "false", "body": "<p>x</p>",
                                "tags_v2": [{"name": "emotet", "tlp": "amber"}, {"name": "Emotet"}], "unknown": 1}),
        );
        apply(&mut bulletin, &given, "2026-01-01T00:00:00.000000").unwrap();
        assert_eq!(bulletin.detail["name"], "B");
        assert_eq!(bulletin.detail["publication_status"], "published");
        assert_eq!(bulletin.detail["published_ts"], "2026-01-01T00:00:00.000000");
        assert_eq!(bulletin.detail["is_public"], false);
        assert_eq!(bulletin.detail["tags"], json!(["emotet"]));
        assert_eq!(bulletin.tag_tlp("EMOTET"), "amber");
        assert!(bulletin.detail.get("unknown").is_none());

        let mut incident = plain(ModelType::Incident, 2, json!({}), Vec::new());
        apply(&mut incident, &body(json!({"status": 1})), "").unwrap();
        assert_eq!(incident.detail["status"]["display_name"], "New");
        let refused = apply(&mut incident, &body(json!({"status": 9, "name": "kept out"})), "");
        assert!(refused.is_err());
        assert!(incident.detail.get("name").is_none(), "nothing changes on a 400");
    }

    #[test]
    fn creates_need_what_the_spec_requires() {
        assert!(check_required(ModelType::Actor, &body(json!({"name": "a"}))).is_ok());
        assert!(check_required(ModelType::Actor, &body(json!({"name": " "}))).is_err());
        assert!(check_required(ModelType::Signature, &body(json!({"name": "s"}))).is_err());
        let malware = body(json!({"name": "m", "is_family": false, "malware_types": ["bot"]}));
        assert!(check_required(ModelType::Malware, &malware).is_ok());
    }
}
