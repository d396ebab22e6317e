//! What a rule is made of, checked with ThreatStream's own limits before any request, and the body
//! Create Rule and Update Rule send.
//!
//! The limits are those the public clients state: keywords of at least three characters that neither
//! start nor end with `*`, IP addresses written as regular expressions (`10\.0\.0\.1`: a bare
//! `10.0.0.1` would also match `10a0b0c1`) and subnets in CIDR notation rather than as expressions
//! (XSOAR's README); at least one kind of object to match within, since a rule that matches nothing
//! is accepted by the API and then breaks in ThreatStream's UI (Splunk SOAR's note); indicator types
//! to include or to exclude, not both (Splunk SOAR). The body is XSOAR's: every `match_*` flag sent
//! when the kinds are given, tags as `{"name"}`, an investigation as `create_investigation` with
//! `investigation_config` (a new one) or `investigation` (an existing one's ID, as text).

use std::net::Ipv4Addr;

use serde_json::{json, Map, Value};

use super::MatchWithin;
use crate::actions::cidr::{block, looks_like_block};
use crate::actions::input::{at_most, line, tag_name, MAX_LINE_CHARS, MAX_TAGS};
use crate::actions::{itype, wire_name};
use crate::protocol::{quoted, Failure};

/// ThreatStream's shortest keyword.
const MIN_KEYWORD_CHARS: usize = 3;

/// More keywords than one rule needs: a bigger list belongs in several rules.
pub(super) const MAX_KEYWORDS: usize = 100;

/// Longest rule or investigation name: far beyond what the UI shows.
pub(super) const MAX_RULE_NAME_CHARS: usize = 250;

/// Most indicator types one rule includes or excludes: more than ThreatStream has of one kind.
const MAX_ITYPES: usize = 100;

/// The checked parts of a rule that a step was given; `None` (or `false`) is "not given".
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RuleFields {
    pub(super) name: Option<String>,
    pub(super) keywords: Option<Vec<String>>,
    pub(super) match_within: Option<Vec<MatchWithin>>,
    pub(super) include_itypes: Option<Vec<String>>,
    pub(super) exclude_itypes: Option<Vec<String>>,
    pub(super) tags: Option<Vec<String>>,
    pub(super) investigation: Option<Investigation>,
    pub(super) exclude_allowlisted: bool,
    pub(super) exclude_own_organization: bool,
    pub(super) enabled: Option<bool>,
}

/// What a match does with an investigation.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Investigation {
    New(String),
    Existing(u64),
}

impl RuleFields {
    /// The JSON body, under ThreatStream's names.
    pub(super) fn body(&self) -> Map<String, Value> {
        let mut body = Map::new();
        if let Some(name) = &self.name {
            body.insert("name".into(), json!(name));
        }
        if let Some(keywords) = &self.keywords {
            body.insert("keywords".into(), json!(keywords));
        }
        if let Some(kinds) = &self.match_within {
            for kind in MatchWithin::ALL {
                body.insert(kind.flag().into(), json!(kinds.contains(&kind)));
            }
        }
        if let Some(itypes) = &self.include_itypes {
            body.insert("match_impacts".into(), json!(itypes));
        }
        if let Some(itypes) = &self.exclude_itypes {
            body.insert("exclude_impacts".into(), json!(itypes));
        }
        if let Some(tags) = &self.tags {
            let tags: Vec<Value> = tags.iter().map(|name| json!({ "name": name })).collect();
            body.insert("tags".into(), Value::Array(tags));
        }
        match &self.investigation {
            Some(Investigation::New(name)) => {
                body.insert("create_investigation".into(), json!(true));
                body.insert("investigation_config".into(), json!({ "name": name }));
            }
            Some(Investigation::Existing(id)) => {
                body.insert("create_investigation".into(), json!(true));
                body.insert("investigation".into(), json!(id.to_string()));
            }
            None => {}
        }
        if self.exclude_allowlisted {
            body.insert("exclude_notify_org_whitelisted".into(), json!(true));
        }
        if self.exclude_own_organization {
            body.insert("exclude_notify_owner_org".into(), json!(true));
        }
        if let Some(enabled) = self.enabled {
            body.insert("is_enabled".into(), json!(enabled));
        }
        body
    }
}

