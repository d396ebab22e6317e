//! Whether the organization's allowlist has a value: what a lookup's verdict asks when the connection
//! sets Check Allowlist (issue 24, item 2).
//!
//! An allowlisted value is one the organization has said it trusts (its own mail relay, a partner's
//! range), so a verdict that calls it malicious would send a playbook to block it. The allowlist is
//! read once per connection and process, all pages (`GET /api/v1/orgwhitelist/?showNote=true`, the
//! same route and query List Allowlist reads), and kept with the connection's pooled client: a
//! process that runs one step reads it once, `http` mode reads it once per connection until an
//! allowlist write of this process (`forget`) makes it read again.
//!
//! An entry covers a value by its type, each side in `canonical`'s one spelling: an `ip` entry the
//! same address, a `cidr` entry every address inside the block, `domain`, `url`, `email` and
//! `user-agent` entries the same value, and an `md5` entry the same digest of any length (XSOAR
//! files every hash as `md5`). No public client says ThreatStream extends a domain entry to its
//! subdomains or to URLs on it, so none is assumed. What is kept is the entries' values and the few
//! fields a verdict names, never the pages.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, PoisonError};

use serde_json::Value;

use super::allowlist::each_entry;
use super::canonical;
use super::client::Client;
use super::error::ApiError;
use super::intelligence::{numeric_id, Observable, Record};

/// The allowlist `client`'s connection has read, if any.
fn kept(client: &Client) -> Option<Arc<Allowlist>> {
    // Replaced whole, never changed in place: a panic elsewhere cannot have left it half-written.
    let kept = client.kept.lock().unwrap_or_else(PoisonError::into_inner).clone()?;
    kept.downcast::<Allowlist>().ok()
}

fn keep(client: &Client, allowlist: Option<Arc<Allowlist>>) {
    *client.kept.lock().unwrap_or_else(PoisonError::into_inner) =
        allowlist.map(|allowlist| allowlist as Arc<dyn std::any::Any + Send + Sync>);
}

/// The allowlist of `client`'s organization: read on first use, then kept for the process. Two
/// steps racing on a fresh connection both read it, and the later copy is kept; both are the same.
pub(crate) async fn allowlist(client: &Client) -> Result<Arc<Allowlist>, ApiError> {
    if let Some(kept) = kept(client) {
        return Ok(kept);
    }
    let mut allowlist = Allowlist::default();
    each_entry(client, |entry| allowlist.add(&entry)).await?;
    tracing::info!("Read the organization's allowlist: {} entries", allowlist.entries);
    let allowlist = Arc::new(allowlist);
    keep(client, Some(allowlist.clone()));
    Ok(allowlist)
}

/// Drops the kept allowlist after this process wrote to it, so the next verdict reads it again.
pub(crate) fn forget(client: &Client) {
    keep(client, None);
}

/// The entry that covers a value, as a verdict names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Covering {
    pub(crate) id: Option<u64>,
    pub(crate) value_type: String,
    pub(crate) value: String,
    pub(crate) notes: Option<String>,
}

/// The allowlist's entries, indexed by type and canonical value; blocks kept apart to test
/// containment.
#[derive(Debug, Default)]
pub(crate) struct Allowlist {
    exact: HashMap<(Kind, String), Covering>,
    blocks: Vec<(Block, Covering)>,
    entries: usize,
}

/// The value types an entry is matched by (`cidr` entries are `Block`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Ip,
    Domain,
    Url,
    Email,
    Hash,
    UserAgent,
}

impl Allowlist {
    /// Adds one of ThreatStream's entries; one of an unknown type, or whose value is not of its
    /// type, covers nothing.
    fn add(&mut self, entry: &Record) {
        self.entries += 1;
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or_default()
        };
        let (value_type, value) = (text("value_type"), text("value"));
        let covering = || Covering {
            id: entry.get("id").and_then(numeric_id),
            value_type: value_type.to_owned(),
            value: value.to_owned(),
            notes: Some(text("notes")).filter(|notes| !notes.is_empty()).map(str::to_owned),
        };
        if value_type.eq_ignore_ascii_case("cidr") {
            if let Some(block) = Block::parse(value) {
                self.blocks.push((block, covering()));
            }
            return;
        }
        let Some(key) = key_of(value_type, value) else {
            return;
        };
        self.exact.entry(key).or_insert_with(covering);
    }

    /// The entry that covers `observable`, if any.
    pub(crate) fn covering(&self, observable: &Observable) -> Option<&Covering> {
        match observable {
            Observable::Ip(address) => self.address(*address),
            Observable::Domain(name) => self.exact(Kind::Domain, name),
            Observable::Url(url) => self.exact(Kind::Url, url),
            Observable::Email(address) => self.exact(Kind::Email, address),
            Observable::Hash(digest) => self.exact(Kind::Hash, digest),
            Observable::Any(text) => self.any(text),
        }
    }

    fn exact(&self, kind: Kind, value: &str) -> Option<&Covering> {
        self.exact.get(&(kind, value.to_owned()))
    }

    fn address(&self, address: IpAddr) -> Option<&Covering> {
        self.exact(Kind::Ip, &address.to_string()).or_else(|| {
            self.blocks
                .iter()
                .find(|(block, _)| block.contains(address))
                .map(|(_, covering)| covering)
        })
    }

    /// A value of no known type (Get Observables): whatever its text is as each type.
    fn any(&self, text: &str) -> Option<&Covering> {
        if let Some(address) = canonical::ip(text) {
            return self.address(address);
        }
        [Kind::Domain, Kind::Url, Kind::Email, Kind::Hash, Kind::UserAgent]
            .into_iter()
            .find_map(|kind| self.exact.get(&(kind, spelled(kind, text)?)))
    }
}

