//! Finding observables in imported text, roughly as ThreatStream's import
//! parser does, so that an import session holds what the real one would:
//! each value with its type, and a count of the lines that held none.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Hex lengths and ThreatStream's `subtype` names.
const HASH_ALGORITHMS: [(usize, &str); 4] = [(32, "MD5"), (40, "SHA1"), (64, "SHA256"), (128, "SHA512")];

/// What ThreatStream would store an observable as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObservableKind {
    Ip,
    Ipv6,
    Domain,
    Url,
    Email,
    /// Every hash is stored with type `md5`; the algorithm goes in `subtype`.
    Hash(&'static str),
}

impl ObservableKind {
    /// The v2 `type` field.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            ObservableKind::Ip => "ip",
            ObservableKind::Ipv6 => "ipv6",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email",
            ObservableKind::Hash(_) => "md5",
        }
    }

    pub(crate) fn subtype(self) -> Option<&'static str> {
        match self {
            ObservableKind::Hash(algorithm) => Some(algorithm),
            _ => None,
        }
    }

    /// The end of an itype for this kind: `mal_` + `ip`, `c2_` + `domain`.
    pub(crate) fn itype_suffix(self) -> &'static str {
        match self {
            ObservableKind::Ip | ObservableKind::Ipv6 => "ip",
            other => other.type_name(),
        }
    }

    /// The import form field that gives this kind's itype.
    pub(crate) fn mapping_field(self) -> &'static str {
        match self {
            ObservableKind::Ip | ObservableKind::Ipv6 => "ip_mapping",
            ObservableKind::Domain => "domain_mapping",
            ObservableKind::Url => "url_mapping",
            ObservableKind::Email => "email_mapping",
            ObservableKind::Hash(_) => "md5_mapping",
        }
    }
}

/// One observable found in imported text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) value: String,
    pub(crate) kind: ObservableKind,
    /// From a CSV `itype` column, when the file has one.
    pub(crate) itype: Option<String>,
}

/// Everything an import found, and how many lines held nothing usable
/// (ThreatStream's `numRejected`), with the first `MAX_KEPT_REJECTS` of them.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) found: Vec<Found>,
    pub(crate) rejected_lines: usize,
    pub(crate) rejected: Vec<String>,
}

/// Rejected lines an import session keeps to show: more than any test
/// looks at, few enough that a 50 MiB file of rubbish stays cheap.
const MAX_KEPT_REJECTS: usize = 10_000;

/// Observables in `text`, first occurrence order, without repeats.
pub(crate) fn parse(text: &str) -> Parsed {
    let (itype_column, lines) = lines_without_header(text);
    let mut seen = HashSet::new();
    let mut parsed = Parsed::default();
    for line in lines.filter(|line| !line.trim().is_empty()) {
        let itype = itype_column.and_then(|column| cell(line, column));
        let found: Vec<Found> = tokens(line)
            .filter_map(|token| classify(token).map(|kind| (token, kind)))
            .map(|(token, kind)| Found {
                value: token.to_owned(),
                kind,
                itype: itype.clone(),
            })
            .collect();
        if found.is_empty() {
            parsed.rejected_lines += 1;
            if parsed.rejected.len() < MAX_KEPT_REJECTS {
                parsed.rejected.push(line.trim().to_owned());
            }
        }
        parsed
            .found
            .extend(found.into_iter().filter(|f| seen.insert(f.value.clone())));
    }
    parsed
}

fn tokens(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c == ',' || c.is_whitespace())
        .map(|token| token.trim_matches(|c: char| "\"'<>()[];".contains(c)))
}

/// A CSV cell by position; quoting is ignored, which only matters for cells
/// after a quoted one (tags), never for `value` or `itype`.
fn cell(line: &str, column: usize) -> Option<String> {
    let text = line.split(',').nth(column)?.trim().trim_matches('"');
    (!text.is_empty()).then(|| text.to_owned())
}

/// The lines after a CSV header (if any), and the header's `itype` column.
fn lines_without_header(text: &str) -> (Option<usize>, impl Iterator<Item = &str>) {
    let mut lines = text.lines().skip_while(|line| line.trim().is_empty()).peekable();
    let mut itype_column = None;
    if let Some(first) = lines.peek().copied().filter(|first| is_csv_header(first)) {
        itype_column = first
            .split(',')
            .position(|name| name.trim().eq_ignore_ascii_case("itype"));
        lines.next();
    }
    (itype_column, lines)
}

