//! Finding observables in imported text, roughly as ThreatStream's import
//! parser does, so a test can check what an import would have created.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Lengths of MD5, SHA-1, SHA-256 and SHA-512 in hex.
const HASH_LENGTHS: [usize; 4] = [32, 40, 64, 128];

/// Observable values in `text`, first occurrence order, without repeats.
pub(crate) fn extract(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    lines_without_header(text)
        .flat_map(|line| line.split(|c: char| c == ',' || c.is_whitespace()))
        .map(|token| token.trim_matches(|c: char| "\"'<>()[];".contains(c)))
        .filter(|token| looks_like_observable(token))
        .filter(|token| seen.insert(token.to_string()))
        .map(str::to_owned)
        .collect()
}

fn lines_without_header(text: &str) -> impl Iterator<Item = &str> {
    let mut lines = text.lines().skip_while(|line| line.trim().is_empty()).peekable();
    if lines.peek().is_some_and(|first| is_csv_header(first)) {
        lines.next();
    }
    lines
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

pub(crate) fn looks_like_observable(token: &str) -> bool {
    token.parse::<Ipv4Addr>().is_ok()
        || token.parse::<Ipv6Addr>().is_ok()
        || is_url(token)
        || is_email(token)
        || is_hash(token)
        || is_domain(token)
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

fn is_hash(token: &str) -> bool {
    HASH_LENGTHS.contains(&token.len()) && token.chars().all(|c| c.is_ascii_hexdigit())
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

    #[test]
    fn reads_the_published_plugins_csv_fixture() {
        let csv = "value,itype,tags,private_tags,is_anonymous,tlp\n\
                   1.2.3.4,brute_ip,\"phising,exploitation\",,true,green\n";
        assert_eq!(extract(csv), vec!["1.2.3.4"]);
        let hashes = "value,itype,tags\n4d68462ca6071f9b6ad0fabea8bd1c9f,mal_md5,\n";
        assert_eq!(extract(hashes), vec!["4d68462ca6071f9b6ad0fabea8bd1c9f"]);
    }

    #[test]
    fn recognises_every_kind_in_free_text() {
        let text = "seen 198.51.100.23, 2001:db8::bad:c0de and http://malicious.example.net/payload.exe\n\
                    from phisher@example.org via evil-domain.example; \
                    3395856ce81f2b7382dee72602f798b642f14140 198.51.100.23";
        assert_eq!(
            extract(text),
            vec![
                "198.51.100.23",
                "2001:db8::bad:c0de",
                "http://malicious.example.net/payload.exe",
                "phisher@example.org",
                "evil-domain.example",
                "3395856ce81f2b7382dee72602f798b642f14140",
            ]
        );
    }

    #[test]
    fn ignores_words_numbers_and_odd_hashes() {
        assert!(extract("Hello World\n").is_empty());
        assert!(extract("256.1.1.1 1.2 abcdef 44d88612fea8a8f36de82e1278abb02").is_empty());
    }
}
