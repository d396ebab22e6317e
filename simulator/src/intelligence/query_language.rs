//! ThreatStream's advanced filter language, the `q` search parameter.
//!
//! What peers send (reference §1.4; Polarity batches look-ups this way):
//! `(value="a" OR value="b") AND confidence>=50 AND (type=ip OR type=domain)`.
//! Comparisons are `field op value` with `=`, `!=`, `>`, `>=`, `<`, `<=`;
//! they combine with `AND`, `OR` (AND binds tighter), `NOT` and parentheses;
//! keywords are case-insensitive. A value is a bare word or a double-quoted
//! string in which `\"` and `\\` stand for `"` and `\` (any other escape is an
//! error). Fields are those of [`crate::intelligence::filters::field`]; `value=` is the same
//! loose prefix match as the `value` parameter, text fields take `=`/`!=`
//! only, numbers and timestamps take every operator.
//!
//! Anything malformed is an error: the search answers 400 with the message.

use crate::intelligence::filters::{self, bound, text_value, Comparison, Condition, Expr, Field};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Op(Comparison),
    Word(String),
    Quoted(String),
}

/// A token and where it starts, in characters, for error messages.
type Located = (Token, usize);

pub(crate) fn parse(text: &str) -> Result<Expr, String> {
    let tokens = tokenize(text).map_err(|(why, at)| invalid(&why, at))?;
    if tokens.is_empty() {
        return Err("Invalid q: the query is empty.".to_owned());
    }
    let mut parser = Parser { tokens, position: 0 };
    let expr = parser.any()?;
    match parser.tokens.get(parser.position) {
        None => Ok(expr),
        Some((_, at)) => Err(invalid("expected AND, OR or the end", *at)),
    }
}

fn invalid(why: &str, at: usize) -> String {
    format!("Invalid q: {why} at position {at}.")
}

fn tokenize(text: &str) -> Result<Vec<Located>, (String, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let token = match chars[i] {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            '"' => {
                let (text, used) = quoted(&chars[i..]).map_err(|why| (why, start))?;
                (Token::Quoted(text), used)
            }
            '<' | '>' | '=' | '!' => operator(&chars[i..]).ok_or_else(|| ("a lone '!'".to_owned(), start))?,
            _ => {
                let used = chars[i..].iter().take_while(|c| !ends_word(**c)).count();
                (Token::Word(chars[i..i + used].iter().collect()), used)
            }
        };
        tokens.push((token.0, start));
        i += token.1;
    }
    Ok(tokens)
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || "()<>=!\"".contains(c)
}

fn operator(chars: &[char]) -> Option<(Token, usize)> {
    let two = chars.get(1) == Some(&'=');
    let (comparison, used) = match (chars[0], two) {
        ('<', true) => (Comparison::Lte, 2),
        ('>', true) => (Comparison::Gte, 2),
        ('!', true) => (Comparison::Ne, 2),
        ('<', false) => (Comparison::Lt, 1),
        ('>', false) => (Comparison::Gt, 1),
        ('=', _) => (Comparison::Eq, 1),
        _ => return None,
    };
    Some((Token::Op(comparison), used))
}

/// The string starting at the opening quote, and how many characters it used.
fn quoted(chars: &[char]) -> Result<(String, usize), String> {
    let mut text = String::new();
    let mut i = 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' => return Ok((text, i + 1)),
            '\\' => match chars.get(i + 1) {
                Some(&escaped @ ('"' | '\\')) => {
                    text.push(escaped);
                    i += 2;
                    continue;
                }
                _ => return Err("an escape other than \\\" or \\\\".to_owned()),
            },
            other => text.push(other),
        }
        i += 1;
    }
    Err("an unterminated string".to_owned())
}

struct Parser {
    tokens: Vec<Located>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(token, _)| token)
    }

    /// Where the next token starts, or the end.
    fn here(&self) -> usize {
        self.tokens
            .get(self.position)
            .map_or_else(|| self.tokens.last().map_or(0, |(_, at)| at + 1), |(_, at)| *at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).map(|(token, _)| token.clone());
        self.position += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word));
        if found {
            self.position += 1;
        }
        found
    }

    fn any(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.all()?];
        while self.keyword("OR") {
            parts.push(self.all()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Any(parts)
        })
    }

    fn all(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.unary()?];
        while self.keyword("AND") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::All(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() != Some(&Token::Open) {
            return self.comparison();
        }
        self.position += 1;
        let inner = self.any()?;
        let close_at = self.here();
        match self.next() {
            Some(Token::Close) => Ok(inner),
            _ => Err(invalid("expected ')'", close_at)),
        }
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let at = self.here();
        let name = match self.next() {
            Some(Token::Word(name)) if !is_keyword(&name) => name,
            _ => return Err(invalid("expected a field name", at)),
        };
        let field = filters::field(&name).ok_or_else(|| invalid(&format!("unknown field '{name}'"), at))?;
        let operator_at = self.here();
        let Some(Token::Op(comparison)) = self.next() else {
            return Err(invalid("expected =, !=, >, >=, < or <=", operator_at));
        };
        let value_at = self.here();
        let value = match self.next() {
            Some(Token::Word(value) | Token::Quoted(value)) => value,
            _ => return Err(invalid("expected a value", value_at)),
        };
        condition(field, &name, comparison, &value).map_err(|why| invalid(&why, at))
    }
}

