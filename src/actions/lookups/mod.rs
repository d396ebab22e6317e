//! The lookups: every intelligence record about one observable, and the verdict on them.
//!
//! Each lookup action only validates its own input into an `Observable` and its verdict options;
//! fetching every page, keeping exact matches, cleaning the records and judging them is the same for
//! every kind of observable, and lives here. The bulk lookup (`bulk.rs`) does the same for up to a
//! thousand observables in a few requests.

mod bulk;
mod bulk_output;
mod domain;
mod email;
mod hash;
mod ip;
mod observables;
mod record;
mod url;

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde_json::value::RawValue;
use serde_json::Value;

use super::allowlisted;
use super::connection::Connection;
use super::verdict::{example_verdict, VerdictOutput};
use crate::protocol::{clean, Action, Failure, Output};
use crate::threatstream::verdict::{Tally, VerdictOptions};
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
    /// The verdict on those records: malicious, suspicious, benign or unknown, with the score, the threat types and the reason
    #[schemars(title = "Verdict", example = example_verdict(&E::records()))]
    pub(crate) verdict: VerdictOutput,
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
    &domain::LookupDomain,
    &email::LookupEmail,
    &observables::GetObservables,
    &bulk::LookupObservables,
];

/// Looks `observable` up and answers with the cleaned, exactly matching records and their verdict.
///
/// The output is written as JSON text while the pages arrive, one record at a time, in the shape of
/// `LookupOutput`, and each record is tallied for the verdict on its way; a lookup with tens of
/// thousands of records then costs little more memory than its output's size (see
/// `protocol::Output`).
pub(crate) async fn lookup(
    connection: &Connection,
    observable: Observable,
    options: VerdictOptions,
) -> Result<Output, Failure> {
    // One buffer from the first byte to the last: the records are most of the output, and copying
    // them into another string at the end would double the peak memory of a large lookup.
    let allowlist = allowlisted::wanted(connection).await?;
    let mut output = RecordsText::after("{\"results\":");
    let mut tally = Tally::new(options);
    threatstream::lookup(&connection.client, &observable, |record| {
        tally.add(&record);
        output.push(record);
    })
    .await?;
    let mut output = output.finish()?;
    output.push_str(",\"verdict\":");
    let verdict = allowlisted::judged(tally.verdict(), allowlist.as_deref(), &observable);
    serde_json::to_writer(StringWriter(&mut output), &verdict).map_err(unencodable)?;
    output.push('}');
    RawValue::from_string(output).map_err(unencodable)
}

/// Records as a JSON array in text, cleaned as they are added, after whatever text precedes it.
#[derive(Default)]
pub(crate) struct RecordsText {
    text: String,
    started: bool,
    broken: Option<serde_json::Error>,
}

impl RecordsText {
    /// An array that will follow `prefix`.
    pub(crate) fn after(prefix: &str) -> RecordsText {
        RecordsText {
            text: prefix.to_owned(),
            ..RecordsText::default()
        }
    }

    pub(crate) fn push(&mut self, record: threatstream::Record) {
        let mut record = Value::Object(record);
        clean(&mut record);
        self.text.push(if self.started { ',' } else { '[' });
        self.started = true;
        // Writing a `Value` into a `String` fails only for a map with non-string keys, which JSON has not.
        if let Err(error) = serde_json::to_writer(StringWriter(&mut self.text), &record) {
            self.broken.get_or_insert(error);
        }
    }

    /// The prefix and the array, closed.
    pub(crate) fn finish(mut self) -> Result<String, Failure> {
        if let Some(error) = self.broken {
            return Err(unencodable(error));
        }
        self.text.push_str(if self.started { "]" } else { "[]" });
        Ok(self.text)
    }
}

pub(crate) fn unencodable(error: serde_json::Error) -> Failure {
    Failure::defect("The lookup results could not be encoded.", "Please contact support.").with_data(error.to_string())
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
