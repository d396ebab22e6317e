//! The one normaliser of observable inputs, and the one place that tells a value's kind by its shape.
//!
//! Every action that takes an observable (the single lookups, the bulk lookup, enrichment, passive
//! DNS and WHOIS, the imports without approval, the management actions and Get Observables) reads it
//! here, so one value in any spelling finds the same records everywhere. In order (help.md's
//! normalisation table):
//! 1. trimmed; a value with spaces or control characters inside, or longer than `MAX_VALUE_LENGTH`,
//!    is refused;
//! 2. refanged: analysts paste defanged values (`hxxp://evil[.]example`), so `[.]`, `(.)`, `{.}`,
//!    `[:]`, `[://]`, `[@]` and an `hxxp`/`hxxps` scheme are undone;
//! 3. its kind told by shape, unless the caller names it (and the value must then have that shape):
//!    an IP address parses as one; 32, 40, 64 or 128 hex digits are an MD5, SHA-1, SHA-256 or SHA-512
//!    hash; `local@domain` is an e-mail address; a dotted name whose last label is not a number is a
//!    domain; a value with `://`, or a host followed by a path, is a URL;
//! 4. put in its kind's canonical form, `threatstream::canonical`'s, which records are compared in.
//!
//! Problems are plain sentences quoting the value, so a single-value action can put them in an
//! invalid-input failure and a bulk action can report them per value.

use std::borrow::Cow;

use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plural::count_of;
use crate::protocol::quoted;
use crate::threatstream::canonical;
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

/// The observable `text` is: of type `kind` when one is given, else of the type its shape says; in
/// the canonical form of its type (`threatstream::canonical`) after trimming and refanging. Every
/// action that takes an observable reads it here, so each spelling of a value finds the same records.
pub(crate) fn observable(text: &str, kind: Option<ObservableType>) -> Result<Observable, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("it is empty; give an IP address, domain, URL, e-mail address or hash".into());
    }
    let value = plain(trimmed)?;
    match kind {
        Some(kind) => shaped_as(kind, &value).ok_or_else(|| not_of_kind(kind, trimmed, &value)),
        None => detected(&value).ok_or_else(|| {
            if is_network(&value) {
                format!("{} is a network range; give one IP address", quoted(trimmed))
            } else {
                format!(
                    "{} is not an IP address, domain, URL, e-mail address or MD5, SHA-1, SHA-256 or SHA-512 hash",
                    quoted(trimmed)
                )
            }
        }),
    }
}

/// A value of any type, as Get Observables and the management actions take it: `None` when blank;
/// trimmed, refanged and in its type's canonical form when it has the shape of an observable, else
/// as given (ThreatStream keeps other kinds too, such as strings).
pub(crate) fn any_value(text: &str) -> Result<Option<String>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.len() > MAX_VALUE_LENGTH {
        return Err(too_long(trimmed));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!("{} contains control characters", quoted(trimmed)));
    }
    Ok(Some(match observable(trimmed, None) {
        Ok(found) => found.value(),
        Err(_) => trimmed.to_owned(),
    }))
}

fn too_long(text: &str) -> String {
    format!(
        "it is {} characters long, more than the {MAX_VALUE_LENGTH} any observable has",
        text.len()
    )
}

/// The trimmed value refanged, once it is known to fit on one line and in `MAX_VALUE_LENGTH`.
fn plain(trimmed: &str) -> Result<Cow<'_, str>, String> {
    if trimmed.len() > MAX_VALUE_LENGTH {
        return Err(too_long(trimmed));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{} contains spaces or control characters", quoted(trimmed)));
    }
    Ok(refanged(trimmed))
}

/// Why `value` (as the user wrote it: `given`) is not of the type asked for; a hash says which of its
/// two rules it breaks.
fn not_of_kind(kind: ObservableType, given: &str, value: &str) -> String {
    if kind == ObservableType::Hash {
        if !value.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return format!("{} is not hexadecimal", quoted(given));
        }
        return format!(
            "{} has {}; MD5, SHA-1, SHA-256 and SHA-512 have 32, 40, 64 and 128",
            quoted(given),
            count_of(value.len(), "hex digit")
        );
    }
    format!("{} is not {}", quoted(given), kind.noun())
}

fn detected(value: &str) -> Option<Observable> {
    [
        ObservableType::Ip,
        ObservableType::Hash,
        ObservableType::Email,
        ObservableType::Domain,
    ]
    .into_iter()
    .find_map(|kind| shaped_as(kind, value))
    .or_else(|| url(value, false))
}

