//! The import settings (`indicator_settings` in 2.0.0, `observable_settings` from 3.0.0 on): how
//! ThreatStream should file the imported observables, and the form fields they become.
//!
//! Each setting the user gave becomes one form field with the same name; settings left empty (absent,
//! null, "" or an empty list, which is what the InsightConnect UI sends for an untouched field) are not
//! sent, so ThreatStream applies its own defaults (private classification, expiry in 90 days).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actions::input::{at_most, given, line, Choice, Percent, MAX_NAME_CHARS, MAX_TAGS};
use crate::actions::{chosen, date, spec_named};
use crate::protocol::Failure;
use crate::threatstream::Severity;

spec_named!(
    #[derive(Default, Deserialize)]
    #[serde(transparent)]
    IndicatorSettings(ImportSettings),
    "indicator_settings"
);
spec_named!(
    #[derive(Default, Deserialize)]
    #[serde(transparent)]
    ObservableSettings(ImportSettings),
    "observable_settings"
);

#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportSettings {
    /// Confidence value assigned to the indicator. Confidence score can range from 0-100, in increasing order of confidence; 0 or empty is not given; to set 0, give 0 as text
    #[schemars(title = "Confidence")]
    confidence: Option<Percent>,
    /// Specifies the ratio between the amount of the source confidence of each indicator and the ThreatStream confidence; 0 or empty is not given; to set 0, give 0 as text
    #[schemars(title = "Source Confidence Weight")]
    source_confidence_weight: Option<Percent>,
    /// Severity you want to assign to the indicator when it is imported
    #[schemars(title = "Severity", extend("default" = ""))]
    severity: Option<Choice<Severity>>,
    /// Classification of the indicator
    #[schemars(title = "Classification", extend("default" = "private"))]
    classification: Option<Classification>,
    /// Time stamp of when intelligence will expire on ThreatStream; when empty, ThreatStream sets it to 90 days from the import
    #[schemars(title = "Expiration Time Stamp", extend("format" = "date-time", "displayType" = "date"))]
    expiration_ts: Option<String>,
    /// Additional details for the indicator. This information is displayed in the Tags column of the ThreatStream UI e.g ['note1', 'note2', 'note3']
    #[schemars(title = "Notes")]
    notes: Option<Vec<String>>,
    /// Indicator type to assign to IP addresses if a specific type is not associated with an indicator
    #[schemars(title = "IP Mapping")]
    ip_mapping: Option<String>,
    /// Indicator type to assign to domains if a specific type is not associated with an indicator
    #[schemars(title = "Domain Mapping")]
    domain_mapping: Option<String>,
    /// Indicator type to assign to URLs if a specific type is not associated with an indicator
    #[schemars(title = "URL Mapping")]
    url_mapping: Option<String>,
    /// Indicator type to assign to e-mail addresses if a specific type is not associated with an indicator
    #[schemars(title = "Email Mapping")]
    email_mapping: Option<String>,
    /// Indicator type to assign to hashes if a specific type is not associated with an indicator
    #[schemars(title = "MD5 Mapping")]
    md5_mapping: Option<String>,
    /// IDs of the trusted circles to import the threat data into, e.g [1,2,3]
    #[schemars(title = "Trusted Circles")]
    trustedcircles: Option<Vec<i64>>,
    /// Type of threat associated with the imported indicators, such as malware or phish
    #[schemars(title = "Threat Type")]
    threat_type: Option<String>,
}

#[derive(Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum Classification {
    Public,
    Private,
}

impl ImportSettings {
    /// The form fields to send, in the spec's order, after checking what the schema cannot; `input`
    /// names the input the settings came in, for errors.
    pub(crate) fn form_fields(&self, input: &str) -> Result<Vec<(&'static str, String)>, Failure> {
        let mut fields = Vec::new();
        let mut text = |name: &'static str, value: Option<String>| {
            if let Some(value) = value.filter(|value| !value.trim().is_empty()) {
                fields.push((name, value.trim().to_owned()));
            }
        };
        let percent = |value: &Option<Percent>, name: &str| {
            Percent::read(value.as_ref(), &format!("{input}.{name}")).map(|value| value.map(|value| value.to_string()))
        };
        text("confidence", percent(&self.confidence, "confidence")?);
        text(
            "source_confidence_weight",
            percent(&self.source_confidence_weight, "source_confidence_weight")?,
        );
        text("severity", chosen(self.severity));
        text("classification", chosen(self.classification));
        text("expiration_ts", expiration(self.expiration_ts.as_deref(), input)?);
        text("notes", notes(self.notes.as_deref(), input)?);
        for (name, value) in [
            ("ip_mapping", &self.ip_mapping),
            ("domain_mapping", &self.domain_mapping),
            ("url_mapping", &self.url_mapping),
            ("email_mapping", &self.email_mapping),
            ("md5_mapping", &self.md5_mapping),
            ("threat_type", &self.threat_type),
        ] {
            if let Some(value) = given(value.as_deref()) {
                line(value.trim(), &format!("{input}.{name}"), "the value", MAX_NAME_CHARS)?;
            }
        }
        text("ip_mapping", self.ip_mapping.clone());
        text("domain_mapping", self.domain_mapping.clone());
        text("url_mapping", self.url_mapping.clone());
        text("email_mapping", self.email_mapping.clone());
        text("md5_mapping", self.md5_mapping.clone());
        text(
            "trustedcircles",
            trusted_circles(self.trustedcircles.as_deref(), input)?,
        );
        text("threat_type", self.threat_type.clone());
        Ok(fields)
    }
}

