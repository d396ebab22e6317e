//! Schemas for values ThreatStream sends in more than one JSON type.
//!
//! The published plugin's strict types rejected real answers: 4.0.0 declared `update_id` an integer,
//! and ThreatStream sent it as a string. Output schemas use these where the API is known to vary, so
//! a real answer never fails the output check; the spec still names the usual type.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

/// A number that ThreatStream sometimes sends as a string; the spec calls it an integer.
pub(crate) struct NumberOrString;

impl JsonSchema for NumberOrString {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NumberOrString".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["integer", "number", "string"]})
    }
}
