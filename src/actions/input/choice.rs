//! An optional enum input whose form offers the empty choice, for a vocabulary published elsewhere
//! too (`threatstream::Severity`): the values come from that one type, with `""` beside them.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{DeserializeOwned, Error, IntoDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// One of `T`'s values, or the form's empty choice (`""`, what the orchestrator sends for an
/// untouched optional list), which sets nothing; read it with `actions::chosen`. Its schema is
/// `T`'s values and `""`, in place, described by the field alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Choice<T> {
    Unset,
    Chosen(T),
}

impl<T> Choice<T> {
    /// The value chosen, or `None` for the empty choice.
    pub(crate) fn value(self) -> Option<T> {
        match self {
            Choice::Unset => None,
            Choice::Chosen(value) => Some(value),
        }
    }
}

impl<T: Serialize> Serialize for Choice<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Choice::Unset => serializer.serialize_str(""),
            Choice::Chosen(value) => value.serialize(serializer),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Choice<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.is_empty() {
            return Ok(Choice::Unset);
        }
        T::deserialize(name.into_deserializer())
            .map(Choice::Chosen)
            .map_err(|error: serde::de::value::Error| D::Error::custom(error))
    }
}

impl<T: JsonSchema> JsonSchema for Choice<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Choice_of_{}", T::schema_name()).into()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("Choice<{}>", T::schema_id()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = T::json_schema(generator);
        if let Some(object) = schema.as_object_mut() {
            object.shift_remove("description");
            if let Some(Value::Array(values)) = object.get_mut("enum") {
                values.push(Value::from(""));
            }
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threatstream::Severity;

    #[test]
    fn the_empty_choice_is_unset_and_others_are_the_types() {
        let read = |text: &str| serde_json::from_value::<Choice<Severity>>(Value::from(text));
        assert_eq!(read("").unwrap(), Choice::Unset);
        assert_eq!(read("very-high").unwrap(), Choice::Chosen(Severity::VeryHigh));
        assert!(read("severe").is_err());
        assert_eq!(serde_json::to_value(Choice::Chosen(Severity::High)).unwrap(), "high");
        assert_eq!(serde_json::to_value(Choice::<Severity>::Unset).unwrap(), "");
    }
}
