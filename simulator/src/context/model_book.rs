//! Threat models as state: each simulator's own copy of the catalogue, which
//! the write routes change (`model_writes.rs`, `associations.rs`).
//!
//! Every change stamps the model's `modified_ts` with a time strictly after
//! every stamp before it, in ThreatStream's v1 shape (microseconds, no zone,
//! as XSOAR's `mocked_actor_response.json` and Splunk SOAR's incident
//! examples show it), so a client following `modified_ts` (Splunk SOAR's
//! incident poll) sees each change once. Links go both ways: linking an
//! incident to an actor shows the actor among the incident's actors and the
//! incident among the actor's incidents. A field, a tag or a link changed is
//! a change of the model (a new `modified_ts`); a comment is not, being an
//! object of its own. Which of these ThreatStream counts as a change no
//! public client shows; these are the simulator's choices.

use serde_json::{json, Value};

use crate::context::threat_models::{resource_uri, Catalogue, ModelType, ThreatModel};
use crate::timestamp;

/// Models created here are numbered from this, above every seed and filler id.
const FIRST_CREATED_ID: u64 = 20_001;

/// The user every simulated model, comment and investigation belongs to, as
/// Splunk SOAR's examples show a user.
pub(crate) const OWNER_ID: u64 = 121;
/// The account's organization.
pub(crate) const ORGANIZATION_ID: u64 = 2;

pub(crate) struct ModelBook {
    models: Vec<ThreatModel>,
    next_id: u64,
    next_comment: u64,
    last_stamp_ms: i64,
}

impl ModelBook {
    pub(crate) fn seeded() -> ModelBook {
        let models = Catalogue::get().models.clone();
        let next_id = models
            .iter()
            .map(|model| model.id + 1)
            .max()
            .unwrap_or(0)
            .max(FIRST_CREATED_ID);
        ModelBook {
            models,
            next_id,
            next_comment: 1,
            last_stamp_ms: 0,
        }
    }

    pub(crate) fn models(&self) -> &[ThreatModel] {
        &self.models
    }

    pub(crate) fn of_type(&self, model_type: ModelType) -> impl Iterator<Item = &ThreatModel> {
        self.models.iter().filter(move |model| model.model_type == model_type)
    }

    pub(crate) fn get(&self, model_type: ModelType, id: u64) -> Option<&ThreatModel> {
        self.models
            .iter()
            .find(|model| model.model_type == model_type && model.id == id)
    }

    pub(crate) fn get_mut(&mut self, model_type: ModelType, id: u64) -> Option<&mut ThreatModel> {
        self.models
            .iter_mut()
            .find(|model| model.model_type == model_type && model.id == id)
    }

    /// Now, as a v1 timestamp after every one handed out before.
    pub(crate) fn stamp(&mut self) -> String {
        let now = timestamp::now_ms().max(self.last_stamp_ms + 1);
        self.last_stamp_ms = now;
        v1_stamp(now)
    }

