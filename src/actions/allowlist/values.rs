//! Allowlist values checked for their type before any request, as ThreatStream wants them ("the
//! value must be valid for its type", XSOAR's README): an IP address in canonical form, a CIDR block
//! without bits past its prefix, a domain or e-mail address in lower case (internationalised domains
//! in punycode), a URL with a host, an MD5 hash as 32 hex digits in lower case, a user agent as one
//! line of text. A value given without a type is told by its shape, as the lookups tell observables;
//! a user agent has no shape and must be named.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actions::cidr::{block, looks_like_block};
use crate::actions::observable::{observable, ObservableType};
use crate::protocol::quoted;
use crate::threatstream::Observable;

/// Longest user agent taken: far beyond any browser's.
const MAX_USER_AGENT_CHARS: usize = 1000;

/// The type of an allowlist value, as ThreatStream's `value_type` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(inline)]
pub(crate) enum ValueType {
    Cidr,
    Domain,
    Email,
    Ip,
    Md5,
    Url,
    UserAgent,
    // The form's empty choice: each value's type is told by its shape.
    #[serde(rename = "")]
    Unset,
}

impl ValueType {
    /// The wire name; `None` for the empty choice.
    pub(crate) fn wire(self) -> Option<&'static str> {
        Some(match self {
            ValueType::Cidr => "cidr",
            ValueType::Domain => "domain",
            ValueType::Email => "email",
            ValueType::Ip => "ip",
            ValueType::Md5 => "md5",
            ValueType::Url => "url",
            ValueType::UserAgent => "user-agent",
            ValueType::Unset => return None,
        })
    }

    /// The type ThreatStream names `wire`, if it is one.
    pub(crate) fn of_wire(wire: &str) -> Option<ValueType> {
        [
            Self::Cidr,
            Self::Domain,
            Self::Email,
            Self::Ip,
            Self::Md5,
            Self::Url,
            Self::UserAgent,
        ]
        .into_iter()
        .find(|kind| kind.wire() == Some(wire))
    }
}

/// `value` as ThreatStream should store it, of type `kind` (or of the type its shape says, for
/// `Unset`); an error sentence quoting it otherwise.
pub(crate) fn checked(value: &str, kind: ValueType) -> Result<(ValueType, String), String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("it is empty".into());
    }
    match kind {
        ValueType::Unset => detected(value),
        kind => shaped_as(value, kind).map(|value| (kind, value)),
    }
}

/// The type the shared normaliser tells by the value's shape (`actions::observable`, as the lookups
/// tell it), and a CIDR block, which no lookup takes.
fn detected(value: &str) -> Result<(ValueType, String), String> {
    if looks_like_block(value) {
        return block(value).map(|block| (ValueType::Cidr, block));
    }
    let found = match observable(value, None) {
        Ok(Observable::Ip(address)) => Some((ValueType::Ip, address.to_string())),
        Ok(Observable::Domain(name)) => Some((ValueType::Domain, name)),
        Ok(Observable::Email(address)) => Some((ValueType::Email, address)),
        Ok(Observable::Url(url)) => Some((ValueType::Url, url)),
        Ok(Observable::Hash(digest)) if digest.len() == 32 => Some((ValueType::Md5, digest)),
        _ => None,
    };
    found.ok_or_else(|| {
        format!(
            "{} is not an IP address, CIDR block, domain, e-mail address, URL or MD5 hash; give its value_type \
             (a user agent must be named user-agent)",
            quoted(value)
        )
    })
}

fn shaped_as(value: &str, kind: ValueType) -> Result<String, String> {
    let observable_of = |kind: ObservableType| observable(value, Some(kind)).map(|found| found.value());
    match kind {
        ValueType::Ip => observable_of(ObservableType::Ip),
        ValueType::Domain => observable_of(ObservableType::Domain),
        ValueType::Email => observable_of(ObservableType::Email),
        ValueType::Url => observable_of(ObservableType::Url),
        ValueType::Cidr => block(value),
        ValueType::Md5 if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(value.to_ascii_lowercase())
        }
        ValueType::Md5 => Err(format!("{} is not an MD5 hash (32 hex digits)", quoted(value))),
        ValueType::UserAgent => user_agent(value),
        ValueType::Unset => detected(value).map(|(_, value)| value),
    }
}

fn user_agent(value: &str) -> Result<String, String> {
    if value.chars().count() > MAX_USER_AGENT_CHARS {
        return Err(format!(
            "it is longer than the {MAX_USER_AGENT_CHARS} characters a user agent may have"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "{} contains a line break or another control character",
            quoted(value)
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_takes_only_its_values_in_threatstreams_form() {
        let fine = [
            ("198.51.100.23", ValueType::Ip, "198.51.100.23"),
            ("2001:DB8::1", ValueType::Ip, "2001:db8::1"),
            ("10.0.0.0/8", ValueType::Cidr, "10.0.0.0/8"),
            ("Partner.Example", ValueType::Domain, "partner.example"),
            ("Alerts@Partner.Example", ValueType::Email, "alerts@partner.example"),
            (
                "https://partner.example/login",
                ValueType::Url,
                "https://partner.example/login",
            ),
            (
                "44D88612FEA8A8F36DE82E1278ABB02F",
                ValueType::Md5,
                "44d88612fea8a8f36de82e1278abb02f",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64)",
                ValueType::UserAgent,
                "Mozilla/5.0 (X11; Linux x86_64)",
            ),
        ];
        for (value, kind, stored) in fine {
            assert_eq!(checked(value, kind), Ok((kind, stored.to_owned())), "{value}");
        }
        for (value, kind) in [
            ("198.51.100", ValueType::Ip),
            ("10.0.0.1/24", ValueType::Cidr),
            ("partner", ValueType::Domain),
            ("alerts", ValueType::Email),
            ("http://", ValueType::Url),
            ("abc", ValueType::Md5),
            ("a\nb", ValueType::UserAgent),
            ("  ", ValueType::Ip),
        ] {
            assert!(checked(value, kind).is_err(), "{value} as {kind:?}");
        }
    }

    #[test]
    fn a_value_without_a_type_is_told_by_its_shape() {
        let told = |value| checked(value, ValueType::Unset).map(|(kind, _)| kind);
        assert_eq!(told("198.51.100.23"), Ok(ValueType::Ip));
        assert_eq!(told("198.51.100.0/24"), Ok(ValueType::Cidr));
        assert_eq!(told("44d88612fea8a8f36de82e1278abb02f"), Ok(ValueType::Md5));
        assert_eq!(told("alerts@partner.example"), Ok(ValueType::Email));
        assert_eq!(told("partner.example"), Ok(ValueType::Domain));
        assert_eq!(told("partner.example/login"), Ok(ValueType::Url));
        assert!(told("198.51.100.1/24")
            .unwrap_err()
            .contains("the block is 198.51.100.0/24"));
        assert!(told("Mozilla/5.0").unwrap_err().contains("user-agent"));
        assert_eq!(ValueType::of_wire("user-agent"), Some(ValueType::UserAgent));
        assert_eq!(ValueType::of_wire(""), None);
    }
}
