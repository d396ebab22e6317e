//! What kind of observable a value is, told by its shape: the one place that decides it.
//!
//! Actions that take "any observable" (enrichment, and the bulk lookup after it) must agree on what
//! `198.51.100.23`, `evil-domain.example` or a 64-digit hex string is, so the rules live here once:
//! an IP address parses as one; 32, 40, 64 or 128 hex digits are an MD5, SHA-1, SHA-256 or SHA-512
//! hash; a value with `://`, or a host followed by a path, is a URL; `local@domain` is an e-mail
//! address; a dotted name whose last label is not a number is a domain. Analysts paste defanged
//! values (`hxxp://evil[.]example`), so those are refanged first. A caller may name the type instead,
//! and the value must then have that shape.
//!
//! Problems are plain sentences quoting the value, so a single-value action can put them in an
//! invalid-input failure and a bulk action can report them per value.

use std::borrow::Cow;
use std::net::IpAddr;

use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::protocol::quoted;
use crate::threatstream::enrichment::DIGEST_LENGTHS;
use crate::threatstream::Observable;

/// Longer than any URL a browser or proxy accepts, and far beyond any other kind of observable: the
/// most any action that takes an observable reads.
pub(crate) const MAX_VALUE_LENGTH: usize = 8192;

/// The longest domain name DNS can carry, without its final dot.
const MAX_DOMAIN_LENGTH: usize = 253;

/// The observables' type, or `any` to tell each by its shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum TypeHint {
    #[default]
    Any,
    Ip,
    Domain,
    Url,
    Email,
    Hash,
}

impl TypeHint {
    pub(crate) fn wanted(self) -> Option<ObservableType> {
        match self {
            TypeHint::Any => None,
            TypeHint::Ip => Some(ObservableType::Ip),
            TypeHint::Domain => Some(ObservableType::Domain),
            TypeHint::Url => Some(ObservableType::Url),
            TypeHint::Email => Some(ObservableType::Email),
            TypeHint::Hash => Some(ObservableType::Hash),
        }
    }
}

/// Observable type
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub(crate) enum ObservableType {
    Ip,
    Domain,
    Url,
    Email,
    Hash,
}

impl ObservableType {
    /// The type of a typed observable; `None` for Get Observables' value of any type, whose type
    /// only its records know.
    pub(crate) fn of(observable: &Observable) -> Option<ObservableType> {
        match observable {
            Observable::Ip(_) => Some(ObservableType::Ip),
            Observable::Domain(_) => Some(ObservableType::Domain),
            Observable::Url(_) => Some(ObservableType::Url),
            Observable::Email(_) => Some(ObservableType::Email),
            Observable::Hash(_) => Some(ObservableType::Hash),
            Observable::Any(_) => None,
        }
    }

    /// The name a sentence uses: "is not an e-mail address".
    pub(crate) fn noun(self) -> &'static str {
        match self {
            ObservableType::Ip => "an IP address",
            ObservableType::Domain => "a domain",
            ObservableType::Url => "a URL",
            ObservableType::Email => "an e-mail address",
            ObservableType::Hash => "an MD5, SHA-1, SHA-256 or SHA-512 hash",
        }
    }
}

/// The observable `text` is: of type `kind` when one is given, else of the type its shape says.
pub(crate) fn observable(text: &str, kind: Option<ObservableType>) -> Result<Observable, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("it is empty; give an IP address, domain, URL, e-mail address or hash".into());
    }
    if trimmed.len() > MAX_VALUE_LENGTH {
        return Err(format!(
            "it is {} characters long, more than the {MAX_VALUE_LENGTH} any observable has",
            trimmed.len()
        ));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{} contains spaces or control characters", quoted(trimmed)));
    }
    let value = refanged(trimmed);
    let found = match kind {
        Some(kind) => shaped_as(kind, &value),
        None => detected(&value),
    };
    found.ok_or_else(|| match kind {
        Some(kind) => format!("{} is not {}", quoted(trimmed), kind.noun()),
        None if is_network(&value) => format!("{} is a network range; give one IP address", quoted(trimmed)),
        None => format!(
            "{} is not an IP address, domain, URL, e-mail address or MD5, SHA-1, SHA-256 or SHA-512 hash",
            quoted(trimmed)
        ),
    })
}

