//! The checks a query in ThreatStream's query language (`q`) gets before it is sent.
//!
//! The language is ThreatStream's, and no public source documents its grammar; the public clients
//! show comparisons (`confidence>=50`, `itype="apt_ip"`) joined with `AND` and `OR` and grouped in
//! parentheses, values bare or in double quotes (threatstream-api-and-peers.md §1.4; intelligence.md
//! H.11). So only what is wrong in any grammar is refused here: parentheses that do not balance and a
//! double-quoted string that is never closed (a backslash escapes the character after it, as the
//! simulator's parser reads `\"`), plus texts too long for a URL and control characters other than
//! line breaks and tabs (a query written over several lines is fine). Anything else is ThreatStream's
//! to judge, and its 400 names what it did not understand. Single quotes are left alone: no client
//! quotes with them, and a value such as O'Brien holds one.

use crate::protocol::Failure;

/// Longest query sent: with the filters beside it, the search's URL stays under the 8 KB request line
/// servers and proxies accept, even when every character is percent-encoded.
pub(crate) const MAX_QUERY_CHARS: usize = 2000;

/// The query to send, trimmed: `None` when it is blank, an error naming `input` when it is malformed.
pub(crate) fn checked(text: &str, input: &str) -> Result<Option<String>, Failure> {
    let query = text.trim();
    if query.is_empty() {
        return Ok(None);
    }
    if query.len() > MAX_QUERY_CHARS * 4 || query.chars().count() > MAX_QUERY_CHARS {
        let problem = format!("the query is longer than {MAX_QUERY_CHARS} characters");
        return Err(Failure::invalid_input(input, problem));
    }
    if let Some(problem) = imbalance(query) {
        return Err(Failure::invalid_input(input, problem));
    }
    Ok(Some(query.to_owned()))
}

/// What is unbalanced in `query`, at which character (counted from 1), if anything.
fn imbalance(query: &str) -> Option<String> {
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<usize> = None;
    let mut escaped = false;
    for (index, c) in query.chars().enumerate() {
        let at = index + 1;
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            return Some(format!("character {at} is a control character"));
        }
        if quote.is_some() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quote = Some(at),
            '(' => open.push(at),
            ')' if open.pop().is_none() => {
                return Some(format!("the ')' at character {at} closes no '('"));
            }
            _ => {}
        }
    }
    if let Some(at) = quote {
        return Some(format!("the quote at character {at} is never closed"));
    }
    open.first()
        .map(|at| format!("the '(' at character {at} is never closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queries_public_clients_send_pass_as_written() {
        for query in [
            r#"(confidence>=90 AND (itype="apt_ip" OR itype="bot_ip" OR itype="c2_ip"))"#,
            r#"(value="a" OR value="b") AND confidence>=50 AND (meta.severity="high" OR meta.severity="very-high")"#,
            "(confidence>=50) AND (severity=\"low\" OR severity=\"high\")\nAND (modified_ts>=2020-01-30T05:53:27.683)",
            "value=a OR value=b",
            r#"value="a \"quoted\" (paren" AND source="O'Brien""#,
        ] {
            assert_eq!(
                checked(&format!("  {query} "), "query").unwrap().as_deref(),
                Some(query),
                "{query}"
            );
        }
        assert_eq!(checked(" \n ", "query").unwrap(), None);
    }

    #[test]
    fn unbalanced_parentheses_and_quotes_say_where() {
        for (query, expected) in [
            ("(confidence>=90", "the '(' at character 1 is never closed"),
            ("((a=1) AND (b=2)", "the '(' at character 1 is never closed"),
            ("a=1)", "the ')' at character 4 closes no '('"),
            ("(a=1)) OR (b=2", "the ')' at character 6 closes no '('"),
            (r#"itype="apt_ip"#, "the quote at character 7 is never closed"),
            (r#"value="a\" AND b=1"#, "the quote at character 7 is never closed"),
            ("a=1\u{0}", "character 4 is a control character"),
        ] {
            let failure = checked(query, "query").expect_err(query);
            assert_eq!(failure.cause, format!("Invalid input 'query': {expected}."), "{query}");
        }
        assert!(checked(&"a".repeat(MAX_QUERY_CHARS + 1), "query").is_err());
    }
}
