//! Rust source as the few tokens the route scan needs, with test code left out.

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Str(String),
    Ident(String),
    Punct(char),
}

/// Rust source as the tokens that matter here, each with its line: string literals (raw ones too, with
/// their text as written), identifiers and punctuation. Comments, numbers, characters and lifetimes are
/// dropped, so neither a doc comment naming a route nor a `'"'` can pass for a literal.
pub fn tokens(source: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => i = block_comment_end(&chars, i),
            '"' => {
                let end = string_end(&chars, i + 1, 0);
                out.push((Token::Str(chars[i + 1..end].iter().collect()), line));
                i = end + 1;
            }
            '\'' => i = char_literal_end(&chars, i),
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let ident: String = chars[start..i].iter().collect();
                let raw = matches!(ident.as_str(), "r" | "br") && matches!(chars.get(i), Some('"' | '#'));
                if raw {
                    let hashes = chars[i..].iter().take_while(|c| **c == '#').count();
                    let open = i + hashes;
                    let end = string_end(&chars, open + 1, hashes);
                    out.push((Token::Str(chars[open + 1..end].iter().collect()), line));
                    i = end + 1 + hashes;
                } else if ident == "b" && chars.get(i) == Some(&'"') {
                    // A byte string: its text follows as an ordinary string token.
                } else {
                    out.push((Token::Ident(ident), line));
                }
            }
            c if c.is_ascii_digit() => {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            c if c.is_whitespace() => i += 1,
            c => {
                out.push((Token::Punct(c), line));
                i += 1;
            }
        }
        line += chars[start..i.min(chars.len())].iter().filter(|c| **c == '\n').count();
    }
    out
}

/// The index of the `"` that closes a string whose text starts at `from`; a raw string (`hashes` > 0,
/// or `r"..."`) has no escapes and closes with a `"` and as many `#`.
fn string_end(chars: &[char], from: usize, hashes: usize) -> usize {
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' if hashes == 0 => i += 2,
            '"' if chars[i + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes => return i,
            _ => i += 1,
        }
    }
    chars.len()
}

fn block_comment_end(chars: &[char], from: usize) -> usize {
    let (mut i, mut depth) = (from, 0);
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// Past a character literal (`'"'`, `'\''`), or past the quote of a lifetime (`'a`).
fn char_literal_end(chars: &[char], from: usize) -> usize {
    match (chars.get(from + 1), chars.get(from + 2)) {
        (Some('\\'), _) => {
            let mut i = from + 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i + 1
        }
        (Some(_), Some('\'')) => from + 3,
        _ => from + 1,
    }
}

/// The tokens outside test code: an item under `#[cfg(test)]` (a `mod tests { ... }`, `mod tests;`,
/// a helper function) is left out, and a file under `#![cfg(test)]` is all test code.
pub fn outside_tests(tokens: Vec<(Token, usize)>) -> Vec<(Token, usize)> {
    let is = |i: usize, expected: &[Token]| {
        expected
            .iter()
            .enumerate()
            .all(|(k, token)| tokens.get(i + k).map(|(t, _)| t) == Some(token))
    };
    let cfg_test = [
        Token::Punct('['),
        Token::Ident("cfg".into()),
        Token::Punct('('),
        Token::Ident("test".into()),
        Token::Punct(')'),
        Token::Punct(']'),
    ];
    let mut kept = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if is(i, &[Token::Punct('#'), Token::Punct('!')]) && is(i + 2, &cfg_test) {
            return Vec::new();
        }
        if is(i, &[Token::Punct('#')]) && is(i + 1, &cfg_test) {
            i = item_end(&tokens, i + 1 + cfg_test.len());
            continue;
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    kept
}

/// The index just past the item that starts at `from` (after its attributes): its `;`, or the `}` that
/// closes its first `{`.
fn item_end(tokens: &[(Token, usize)], from: usize) -> usize {
    let mut depth = 0usize;
    let mut i = from;
    while i < tokens.len() {
        match &tokens[i].0 {
            Token::Punct('(' | '[') => depth += 1,
            Token::Punct(')' | ']') => depth = depth.saturating_sub(1),
            Token::Punct(';') if depth == 0 => return i + 1,
            Token::Punct('{') if depth == 0 => {
                let mut braces = 0usize;
                while i < tokens.len() {
                    match tokens[i].0 {
                        Token::Punct('{') => braces += 1,
                        Token::Punct('}') => {
                            braces -= 1;
                            if braces == 0 {
                                return i + 1;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                return i;
            }
            _ => {}
        }
        i += 1;
    }
    i
}
