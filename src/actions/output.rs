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
//! Records that pass through as ThreatStream sent them are `Value`s in the output type, described for
//! the schema by a type of the fields a playbook most often reads: `#[schemars(with = "Vec<Comment>")]`
//! (see `lookups::record`). Such a description is never built, since ThreatStream's records vary by
//! version and endpoint and carry fields no client lists; it says so with `#[expect(dead_code, ...)]`.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

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