/// The key an entry is found by: its type and its value in canonical form.
fn key_of(value_type: &str, value: &str) -> Option<(Kind, String)> {
    let kind = match value_type.to_ascii_lowercase().as_str() {
        "ip" => Kind::Ip,
        "domain" => Kind::Domain,
        "url" => Kind::Url,
        "email" => Kind::Email,
        "md5" => Kind::Hash,
        "user-agent" => Kind::UserAgent,
        _ => return None,
    };
    Some((kind, spelled(kind, value)?))
}

/// `value` in the one spelling of `kind`, or `None` when it cannot be one.
fn spelled(kind: Kind, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match kind {
        Kind::Ip => canonical::ip(value).map(|address| address.to_string()),
        Kind::Domain => canonical::domain(value),
        Kind::Url => canonical::url(value),
        Kind::Email => canonical::email(value),
        Kind::Hash => Some(canonical::hash(value)),
        Kind::UserAgent => Some(value.to_owned()),
    }
}

/// A CIDR block: an address and how many leading bits a covered address shares with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    network: IpAddr,
    prefix: u32,
}

impl Block {
    /// `198.51.100.0/24`, `2001:db8::/32`; a bare address is a block of one.
    fn parse(text: &str) -> Option<Block> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.trim().parse::<u32>().ok()?)),
            None => (text, None),
        };
        let network = canonical::ip(address.trim())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Block { network, prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        let leading = |bits: u128, width: u32| match self.prefix {
            0 => 0,
            prefix => bits >> (width - prefix),
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                leading(u32::from(network).into(), 32) == leading(u32::from(address).into(), 32)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                leading(u128::from(network), 128) == leading(u128::from(address), 128)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn allowlist(entries: Value) -> Allowlist {
        let mut allowlist = Allowlist::default();
        for entry in entries.as_array().expect("entries") {
            allowlist.add(entry.as_object().expect("an entry"));
        }
        allowlist
    }

    fn id(allowlist: &Allowlist, observable: &Observable) -> Option<u64> {
        allowlist.covering(observable).and_then(|covering| covering.id)
    }

    #[test]
    fn each_type_covers_its_own_values_in_any_spelling() {
        let list = allowlist(json!([
            {"id": 1, "value_type": "ip", "value": "2001:DB8::1"},
            {"id": 2, "value_type": "cidr", "value": "198.51.100.0/24", "notes": "Partner (case 4711)"},
            {"id": 3, "value_type": "domain", "value": "Partner.Example."},
            {"id": 4, "value_type": "url", "value": "HTTPS://Partner.Example/Login"},
            {"id": 5, "value_type": "email", "value": "Alerts@Partner.Example"},
            {"id": 6, "value_type": "md5", "value": "44D88612FEA8A8F36DE82E1278ABB02F"},
            {"id": 7, "value_type": "user-agent", "value": "Mozilla/5.0 (compatible; Scanner)"},
            {"id": 8, "value_type": "cidr", "value": "2001:db8:ff00::/40"},
            {"id": 9, "value_type": "ip", "value": "not an address"},
            {"id": 10, "value_type": "printer", "value": "203.0.113.9"},
        ]));
        let ip = |text: &str| Observable::Ip(text.parse().expect("an address"));
        assert_eq!(id(&list, &ip("2001:db8::1")), Some(1));
        assert_eq!(id(&list, &ip("198.51.100.255")), Some(2));
        assert_eq!(id(&list, &ip("198.51.101.0")), None);
        assert_eq!(id(&list, &ip("2001:db8:ff12::7")), Some(8));
        assert_eq!(id(&list, &ip("2001:db8:fe00::1")), None);
        assert_eq!(id(&list, &ip("203.0.113.9")), None, "an unknown type covers nothing");
        assert_eq!(id(&list, &Observable::Domain("partner.example".into())), Some(3));
        assert_eq!(id(&list, &Observable::Domain("www.partner.example".into())), None);
        assert_eq!(
            id(&list, &Observable::Url("https://partner.example/Login".into())),
            Some(4)
        );
        assert_eq!(
            id(&list, &Observable::Url("https://partner.example/login".into())),
            None
        );
        assert_eq!(id(&list, &Observable::Email("alerts@partner.example".into())), Some(5));
        let digest = "44d88612fea8a8f36de82e1278abb02f";
        assert_eq!(id(&list, &Observable::Hash(digest.into())), Some(6));
        assert_eq!(
            id(&list, &Observable::Any("Mozilla/5.0 (compatible; Scanner)".into())),
            Some(7)
        );
        assert_eq!(id(&list, &Observable::Any("198.51.100.7".into())), Some(2));
        assert_eq!(id(&list, &Observable::Any("PARTNER.example".into())), Some(3));
        assert_eq!(list.entries, 10);
    }

    #[test]
    fn blocks_hold_the_addresses_their_prefix_names() {
        let block = |text: &str| Block::parse(text).expect("a block");
        let address = |text: &str| text.parse::<IpAddr>().expect("an address");
        assert!(block("0.0.0.0/0").contains(address("203.0.113.9")));
        assert!(!block("0.0.0.0/0").contains(address("::1")));
        assert!(block("203.0.113.9").contains(address("203.0.113.9")));
        assert!(!block("203.0.113.9/32").contains(address("203.0.113.8")));
        assert!(block("10.0.0.0/8").contains(address("10.255.255.255")));
        assert!(block("::/0").contains(address("2001:db8::1")));
        assert_eq!(Block::parse("10.0.0.0/33"), None);
        assert_eq!(Block::parse("10.0.0.0/x"), None);
    }
}
