//! The plugin connection: its settings and schema, the checked connection every action receives, and
//! the connection test.
//!
//! Every published version stores the instance URL as `url`; the seed's help page called it
//! `threatstream_url`, which is still accepted, so an existing connection keeps working.
//!
//! A start message's connection is parsed and checked once, by `Connection::open`, into a
//! `Connection` holding the ThreatStream client; actions never see the JSON.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::input::given;
use crate::budget::{Budget, MIB};
use crate::protocol::{output_of, schema_for, Connector, Failure, StepFuture};
use crate::threatstream::{client_for, ApiVersion, Client, ClientConfig};

/// The name the seed's help page gave the URL field; still accepted (see `upgrade`).
const URL_ALIAS: &str = "threatstream_url";

/// The longest e-mail address (RFC 5321's path limit, less the angle brackets).
const MAX_USERNAME_CHARS: usize = 254;

/// Far longer than an instance's address; a longer value is a paste gone wrong.
const MAX_URL_CHARS: usize = 2048;

/// Far beyond ThreatStream's 40-character keys; a longer value is not a key.
const MAX_API_KEY_CHARS: usize = 1024;

/// A ThreatStream request that takes longer than this has almost certainly hung.
const DEFAULT_TIMEOUT_SECONDS: u64 = 60;

/// Far more than any sound step reads (the 50,000 records of a 50-page lookup are about 40 MiB), far
/// less than a few hostile answers of hundreds of megabytes each (`crate::budget`).
const DEFAULT_MEMORY_BUDGET_MIB: u64 = 256;

// The connection as the orchestrator sends it, and the schema it is checked against (a `//` comment:
// a doc comment would become the schema's description).
#[derive(Deserialize, JsonSchema)]
#[schemars(title = "Connection")]
pub(crate) struct ConnectionSettings {
    /// Anomali ThreatStream username (the account's e-mail address)
    #[schemars(title = "Username", example = "analyst@example.com")]
    pub(crate) username: String,
    /// URL of the ThreatStream instance, for example https://ts.example.com
    #[schemars(title = "URL", example = "https://ts.example.com")]
    pub(crate) url: String,
    /// Anomali ThreatStream API key
    #[schemars(title = "API Key", example = json!({"secretKey": "9de5069c5afe602b2ea0a04b66beb2c0"}))]
    pub(crate) api_key: SecretKey,
    /// Verify the server's SSL/TLS certificate
    #[serde(default = "verify_by_default")]
    #[schemars(title = "SSL Verify", example = true)]
    pub(crate) ssl_verify: bool,
    /// ThreatStream API version the actions use; v1 is the legacy API of older on-premises instances
    #[serde(default)]
    #[schemars(title = "API Version", example = ApiVersionChoice::V2)]
    pub(crate) api_version: ApiVersionChoice,
    /// Seconds to wait for each ThreatStream request before giving up
    #[serde(default = "default_timeout")]
    #[schemars(title = "Timeout", range(min = 1, max = 600), example = 60)]
    pub(crate) timeout: u64,
    /// On-premises instances that also reach ThreatStream's cloud: association look-ups ask the cloud too, and an observable or threat model the instance does not have (404) is asked for again in the cloud. Leave off for ThreatStream's cloud itself
    #[serde(default)]
    #[schemars(title = "Remote API", example = false)]
    pub(crate) remote_api: bool,
    /// Most MiB of ThreatStream's answers one action, task or trigger poll may hold; a step whose answers come to more fails, naming this setting
    #[serde(default = "default_memory_budget")]
    #[schemars(title = "Memory Budget", range(min = 16, max = 65536), example = 256)]
    pub(crate) memory_budget: u64,
    /// Lowest confidence at which a lookup's verdict is malicious, unless the action says otherwise; 65 when not set or 0
    #[schemars(title = "Malicious Threshold", range(min = 0, max = 100), example = 65)]
    pub(crate) malicious_threshold: Option<u8>,
    /// Lowest confidence at which a lookup's verdict is suspicious, unless the action says otherwise; 25 when not set or 0
    #[schemars(title = "Suspicious Threshold", range(min = 0, max = 100), example = 25)]
    pub(crate) suspicious_threshold: Option<u8>,
    /// Ask the organization's allowlist too: the verdicts of the lookups and of Enrich Observable then say whether the value is allowlisted, and an allowlisted value is benign, never malicious. Costs one read of the whole allowlist, kept for the process
    #[serde(default)]
    #[schemars(title = "Check Allowlist", example = false)]
    pub(crate) check_allowlist: bool,
}

/// A verdict threshold as set: 0 is what a form sends for a number left empty (and what the samples
/// `insight-plugin` writes hold), and a threshold of 0 would call every scored record malicious, so
/// 0 means not set, as the rule for untouched inputs says.
pub(crate) fn set(threshold: Option<u8>) -> Option<u8> {
    given(threshold)
}

fn verify_by_default() -> bool {
    true
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECONDS
}

fn default_memory_budget() -> u64 {
    DEFAULT_MEMORY_BUDGET_MIB
}