/// Keywords, trimmed, each once, each checked; `None` when none were given.
pub(super) fn keywords(given: &[String]) -> Result<Option<Vec<String>>, Failure> {
    at_most("keywords", given.len(), MAX_KEYWORDS, "keywords")?;
    let mut kept: Vec<String> = Vec::new();
    for (index, keyword) in given.iter().enumerate() {
        let keyword = keyword.trim();
        let input = format!("keywords[{index}]");
        line(keyword, &input, "the keyword", MAX_LINE_CHARS)?;
        if let Some(problem) = keyword_problem(keyword) {
            return Err(Failure::invalid_input(&input, problem));
        }
        if !kept.iter().any(|known| known == keyword) {
            kept.push(keyword.to_owned());
        }
    }
    Ok(Some(kept).filter(|kept| !kept.is_empty()))
}

fn keyword_problem(keyword: &str) -> Option<String> {
    let shown = quoted(keyword);
    if keyword.chars().count() < MIN_KEYWORD_CHARS {
        return Some(format!(
            "{shown} is shorter than {MIN_KEYWORD_CHARS} characters, the shortest keyword ThreatStream takes"
        ));
    }
    if keyword.starts_with('*') || keyword.ends_with('*') {
        return Some(format!(
            "{shown} starts or ends with *, which ThreatStream does not allow in a keyword"
        ));
    }
    if keyword.parse::<Ipv4Addr>().is_ok() {
        let escaped = keyword.replace('.', "\\.");
        return Some(format!(
            "{shown} is an IP address; ThreatStream takes IP addresses as regular expressions, such as {escaped}"
        ));
    }
    if looks_like_block(keyword) {
        return block(keyword).err();
    }
    is_subnet_expression(keyword).then(|| {
        format!(
            "{shown} looks like a subnet written as a regular expression; ThreatStream takes subnets in CIDR \
             notation, such as 10.0.0.0/24"
        )
    })
}

/// `10\.0\.0\.\d+`, `192\.168\..*`: the escaped start of an IPv4 address followed by a pattern where
/// the rest of the address would be. A whole escaped address (`10\.0\.0\.1`) is not one.
fn is_subnet_expression(keyword: &str) -> bool {
    let mut rest = keyword.strip_prefix('^').unwrap_or(keyword);
    let mut octets = 0;
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest.get(digits..).and_then(|after| after.strip_prefix("\\.")) {
            Some(after) if (1..=3).contains(&digits) => {
                rest = after;
                octets += 1;
            }
            _ => break,
        }
    }
    let whole_address = rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty();
    (1..=3).contains(&octets) && !whole_address && rest.contains(['*', '+', '?', '[', '(', '{', '|', '\\', '.'])
}

/// Indicator types, trimmed, each once, each an itype; `None` when none were given.
pub(super) fn itypes(input: &str, given: &[String]) -> Result<Option<Vec<String>>, Failure> {
    at_most(input, given.len(), MAX_ITYPES, "indicator types")?;
    let mut kept: Vec<String> = Vec::new();
    for (index, name) in given.iter().enumerate() {
        let entry = format!("{input}[{index}]");
        let Some(itype) = itype(name, &entry)? else {
            return Err(Failure::invalid_input(&entry, "it is empty"));
        };
        if !kept.contains(&itype) {
            kept.push(itype);
        }
    }
    Ok(Some(kept).filter(|kept| !kept.is_empty()))
}

/// Tag names, trimmed, each once; `None` when none were given.
pub(super) fn tags(given: &[String]) -> Result<Option<Vec<String>>, Failure> {
    at_most("tags", given.len(), MAX_TAGS, "tags")?;
    let mut kept: Vec<String> = Vec::new();
    for (index, tag) in given.iter().enumerate() {
        let tag = tag_name(tag, &format!("tags[{index}]"))?;
        if !kept.contains(&tag) {
            kept.push(tag);
        }
    }
    Ok(Some(kept).filter(|kept| !kept.is_empty()))
}

/// The kinds of object a rule matches within, each once; `None` when none were given.
pub(super) fn match_within(given: &[MatchWithin]) -> Option<Vec<MatchWithin>> {
    let mut kept: Vec<MatchWithin> = Vec::new();
    for kind in given {
        if !kept.contains(kind) {
            kept.push(*kind);
        }
    }
    Some(kept).filter(|kept| !kept.is_empty())
}

/// Indicator types to include and to exclude: ThreatStream filters out an included one that is also
/// excluded, so both at once is refused, as Splunk SOAR advises.
pub(super) fn one_itype_filter(fields: &RuleFields) -> Result<(), Failure> {
    if fields.include_itypes.is_some() && fields.exclude_itypes.is_some() {
        return Err(Failure::invalid_input(
            "exclude_itypes",
            "give indicator types to include or to exclude, not both",
        ));
    }
    Ok(())
}

