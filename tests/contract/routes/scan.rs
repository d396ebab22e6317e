//! The routes the code calls, read from the source (see `routes`' doc for the rules).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{read, root};

/// Where the plugin builds the paths it calls.
pub const SOURCE_DIRS: [&str; 2] = ["src/threatstream", "src/actions"];

// Paths, as the table and the code both spell them once normalised.

/// `path` without its leading slash and query, every placeholder `{}`, once per API version it
/// stands for: `/api/v{1,2}/intelligence/import/` is `api/v1/intelligence/import/` and
/// `api/v2/intelligence/import/`.
pub fn normalised(path: &str) -> Vec<String> {
    let path = path
        .split('?')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_start_matches('/');
    let segments: Vec<String> = path.split('/').map(placeholders_as_braces).collect();
    match segments.get(1).map(String::as_str) {
        Some("{}" | "v{}") if segments[0] == "api" => ["v1", "v2"]
            .iter()
            .map(|version| {
                let mut one = segments.clone();
                one[1] = (*version).to_owned();
                one.join("/")
            })
            .collect(),
        _ => vec![segments.join("/")],
    }
}

/// `{id}`, `{model}`, `{ip|domain}`, `{1,2}` and `{}` all become `{}`.
fn placeholders_as_braces(segment: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in segment.chars() {
        match (c, inside) {
            ('{', false) => {
                out.push_str("{}");
                inside = true;
            }
            ('}', true) => inside = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

// The code's routes.

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

/// A literal that is a path under `api/` (a route, or a template of one); not a full URL, and not a
/// link to one record inside an example answer.
pub fn is_route(text: &str) -> bool {
    let path = text.trim_start_matches('/');
    path.starts_with("api/")
        && !text.contains("://")
        && !text.contains(char::is_whitespace)
        && !path
            .split('?')
            .next()
            .unwrap_or_default()
            .split('/')
            .any(|segment| !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
}

/// A literal that adds path segments to a path made elsewhere: `{}import/`, `{}approve_all/`.
pub fn suffix_of_a_path(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('{')?;
    let rest = &rest[rest.find('}')? + 1..];
    let pathlike = rest.bytes().all(|b| b.is_ascii_lowercase() || b"_/{}".contains(&b));
    (rest.ends_with('/') && rest.starts_with(|c: char| c.is_ascii_lowercase()) && pathlike).then_some(rest)
}

/// One source file, as the scan reads it.
pub struct SourceFile {
    /// Relative to the crate root, for messages.
    pub name: String,
    pub stem: String,
    pub tokens: Vec<(Token, usize)>,
}

impl SourceFile {
    pub fn load(path: &Path) -> SourceFile {
        SourceFile {
            name: path.strip_prefix(root()).unwrap_or(path).display().to_string(),
            stem: path.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
            tokens: outside_tests(tokens(&read(path))),
        }
    }

    /// The template of the first route literal in function `name` (a path helper).
    pub fn template_of(&self, name: &str) -> Option<&str> {
        let start = self
            .tokens
            .windows(2)
            .position(|pair| pair[0].0 == Token::Ident("fn".into()) && pair[1].0 == Token::Ident(name.into()))?;
        self.tokens[start + 2..]
            .iter()
            .take_while(|(token, _)| *token != Token::Ident("fn".into()))
            .find_map(|(token, _)| match token {
                Token::Str(text) if is_route(text) => Some(text.as_str()),
                _ => None,
            })
    }
}

/// Every `.rs` file under `dir`, test files (`tests.rs`, anything under a `tests` folder) left out.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if path.is_dir() && name != "tests" {
            rust_files(&path, found);
        } else if name.ends_with(".rs") && name != "tests.rs" {
            found.push(path);
        }
    }
}

/// The routes the code calls, normalised, each with where it is built (`file:line`); and the literals
/// the scan could not read as a route, each a reason to fail.
#[derive(Default)]
pub struct CodeRoutes {
    pub routes: BTreeMap<String, BTreeSet<String>>,
    pub unreadable: Vec<String>,
}

pub fn code_routes() -> CodeRoutes {
    let mut paths = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root().join(dir), &mut paths);
    }
    paths.sort();
    let files: Vec<SourceFile> = paths.iter().map(|path| SourceFile::load(path)).collect();
    let mut found = CodeRoutes::default();
    for file in &files {
        for (i, (token, line)) in file.tokens.iter().enumerate() {
            let Token::Str(text) = token else { continue };
            let at = format!("{}:{line}", file.name);
            let template = if is_route(text) {
                text.clone()
            } else if let Some(suffix) = suffix_of_a_path(text) {
                match helper_template(&files, file, &file.tokens[i + 1..]) {
                    Some(base) => format!("{base}{suffix}"),
                    None => {
                        found.unreadable.push(format!(
                            "{at}: \"{text}\" adds to a path this test cannot trace (it reads `format!(\"{{}}...\", \
                             helper(...))` where `helper` returns a route literal); build the path so it can, or \
                             teach tests/contract/routes.rs"
                        ));
                        continue;
                    }
                }
            } else {
                continue;
            };
            for route in normalised(&template) {
                found.routes.entry(route).or_default().insert(at.clone());
            }
        }
    }
    found
}

/// The template of the helper called right after a path suffix (`, path(id))`,
/// `, intelligence::path(version))`): in this file, or in the file of the module named.
pub fn helper_template<'a>(files: &'a [SourceFile], here: &'a SourceFile, after: &[(Token, usize)]) -> Option<&'a str> {
    let mut idents = Vec::new();
    let mut rest = after.iter().map(|(token, _)| token);
    if rest.next()? != &Token::Punct(',') {
        return None;
    }
    for token in rest {
        match token {
            Token::Ident(name) => idents.push(name.as_str()),
            Token::Punct(':') => {}
            Token::Punct('(') => break,
            _ => return None,
        }
    }
    let (function, modules) = idents.split_last()?;
    let file = match modules.last() {
        None | Some(&"self") => here,
        Some(module) => {
            let mut named = files.iter().filter(|file| file.stem == *module);
            let file = named.next()?;
            if named.next().is_some() {
                return None;
            }
            file
        }
    };
    file.template_of(function)
}
