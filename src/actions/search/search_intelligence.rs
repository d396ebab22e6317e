//! Search Intelligence: ThreatStream's intelligence by its query language (`q`) and the common
//! filters, every page up to the limit, the records as Get Observables outputs them.
//!
//! `GET /api/v2/intelligence/` (v2 whatever the connection's version: the query language is v2's),
//! as Cortex XSOAR's search-intelligence command asks: its arguments are the filters here, with two
//! mistakes of XSOAR's left behind (it sends `update_id_gt`, which ThreatStream ignores, where the
//! filter is `update_id__gt`; and its `tags` where CrowdStrike's OpenAPI description and this plugin's
//! other searches use `tags.name`). XSOAR sends the query and the filters together, as this does;
//! its README says the query then overrides the other filters, which its code does not rely on and
//! no public answer shows, so help.md advises putting every condition in the query when both matter.
//! Pages are followed by their `meta.next` up to the limit (`threatstream::paging`).
//!
//! Memory stays flat however many records match: each page's records are cleaned and written into the
//! output text as they arrive (`lookups::WrittenRecords`, the lookups' writer), and the page is dropped,
//! so 50,000 records cost little more than their output (BENCHMARKS.md).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::query;
use crate::actions::connection::Connection;
use crate::actions::input::{given, line, names, or_default, Choice, Names, MAX_LINE_CHARS};
use crate::actions::lookups::{unencodable, ResultRecord, WrittenRecords};
use crate::actions::observable::any_value;
use crate::actions::{chosen, itype, Streamed, Streams, TypedAction, TypedStep};
use crate::protocol::{quoted, Failure, Output};
use crate::threatstream::{self, Field, Lookup, Order, RecordType, SearchQuery, Status};

/// Records written when the input gives no limit: a page.
const DEFAULT_LIMIT: usize = 1000;
/// A hundred pages: more is an export (the snapshots), not a playbook step.
const MAX_LIMIT: usize = 100_000;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchIntelligenceInput {
    /// A query in the ThreatStream query language, such as (confidence>=90 AND (itype="apt_ip" OR itype="c2_ip")); it and the filters below all apply
    #[schemars(title = "Query", example = &"confidence>=90 AND (itype=\"apt_ip\" OR itype=\"c2_ip\")")]
    query: Option<String>,
    /// Value of the observables, as ThreatStream matches it (records whose value starts with it)
    #[schemars(title = "Value", example = &"198.51.100.23")]
    value: Option<String>,
    /// Type of the observables: `ip`, `ipv6`, `domain`, `url`, `email`, `md5` (every hash algorithm) or `string`
    #[serde(rename = "type")]
    #[schemars(title = "Type", example = RecordType::Ip, extend("default" = ""))]
    kind: Option<Choice<RecordType>>,
    /// Indicator type, such as apt_ip or phish_url
    #[schemars(title = "Itype", example = &"c2_ip")]
    itype: Option<String>,
    /// Status of the observables: active, inactive or falsepos
    #[schemars(title = "Status", example = Status::Active, extend("default" = ""))]
    status: Option<Choice<Status>>,
    /// Tag names; observables with any of them
    #[schemars(title = "Tags", example = json!(["apt28"]))]
    tags: Option<Vec<String>>,
    /// Confidence, 0-100: a number for exactly it, or one comparison such as gt 65, lt 85, gte 65, lte 85 (or >65, <85, >=65, <=85)
    #[schemars(title = "Confidence", example = &"gt 65")]
    confidence: Option<String>,
    /// Source of the observables, such as Analyst or a feed's name
    #[schemars(title = "Source", example = &"Abuse.ch Feodo Tracker")]
    source: Option<String>,
    /// Only observables changed after this update ID (ThreatStream's update_id__gt); sort by update_id with it to page through changes
    #[schemars(title = "Update ID Greater Than", example = 2722700)]
    update_id_gt: Option<u64>,
    /// Order of the results; empty leaves ThreatStream's order
    #[schemars(title = "Order By", example = OrderBy::ModifiedDescending, extend("default" = ""))]
    order_by: Option<OrderBy>,
    /// Most records to return, every page up to it; 0 or empty returns up to 1000
    #[serde(default)]
    #[schemars(title = "Limit", range(min = 0, max = MAX_LIMIT), example = DEFAULT_LIMIT)]
    limit: usize,
}

