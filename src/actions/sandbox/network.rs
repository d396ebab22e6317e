//! A sandbox report's network block: what the sample reached, as `results.network` tells it.
//!
//! `hosts` is a list of IP addresses in every source (Cuckoo's newer reports write objects with an
//! `ip`, read too); `domains` pairs each domain with the address it resolved to (XSOAR's test data,
//! Splunk SOAR's data paths). The connection lists (`tcp`, `udp`, ...) sit in `network`, or in
//! `network.packets` on the instances Cortex XSOAR reads that way, and keep every field ThreatStream
//! gives (`src`, `dst`, `sport`, `dport`, and more for HTTP).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::report::{objects, some, text, texts};

/// What the sample did on the network.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "sandbox_network", title = "sandbox_network")]
pub(crate) struct Network {
    /// IP addresses the sample contacted
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Hosts")]
    hosts: Option<Vec<String>>,
    /// Domains the sample resolved, each with the IP address it resolved to when the report gives it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Domains")]
    domains: Option<Vec<ResolvedDomain>>,
    /// DNS queries, each with its request, type and answers
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "DNS")]
    dns: Option<Vec<Map<String, Value>>>,
    /// TCP connections, each with its source, destination and ports
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "TCP")]
    tcp: Option<Vec<Map<String, Value>>>,
    /// UDP traffic, each with its source, destination and ports
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "UDP")]
    udp: Option<Vec<Map<String, Value>>>,
    /// ICMP traffic, each with its source and destination
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "ICMP")]
    icmp: Option<Vec<Map<String, Value>>>,
    /// HTTP requests, each with its source, destination and port, and the host, method and URI when the report gives them
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "HTTP")]
    http: Option<Vec<Map<String, Value>>>,
    /// HTTPS connections, each with its source, destination and port
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "HTTPS")]
    https: Option<Vec<Map<String, Value>>>,
    /// SMTP traffic
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "SMTP")]
    smtp: Option<Vec<Map<String, Value>>>,
    /// IRC traffic
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "IRC")]
    irc: Option<Vec<Map<String, Value>>>,
    /// SHA-256 of the network capture (PCAP)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "PCAP SHA-256")]
    pcap_sha256: Option<String>,
}

/// A domain and the address it resolved to.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "resolved_domain", title = "resolved_domain")]
pub(crate) struct ResolvedDomain {
    /// Domain name
    #[schemars(title = "Domain")]
    domain: String,
    /// IP address the domain resolved to
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "IP")]
    ip: Option<String>,
}

/// The network block, or nothing when the report has none or it is empty.
pub(super) fn network(network: &Value) -> Option<Network> {
    network.as_object()?;
    // XSOAR reads the connection lists from `packets` when the report has that block.
    let packets = if network["packets"].is_object() {
        &network["packets"]
    } else {
        network
    };
    let traffic = |protocol: &str| some(objects(&packets[protocol]));
    let shown = Network {
        hosts: some(hosts(&network["hosts"])),
        domains: some(
            objects(&network["domains"])
                .iter()
                .filter_map(|entry| {
                    Some(ResolvedDomain {
                        domain: entry.get("domain").and_then(text)?,
                        ip: entry.get("ip").and_then(text),
                    })
                })
                .collect(),
        ),
        dns: some(objects(&network["dns"])),
        tcp: traffic("tcp"),
        udp: traffic("udp"),
        icmp: traffic("icmp"),
        http: traffic("http"),
        https: traffic("https"),
        smtp: traffic("smtp"),
        irc: traffic("irc"),
        pcap_sha256: text(&network["pcap_sha256"]),
    };
    (!shown.is_empty()).then_some(shown)
}

impl Network {
    fn is_empty(&self) -> bool {
        let lists = [
            &self.dns,
            &self.tcp,
            &self.udp,
            &self.icmp,
            &self.http,
            &self.https,
            &self.smtp,
            &self.irc,
        ];
        self.hosts.is_none()
            && self.domains.is_none()
            && self.pcap_sha256.is_none()
            && lists.iter().all(|list| list.is_none())
    }
}

/// Addresses written as strings, or as objects with an `ip`.
fn hosts(hosts: &Value) -> Vec<String> {
    let written = objects(hosts)
        .into_iter()
        .filter_map(|host| host.get("ip").and_then(text));
    texts(hosts).into_iter().chain(written).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(block: Value) -> Value {
        serde_json::to_value(network(&block)).unwrap()
    }

    #[test]
    fn splunks_cuckoo_block_keeps_hosts_domains_traffic_and_the_pcap_digest() {
        let block = json!({"hosts": ["122.122.122.122"], "domains": [{"domain": "test.com", "ip": "172.217.2.238"}],
            "dns": [{"request": "test.com", "type": "A", "answers": [{"data": "216.58.193.142", "type": "A"}]}],
            "tcp": [{"src": "10.0.2.15", "dst": "1.2.3.4", "sport": 1038, "dport": 139, "offset": 466, "time": 6.4298}],
            "udp": [], "pcap_sha256": "ab12", "sorted_pcap_sha256": "cd34"});
        assert_eq!(
            shown(block),
            json!({"hosts": ["122.122.122.122"], "domains": [{"domain": "test.com", "ip": "172.217.2.238"}],
                "dns": [{"request": "test.com", "type": "A", "answers": [{"data": "216.58.193.142", "type": "A"}]}],
                "tcp": [{"src": "10.0.2.15", "dst": "1.2.3.4", "sport": 1038, "dport": 139, "offset": 466,
                         "time": 6.4298}],
                "pcap_sha256": "ab12"})
        );
    }

    #[test]
    fn traffic_under_packets_and_hosts_as_objects_are_read() {
        let block = json!({"hosts": [{"ip": "78.78.78.67", "country_name": "X"}, "1.1.1.1"],
            "packets": {"udp": [{"src": "192.168.2.4", "dst": "1.2.4.5", "dport": 53}]},
            "udp": [{"src": "ignored"}]});
        assert_eq!(
            shown(block),
            json!({"hosts": ["1.1.1.1", "78.78.78.67"],
                "udp": [{"src": "192.168.2.4", "dst": "1.2.4.5", "dport": 53}]})
        );
    }

    #[test]
    fn an_empty_or_missing_block_is_none() {
        for block in [
            json!(null),
            json!({}),
            json!([]),
            json!({"hosts": [], "domains": [{"ip": "1.1.1.1"}]}),
        ] {
            assert!(network(&block).is_none(), "{block}");
        }
    }
}
