//! The plugin connection: its schema, the client it builds, and the connection test.
//!
//! Connections saved for the published Python plugin name the instance URL `url`; the seed's help page
//! calls it `threatstream_url`. Both are accepted so an existing connection keeps working.
//!
//! In `http` mode one process runs many steps, so clients are kept per connection settings: steps with
//! the same settings reuse keep-alive connections (and TLS sessions) to ThreatStream, while different
//! settings never share a client. A client holds no per-step state, so nothing one step asks for can
//! leak into the next.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::protocol::{output_of, schema_for, Connector, Failure, StepFuture};
use crate::threatstream::{ApiVersion, Client, ClientConfig};

/// A ThreatStream request that takes longer than this has almost certainly hung.
const DEFAULT_TIMEOUT_SECONDS: u64 = 60;

#[derive(Deserialize, JsonSchema)]
#[schemars(title = "Connection")]
pub(crate) struct Connection {
    /// Anomali ThreatStream username (the account's e-mail address)
    #[schemars(title = "Username", extend("order" = 1))]
    pub(crate) username: String,
    /// URL of the ThreatStream instance, for example https://ts.example.com
    #[schemars(title = "ThreatStream URL", extend("order" = 2))]
    pub(crate) threatstream_url: String,
    /// Anomali ThreatStream API key
    #[schemars(title = "API Key", extend("order" = 3))]
    pub(crate) api_key: SecretKey,
    /// Verify the server's SSL/TLS certificate
    #[serde(default = "verify_by_default")]
    #[schemars(title = "SSL Verify", extend("order" = 4))]
    pub(crate) ssl_verify: bool,
    /// ThreatStream API version the actions use; v1 is the legacy API of older on-premises instances
    #[serde(default)]
    #[schemars(title = "API Version", extend("order" = 5))]
    pub(crate) api_version: ApiVersionChoice,
    /// Seconds to wait for each ThreatStream request before giving up
    #[serde(default = "default_timeout")]
    #[schemars(title = "Timeout", range(min = 1, max = 600), extend("order" = 6))]
    pub(crate) timeout: u64,
}