/// The names of the kinds, for help texts and errors.
pub(super) fn kinds_named() -> String {
    let names: Vec<String> = MatchWithin::ALL.iter().map(wire_name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(keyword: &str) -> Option<String> {
        keyword_problem(keyword)
    }

    #[test]
    fn keywords_follow_threatstreams_rules() {
        for fine in [
            "evil-domain",
            "10\\.0\\.0\\.1",
            "10.0.0.0/8",
            "2001:db8::/32",
            "abc",
            "^10\\.0\\.0\\.1$",
        ] {
            assert_eq!(problem(fine), None, "{fine}");
        }
        let refused = [
            ("ab", "shorter than 3 characters"),
            ("*evil", "starts or ends with *"),
            ("evil*", "starts or ends with *"),
            ("10.0.0.1", "such as 10\\.0\\.0\\.1"),
            ("10.0.0.1/24", "the block is 10.0.0.0/24"),
            ("10.0.0.0/33", "prefix length must be 0 to 32"),
            ("10.0.0.0/x", "prefix length"),
            ("10.0.0.0/8/", "prefix length"),
            ("2001:db8::1/32", "the block is 2001:db8::/32"),
            ("10\\.0\\.0\\.\\d+", "CIDR notation"),
            ("192\\.168\\..+", "CIDR notation"),
            ("10\\.0\\.[0-9]+\\.1", "CIDR notation"),
        ];
        for (keyword, why) in refused {
            let found = problem(keyword).unwrap_or_default();
            assert!(found.contains(why), "{keyword}: {found}");
        }
    }

    #[test]
    fn keyword_lists_are_trimmed_deduplicated_and_bounded() {
        let given = vec![" evil ".to_owned(), "evil".to_owned(), "c2-panel".to_owned()];
        assert_eq!(
            keywords(&given).unwrap(),
            Some(vec!["evil".to_owned(), "c2-panel".to_owned()])
        );
        assert_eq!(keywords(&[]).unwrap(), None);
        let failure = keywords(&["good".to_owned(), "no".to_owned()]).unwrap_err();
        assert!(
            failure.cause.starts_with("Invalid input 'keywords[1]'"),
            "{}",
            failure.cause
        );
        let many = vec!["keyword".to_owned(); MAX_KEYWORDS + 1];
        assert!(keywords(&many).is_err());
        assert!(keywords(&["a\nbcd".to_owned()]).is_err());
    }

    #[test]
    fn the_body_sends_what_was_given_under_threatstreams_names() {
        let fields = RuleFields {
            name: Some("C2 watch".into()),
            keywords: Some(vec!["evil-domain".into()]),
            match_within: Some(vec![MatchWithin::Observables, MatchWithin::ThreatBulletins]),
            include_itypes: Some(vec!["c2_domain".into()]),
            tags: Some(vec!["watched".into()]),
            investigation: Some(Investigation::Existing(1000000005)),
            exclude_allowlisted: true,
            ..RuleFields::default()
        };
        assert_eq!(
            Value::Object(fields.body()),
            json!({"name": "C2 watch", "keywords": ["evil-domain"], "match_observables": true,
                "match_reportedfiles": false, "match_signatures": false, "match_tips": true,
                "match_vulnerabilities": false, "match_impacts": ["c2_domain"], "tags": [{"name": "watched"}],
                "create_investigation": true, "investigation": "1000000005",
                "exclude_notify_org_whitelisted": true})
        );
        let new = RuleFields {
            investigation: Some(Investigation::New("Rule matches".into())),
            enabled: Some(false),
            ..RuleFields::default()
        };
        assert_eq!(
            Value::Object(new.body()),
            json!({"create_investigation": true, "investigation_config": {"name": "Rule matches"},
                "is_enabled": false})
        );
        assert!(RuleFields::default().body().is_empty());
    }

    #[test]
    fn itypes_tags_and_kinds_are_checked_and_kept_once() {
        let given = vec!["c2_ip".to_owned(), " c2_ip ".to_owned()];
        assert_eq!(
            itypes("include_itypes", &given).unwrap(),
            Some(vec!["c2_ip".to_owned()])
        );
        assert!(itypes("include_itypes", &["C2 IP".to_owned()]).is_err());
        assert!(itypes("include_itypes", &[" ".to_owned()]).is_err());
        assert!(tags(&["".to_owned()]).is_err());
        assert_eq!(
            match_within(&[MatchWithin::Signatures, MatchWithin::Signatures]),
            Some(vec![MatchWithin::Signatures])
        );
        assert_eq!(match_within(&[]), None);
        let both = RuleFields {
            include_itypes: Some(vec!["c2_ip".into()]),
            exclude_itypes: Some(vec!["c2_ip".into()]),
            ..RuleFields::default()
        };
        assert!(one_itype_filter(&both).is_err());
    }
}