/// The notes, joined with commas as ThreatStream takes them; each is shown as a tag, so each is held to
/// a tag's limits.
fn notes(given_notes: Option<&[String]>, input: &str) -> Result<Option<String>, Failure> {
    let Some(notes) = given(given_notes) else {
        return Ok(None);
    };
    at_most(&format!("{input}.notes"), notes.len(), MAX_TAGS, "notes")?;
    for (index, note) in notes.iter().enumerate() {
        line(note, &format!("{input}.notes[{index}]"), "the note", MAX_NAME_CHARS)?;
    }
    Ok(Some(notes.join(",")))
}

/// Most trusted circles one import is shared with.
const MAX_TRUSTED_CIRCLES: usize = 100;

fn trusted_circles(ids: Option<&[i64]>, input: &str) -> Result<Option<String>, Failure> {
    let Some(ids) = given(ids) else {
        return Ok(None);
    };
    at_most(
        &format!("{input}.trustedcircles"),
        ids.len(),
        MAX_TRUSTED_CIRCLES,
        "trusted circles",
    )?;
    Ok(Some(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")))
}

/// The expiration to send: `None` for an empty date or InsightConnect's empty-date sentinel
/// (`0001-01-01T00:00:00Z`), so ThreatStream applies its 90-day default; an error for a date that
/// does not parse.
fn expiration(given: Option<&str>, input: &str) -> Result<Option<String>, Failure> {
    date(given, &format!("{input}.expiration_ts"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: serde_json::Value) -> ImportSettings {
        serde_json::from_value(value).expect("valid settings")
    }

    #[test]
    fn the_seed_example_sends_only_what_was_given_and_not_the_forms_zeros() {
        let fields = settings(json!({
            "classification": "private", "confidence": 0, "domain_mapping": "", "email_mapping": "",
            "expiration_ts": "2018-12-19T00:00:00-05:00", "ip_mapping": "", "md5_mapping": "", "notes": [],
            "severity": "", "source_confidence_weight": 0, "trustedcircles": [], "url_mapping": ""
        }))
        .form_fields("indicator_settings")
        .expect("valid");
        assert_eq!(
            fields,
            [
                ("classification", "private".to_owned()),
                ("expiration_ts", "2018-12-19T00:00:00-05:00".to_owned()),
            ]
        );
    }

    #[test]
    fn a_zero_given_as_text_is_sent_and_limits_hold() {
        let fields = settings(json!({"confidence": "0", "source_confidence_weight": 100}))
            .form_fields("observable_settings")
            .expect("valid");
        assert_eq!(
            fields,
            [
                ("confidence", "0".to_owned()),
                ("source_confidence_weight", "100".to_owned())
            ]
        );
        for (bad, named) in [
            (json!({"notes": ["x".repeat(101)]}), "'s.notes[0]'"),
            (json!({"notes": ["a\nb"]}), "'s.notes[0]'"),
            (json!({"ip_mapping": "mal\r\nip"}), "'s.ip_mapping'"),
            (json!({"confidence": "high"}), "'s.confidence'"),
            (json!({"trustedcircles": vec![1; 101]}), "'s.trustedcircles'"),
        ] {
            let failure = settings(bad.clone()).form_fields("s").unwrap_err();
            assert!(failure.cause.contains(named), "{bad}: {}", failure.cause);
        }
    }

    #[test]
    fn lists_are_joined_with_commas_and_enums_use_wire_names() {
        let fields = settings(
            json!({"notes": ["a", "b c"], "trustedcircles": [1, 22], "severity": "very-high",
                                     "threat_type": "malware"}),
        )
        .form_fields("indicator_settings")
        .expect("valid");
        assert_eq!(
            fields,
            [
                ("severity", "very-high".to_owned()),
                ("notes", "a,b c".to_owned()),
                ("trustedcircles", "1,22".to_owned()),
                ("threat_type", "malware".to_owned()),
            ]
        );
    }

    #[test]
    fn empty_dates_are_left_out_and_bad_ones_refused() {
        assert_eq!(expiration(Some("0001-01-01T00:00:00Z"), "s").unwrap(), None);
        assert_eq!(expiration(Some("  "), "s").unwrap(), None);
        for good in [
            "2026-12-31",
            "2026-12-31T23:59:59Z",
            "2024-02-29T00:00:00.123+05:30",
            "2026-01-01T10:00",
        ] {
            assert_eq!(expiration(Some(good), "s").unwrap().as_deref(), Some(good), "{good}");
        }
        for bad in [
            "tomorrow",
            "2026-13-01",
            "2025-02-29",
            "2026-12-31T24:00:00Z",
            "2026-1-1",
            "2026-12-31T10:00:00+5",
        ] {
            let failure = expiration(Some(bad), "observable_settings").unwrap_err();
            assert!(
                failure.cause.contains("'observable_settings.expiration_ts'"),
                "{}",
                failure.cause
            );
        }
    }
}