/// The orders ThreatStream sorts intelligence in, a leading `-` for newest or highest first.
#[derive(Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[schemars(inline)]
pub(crate) enum OrderBy {
    #[serde(rename = "update_id")]
    UpdateId,
    #[serde(rename = "-update_id")]
    UpdateIdDescending,
    #[serde(rename = "modified_ts")]
    Modified,
    #[serde(rename = "-modified_ts")]
    ModifiedDescending,
    #[serde(rename = "created_ts")]
    Created,
    #[serde(rename = "-created_ts")]
    CreatedDescending,
    #[serde(rename = "confidence")]
    Confidence,
    #[serde(rename = "-confidence")]
    ConfidenceDescending,
    // The form's empty choice: ThreatStream's order.
    #[serde(rename = "")]
    Unset,
}

impl OrderBy {
    fn field_and_order(self) -> Option<(Field, Order)> {
        Some(match self {
            OrderBy::UpdateId => (Field::UpdateId, Order::Ascending),
            OrderBy::UpdateIdDescending => (Field::UpdateId, Order::Descending),
            OrderBy::Modified => (Field::ModifiedTs, Order::Ascending),
            OrderBy::ModifiedDescending => (Field::ModifiedTs, Order::Descending),
            OrderBy::Created => (Field::CreatedTs, Order::Ascending),
            OrderBy::CreatedDescending => (Field::CreatedTs, Order::Descending),
            OrderBy::Confidence => (Field::Confidence, Order::Ascending),
            OrderBy::ConfidenceDescending => (Field::Confidence, Order::Descending),
            OrderBy::Unset => return None,
        })
    }
}

// The output (a `//` comment: a doc comment would become the type's description). `run` builds it
// with its records already written as JSON text, and `Streams::written` adds the count and `more`
// to that text, as the lookups' output is written (see `actions::output`).
#[derive(Serialize, JsonSchema)]
pub(crate) struct SearchIntelligenceOutput {
    /// The intelligence records that match, as Get Observables outputs records, up to the limit
    #[schemars(title = "Results", example = example_results(), with = "Vec<ResultRecord>")]
    results: WrittenRecords,
    /// How many records are in Results
    #[schemars(title = "Count", example = 1)]
    count: usize,
    /// Whether ThreatStream has more matching records than the limit
    #[schemars(title = "More", example = false)]
    more: bool,
}

fn example_results() -> Value {
    json!([{"confidence": 87, "id": 500000101, "itype": "c2_ip", "source": "Abuse.ch Feodo Tracker",
        "status": "active", "threat_type": "c2", "type": "ip", "value": "198.51.100.23",
        "meta": {"severity": "very-high"}, "update_id": 2722690}])
}

impl Streams for SearchIntelligenceOutput {
    /// The text serde would write, after the records: the count, `more` and the object's end.
    fn written(self) -> Result<Output, Failure> {
        let mut output = self.results.into_text();
        output.push_str(&format!(",\"count\":{},\"more\":{}}}", self.count, self.more));
        RawValue::from_string(output).map_err(unencodable)
    }
}