fn detected(value: &str) -> Option<Observable> {
    [
        ObservableType::Ip,
        ObservableType::Hash,
        ObservableType::Email,
        ObservableType::Domain,
        ObservableType::Url,
    ]
    .into_iter()
    .find_map(|kind| shaped_as(kind, value))
}

fn shaped_as(kind: ObservableType, value: &str) -> Option<Observable> {
    match kind {
        ObservableType::Ip => ip_address(value).map(Observable::Ip),
        ObservableType::Hash => is_digest(value).then(|| Observable::Hash(value.to_ascii_lowercase())),
        ObservableType::Email => email(value).map(Observable::Email),
        ObservableType::Domain => domain(value).map(Observable::Domain),
        ObservableType::Url => is_url(value).then(|| Observable::Url(value.to_owned())),
    }
}

/// An address, also in the bracketed form IPv6 takes in URLs.
fn ip_address(value: &str) -> Option<IpAddr> {
    let bare = value
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(value);
    bare.parse().ok()
}

fn is_digest(value: &str) -> bool {
    DIGEST_LENGTHS.contains(&value.len()) && value.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// `local@domain`, lower-cased, with a domain that is one by `domain`'s rules.
fn email(value: &str) -> Option<String> {
    let (local, host) = value.rsplit_once('@')?;
    if local.is_empty() || local.contains(['@', '/', ':']) {
        return None;
    }
    let host = domain(host)?;
    Some(format!("{}@{host}", local.to_lowercase()))
}

/// A dotted name of at least two labels, in the ASCII form ThreatStream files (lower case, no
/// trailing dot, internationalised labels in punycode: `bücher.example` is `xn--bcher-kva.example`).
/// Labels are letters, digits, `-` and `_`, and the last is not a number, which keeps `198.51.100`
/// from passing as a domain.
fn domain(value: &str) -> Option<String> {
    let name = ascii_domain(value.strip_suffix('.').unwrap_or(value))?;
    if name.is_empty() || name.len() > MAX_DOMAIN_LENGTH {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let last = labels.last()?;
    let numeric_tld = last.chars().all(|c| c.is_ascii_digit());
    (labels.len() >= 2 && labels.iter().all(label_ok) && !numeric_tld).then_some(name)
}

/// UTS #46's domain-to-ASCII, as browsers apply it: lower case, full-width dots and other
/// equivalents mapped, non-ASCII labels in punycode. `None` for what cannot be a host name.
pub(crate) fn ascii_domain(name: &str) -> Option<String> {
    idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::URL)
        .ok()
        .map(Cow::into_owned)
}

/// A URL as ThreatStream stores them: with a scheme, or a host followed by a path. The value is
/// looked up as given, since ThreatStream matches URLs exactly.
fn is_url(value: &str) -> bool {
    if value.contains("://") {
        return Url::parse(value).is_ok_and(|url| url.host_str().is_some_and(|host| !host.is_empty()));
    }
    let Some((authority, _path)) = value.split_once('/') else {
        return false;
    };
    let host = authority.rsplit_once(':').map_or(authority, |(host, port)| {
        if port.bytes().all(|byte| byte.is_ascii_digit()) {
            host
        } else {
            authority
        }
    });
    !is_network(value) && (domain(host).is_some() || ip_address(host).is_some())
}

/// `198.51.100.0/24`: a CIDR block, which no observable lookup can answer.
fn is_network(value: &str) -> bool {
    value.split_once('/').is_some_and(|(address, bits)| {
        ip_address(address).is_some() && !bits.is_empty() && bits.bytes().all(|byte| byte.is_ascii_digit())
    })
}

/// The common defanging marks undone: `[.]`, `(.)`, `{.}`, `[:]`, `[@]`, `[://]` and an `hxxp`
/// scheme. Values without them are returned as they are.
fn refanged(value: &str) -> Cow<'_, str> {
    const MARKS: [(&str, &str); 6] = [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[://]", "://"),
        ("[:]", ":"),
        ("[@]", "@"),
    ];
    let scheme = ["hxxp://", "hxxps://"].into_iter().find(|prefix| {
        value
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    });
    if scheme.is_none() && !MARKS.iter().any(|(mark, _)| value.contains(mark)) {
        return Cow::Borrowed(value);
    }
    let mut text = value.to_owned();
    for (mark, plain) in MARKS {
        text = text.replace(mark, plain);
    }
    if let Some(prefix) = scheme {
        text.replace_range(..prefix.len(), &prefix.replacen("xx", "tt", 1));
    }
    Cow::Owned(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Observable {
        observable(text, None).unwrap_or_else(|problem| panic!("{text}: {problem}"))
    }

    #[test]
    fn every_kind_is_told_by_its_shape() {
        assert_eq!(
            detect(" 198.51.100.23 "),
            Observable::Ip("198.51.100.23".parse().unwrap())
        );
        assert_eq!(
            detect("2001:DB8::bad:c0de"),
            Observable::Ip("2001:db8::bad:c0de".parse().unwrap())
        );
        assert_eq!(detect("[2001:db8::1]"), Observable::Ip("2001:db8::1".parse().unwrap()));
        assert_eq!(
            detect("Evil-Domain.Example."),
            Observable::Domain("evil-domain.example".into())
        );
        assert_eq!(
            detect("xn--bcher-kva.example"),
            Observable::Domain("xn--bcher-kva.example".into())
        );
        for idn in ["bücher.example", "BÜCHER.Example.", "bücher\u{3002}example"] {
            assert_eq!(detect(idn), Observable::Domain("xn--bcher-kva.example".into()), "{idn}");
        }
        assert_eq!(
            detect("Info@Bücher.example"),
            Observable::Email("info@xn--bcher-kva.example".into())
        );
        assert_eq!(
            detect("Phisher@Example.org"),
            Observable::Email("phisher@example.org".into())
        );
        for digest in [
            "44D88612FEA8A8F36DE82E1278ABB02F",
            &"a".repeat(40),
            &"b".repeat(64),
            &"c".repeat(128),
        ] {
            assert_eq!(detect(digest), Observable::Hash(digest.to_ascii_lowercase()));
        }
        let url = "http://malicious.example.net/payload.exe";
        assert_eq!(detect(url), Observable::Url(url.into()));
        assert_eq!(
            detect("evil.example/x?y=1"),
            Observable::Url("evil.example/x?y=1".into())
        );
        assert_eq!(
            detect("198.51.100.23:8080/gate.php"),
            Observable::Url("198.51.100.23:8080/gate.php".into())
        );
    }

    #[test]
    fn defanged_values_are_refanged() {
        assert_eq!(
            detect("hXXps://evil-domain[.]example/a"),
            Observable::Url("https://evil-domain.example/a".into())
        );
        assert_eq!(
            detect("198[.]51[.]100[.]23"),
            Observable::Ip("198.51.100.23".parse().unwrap())
        );
        assert_eq!(
            detect("phisher[@]example(.)org"),
            Observable::Email("phisher@example.org".into())
        );
    }

    #[test]
    fn a_named_type_must_fit() {
        assert!(observable("evil-domain.example", Some(ObservableType::Url)).is_err());
        assert!(observable("44d88612fea8a8f36de82e1278abb02f", Some(ObservableType::Domain)).is_err());
        assert_eq!(
            observable("evil-domain.example", Some(ObservableType::Domain)),
            Ok(Observable::Domain("evil-domain.example".into()))
        );
        let problem = observable("example.com", Some(ObservableType::Ip)).unwrap_err();
        assert_eq!(problem, "'example.com' is not an IP address");
    }

    #[test]
    fn what_is_no_observable_is_refused_with_a_reason() {
        for (bad, reason) in [
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("a b.example", "contains spaces"),
            ("198.51.100.0/24", "is a network range"),
            ("198.51.100", "is not an IP address, domain"),
            ("localhost", "is not an IP address, domain"),
            ("-bad-.example", "is not an IP address, domain"),
            ("44d88612fea8a8f36de82e1278abb02", "is not an IP address, domain"),
            ("@example.org", "is not an IP address, domain"),
        ] {
            let problem = observable(bad, None).expect_err(bad);
            assert!(problem.contains(reason), "{bad}: {problem}");
        }
        let long = format!("{}.example", "a".repeat(MAX_VALUE_LENGTH));
        assert!(observable(&long, None).unwrap_err().contains("characters long"));
    }
}