/// A secret key credential
// The runtime's `credential_secret_key` type: `{"secretKey": "..."}`.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "credential_secret_key", title = "Credential: Secret Key")]
pub(crate) struct SecretKey {
    /// The shared secret key
    #[serde(rename = "secretKey")]
    #[schemars(title = "Secret Key", extend("displayType" = "password", "format" = "password"))]
    pub(crate) secret_key: String,
}

#[derive(Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum ApiVersionChoice {
    #[default]
    V2,
    V1,
}

/// A connection that passed its schema and its checks: what every action receives.
pub(crate) struct Connection {
    pub(crate) client: Client,
    /// The verdict thresholds set on the connection, which an action's own inputs override.
    pub(crate) thresholds: Thresholds,
    /// Lookups' verdicts ask the organization's allowlist too (`actions::allowlisted`).
    pub(crate) check_allowlist: bool,
}

/// Verdict thresholds as set, before defaults apply (see `actions::verdict`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Thresholds {
    pub(crate) malicious: Option<u8>,
    pub(crate) suspicious: Option<u8>,
}

impl Connection {
    /// Parses and checks a connection that passed its schema, and finds or builds its client.
    pub(crate) fn open(connection: &Value) -> Result<Connection, Failure> {
        let settings = ConnectionSettings::deserialize(connection).map_err(|error| {
            Failure::caller(
                format!("The connection is invalid: {error}."),
                "Correct the plugin connection settings and try again.",
            )
        })?;
        settings.check()?;
        settings.check_thresholds()?;
        if !settings.ssl_verify {
            tracing::warn!(
                "SSL Verify is off: the ThreatStream server's certificate is not checked for this connection"
            );
        }
        let thresholds = Thresholds {
            malicious: set(settings.malicious_threshold),
            suspicious: set(settings.suspicious_threshold),
        };
        let check_allowlist = settings.check_allowlist;
        let budget = Budget::for_step(settings.memory_budget.saturating_mul(MIB));
        let client = client_for(settings.client_config(), budget)?;
        Ok(Connection {
            client,
            thresholds,
            check_allowlist,
        })
    }
}

impl ConnectionSettings {
    fn client_config(self) -> ClientConfig {
        ClientConfig {
            base_url: self.url,
            username: self.username,
            api_key: self.api_key.secret_key,
            verify_tls: self.ssl_verify,
            api_version: match self.api_version {
                ApiVersionChoice::V1 => ApiVersion::V1,
                ApiVersionChoice::V2 => ApiVersion::V2,
            },
            timeout: Duration::from_secs(self.timeout),
            remote_api: self.remote_api,
        }
    }

    fn check(&self) -> Result<(), Failure> {
        let empty = |field: &str| {
            Failure::caller(
                format!("The connection's {field} is empty."),
                "Correct the plugin connection settings and try again.",
            )
        };
        if self.username.trim().is_empty() {
            return Err(empty("username"));
        }
        if self.api_key.secret_key.trim().is_empty() {
            return Err(empty("API key"));
        }
        if self.url.trim().is_empty() {
            return Err(empty("URL"));
        }
        // An e-mail address is at most 254 characters and ThreatStream's keys are 40; anything far
        // longer is a paste gone wrong, and a server would refuse the header it makes.
        if self.username.chars().count() > MAX_USERNAME_CHARS {
            return Err(Failure::caller(
                format!("The connection's username is longer than {MAX_USERNAME_CHARS} characters."),
                "Set the username to the ThreatStream account's e-mail address.",
            ));
        }
        if self.api_key.secret_key.chars().count() > MAX_API_KEY_CHARS {
            return Err(Failure::caller(
                format!("The connection's API key is longer than {MAX_API_KEY_CHARS} characters."),
                "Copy the API key again from the ThreatStream account's settings.",
            ));
        }
        // URL parsing drops a line break or tab inside a URL without a word, and what followed it
        // became part of the path: refused rather than sent somewhere else.
        let unsendable = |text: &str| text.chars().any(char::is_control);
        if unsendable(&self.url) {
            return Err(Failure::caller(
                "The connection's URL contains control characters or line breaks.",
                "Set the URL to the ThreatStream instance's address alone, such as https://ts.example.com.",
            ));
        }
        if self.url.chars().count() > MAX_URL_CHARS {
            return Err(Failure::caller(
                format!("The connection's URL is longer than {MAX_URL_CHARS} characters."),
                "Set the URL to the ThreatStream instance's address alone, such as https://ts.example.com.",
            ));
        }
        // Both travel in the Authorization header, where a line break would end the header early.
        if unsendable(&self.username) || unsendable(&self.api_key.secret_key) {
            return Err(Failure::caller(
                "The connection's username or API key contains control characters or line breaks.",
                "Copy the username and API key again without surrounding whitespace or line breaks.",
            ));
        }
        Ok(())
    }
}

