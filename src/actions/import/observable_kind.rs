//! What kind of observable a value is, told from the value alone, for the import without approval.
//!
//! That import names each value under a key of its type (`srcip`, `ipv6`, `domain`, `url`, `email`,
//! `md5` with the hash algorithm in `subtype`; reference §1.10), and ThreatStream silently drops an
//! object whose key does not fit its value. Telling the type here lets a wrong value be refused, with
//! its position, before anything is sent.

use std::net::IpAddr;

use reqwest::Url;

/// The kinds the import without approval takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObservableKind {
    Ipv4,
    Ipv6,
    Url,
    Email,
    Domain,
    /// A hex digest, with ThreatStream's name for its algorithm.
    Hash(&'static str),
}

impl ObservableKind {
    /// The key the import names the value under.
    pub(crate) fn key(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 => "srcip",
            ObservableKind::Ipv6 => "ipv6",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email",
            ObservableKind::Domain => "domain",
            ObservableKind::Hash(_) => "md5",
        }
    }

    /// The hash algorithm, sent as `subtype`.
    pub(crate) fn subtype(self) -> Option<&'static str> {
        match self {
            ObservableKind::Hash(algorithm) => Some(algorithm),
            _ => None,
        }
    }

    /// ThreatStream needs a confidence for e-mail addresses and hashes; it computes one for the rest.
    pub(crate) fn needs_confidence(self) -> bool {
        matches!(self, ObservableKind::Email | ObservableKind::Hash(_))
    }

    /// The kind's name in an error.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => "an IP address",
            ObservableKind::Url => "a URL",
            ObservableKind::Email => "an e-mail address",
            ObservableKind::Domain => "a domain",
            ObservableKind::Hash(_) => "a hash",
        }
    }
}

/// The kind of `value` (already trimmed), or `None` when it is none of them.
pub(crate) fn kind_of(value: &str) -> Option<ObservableKind> {
    if let Ok(address) = value.parse::<IpAddr>() {
        return Some(match address {
            IpAddr::V4(_) => ObservableKind::Ipv4,
            IpAddr::V6(_) => ObservableKind::Ipv6,
        });
    }
    if value.contains("://") {
        return is_url(value).then_some(ObservableKind::Url);
    }
    if let Some(algorithm) = hash_algorithm(value) {
        return Some(ObservableKind::Hash(algorithm));
    }
    if let Some((local, domain)) = value.split_once('@') {
        let local_ok = !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c));
        return (local_ok && is_domain(domain)).then_some(ObservableKind::Email);
    }
    is_domain(value).then_some(ObservableKind::Domain)
}

fn is_url(value: &str) -> bool {
    let Ok(url) = Url::parse(value) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https" | "ftp") && url.host_str().is_some_and(|host| !host.is_empty())
}

fn hash_algorithm(value: &str) -> Option<&'static str> {
    if !value.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    match value.len() {
        32 => Some("MD5"),
        40 => Some("SHA1"),
        64 => Some("SHA256"),
        128 => Some("SHA512"),
        _ => None,
    }
}

/// A host name of at least two labels whose last is alphabetic (or an IDNA `xn--` label).
fn is_domain(value: &str) -> bool {
    let name = value.strip_suffix('.').unwrap_or(value);
    let labels: Vec<&str> = name.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    let tld_ok = tld.len() >= 2 && (tld.bytes().all(|byte| byte.is_ascii_alphabetic()) || tld.starts_with("xn--"));
    name.len() <= 253 && labels.len() >= 2 && tld_ok && labels.iter().all(|label| is_label(label))
}

fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_told_from_its_value() {
        let cases = [
            ("198.51.100.7", ObservableKind::Ipv4),
            ("2001:db8::bad:c0de", ObservableKind::Ipv6),
            ("https://evil-domain.example/login?a=1", ObservableKind::Url),
            ("phisher@example.org", ObservableKind::Email),
            ("evil-domain.example", ObservableKind::Domain),
            ("xn--80ak6aa92e.xn--p1ai", ObservableKind::Domain),
            ("44d88612fea8a8f36de82e1278abb02f", ObservableKind::Hash("MD5")),
            ("3395856ce81f2b7382dee72602f798b642f14140", ObservableKind::Hash("SHA1")),
            (
                "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
                ObservableKind::Hash("SHA256"),
            ),
        ];
        for (value, kind) in cases {
            assert_eq!(kind_of(value), Some(kind), "{value}");
        }
        assert_eq!(
            kind_of(&"a".repeat(128)).and_then(ObservableKind::subtype),
            Some("SHA512")
        );
    }

    #[test]
    fn what_is_no_observable_is_refused() {
        for value in [
            "",
            "not an observable",
            "localhost",
            "example.123",
            "javascript://x",
            "http://",
            "@example.com",
            "a@b",
            "44d88612fea8a8f36de82e1278abb02",
            "-bad.example",
        ] {
            assert_eq!(kind_of(value), None, "{value}");
        }
    }
}
