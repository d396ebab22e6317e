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
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::allowlisted;
use super::connection::Connection;
use super::verdict::example_verdict;
use super::{Streamed, Streams};
use crate::protocol::{clean, Action, Failure, Output};
use crate::threatstream::{self, Observable};
use crate::verdict::{Tally, Verdict, VerdictOptions};
pub(crate) use record::ResultRecord;

// The lookups' output (a `//` comment: a doc comment would become the type's description). `lookup`
// builds it with its records already written as JSON text, and it is encoded by `Streams::written`,
// which adds the verdict to that text: a lookup's output is never held twice (see `actions::output`).
// `E` gives the records help.md shows as each lookup's example.
#[derive(Serialize, JsonSchema)]
#[serde(bound = "")]
#[schemars(rename = "LookupOutput", bound = "E: ExampleRecords")]
pub(crate) struct LookupOutput<E: ExampleRecords> {
    /// Intelligence records whose value is exactly the one looked up; empty when there are none
    #[schemars(title = "Results", example = E::records(), with = "Vec<ResultRecord>")]
    pub(crate) results: WrittenRecords,
    /// The verdict on those records: malicious, suspicious, benign or unknown, with the score, the threat types and the reason
    #[schemars(title = "Verdict", example = example_verdict(&E::records()))]
    pub(crate) verdict: Verdict,
    #[serde(skip)]
    #[schemars(skip)]
    example: PhantomData<fn() -> E>,
}

impl<E: ExampleRecords> Streams for LookupOutput<E> {
    /// The text serde would write, after the records: the verdict and the object's end.
    fn written(self) -> Result<Output, Failure> {
        let mut output = self.results.text;
        output.push_str(",\"verdict\":");
        serde_json::to_writer(StringWriter(&mut output), &self.verdict).map_err(unencodable)?;
        output.push('}');
        RawValue::from_string(output).map_err(unencodable)
    }
}

/// A lookup's records as a JSON array, at the end of a text that opens the output object (the
/// output's first field, `results`), so that the output needs no second buffer.
pub(crate) struct WrittenRecords {
    text: String,
}

impl WrittenRecords {
    /// The writer of records for an output whose first field is `results`, as Search Intelligence's.
    pub(crate) fn writer() -> RecordsText {
        RecordsText::after(RESULTS_OPENING)
    }

    /// The records `writer` wrote, closed.
    pub(crate) fn finished(records: RecordsText) -> Result<WrittenRecords, Failure> {
        Ok(WrittenRecords {
            text: records.finish()?,
        })
    }

    /// The output's text so far: its opening and the records, for the rest of its fields to follow.
    pub(crate) fn into_text(self) -> String {
        self.text
    }
}

/// What `WrittenRecords`'s text begins with.
const RESULTS_OPENING: &str = "{\"results\":";

impl Serialize for WrittenRecords {
    /// The array alone, as `LookupOutput`'s `results`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let array = self.text.get(RESULTS_OPENING.len()..).unwrap_or_default();
        let array: &RawValue = serde_json::from_str(array).map_err(serde::ser::Error::custom)?;
        array.serialize(serializer)
    }
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
/// The records are written as JSON text while the pages arrive, one at a time, in the shape of
/// `LookupOutput`, and each is tallied for the verdict on its way; a lookup with tens of thousands of
/// records then costs little more memory than its output's size (see `protocol::Output`).
pub(crate) async fn lookup<E: ExampleRecords>(
    connection: &Connection,
    observable: Observable,
    options: VerdictOptions,
) -> Result<Streamed<LookupOutput<E>>, Failure> {
    // One buffer from the first byte to the last: the records are most of the output, and copying
    // them into another string at the end would double the peak memory of a large lookup.
    let allowlist = allowlisted::wanted(connection).await?;
    let mut records = RecordsText::after(RESULTS_OPENING);
    let mut tally = Tally::new(options);
    threatstream::lookup(&connection.client, &observable, |record| {
        tally.add(&record);
        records.push(record);
    })
    .await?;
    Ok(Streamed(LookupOutput {
        results: WrittenRecords {
            text: records.finish()?,
        },
        verdict: allowlisted::judged(tally.verdict(), allowlist.as_deref(), &observable),
        example: PhantomData,
    }))
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::{check_schema, schema_for, Quote};
    use crate::verdict::VerdictOptions;

    /// A lookup's output as `lookup` builds it, from `records` as the pages would bring them.
    fn built(records: &Value) -> LookupOutput<ip::LookupIp> {
        let mut text = RecordsText::after(RESULTS_OPENING);
        let mut tally = Tally::new(VerdictOptions::default());
        for record in records.as_array().unwrap() {
            let record = record.as_object().unwrap().clone();
            tally.add(&record);
            text.push(record);
        }
        LookupOutput {
            results: WrittenRecords {
                text: text.finish().unwrap(),
            },
            verdict: tally.verdict(),
            example: PhantomData,
        }
    }

    /// The streamed text is exactly what serde writes for the same value, and passes the schema the
    /// spec publishes: the two ways of writing a lookup's output cannot part.
    #[test]
    fn streamed_lookup_output_is_what_serde_writes_and_fits_its_schema() {
        let severe = json!({"id": 7, "value": "198.51.100.23", "status": "active", "confidence": 80,
            "meta": {"severity": "very-high"}, "source": "Feed \"A\"", "itype": "c2_ip", "tags": null});
        for records in [
            json!([]),
            ip::LookupIp::records(),
            json!([severe, {"id": 8, "status": "falsepos"}]),
        ] {
            let by_serde = serde_json::to_string(&built(&records)).unwrap();
            let streamed = built(&records).written().unwrap();
            assert_eq!(streamed.get(), by_serde, "records {records}");
            let output: Value = serde_json::from_str(streamed.get()).unwrap();
            let schema = schema_for::<<ip::LookupIp as crate::actions::TypedStep>::Output>();
            check_schema(schema, &output, Quote::Values).unwrap();
        }
    }
}
