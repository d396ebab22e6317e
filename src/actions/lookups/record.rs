//! The schema of one intelligence record in a lookup's output.
//!
//! Records pass through as ThreatStream sends them; this only describes them, for the spec, help.md
//! and the output check.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use crate::actions::lenient::NumberOrString;
use crate::actions::output::passed_through;

/// One intelligence record, as the output schema describes it; the records themselves are written as
/// text by `lookup` and never held in this type.
pub(crate) struct ResultRecord;

/// The schema documents the fields a playbook most often reads, in both API shapes (v2 names and the
/// legacy v1 ones). It is deliberately lenient: ThreatStream sends ids, scores and `update_id` as
/// numbers or strings depending on version and endpoint, and the published plugin's strict types
/// rejected real answers. Fields not listed pass through.
impl JsonSchema for ResultRecord {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "result".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        ResultFields::json_schema(generator)
    }
}

passed_through! {
    /// One intelligence record, as ThreatStream sent it; fields not listed here are kept too
    #[name = "result"]
    struct ResultFields {
        /// ThreatStream's ID of the record
        #[title = "ID"]
        id: Option<NumberOrString>,
        /// The observable's value (v2)
        #[title = "Value"]
        value: Option<String>,
        /// Observable type: `ip`, `ipv6`, `domain`, `url`, `email` or `md5` (every hash algorithm) (v2)
        #[title = "Type"]
        r#type: Option<String>,
        /// Hash algorithm of a hash observable, such as SHA256 (v2)
        #[title = "Subtype"]
        subtype: Option<String>,
        /// Indicator type, such as c2_ip or mal_md5
        #[title = "Itype"]
        itype: Option<String>,
        /// Summary threat class, such as c2, malware or phish (v2)
        #[title = "Threat Type"]
        threat_type: Option<String>,
        /// Confidence, 0-100 (-1 when unknown)
        #[title = "Confidence"]
        confidence: Option<NumberOrString>,
        /// Record status: active, inactive or falsepos (v2)
        #[title = "Status"]
        status: Option<String>,
        /// Record status (v1)
        #[title = "State"]
        state: Option<String>,
        /// Severity: low, medium, high or very-high (v1; v2 keeps it in meta.severity)
        #[title = "Severity"]
        severity: Option<String>,
        /// Classification: public or private (v1)
        #[title = "Classification"]
        classification: Option<String>,
        /// Source of the intelligence
        #[title = "Source"]
        source: Option<String>,
        /// Feed ID, 0 for user-created records (v2)
        #[title = "Feed ID"]
        feed_id: Option<NumberOrString>,
        /// Source feed ID (v1)
        #[title = "Source Feed ID"]
        source_feed_id: Option<NumberOrString>,
        /// Autonomous system number
        #[title = "ASN"]
        asn: Option<NumberOrString>,
        /// Organization owning the address
        #[title = "Organization"]
        org: Option<String>,
        /// Country code
        #[title = "Country"]
        country: Option<String>,
        /// Resolved IP address of a domain or URL (v2)
        #[title = "IP"]
        ip: Option<String>,
        /// IP address (v1)
        #[title = "Source IP"]
        srcip: Option<String>,
        /// URL (v1)
        #[title = "URL"]
        url: Option<String>,
        /// Domain (v1)
        #[title = "Domain"]
        domain: Option<String>,
        /// E-mail address (v1)
        #[title = "Email"]
        email: Option<String>,
        /// MD5 or other hash (v1)
        #[title = "MD5"]
        md5: Option<String>,
        /// Latitude (v2)
        #[title = "Latitude"]
        latitude: Option<NumberOrString>,
        /// Longitude (v2)
        #[title = "Longitude"]
        longitude: Option<NumberOrString>,
        /// Latitude (v1)
        #[title = "Lat"]
        lat: Option<NumberOrString>,
        /// Longitude (v1)
        #[title = "Lon"]
        lon: Option<NumberOrString>,
        /// When the record was created (v2)
        #[title = "Created"]
        created_ts: Option<String>,
        /// When the record last changed (v2)
        #[title = "Modified"]
        modified_ts: Option<String>,
        /// When the record expires (v2)
        #[title = "Expiration"]
        expiration_ts: Option<String>,
        /// First seen (v1)
        #[title = "Date First"]
        date_first: Option<String>,
        /// Last seen (v1)
        #[title = "Date Last"]
        date_last: Option<String>,
        /// Details (v1; v2 keeps it in meta.detail2)
        #[title = "Detail 2"]
        detail2: Option<String>,
        /// The name the published spec gave detail2; ThreatStream sends detail2, kept here so a workflow
        /// built on that spec finds the field it was shown
        #[title = "Details"]
        details2: Option<String>,
        /// Change counter, increasing on every update
        #[title = "Update ID"]
        update_id: Option<NumberOrString>,
        /// API path of the record
        #[title = "Resource URI"]
        resource_uri: Option<String>,
        /// Traffic Light Protocol marking (v2)
        #[title = "TLP"]
        tlp: Option<String>,
        /// Tags, each with at least a name (v2)
        #[title = "Tags"]
        tags: Option<Vec<serde_json::Map<String, Value>>>,
        /// Further details: severity, detail2, maltype (v2)
        #[title = "Meta"]
        meta: Option<serde_json::Map<String, Value>>,
    }
}
