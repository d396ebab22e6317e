//! The clients of this process, one per set of connection settings.
//!
//! In `http` mode one process runs many steps, so clients are kept per connection settings: steps with
//! the same settings reuse keep-alive connections (and TLS sessions) to ThreatStream, while different
//! settings never share a client. A pooled client holds no per-step state, so nothing one step asks
//! for can leak into the next; the one thing a step's client carries of its own, its memory budget, is
//! attached to the copy each step gets (`Client::for_step`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::client::{Client, ClientConfig};
use super::error::ApiError;
use crate::budget::Budget;

/// Enough for every connection an orchestrator's workflows use at once; past it the least recently
/// used client goes, so a process that sees ever new settings (rotated keys) does not grow forever.
const MAX_CLIENTS: usize = 32;

/// Keyed by the whole `ClientConfig`: the settings a client is built from, compared field by field, so
/// no two settings can collide on one key (as hashes can) and no JSON key order or unknown field can
/// split one setting into two.
static POOL: Mutex<ClientPool> = Mutex::new(ClientPool::new());

fn pool() -> MutexGuard<'static, ClientPool> {
    // The pool is consistent after every statement, so a panic elsewhere cannot have broken it.
    POOL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The client for `config` (built on first use), for one step that reads within `budget`.
pub(crate) fn client_for(config: ClientConfig, budget: Arc<Budget>) -> Result<Client, ApiError> {
    if let Some(client) = pool().get(&config) {
        return Ok(client.for_step(budget));
    }
    // Built outside the lock: loading the root certificates takes a while, and steps on other
    // connections should not wait for it. Two steps racing here build twice and keep the first.
    let client = Client::new(config.clone())?;
    Ok(pool().insert(config, client).for_step(budget))
}

struct ClientPool {
    entries: Vec<PooledClient>,
    /// Counts uses, to find the least recently used entry.
    clock: u64,
}

struct PooledClient {
    config: ClientConfig,
    client: Client,
    last_used: u64,
}

impl ClientPool {
    const fn new() -> ClientPool {
        ClientPool {
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
        if self.entries.len() >= MAX_CLIENTS {
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
        self.entries.push(PooledClient {
            config,
            client: client.clone(),
            last_used: self.clock,
        });
        client
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::threatstream::ApiVersion;

    fn config(api_key: &str) -> ClientConfig {
        ClientConfig {
            base_url: "http://127.0.0.1:9".into(),
            username: "analyst@example.com".into(),
            api_key: api_key.into(),
            verify_tls: true,
            api_version: ApiVersion::V2,
            timeout: Duration::from_secs(5),
            remote_api: false,
        }
    }

    fn client(api_key: &str) -> Client {
        Client::new(config(api_key)).expect("valid config")
    }

    #[test]
    fn one_client_per_config_and_none_shared_between_configs() {
        let mut pool = ClientPool::new();
        pool.insert(config("a"), client("a"));
        pool.insert(config("a"), client("a"));
        assert_eq!(pool.entries.len(), 1, "equal settings share a client");
        assert!(pool.get(&config("a")).is_some());
        assert!(pool.get(&config("b")).is_none(), "another key is another client");
        let mut slower = config("a");
        slower.timeout = Duration::from_secs(6);
        assert!(pool.get(&slower).is_none(), "any differing setting is another client");
    }

    #[test]
    fn the_least_recently_used_client_goes_when_full() {
        let mut pool = ClientPool::new();
        for key in 0..MAX_CLIENTS {
            pool.insert(config(&key.to_string()), client(&key.to_string()));
        }
        assert!(pool.get(&config("0")).is_some());
        pool.insert(config("new"), client("new"));
        assert_eq!(pool.entries.len(), MAX_CLIENTS);
        assert!(pool.get(&config("0")).is_some(), "recently used, kept");
        assert!(pool.get(&config("1")).is_none(), "least recently used, gone");
    }
}
