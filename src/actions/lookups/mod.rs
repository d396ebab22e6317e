//! The lookups: every intelligence record about one observable.
//!
//! Each lookup action only validates its own input into an `Observable`; fetching every page, keeping
//! exact matches and cleaning the records is the same for every kind of observable, and lives here.

mod hash;
mod ip;
mod observables;
mod record;
mod url;

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde_json::value::RawValue;
use serde_json::Value;

use super::connection::Connection;
use crate::protocol::{clean, Action, Failure, Output};
use crate::threatstream::{self, Observable};
pub(super) use record::ResultRecord;

// The lookups' output, for the schema; `lookup` writes the same shape as text. `E` gives the records
// help.md shows as the example output of each lookup.
#[allow(dead_code, reason = "only its schema is used")]
#[derive(JsonSchema)]
#[schemars(rename = "LookupOutput", bound = "E: ExampleRecords")]
pub(crate) struct LookupOutput<E: ExampleRecords> {
    /// Intelligence records whose value is exactly the one looked up; empty when there are none
    #[schemars(title = "Results", example = E::records())]
    pub(crate) results: Vec<ResultRecord>,
    #[schemars(skip)]
    example: PhantomData<E>,
}

/// The records one lookup's help shows as its example output.
pub(crate) trait ExampleRecords: 'static {
    fn records() -> Value;
}

/// The lookup actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &ip::LookupIp,
    &url::LookupUrl,
    &hash::LookupHash,
    &observables::GetObservables,
];

/// Looks `observable` up and answers with the cleaned, exactly matching records.
///
/// The output is written as JSON text while the pages arrive, one record at a time, in the shape of
/// `LookupOutput`; a lookup with tens of thousands of records then costs little more memory than its
/// output's size (see `protocol::Output`).
pub(crate) async fn lookup(connection: &Connection, observable: Observable) -> Result<Output, Failure> {
    let mut results = String::from("{\"results\":[");
    let mut broken = None;
    threatstream::lookup(&connection.client, &observable, |record| {
        let mut record = Value::Object(record);
        clean(&mut record);
        if !results.ends_with('[') {
            results.push(',');
        }
        // Writing a `Value` into a `String` fails only for a map with non-string keys, which JSON has not.
        if let Err(error) = serde_json::to_writer(StringWriter(&mut results), &record) {
            broken.get_or_insert(error);
        }
    })
    .await?;
    if let Some(error) = broken {
        let failure = Failure::defect("The lookup results could not be encoded.", "Please contact support.");
        return Err(failure.with_data(error.to_string()));
    }
    results.push_str("]}");
    RawValue::from_string(results).map_err(|error| {
        Failure::defect("The lookup results could not be encoded.", "Please contact support.")
            .with_data(error.to_string())
    })
}

/// Lets serde_json write straight into the output text.
struct StringWriter<'a>(&'a mut String);

impl std::io::Write for StringWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text =
            std::str::from_utf8(bytes).map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))?;
        self.0.push_str(text);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