fn shaped_as(kind: ObservableType, value: &str) -> Option<Observable> {
    match kind {
        ObservableType::Ip => canonical::ip(value).map(Observable::Ip),
        ObservableType::Hash => is_digest(value).then(|| Observable::Hash(canonical::hash(value))),
        ObservableType::Email => email(value).map(Observable::Email),
        ObservableType::Domain => domain(value).map(Observable::Domain),
        ObservableType::Url => url(value, true),
    }
}

fn is_digest(value: &str) -> bool {
    DIGEST_LENGTHS.contains(&value.len()) && value.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// `local@domain`, with a domain that is one by `domain`'s rules, in its canonical form.
fn email(value: &str) -> Option<String> {
    let (local, host) = value.rsplit_once('@')?;
    if local.is_empty() || local.contains(['@', '/', ':']) {
        return None;
    }
    domain(host)?;
    canonical::email(value)
}

/// A dotted name of at least two labels, in its canonical form (`bücher.example` is
/// `xn--bcher-kva.example`). Labels are letters, digits, `-` and `_`, and the last is not a number,
/// which keeps `198.51.100` from passing as a domain.
fn domain(value: &str) -> Option<String> {
    let name = canonical::domain(value)?;
    if name.len() > MAX_DOMAIN_LENGTH {
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

/// A URL as ThreatStream stores them, in its canonical form: with a scheme, or a host followed by a
/// path. A URL asked for by name (`named`, Lookup URL's input) may also be a host alone, as 4.0.0's
/// own sample looks up `google.com` as a URL; told by shape, a host alone is a domain.
fn url(value: &str, named: bool) -> Option<Observable> {
    let absolute = if value.contains("://") {
        Cow::Borrowed(value)
    } else if named || has_path(value) {
        Cow::Owned(format!("http://{value}"))
    } else {
        return None;
    };
    let parsed = Url::parse(&absolute).ok()?;
    if parsed.host_str().is_none_or(str::is_empty) || (!named && is_network(value)) {
        return None;
    }
    canonical::url(value).map(Observable::Url)
}

/// A host (a domain or an address, with an optional port) followed by a path: `evil.example/x`.
fn has_path(value: &str) -> bool {
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
    domain(host).is_some() || canonical::ip(host).is_some()
}

/// `198.51.100.0/24`: a CIDR block, which no observable lookup can answer.
fn is_network(value: &str) -> bool {
    value.split_once('/').is_some_and(|(address, bits)| {
        canonical::ip(address).is_some() && !bits.is_empty() && bits.bytes().all(|byte| byte.is_ascii_digit())
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
    fn scheme_and_host_are_lower_cased_and_the_path_kept() {
        for (given, canonical) in [
            (
                "HTTP://MALICIOUS.EXAMPLE.NET/payload.exe",
                "http://malicious.example.net/payload.exe",
            ),
            (
                "hxxp://malicious[.]example[.]net/Payload.EXE",
                "http://malicious.example.net/Payload.EXE",
            ),
            ("Evil.Example/Login?User=A", "evil.example/Login?User=A"),
            ("https://Bücher.example/Ä", "https://xn--bcher-kva.example/Ä"),
            ("http://[2001:DB8::1]/x", "http://[2001:db8::1]/x"),
        ] {
            assert_eq!(detect(given), Observable::Url(canonical.into()), "{given}");
        }
    }

    #[test]
    fn any_value_is_canonical_when_it_has_a_shape_and_as_given_otherwise() {
        assert_eq!(
            any_value(" Evil-Domain[.]Example "),
            Ok(Some("evil-domain.example".into()))
        );
        assert_eq!(any_value("2001:DB8:0::1"), Ok(Some("2001:db8::1".into())));
        assert_eq!(any_value("Emotet Loader"), Ok(Some("Emotet Loader".into())));
        assert_eq!(any_value("  "), Ok(None));
        assert!(any_value("a\0b").unwrap_err().contains("control characters"));
        assert!(any_value(&"a".repeat(MAX_VALUE_LENGTH + 1))
            .unwrap_err()
            .contains("characters long"));
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
        assert!(observable("http://", Some(ObservableType::Url)).is_err());
        assert_eq!(
            observable("Evil-Domain.Example", Some(ObservableType::Url)),
            Ok(Observable::Url("evil-domain.example".into())),
            "a URL asked for by name may be a host alone"
        );
        assert_eq!(
            observable("44d88612fea8a8f36de82e1278abb02", Some(ObservableType::Hash)).unwrap_err(),
            "'44d88612fea8a8f36de82e1278abb02' has 31 hex digits; MD5, SHA-1, SHA-256 and SHA-512 have 32, 40, 64 and 128"
        );
        assert_eq!(
            observable("sha256:abc", Some(ObservableType::Hash)).unwrap_err(),
            "'sha256:abc' is not hexadecimal"
        );
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
