//! The one spelling of each kind of observable value: what a lookup sends, and what a record's value
//! is compared and routed by.
//!
//! ThreatStream compares domains, e-mail addresses and hashes without regard to case, and a playbook
//! gets the same value in many spellings (`Evil-Domain.Example.`, `bücher.example`, `2001:DB8:0::1`,
//! `HTTP://MALICIOUS.EXAMPLE.NET/payload.exe`). The actions' normaliser (`actions::observable`) puts
//! every value it is given in this form, and the lookups put every record's value in it before
//! comparing, so both sides always agree.
//!
//! - a domain: lower-case ASCII, internationalised labels in punycode (UTS #46, as browsers convert
//!   host names), no trailing dot;
//! - an e-mail address: the local part lower-cased, the domain as a domain;
//! - a URL: the scheme and host lower-cased (the host as a domain, or an address in its canonical
//!   form); the user, port, path, query and fragment as given, since paths are case-sensitive;
//! - an IP address: its canonical text (`std::net`'s, RFC 5952 for IPv6), brackets dropped;
//! - a hash: lower case.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv6Addr};

/// A domain name in its canonical form, or `None` for what cannot be a host name.
pub(crate) fn domain(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::URL)
        .ok()
        .map(Cow::into_owned)
        .filter(|ascii| !ascii.is_empty())
}

/// An e-mail address in its canonical form, or `None` when its domain cannot be one.
pub(crate) fn email(address: &str) -> Option<String> {
    let (local, host) = address.rsplit_once('@')?;
    Some(format!("{}@{}", local.to_lowercase(), domain(host)?))
}

/// An address, also in the bracketed form IPv6 takes in URLs.
pub(crate) fn ip(text: &str) -> Option<IpAddr> {
    let bare = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse().ok()
}

/// A hex digest in its canonical form.
pub(crate) fn hash(digest: &str) -> String {
    digest.to_ascii_lowercase()
}

/// A URL in its canonical form, with or without a scheme (ThreatStream keeps URLs as reported); `None`
/// when it has no host that can be one.
pub(crate) fn url(text: &str) -> Option<String> {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => (Some(scheme.to_ascii_lowercase()), rest),
        _ => (None, text),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, host_and_port) = match authority.rsplit_once('@') {
        Some((user, host_and_port)) => (Some(user), host_and_port),
        None => (None, authority),
    };
    let (host, port) = split_port(host_and_port)?;
    let host = url_host(host)?;
    let mut canonical = String::with_capacity(text.len());
    if let Some(scheme) = scheme {
        canonical.push_str(&scheme);
        canonical.push_str("://");
    }
    if let Some(user) = user {
        canonical.push_str(user);
        canonical.push('@');
    }
    canonical.push_str(&host);
    canonical.push_str(port);
    canonical.push_str(tail);
    Some(canonical)
}

/// RFC 3986's scheme: a letter, then letters, digits, `+`, `-` and `.`.
fn is_scheme(scheme: &str) -> bool {
    scheme.chars().next().is_some_and(|first| first.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The host and the `:port` after it (empty when none).
fn split_port(host_and_port: &str) -> Option<(&str, &str)> {
    if host_and_port.starts_with('[') {
        let close = host_and_port.find(']')?;
        return Some(host_and_port.split_at(close + 1));
    }
    Some(match host_and_port.rfind(':') {
        Some(colon) => host_and_port.split_at(colon),
        None => (host_and_port, ""),
    })
}

fn url_host(host: &str) -> Option<String> {
    if let Some(inner) = host.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(|address| format!("[{address}]"));
    }
    if let Ok(address) = host.parse::<IpAddr>() {
        return Some(address.to_string());
    }
    domain(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_spelling() {
        assert_eq!(domain("Evil-Domain.Example.").as_deref(), Some("evil-domain.example"));
        assert_eq!(domain("BÜCHER.example").as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(
            domain("bücher\u{3002}example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(domain("."), None);
        assert_eq!(domain("a b.example"), None);
        assert_eq!(
            email("Info@Bücher.Example").as_deref(),
            Some("info@xn--bcher-kva.example")
        );
        assert_eq!(email("no-at-sign"), None);
        assert_eq!(ip("[2001:DB8:0::1]"), "2001:db8::1".parse().ok());
        assert_eq!(
            hash("44D88612FEA8A8F36DE82E1278ABB02F"),
            "44d88612fea8a8f36de82e1278abb02f"
        );
    }

    #[test]
    fn a_url_keeps_its_path_and_lowers_its_scheme_and_host() {
        for (given, canonical) in [
            (
                "HTTP://MALICIOUS.EXAMPLE.NET/payload.exe",
                "http://malicious.example.net/payload.exe",
            ),
            (
                "http://malicious.example.net/Payload.EXE?A=B#C",
                "http://malicious.example.net/Payload.EXE?A=B#C",
            ),
            ("Evil.Example/Login", "evil.example/Login"),
            (
                "https://User:Pw@Bücher.example:8443/x",
                "https://User:Pw@xn--bcher-kva.example:8443/x",
            ),
            ("http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
            ("http://198.51.100.23/gate.php", "http://198.51.100.23/gate.php"),
            ("google.com", "google.com"),
        ] {
            assert_eq!(url(given).as_deref(), Some(canonical), "{given}");
        }
        assert_eq!(url("http:///path"), None);
        assert_eq!(url("http://[nope]/"), None);
    }
}
