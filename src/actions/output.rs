//! How an action's output becomes the JSON text an event carries.
//!
//! The ordinary path: `run` returns a value of its `Output` type, `Serialize + JsonSchema`, and
//! `output_of` encodes it. The type is both what the action builds and what the spec publishes, so an
//! output field cannot drift from its schema.
//!
//! The streamed path, for outputs too large to hold twice: a lookup can answer 50,000 records, and
//! its output is written as JSON text while the pages arrive, into one buffer, so its peak memory is
//! about its output's size (BENCHMARKS.md). Such an action returns `Streamed<T>`: the text, written in
//! the shape of `T`. `T` is still a `Serialize + JsonSchema` type that the action builds; the text is
//! written by `T`'s `Streams::written`, and a test per streamed type holds that text to what serde
//! writes for the same value (see `lookups`), so the two cannot part.
//!
//! Records that pass through as ThreatStream sent them are `Value`s in the output type: ThreatStream's
//! records vary by version and endpoint and carry fields no client lists, and a playbook gets them
//! whole, keys in ThreatStream's order (some lightly shaped first: passive DNS drops empty fields,
//! threat models name their tags). The schema still describes the fields a
//! playbook most often reads, and `passed_through!` declares that description: written like a
//! struct, a doc comment, a title and a Rust type per field, it makes a unit type (`Comment`) whose
//! `JsonSchema` builds the record's schema field by field (`RecordSchema`), as `#[derive(JsonSchema)]`
//! does for a struct of `Option`s. An output names it with `#[schemars(with = "Vec<Comment>")]` (see
//! `lookups::record`). A derived struct would describe the same, but its fields would be there only
//! for the derive to read, never the plugin (rustc warns that they are never read); decoding records
//! into a typed struct would drop the fields it does not list and slow the 50,000-record lookups,
//! which write their records as text.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::protocol::{output_of, Failure, Output};

/// What an action's `run` may return: every `Serialize + JsonSchema` type, or a `Streamed` one.
pub(crate) trait StepOutput: JsonSchema + Send + Sync + 'static {
    /// The output as the JSON text the event carries.
    fn encoded(self) -> Result<Output, Failure>;
}

impl<T: Serialize + JsonSchema + Send + Sync + 'static> StepOutput for T {
    fn encoded(self) -> Result<Output, Failure> {
        output_of(&self)
    }
}

/// An output that writes its own JSON text, exactly what serde would write for it, without a second
/// copy of its largest part.
pub(crate) trait Streams: Serialize + JsonSchema + Send + Sync + 'static {
    fn written(self) -> Result<Output, Failure>;
}

/// An output encoded by its `Streams::written` instead of by serde (see the module doc).
pub(crate) struct Streamed<T>(pub(crate) T);

impl<T: Streams> StepOutput for Streamed<T> {
    fn encoded(self) -> Result<Output, Failure> {
        self.0.written()
    }
}

impl<T: JsonSchema> JsonSchema for Streamed<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// Declares a unit type whose schema describes records passed through as ThreatStream sent them (see
/// the module doc), from a description written like a struct:
///
/// ```ignore
/// passed_through! {
///     /// One comment, passed through as ThreatStream sent it.
///     #[name = "comment"]
///     pub(crate) struct Comment {
///         /// ThreatStream's ID of the comment
///         #[title = "ID"]
///         id: Option<NumberOrString>,
///     }
/// }
/// ```
///
/// `name` is the record's name among the schema's definitions and its title, as every type of an
/// output has them alike. Each field is an `Option`: a record may lack any of them or hold a null.
/// Doc comments become descriptions, as schemars writes them.
///
/// No unit test of its own: every record it describes is published in `schemas/`, so
/// `generated_files_are_fresh` fails on any change to what it writes (joining doc lines with a space
/// instead of a line feed stales 21 generated files).
macro_rules! passed_through {
    (
        $(#[doc = $doc:literal])*
        #[name = $name:literal]
        $visibility:vis struct $record:ident {
            $(
                $(#[doc = $field_doc:literal])*
                #[title = $title:literal]
                $key:ident: Option<$type:ty>,
            )+
        }
    ) => {
        $(#[doc = $doc])*
        $visibility struct $record;

        impl schemars::JsonSchema for $record {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($record)).into()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut record = $crate::actions::output::RecordSchema::default();
                $(
                    let field = generator.subschema_for::<Option<$type>>();
                    record.field(stringify!($key), field, $title, &[$($field_doc),*]);
                )+
                record.described($name, &[$($doc),*])
            }
        }
    };
}

pub(crate) use passed_through;

/// The schema of a record `passed_through!` describes, built as `#[derive(JsonSchema)]` builds a
/// struct's: an object, each field a property in the declared order, none required, then the title
/// and description.
pub(crate) struct RecordSchema(Schema);

impl Default for RecordSchema {
    fn default() -> Self {
        RecordSchema(json_schema!({"type": "object"}))
    }
}

impl RecordSchema {
    /// Adds the field `key` (a Rust identifier, so `r#type` is the key `type`) with its type's schema.
    pub(crate) fn field(&mut self, key: &str, mut schema: Schema, title: &str, doc: &[&str]) {
        describe(&mut schema, title, doc);
        let key = key.strip_prefix("r#").unwrap_or(key);
        let properties = self
            .0
            .ensure_object()
            .entry("properties")
            .or_insert_with(|| Map::new().into());
        if let Value::Object(properties) = properties {
            properties.insert(key.to_owned(), schema.into());
        }
    }

    pub(crate) fn described(mut self, title: &str, doc: &[&str]) -> Schema {
        describe(&mut self.0, title, doc);
        self.0
    }
}

/// Sets a schema's title, and its description from doc comment lines as schemars reads them: the
/// space after `///` dropped, lines joined by a line feed, the whole trimmed, nothing when empty. (A
/// first line starting with `#`, which schemars takes for the title, is not special: the title is
/// always given.)
fn describe(schema: &mut Schema, title: &str, doc: &[&str]) {
    schema.insert("title".to_owned(), title.into());
    let lines: Vec<&str> = doc.iter().map(|line| line.strip_prefix(' ').unwrap_or(line)).collect();
    let description = lines.join("\n");
    let description = description.trim_ascii();
    if !description.is_empty() {
        schema.insert("description".to_owned(), description.into());
    }
}