    /// Stores `model` (its fields in plain form, without id or stamps) as a
    /// new model; answers its id.
    pub(crate) fn create(&mut self, mut model: ThreatModel) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let stamp = self.stamp();
        let detail = &mut model.detail;
        detail["id"] = json!(id);
        detail["created_ts"] = json!(stamp);
        detail["modified_ts"] = json!(stamp);
        detail["resource_uri"] = json!(resource_uri(model.model_type, id));
        detail["organization_id"] = json!(ORGANIZATION_ID);
        detail["owner_user_id"] = json!(OWNER_ID);
        if detail.get("publication_status").is_none_or(Value::is_null) {
            detail["publication_status"] = json!("new");
        }
        model.id = id;
        self.models.push(model);
        id
    }

    /// Marks a model changed now.
    pub(crate) fn touch(&mut self, model_type: ModelType, id: u64) {
        let stamp = self.stamp();
        if let Some(model) = self.get_mut(model_type, id) {
            model.detail["modified_ts"] = json!(stamp);
        }
    }

    /// Deletes a model and every link to it; `false` when there is none.
    pub(crate) fn remove(&mut self, model_type: ModelType, id: u64) -> bool {
        let before = self.models.len();
        self.models
            .retain(|model| !(model.model_type == model_type && model.id == id));
        for model in &mut self.models {
            model.links.retain(|link| *link != (model_type, id));
        }
        self.models.len() < before
    }

    /// Links two models both ways; `false` when they were linked already.
    pub(crate) fn link(&mut self, from: (ModelType, u64), to: (ModelType, u64)) -> bool {
        let added = self.link_one_way(from, to) | self.link_one_way(to, from);
        if added {
            self.touch(from.0, from.1);
            self.touch(to.0, to.1);
        }
        added
    }

    fn link_one_way(&mut self, from: (ModelType, u64), to: (ModelType, u64)) -> bool {
        match self.get_mut(from.0, from.1) {
            Some(model) if !model.links.contains(&to) => {
                model.links.push(to);
                true
            }
            _ => false,
        }
    }

    /// Removes the link between two models both ways; `false` when there was none.
    pub(crate) fn unlink(&mut self, from: (ModelType, u64), to: (ModelType, u64)) -> bool {
        let mut removed = false;
        for (one, other) in [(from, to), (to, from)] {
            if let Some(model) = self.get_mut(one.0, one.1) {
                let before = model.links.len();
                model.links.retain(|link| *link != other);
                removed |= model.links.len() < before;
            }
        }
        if removed {
            self.touch(from.0, from.1);
            self.touch(to.0, to.1);
        }
        removed
    }

    /// Adds a comment to a model, as Splunk SOAR's `create actor` example
    /// shows the answer; `None` when there is no such model.
    pub(crate) fn comment(&mut self, model_type: ModelType, id: u64, fields: &Value, email: &str) -> Option<Value> {
        let number = self.next_comment;
        let stamp = self.stamp();
        let model = self.get_mut(model_type, id)?;
        let kind = model_type.as_str();
        let mut comment = json!({
            "id": number,
            "title": fields.get("title").cloned().unwrap_or(Value::Null),
            "body": fields.get("body").cloned().unwrap_or(Value::Null),
            "tlp": fields.get("tlp").cloned().unwrap_or(Value::Null),
            "created_ts": stamp,
            "modified_ts": stamp,
            "remote_api": false,
            "resource_uri": format!("/api/v1/{kind}/{id}/comment/{number}/"),
            "user": {"id": OWNER_ID.to_string(), "email": email, "name": "", "nickname": "",
                     "avatar_s3_url": null, "can_share_intelligence": true, "is_active": true,
                     "is_readonly": false, "must_change_password": false,
                     "organization": {"id": ORGANIZATION_ID.to_string(), "name": "Example Security",
                                      "resource_uri": format!("/api/v1/userorganization/{ORGANIZATION_ID}/")},
                     "resource_uri": format!("/api/v1/user/{OWNER_ID}/")},
        });
        if model_type == ModelType::TipReport {
            comment["tip_report"] = json!(id);
        }
        model.comments.push(comment.clone());
        self.next_comment += 1;
        Some(comment)
    }
}

/// `2024-03-04T09:30:00.123000`: ThreatStream's v1 timestamps, microseconds
/// and no zone (UTC).
pub(crate) fn v1_stamp(ms: i64) -> String {
    let iso = timestamp::format_ms(ms);
    format!("{}000", iso.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::threat_models::plain;

    #[test]
    fn stamps_only_move_forward_and_links_go_both_ways() {
        let mut book = ModelBook::seeded();
        let (first, second) = (book.stamp(), book.stamp());
        assert!(first < second, "{first} {second}");
        assert_eq!(first.len(), "2024-03-04T09:30:00.123000".len());
        let incident = book.create(plain(ModelType::Incident, 0, json!({"name": "case"}), Vec::new()));
        assert!(incident >= FIRST_CREATED_ID);
        let actor = (ModelType::Actor, 3101);
        assert!(book.link((ModelType::Incident, incident), actor));
        assert!(!book.link(actor, (ModelType::Incident, incident)), "linked already");
        let listed = |book: &ModelBook| book.get(actor.0, actor.1).map(|m| m.links.clone());
        assert_eq!(listed(&book), Some(vec![(ModelType::Incident, incident)]));
        assert!(book.unlink(actor, (ModelType::Incident, incident)));
        assert_eq!(listed(&book), Some(vec![]));
        book.link((ModelType::Incident, incident), actor);
        assert!(book.remove(ModelType::Incident, incident));
        assert_eq!(listed(&book), Some(vec![]), "a deleted model leaves no link");
        assert!(!book.remove(ModelType::Incident, incident));
    }
}