impl ConnectionSettings {
    /// A suspicious threshold above the malicious one would make suspicious unreachable without saying
    /// so. (The schema has already kept each between 0 and 100.)
    fn check_thresholds(&self) -> Result<(), Failure> {
        let fix = "Set the thresholds between 0 and 100, the suspicious one at most the malicious one.";
        if let (Some(malicious), Some(suspicious)) = (set(self.malicious_threshold), set(self.suspicious_threshold)) {
            if suspicious > malicious {
                return Err(Failure::caller(
                    format!(
                        "The connection's suspicious threshold ({suspicious}) is above its malicious threshold \
                         ({malicious})."
                    ),
                    fix,
                ));
            }
        }
        Ok(())
    }
}

pub(crate) struct ThreatStreamConnection;

impl Connector for ThreatStreamConnection {
    fn schema(&self) -> &'static Value {
        schema_for::<ConnectionSettings>()
    }

    /// `threatstream_url`, the field name the seed's help page used, is read as `url`, the name every
    /// published version stored; both with different values is refused rather than guessed. A field
    /// sent as `null` is unset, as the published plugin's own samples send optional fields.
    fn upgrade(&self, mut connection: Value) -> Result<Value, Failure> {
        let Some(fields) = connection.as_object_mut() else {
            return Ok(connection);
        };
        fields.retain(|_, value| !value.is_null());
        if let Some(alias) = fields.remove(URL_ALIAS) {
            match fields.get("url") {
                None => {
                    fields.insert("url".to_owned(), alias);
                }
                Some(url) if *url == alias => {}
                Some(_) => {
                    return Err(Failure::caller(
                        format!("The connection gives both url and {URL_ALIAS}, with different values."),
                        "Keep only url, the address of the ThreatStream instance.",
                    ))
                }
            }
        }
        Ok(connection)
    }

    /// The call every ThreatStream integration uses to check a connection: one observable, any.
    fn test<'a>(&'a self, connection: &'a Value) -> StepFuture<'a> {
        Box::pin(async move {
            let connection = Connection::open(connection)?;
            crate::threatstream::probe(&connection.client).await?;
            test_passed()
        })
    }
}

/// What a passing `test` answers, for every step: 4.0.0's connection test answered
/// `{"connection": "Successful"}` (the Python runtime runs the connection's test whatever the step), so
/// a workflow or a script written against 4.0.0 reads the same answer from us.
pub(crate) fn test_passed() -> Result<crate::protocol::Output, Failure> {
    output_of(&json!({"connection": "Successful"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_help_pages_field_name_is_read_as_url() {
        let upgrade = |value| ThreatStreamConnection.upgrade(value);
        assert_eq!(
            upgrade(json!({"threatstream_url": "https://a"})).unwrap(),
            json!({"url": "https://a"})
        );
        let same = upgrade(json!({"url": "https://a", "threatstream_url": "https://a"})).unwrap();
        assert_eq!(same, json!({"url": "https://a"}));
        let different = upgrade(json!({"url": "https://a", "threatstream_url": "https://b"})).unwrap_err();
        assert!(
            different.cause.contains("both url and threatstream_url"),
            "{}",
            different.cause
        );
    }

    #[test]
    fn null_fields_are_unset() {
        let upgraded = ThreatStreamConnection
            .upgrade(json!({"url": "https://a", "ssl_verify": null}))
            .unwrap();
        assert_eq!(upgraded, json!({"url": "https://a"}));
    }

    #[test]
    fn thresholds_are_optional_and_must_be_in_order() {
        let base = json!({"username": "u", "url": "https://a", "api_key": {"secretKey": "k"}});
        let opened = Connection::open(&base).expect("no thresholds is fine");
        assert_eq!(opened.thresholds, Thresholds::default());
        let mut set = base.clone();
        set["malicious_threshold"] = json!(80);
        set["suspicious_threshold"] = json!(40);
        let opened = Connection::open(&set).expect("ordered thresholds");
        assert_eq!(
            (opened.thresholds.malicious, opened.thresholds.suspicious),
            (Some(80), Some(40))
        );
        set["suspicious_threshold"] = json!(90);
        let failure = Connection::open(&set).err().expect("suspicious above malicious");
        assert!(failure.cause.contains("suspicious threshold (90)"), "{}", failure.cause);
    }

    #[test]
    fn empty_fields_are_named() {
        let connection = json!({"username": "u", "url": "https://a", "api_key": {"secretKey": " "}});
        let failure = Connection::open(&connection).err().expect("empty key is refused");
        assert_eq!(failure.cause, "The connection's API key is empty.");
    }

    #[test]
    fn a_url_with_a_line_break_or_tab_is_refused_not_silently_rejoined() {
        for url in [
            "https://ts.example.com\r\nX-Evil: 1",
            "https://ts.example.com/\tx",
            "https://a\0",
        ] {
            let connection = json!({"username": "u", "url": url, "api_key": {"secretKey": "k"}});
            let failure = Connection::open(&connection).err().expect("refused");
            assert_eq!(
                failure.cause,
                "The connection's URL contains control characters or line breaks."
            );
        }
        let long = format!("https://ts.example.com/{}", "a".repeat(MAX_URL_CHARS));
        let connection = json!({"username": "u", "url": long, "api_key": {"secretKey": "k"}});
        assert!(Connection::open(&connection).is_err());
    }
}