/// `value,itype,tags`: several cells, all plain words.
fn is_csv_header(line: &str) -> bool {
    line.contains(',')
        && line.split(',').all(|cell| {
            cell.trim()
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_' || c == ' ')
        })
}

/// The kind `token` would be stored as, if it is an observable at all.
pub(crate) fn classify(token: &str) -> Option<ObservableKind> {
    if token.parse::<Ipv4Addr>().is_ok() {
        Some(ObservableKind::Ip)
    } else if token.parse::<Ipv6Addr>().is_ok() {
        Some(ObservableKind::Ipv6)
    } else if is_url(token) {
        Some(ObservableKind::Url)
    } else if is_email(token) {
        Some(ObservableKind::Email)
    } else if let Some(algorithm) = hash_algorithm(token) {
        Some(ObservableKind::Hash(algorithm))
    } else {
        is_domain(token).then_some(ObservableKind::Domain)
    }
}

fn is_url(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    ["http://", "https://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len())
}

fn is_email(token: &str) -> bool {
    match token.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
                && is_domain(domain)
        }
        None => false,
    }
}

fn hash_algorithm(token: &str) -> Option<&'static str> {
    if !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    HASH_ALGORITHMS
        .iter()
        .find(|(length, _)| *length == token.len())
        .map(|(_, name)| *name)
}

fn is_domain(token: &str) -> bool {
    let labels: Vec<&str> = token.trim_end_matches('.').split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && labels.iter().all(|label| is_label(label))
}

fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        parse(text).found.into_iter().map(|found| found.value).collect()
    }

    #[test]
    fn reads_the_published_plugins_csv_fixture() {
        let csv = "value,itype,tags,private_tags,is_anonymous,tlp\n\
                   1.2.3.4,brute_ip,\"phising,exploitation\",,true,green\n";
        assert_eq!(values(csv), vec!["1.2.3.4"]);
        let hashes = parse("value,itype,tags\n4d68462ca6071f9b6ad0fabea8bd1c9f,mal_md5,\n");
        assert_eq!(hashes.found[0].value, "4d68462ca6071f9b6ad0fabea8bd1c9f");
        assert_eq!(hashes.found[0].kind, ObservableKind::Hash("MD5"));
        assert_eq!(hashes.found[0].itype.as_deref(), Some("mal_md5"));
        assert_eq!(hashes.rejected_lines, 0);
    }

    #[test]
    fn recognises_every_kind_in_free_text() {
        let text = "seen 198.51.100.23, 2001:db8::bad:c0de and http://malicious.example.net/payload.exe\n\
                    from phisher@example.org via evil-domain.example; \
                    3395856ce81f2b7382dee72602f798b642f14140 198.51.100.23";
        let parsed = parse(text);
        let kinds: Vec<(&str, Option<&str>)> = parsed
            .found
            .iter()
            .map(|found| (found.kind.type_name(), found.kind.subtype()))
            .collect();
        assert_eq!(
            values(text),
            vec![
                "198.51.100.23",
                "2001:db8::bad:c0de",
                "http://malicious.example.net/payload.exe",
                "phisher@example.org",
                "evil-domain.example",
                "3395856ce81f2b7382dee72602f798b642f14140",
            ]
        );
        assert_eq!(
            kinds,
            [
                ("ip", None),
                ("ipv6", None),
                ("url", None),
                ("email", None),
                ("domain", None),
                ("md5", Some("SHA1"))
            ]
        );
        assert!(parsed.found.iter().all(|found| found.itype.is_none()));
    }

    #[test]
    fn counts_lines_without_observables_as_rejected() {
        let parsed = parse("value,itype\n198.51.100.7\nnot an observable\n\n   \nxn--bcher-kva.example\n256.1.1.1\n");
        assert_eq!(values("xn--bcher-kva.example"), ["xn--bcher-kva.example"]);
        assert_eq!(parsed.found.len(), 2);
        assert_eq!(
            parsed.rejected_lines, 2,
            "blank lines and the header are not rejections"
        );
        assert_eq!(parsed.rejected, ["not an observable", "256.1.1.1"]);
    }

    #[test]
    fn ignores_words_numbers_and_odd_hashes() {
        assert!(values("Hello World\n").is_empty());
        assert!(values("256.1.1.1 1.2 abcdef 44d88612fea8a8f36de82e1278abb02").is_empty());
    }
}