fn is_keyword(word: &str) -> bool {
    ["AND", "OR", "NOT"]
        .iter()
        .any(|keyword| keyword.eq_ignore_ascii_case(word))
}

fn condition(field: Field, name: &str, comparison: Comparison, value: &str) -> Result<Expr, String> {
    let test = match field {
        Field::Number(number) => {
            let bound = bound(number, name, value)?;
            return Ok(Expr::Test(Condition::Number(number, comparison, bound)));
        }
        _ if !matches!(comparison, Comparison::Eq | Comparison::Ne) => {
            return Err(format!("'{name}' can only be compared with = or !="));
        }
        Field::Value => Condition::ValuePrefix(value.to_lowercase()),
        Field::Text(text) => Condition::Text(text, vec![text_value(text, value)]),
        Field::Circles => {
            let circle = value
                .trim()
                .parse()
                .map_err(|_| format!("Invalid value for '{name}': '{value}'."))?;
            Condition::Circles(vec![circle])
        }
    };
    let test = Expr::Test(test);
    Ok(if comparison == Comparison::Ne {
        Expr::Not(Box::new(test))
    } else {
        test
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intelligence::filters::{NumberField, TextField};
    use crate::intelligence::record_key::RecordKey;
    use serde_json::json;

    fn key(value: &str, kind: &str, confidence: i64) -> RecordKey {
        RecordKey::of(&json!({"value": value, "type": kind, "confidence": confidence, "status": "active"}))
    }

    #[test]
    fn batches_of_values_combine_with_type_and_confidence() {
        let q = parse(r#"(value="Evil-Domain.example" OR value="203.0.113.11") and confidence>=50 AND (type=ip OR type="domain")"#)
            .expect("valid");
        assert!(q.accepts(&key("evil-domain.example", "domain", 73)));
        assert!(q.accepts(&key("203.0.113.11", "ip", 90)));
        assert!(
            q.accepts(&key("203.0.113.110", "ip", 90)),
            "value= is the loose prefix match"
        );
        assert!(!q.accepts(&key("203.0.113.11", "ip", 10)));
        assert!(!q.accepts(&key("evil-domain.example", "url", 73)));
    }

    #[test]
    fn escapes_precedence_and_negation() {
        let q = parse(r#"value="a\"b\\c" OR NOT status!=active AND type=md5"#).expect("valid");
        assert_eq!(
            q,
            Expr::Any(vec![
                Expr::Test(Condition::ValuePrefix(r#"a"b\c"#.to_owned())),
                Expr::All(vec![
                    Expr::Not(Box::new(Expr::Not(Box::new(Expr::Test(Condition::Text(
                        TextField::Status,
                        vec!["active".to_owned()]
                    )))))),
                    Expr::Test(Condition::Text(TextField::Kind, vec!["md5".to_owned()])),
                ]),
            ])
        );
        let times = parse("modified_ts<2024-03-01T00:00:00Z").expect("valid");
        assert!(matches!(
            times,
            Expr::Test(Condition::Number(NumberField::Modified, Comparison::Lt, _))
        ));
    }

    #[test]
    fn malformed_queries_say_where() {
        let cases = [
            ("", "empty"),
            ("value=", "expected a value at position 6"),
            ("(value=a", "expected ')'"),
            ("value=a value=b", "expected AND, OR or the end at position 8"),
            ("colour=red", "unknown field 'colour' at position 0"),
            ("status>active", "can only be compared"),
            (r#"value="a\nb""#, "escape"),
            (r#"value="open"#, "unterminated"),
            ("confidence>=high", "Invalid value for 'confidence'"),
            ("value ! a", "a lone '!'"),
            ("AND", "expected a field name at position 0"),
        ];
        for (q, expected) in cases {
            let error = parse(q).expect_err(q);
            assert!(
                error.starts_with("Invalid q") || error.contains("Invalid value"),
                "{q}: {error}"
            );
            assert!(error.contains(expected), "{q}: {error}");
        }
    }
}
