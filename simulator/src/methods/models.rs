//! Threat models and investigations as a test reads and changes them, the
//! way ThreatStream's own users would behind the plugin's back.

use serde_json::{json, Value};

use crate::context::threat_models::ModelType;
use crate::Simulator;

impl Simulator {
    /// Threat model `id` of `model_type` (`"incident"`, ...), as `GET
    /// /api/v1/<model>/<id>/` answers it.
    #[must_use]
    pub fn threat_model(&self, model_type: &str, id: u64) -> Option<Value> {
        let model_type = ModelType::parse(model_type)?;
        self.state.models().get(model_type, id).map(|model| model.answer())
    }

    /// Changes threat model `id` as an analyst in ThreatStream would: `edit`
    /// runs on its fields in plain form (`name`, `description`, `tags` as
    /// names, `publication_status`), then it gets a new `modified_ts`.
    /// Answers the model as it is then; `None` for an unknown model.
    pub fn change_threat_model(&self, model_type: &str, id: u64, edit: impl FnOnce(&mut Value)) -> Option<Value> {
        let model_type = ModelType::parse(model_type)?;
        let mut book = self.state.models();
        let stamp = book.stamp();
        let model = book.get_mut(model_type, id)?;
        edit(&mut model.detail);
        model.detail["modified_ts"] = json!(stamp);
        Some(model.answer())
    }

    /// Investigation `id`, as `GET /api/v1/investigation/<id>/` answers it,
    /// with its elements under `element_list`.
    #[must_use]
    pub fn investigation(&self, id: u64) -> Option<Value> {
        let book = self.state.investigations();
        let found = book.get(id)?;
        let mut answer = found.answer();
        let elements: Vec<Value> = found.elements.iter().map(|element| element.answer(id)).collect();
        answer["element_list"] = json!(elements);
        Some(answer)
    }
}