fn verify_by_default() -> bool {
    true
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECONDS
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

impl Connection {
    /// Builds the ThreatStream client for a connection that passed its schema.
    pub(crate) fn client(connection: &Value) -> Result<Client, Failure> {
        let connection: Connection = serde_json::from_value(connection.clone()).map_err(|error| {
            Failure::client(
                format!("The connection is invalid: {error}."),
                "Correct the plugin connection settings and try again.",
            )
        })?;
        connection.check()?;
        if !connection.ssl_verify {
            tracing::warn!(
                "SSL Verify is off: the ThreatStream server's certificate is not checked for this connection"
            );
        }
        let config = ClientConfig {
            base_url: connection.threatstream_url,
            username: connection.username,
            api_key: connection.api_key.secret_key,
            verify_tls: connection.ssl_verify,
            api_version: match connection.api_version {
                ApiVersionChoice::V1 => ApiVersion::V1,
                ApiVersionChoice::V2 => ApiVersion::V2,
            },
            timeout: Duration::from_secs(connection.timeout),
        };
        cached_client(config)
    }

    fn check(&self) -> Result<(), Failure> {
        let empty = |field: &str| {
            Failure::client(
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
        if self.threatstream_url.trim().is_empty() {
            return Err(empty("ThreatStream URL"));
        }
        // Both travel in the Authorization header, where a line break would end the header early.
        let unsendable = |text: &str| text.chars().any(char::is_control);
        if unsendable(&self.username) || unsendable(&self.api_key.secret_key) {
            return Err(Failure::client(
                "The connection's username or API key contains control characters or line breaks.",
                "Copy the username and API key again without surrounding whitespace or line breaks.",
            ));
        }
        Ok(())
    }
}

/// Enough for every connection an orchestrator's workflows use at once; past it the least recently
/// used client goes, so a process that sees ever new settings (rotated keys) does not grow forever.
const MAX_CACHED_CLIENTS: usize = 32;

/// The clients of this process, keyed by the whole `ClientConfig`: the settings a client is built
/// from, compared field by field, so no two settings can collide on one key (as hashes can) and
/// no JSON key order or unknown field can split one setting into two.
static CLIENTS: Mutex<ClientCache> = Mutex::new(ClientCache::new());

fn clients() -> MutexGuard<'static, ClientCache> {
    // The cache is consistent after every statement, so a panic elsewhere cannot have broken it.
    CLIENTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The client for `config`, built on first use.
fn cached_client(config: ClientConfig) -> Result<Client, Failure> {
    if let Some(client) = clients().get(&config) {
        return Ok(client);
    }
    // Built outside the lock: loading the root certificates takes a while, and steps on other
    // connections should not wait for it. Two steps racing here build twice and keep the first.
    let client = Client::new(config.clone())?;
    Ok(clients().insert(config, client))
}

struct ClientCache {
    entries: Vec<CachedClient>,
    /// Counts uses, to find the least recently used entry.
    clock: u64,
}

struct CachedClient {
    config: ClientConfig,
    client: Client,
    last_used: u64,
}

impl ClientCache {
    const fn new() -> ClientCache {
        ClientCache {
            entries: Vec::new(),
            clock: 0,
        }
    }

    fn get(&mut self, config: &ClientConfig) -> Option<Client> {
        self.clock += 1;
        let entry = self.entries.iter_mut().find(|entry| entry.config == *config)?;
        entry.last_used = self.clock;
        Some(entry.client.clone())
    }

    /// Keeps `client` for `config`, unless one is already kept, and answers with the kept one.
    fn insert(&mut self, config: ClientConfig, client: Client) -> Client {
        if let Some(kept) = self.get(&config) {
            return kept;
        }
        if self.entries.len() >= MAX_CACHED_CLIENTS {
            let oldest = self
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(index, _)| index);
            if let Some(index) = oldest {
                self.entries.swap_remove(index);
            }
        }
        self.entries.push(CachedClient {
            config,
            client: client.clone(),
            last_used: self.clock,
        });
        client
    }
}

pub(crate) struct ThreatStreamConnection;

impl Connector for ThreatStreamConnection {
    fn schema(&self) -> &'static Value {
        schema_for::<Connection>()
    }

    fn upgrade(&self, mut connection: Value) -> Value {
        if let Some(fields) = connection.as_object_mut() {
            if !fields.contains_key("threatstream_url") {
                if let Some(url) = fields.remove("url") {
                    fields.insert("threatstream_url".to_owned(), url);
                }
            }
        }
        connection
    }

    /// The call every ThreatStream integration uses to check a connection: one observable, any.
    fn test<'a>(&'a self, connection: &'a Value) -> StepFuture<'a> {
        Box::pin(async move {
            let client = Connection::client(connection)?;
            crate::threatstream::probe(&client).await?;
            output_of(&json!({"success": true}))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_url_field_is_renamed_but_never_overrides() {
        let upgraded = ThreatStreamConnection.upgrade(json!({"url": "https://a"}));
        assert_eq!(upgraded, json!({"threatstream_url": "https://a"}));
        let both = ThreatStreamConnection.upgrade(json!({"url": "https://a", "threatstream_url": "https://b"}));
        assert_eq!(both["threatstream_url"], "https://b");
    }

    fn config(api_key: &str) -> ClientConfig {
        ClientConfig {
            base_url: "http://127.0.0.1:9".into(),
            username: "analyst@example.com".into(),
            api_key: api_key.into(),
            verify_tls: true,
            api_version: ApiVersion::V2,
            timeout: Duration::from_secs(5),
        }
    }

    fn client(api_key: &str) -> Client {
        Client::new(config(api_key)).expect("valid config")
    }

    #[test]
    fn one_client_per_config_and_none_shared_between_configs() {
        let mut cache = ClientCache::new();
        cache.insert(config("a"), client("a"));
        cache.insert(config("a"), client("a"));
        assert_eq!(cache.entries.len(), 1, "equal settings share a client");
        assert!(cache.get(&config("a")).is_some());
        assert!(cache.get(&config("b")).is_none(), "another key is another client");
        let mut slower = config("a");
        slower.timeout = Duration::from_secs(6);
        assert!(cache.get(&slower).is_none(), "any differing setting is another client");
    }

    #[test]
    fn the_least_recently_used_client_goes_when_full() {
        let mut cache = ClientCache::new();
        for key in 0..MAX_CACHED_CLIENTS {
            cache.insert(config(&key.to_string()), client(&key.to_string()));
        }
        assert!(cache.get(&config("0")).is_some());
        cache.insert(config("new"), client("new"));
        assert_eq!(cache.entries.len(), MAX_CACHED_CLIENTS);
        assert!(cache.get(&config("0")).is_some(), "recently used, kept");
        assert!(cache.get(&config("1")).is_none(), "least recently used, gone");
    }

    #[test]
    fn empty_fields_are_named() {
        let connection = json!({"username": "u", "threatstream_url": "https://a", "api_key": {"secretKey": " "}});
        let failure = Connection::client(&connection).err().expect("empty key is refused");
        assert_eq!(failure.cause, "The connection's API key is empty.");
    }
}
