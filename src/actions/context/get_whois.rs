//! Get Whois: the WHOIS record ThreatStream holds for a domain or an IP address, raw and read.
//!
//! The raw text is what the registry wrote; the fields beside it are the ones `crate::whois`
//! reads reliably (registrar, dates, name servers, registrant organization), each absent when the
//! registry's layout does not give it. Parsing is capped (see that module): Splunk SOAR's hung on
//! `.jp` domains, this one reads at most 256 KiB of any text and shows at most 64 KiB of it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::protocol::Failure;
use crate::threatstream::enrichment;
use crate::whois;

use super::{context_failure, passive_dns_kind, subject, WHOIS_KEPT_FOR};
use crate::actions::connection::Connection;
use crate::actions::{TypedAction, TypedStep};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetWhoisInput {
    /// Domain or IP address whose WHOIS record to get
    #[schemars(title = "Value", example = "evil-domain.example")]
    value: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetWhoisOutput {
    /// Whether ThreatStream has a WHOIS record for the value
    #[schemars(title = "Found", example = true)]
    found: bool,
    /// The WHOIS record, raw and read; absent when there is none
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "WHOIS", example = WhoisRecord::example())]
    whois: Option<WhoisRecord>,
}

/// A WHOIS record: the registry's text and the fields read from it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "whois_record", title = "whois_record")]
pub(crate) struct WhoisRecord {
    /// The WHOIS text as the registry wrote it, cut after 64 KiB
    #[schemars(title = "Raw")]
    raw: String,
    /// Whether the raw text was longer than what is shown
    #[schemars(title = "Truncated")]
    truncated: bool,
    /// Name of the registrar
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Registrar")]
    registrar: Option<String>,
    /// When the registration was created, as the registry writes dates
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Created")]
    created: Option<String>,
    /// When the record last changed: the newest date of its update lines (`Updated Date`, `last-modified`, a date in `changed`), as the registry writes dates
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Updated")]
    updated: Option<String>,
    /// When the registration expires, as the registry writes dates
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Expires")]
    expires: Option<String>,
    /// Name servers, lower-cased; empty when the text names none
    #[schemars(title = "Name Servers")]
    name_servers: Vec<String>,
    /// Organization of the registrant (or, for an address, of the network's owner)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Registrant Organization")]
    registrant_organization: Option<String>,
}

impl WhoisRecord {
    pub(crate) fn of(text: &str) -> WhoisRecord {
        let fields = whois::parse(text);
        let (raw, truncated) = whois::raw_head(text);
        WhoisRecord {
            raw: raw.to_owned(),
            truncated,
            registrar: fields.registrar,
            created: fields.created,
            updated: fields.updated,
            expires: fields.expires,
            name_servers: fields.name_servers,
            registrant_organization: fields.registrant_organization,
        }
    }

    pub(crate) fn example() -> serde_json::Value {
        json!({"raw": "Domain Name: EVIL-DOMAIN.EXAMPLE\nRegistrar: Registrar Parking LLC\n...", "truncated": false,
            "registrar": "Registrar Parking LLC", "created": "2023-11-19T22:41:53Z", "updated": "2024-02-28T09:14:07Z",
            "expires": "2024-11-19T22:41:53Z",
            "name_servers": ["ns1.bulletproof-dns.example", "ns2.bulletproof-dns.example"],
            "registrant_organization": "Pebble Harvest Holdings"})
    }
}

pub(crate) struct GetWhois;

impl TypedStep for GetWhois {
    const ID: &'static str = "get_whois";
    const TITLE: &'static str = "Get WHOIS";
    const DESCRIPTION: &'static str = "Get the WHOIS record of a domain or IP address from Anomali ThreatStream";
    type Input = GetWhoisInput;
    type Output = GetWhoisOutput;
}

impl TypedAction for GetWhois {
    async fn run(connection: &Connection, input: GetWhoisInput) -> Result<GetWhoisOutput, Failure> {
        let (subject, _) = subject(&input.value, passive_dns_kind, WHOIS_KEPT_FOR)?;
        let text = enrichment::whois(&connection.client, &subject.value())
            .await
            .map_err(|error| context_failure(error, "WHOIS records"))?;
        let whois = text.as_deref().map(WhoisRecord::of);
        Ok(GetWhoisOutput {
            found: whois.is_some(),
            whois,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_shows_its_fields_and_skips_what_is_missing() {
        let record = serde_json::to_value(WhoisRecord::of("Registrar: R\nfoo\n")).unwrap();
        assert_eq!(
            record,
            json!({"raw": "Registrar: R\nfoo\n", "truncated": false, "registrar": "R", "name_servers": []})
        );
    }
}