impl SearchIntelligenceInput {
    /// The search's parameters, each only when given, and at least one condition.
    fn search(&self) -> Result<SearchQuery, Failure> {
        let mut search = SearchQuery::default();
        let mut conditions = 0;
        let mut count = |given: bool| conditions += usize::from(given);
        let query = query::checked(self.query.as_deref().unwrap_or_default(), "query")?;
        count(query.is_some());
        if let Some(query) = &query {
            search = search.query(query);
        }
        let value = any_value(self.value.as_deref().unwrap_or_default())
            .map_err(|problem| Failure::invalid_input("value", problem))?;
        count(value.is_some());
        if let Some(value) = value {
            search = search.equals(Field::Value, value);
        }
        let kind = chosen(self.kind);
        count(kind.is_some());
        search = search.any_of(Field::Type, kind);
        let itype = itype(self.itype.as_deref().unwrap_or_default(), "itype")?;
        count(itype.is_some());
        search = search.any_of(Field::Itype, itype);
        let status = chosen(self.status);
        count(status.is_some());
        search = search.any_of(Field::Status, status);
        let tags = names("tags", given(self.tags.as_deref()).unwrap_or_default(), Names::Tags)?;
        count(!tags.is_empty());
        search = search.any_of(Field::TagName, tags);
        if let Some((lookup, confidence)) = confidence(self.confidence.as_deref().unwrap_or_default())? {
            count(true);
            search = match lookup {
                Some(lookup) => search.compare(Field::Confidence, lookup, confidence),
                None => search.equals(Field::Confidence, confidence),
            };
        }
        if let Some(source) = given(self.source.as_deref()).map(str::trim) {
            line(source, "source", "the source", MAX_LINE_CHARS)?;
            count(true);
            search = search.equals(Field::Source, source);
        }
        if let Some(update_id) = given(self.update_id_gt) {
            count(true);
            search = search.compare(Field::UpdateId, Lookup::Gt, update_id);
        }
        if conditions == 0 {
            return Err(Failure::invalid_input(
                "query",
                "nothing to search for; give a query or at least one filter (value, type, itype, status, tags, \
                 confidence, source or update_id_gt)",
            ));
        }
        if let Some((field, order)) = self.order_by.and_then(OrderBy::field_and_order) {
            search = search.order_by(field, order);
        }
        Ok(search)
    }
}

/// A confidence filter: `None` when blank; the comparison (none for an exact match) and the number.
fn confidence(given: &str) -> Result<Option<(Option<Lookup>, u8)>, Failure> {
    let text = given.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let operators: [(&str, Lookup); 8] = [
        ("gte", Lookup::Gte),
        ("gt", Lookup::Gt),
        ("lte", Lookup::Lte),
        ("lt", Lookup::Lt),
        (">=", Lookup::Gte),
        (">", Lookup::Gt),
        ("<=", Lookup::Lte),
        ("<", Lookup::Lt),
    ];
    let lower = text.to_ascii_lowercase();
    let (lookup, number) = operators
        .iter()
        .find_map(|(operator, lookup)| lower.strip_prefix(operator).map(|rest| (Some(*lookup), rest)))
        .unwrap_or((None, lower.as_str()));
    match number.trim().parse::<u8>() {
        Ok(confidence) if confidence <= 100 => Ok(Some((lookup, confidence))),
        _ => Err(Failure::invalid_input(
            "confidence",
            format!(
                "{} is not a confidence; give a number from 0 to 100, or one comparison such as gt 65 or lt 85",
                quoted(text)
            ),
        )),
    }
}

pub(crate) struct SearchIntelligence;

impl TypedStep for SearchIntelligence {
    const ID: &'static str = "search_intelligence";
    const TITLE: &'static str = "Search Intelligence";
    const DESCRIPTION: &'static str =
        "Search intelligence with the ThreatStream query language and filters, every page up to a limit";
    type Input = SearchIntelligenceInput;
    type Output = Streamed<SearchIntelligenceOutput>;
}

impl TypedAction for SearchIntelligence {
    async fn run(
        connection: &Connection,
        input: SearchIntelligenceInput,
    ) -> Result<Streamed<SearchIntelligenceOutput>, Failure> {
        let search = input.search()?;
        let limit = or_default(input.limit, DEFAULT_LIMIT);
        // One buffer from the first byte to the last, as the lookups write theirs (`lookups::lookup`).
        let mut records = WrittenRecords::writer();
        let mut count = 0;
        let more = threatstream::search_v2(&connection.client, &search.pairs(), limit, |page| {
            for record in page {
                count += 1;
                records.push(record);
            }
        })
        .await?;
        Ok(Streamed(SearchIntelligenceOutput {
            results: WrittenRecords::finished(records)?,
            count,
            more,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::query::MAX_QUERY_CHARS;
    use super::*;
    use crate::protocol::{check_schema, schema_for, Quote};

    fn pairs(input: Value) -> Result<Vec<(String, String)>, Failure> {
        let input: SearchIntelligenceInput = serde_json::from_value(input).expect("an input");
        let search = input.search()?;
        Ok(search
            .pairs()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect())
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    #[test]
    fn every_filter_given_is_sent_under_its_documented_name() {
        let sent = pairs(
            json!({"query": " confidence>=90 ", "value": "hxxp://evil[.]example/a", "type": "url",
            "itype": "phish_url", "status": "active", "tags": ["apt28", " apt28 "], "confidence": "gt 65",
            "source": "Analyst", "update_id_gt": 7, "order_by": "-modified_ts", "limit": 5}),
        )
        .unwrap();
        assert_eq!(
            sent,
            [
                pair("q", "confidence>=90"),
                pair("value", "http://evil.example/a"),
                pair("type", "url"),
                pair("itype", "phish_url"),
                pair("status", "active"),
                pair("tags.name", "apt28"),
                pair("confidence__gt", "65"),
                pair("source", "Analyst"),
                pair("update_id__gt", "7"),
                pair("order_by", "-modified_ts"),
            ]
        );
    }

    #[test]
    fn an_untouched_form_searches_nothing_and_names_why() {
        let untouched = json!({"query": "", "value": "", "type": "", "itype": "", "status": "", "tags": [],
            "confidence": "", "source": "", "update_id_gt": 0, "order_by": "-update_id", "limit": 0});
        let failure = pairs(untouched).expect_err("refused");
        assert!(
            failure
                .cause
                .starts_with("Invalid input 'query': nothing to search for"),
            "{}",
            failure.cause
        );
        assert_eq!(pairs(json!({"type": "md5"})).unwrap(), [pair("type", "md5")]);
    }

    #[test]
    fn confidence_takes_a_number_or_one_comparison() {
        for (given, expected) in [
            ("65", pair("confidence", "65")),
            ("lt 85", pair("confidence__lt", "85")),
            (" GTE 0 ", pair("confidence__gte", "0")),
            ("<=100", pair("confidence__lte", "100")),
            (">50", pair("confidence__gt", "50")),
        ] {
            assert_eq!(pairs(json!({"confidence": given})).unwrap(), [expected], "{given}");
        }
        for bad in ["high", "gt", "101", "eq 5", "gt -1", "> 5 < 9"] {
            let failure = pairs(json!({"confidence": bad})).expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'confidence'"),
                "{bad}: {}",
                failure.cause
            );
        }
    }

    #[test]
    fn a_malformed_query_or_filter_is_refused_naming_it() {
        for (input, named) in [
            (json!({"query": "(confidence>=90"}), "'query'"),
            (json!({"query": "itype=\"apt_ip"}), "'query'"),
            (json!({"itype": "Not An Itype"}), "'itype'"),
            (json!({"tags": ["a,b"]}), "'tags'"),
            (json!({"source": "a\nb"}), "'source'"),
            (json!({"query": "x".repeat(MAX_QUERY_CHARS + 1)}), "'query'"),
        ] {
            let failure = pairs(input.clone()).expect_err("refused");
            assert!(failure.cause.contains(named), "{input}: {}", failure.cause);
        }
    }

    /// The output as `run` builds it, from `records` as the pages would bring them.
    fn built(records: &Value, more: bool) -> SearchIntelligenceOutput {
        let mut writer = WrittenRecords::writer();
        let records = records.as_array().unwrap();
        for record in records {
            writer.push(record.as_object().unwrap().clone());
        }
        SearchIntelligenceOutput {
            results: WrittenRecords::finished(writer).unwrap(),
            count: records.len(),
            more,
        }
    }

    /// The streamed text is exactly what serde writes for the same value, and passes the schema the
    /// spec publishes: the two ways of writing the output cannot part.
    #[test]
    fn streamed_output_is_what_serde_writes_and_fits_its_schema() {
        let quoted = json!({"id": 8, "value": "hxxp://evil[.]example/\"a\"", "status": "falsepos", "tags": null});
        for (records, more) in [
            (json!([]), false),
            (example_results(), true),
            (json!([example_results()[0].clone(), quoted]), false),
        ] {
            let by_serde = serde_json::to_string(&built(&records, more)).unwrap();
            let streamed = built(&records, more).written().unwrap();
            assert_eq!(streamed.get(), by_serde, "records {records}");
            let output: Value = serde_json::from_str(streamed.get()).unwrap();
            let schema = schema_for::<<SearchIntelligence as TypedStep>::Output>();
            check_schema(schema, &output, Quote::Values).unwrap();
        }
    }
}
