//! The routes the code calls, read from the source.
//!
//! A route is a string literal that is a path under `api/` (`"api/v1/threat_model_search/"`,
//! `"api/v1/{}/{id}/"`), or a format string that adds to one made elsewhere. The first placeholder of
//! such a string is its base, followed to where it is written:
//!
//! - a constant: `format!("{PATH}{id}/")`, `format!("{}bulk/", PATH)`;
//! - a path helper, a function or a method whose body builds a route, here or in the file of the module
//!   named: `format!("{}approve_all/", path(id))`, `format!("{}import/", intelligence::path(version))`,
//!   `format!("{}comment/", model.path())`.
//!
//! The rest of the string is the route's end. A placeholder there is one segment (`{}`), except a text
//! parameter of the enclosing function (`format!("{}{below}", model.path())`), which stands for each
//! literal its callers in the file pass (`"tag/"`, `"comment/"`, `""`). A string that plainly adds to
//! a path but cannot be followed is an error rather than a route missed in silence.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::lexer::{outside_tests, tokens, Token};
use super::{read, root};

/// Where the plugin builds the paths it calls.
pub const SOURCE_DIRS: [&str; 2] = ["src/threatstream", "src/actions"];

/// How many helpers deep a base is followed.
const MAX_DEPTH: usize = 4;

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

/// A format string's first placeholder (its name, format spec dropped) and the rest, when the string
/// starts with one.
fn first_placeholder(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('{')?;
    let close = inner.find('}')?;
    let name = inner[..close].split(':').next().unwrap_or_default().trim();
    Some((name, &inner[close + 1..]))
}

/// Whether `rest` could be the end of a path: segments and placeholders only, ending in a slash, or
/// one named placeholder (a parameter that may hold the end).
fn path_like(rest: &str) -> bool {
    let one_placeholder = rest.len() > 2 && rest.starts_with('{') && rest.find('}') == Some(rest.len() - 1);
    rest.chars().all(|c| c.is_ascii_alphanumeric() || "_/{}".contains(c)) && (rest.ends_with('/') || one_placeholder)
}

fn is_constant(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
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
        SourceFile::parse(
            &path.strip_prefix(root()).unwrap_or(path).display().to_string(),
            &read(path),
        )
    }

    /// `source` as the file `name` (`src/threatstream/x.rs`).
    pub fn parse(name: &str, source: &str) -> SourceFile {
        SourceFile {
            name: name.to_owned(),
            stem: Path::new(name)
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            tokens: outside_tests(tokens(source)),
        }
    }

    fn token(&self, at: usize) -> Option<&Token> {
        self.tokens.get(at).map(|(token, _)| token)
    }

    fn is(&self, at: usize, expected: &Token) -> bool {
        self.token(at) == Some(expected)
    }

    /// Where function (or method) `name` is defined: the index of its name.
    fn function(&self, name: &str) -> Option<usize> {
        (1..self.tokens.len()).find(|&at| self.is(at - 1, &fn_keyword()) && self.is(at, &ident(name)))
    }

    /// Whether the function at `at` takes `self`: a method.
    fn is_method(&self, at: usize) -> bool {
        self.parameters(at)
            .first()
            .is_some_and(|parameter| parameter.iter().any(|token| *token == ident("self")))
    }

    /// The tokens of each parameter of the function whose name is at `at`.
    fn parameters(&self, at: usize) -> Vec<Vec<Token>> {
        let Some(open) = (at..self.tokens.len()).find(|&i| self.is(i, &Token::Punct('('))) else {
            return Vec::new();
        };
        self.arguments(open)
    }

    /// The comma-separated token runs inside the parentheses that open at `open`.
    fn arguments(&self, open: usize) -> Vec<Vec<Token>> {
        let mut runs = vec![Vec::new()];
        let mut depth = 0usize;
        for (token, _) in &self.tokens[open + 1..] {
            match token {
                Token::Punct('(' | '[' | '{' | '<') => depth += 1,
                Token::Punct(')') if depth == 0 => break,
                Token::Punct(')' | ']' | '}' | '>') => depth = depth.saturating_sub(1),
                Token::Punct(',') if depth == 0 => {
                    runs.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            if let Some(run) = runs.last_mut() {
                run.push(token.clone());
            }
        }
        runs.retain(|run| !run.is_empty());
        runs
    }
}

fn fn_keyword() -> Token {
    Token::Ident("fn".into())
}

fn ident(name: &str) -> Token {
    Token::Ident(name.into())
}

/// How a base's helper is named where it is called.
enum Callee<'t> {
    Free(&'t str),
    InModule(&'t str, &'t str),
    Method(&'t str),
}

/// The route templates of the code, followed through constants, helpers and callers.
pub struct Scan<'f> {
    pub files: &'f [SourceFile],
}

impl Scan<'_> {
    /// The route templates the string literal at `at` in file `file` builds: none for a literal that
    /// is no path, an error for one that adds to a path this scan cannot follow.
    pub fn routes_at(&self, file: usize, at: usize, depth: usize) -> Result<Vec<String>, String> {
        let Some(Token::Str(text)) = self.files[file].token(at) else {
            return Ok(Vec::new());
        };
        if is_route(text) {
            return Ok(vec![text.clone()]);
        }
        let Some((first, rest)) = first_placeholder(text).filter(|(_, rest)| path_like(rest)) else {
            return Ok(Vec::new());
        };
        let plainly_a_path = rest.ends_with('/') && rest.starts_with(|c: char| c.is_ascii_lowercase());
        let base = (depth < MAX_DEPTH).then(|| self.base(file, at, first, depth)).flatten();
        let Some(base) = base else {
            if plainly_a_path {
                return Err(format!("\"{text}\" adds to a path this test cannot follow"));
            }
            return Ok(Vec::new());
        };
        let mut routes = Vec::new();
        for end in self.ends(file, at, rest)? {
            let route = format!("{base}{end}");
            if !route.ends_with('/') {
                return Err(format!("\"{text}\" builds {route}, whose end this test cannot read"));
            }
            routes.push(route);
        }
        Ok(routes)
    }

    /// The template of the base a format string's first placeholder (`first`, empty for `{}`) names.
    fn base(&self, file: usize, at: usize, first: &str, depth: usize) -> Option<String> {
        if is_constant(first) {
            return self.constant(file, first);
        }
        if !first.is_empty() {
            return None;
        }
        let here = &self.files[file];
        if !here.is(at + 1, &Token::Punct(',')) {
            return None;
        }
        let argument: Vec<&Token> = here.tokens[at + 2..]
            .iter()
            .map(|(token, _)| token)
            .take_while(|token| !matches!(token, Token::Punct(',' | ')')))
            .collect();
        let call = (0..argument.len())
            .find(|&i| matches!(argument[i], Token::Ident(_)) && argument.get(i + 1) == Some(&&Token::Punct('(')));
        let Some(call) = call else {
            return match argument.as_slice() {
                [Token::Ident(name)] if is_constant(name) => self.constant(file, name),
                _ => None,
            };
        };
        let Token::Ident(name) = argument[call] else {
            return None;
        };
        let callee = match (
            call.checked_sub(3).map(|i| argument[i]),
            call.checked_sub(1).map(|i| argument[i]),
        ) {
            (_, Some(Token::Punct('.'))) => Callee::Method(name),
            (Some(Token::Ident(module)), Some(Token::Punct(':'))) => Callee::InModule(module, name),
            _ => Callee::Free(name),
        };
        self.helper(file, callee, depth)
    }

    /// The route a constant holds: in this file, or else the one file that defines it.
    fn constant(&self, file: usize, name: &str) -> Option<String> {
        let defined = |f: &SourceFile| {
            (1..f.tokens.len())
                .find(|&at| f.is(at - 1, &ident("const")) && f.is(at, &ident(name)))
                .and_then(|at| {
                    f.tokens[at..]
                        .iter()
                        .take_while(|(token, _)| *token != Token::Punct(';'))
                        .find_map(|(token, _)| match token {
                            Token::Str(text) if is_route(text) => Some(text.clone()),
                            _ => None,
                        })
                })
        };
        defined(&self.files[file]).or_else(|| {
            let mut found = self.files.iter().filter_map(defined);
            let route = found.next()?;
            found.next().is_none().then_some(route)
        })
    }

    /// The route a path helper builds: the first route its body builds.
    fn helper(&self, file: usize, callee: Callee, depth: usize) -> Option<String> {
        let (file, name) = match callee {
            Callee::Free(name) => (file, name),
            Callee::InModule(module, name) => (self.only(|f| f.stem == module)?, name),
            Callee::Method(name) if self.files[file].function(name).is_some() => (file, name),
            Callee::Method(name) => (self.only(|f| f.function(name).is_some_and(|at| f.is_method(at)))?, name),
        };
        let start = self.files[file].function(name)?;
        let body = &self.files[file].tokens[start..];
        let end = body
            .iter()
            .skip(1)
            .position(|(token, _)| *token == fn_keyword())
            .map_or(body.len(), |i| i + 1);
        (start..start + end)
            .filter_map(|at| self.routes_at(file, at, depth + 1).ok())
            .find_map(|routes| routes.into_iter().next())
    }

    /// The one file that `wanted`.
    fn only(&self, wanted: impl Fn(&SourceFile) -> bool) -> Option<usize> {
        let mut found = (0..self.files.len()).filter(|&i| wanted(&self.files[i]));
        let file = found.next()?;
        found.next().is_none().then_some(file)
    }

    /// The ends `rest` stands for: each placeholder one segment, but a text parameter of the enclosing
    /// function each literal that its callers in this file pass.
    fn ends(&self, file: usize, at: usize, rest: &str) -> Result<Vec<String>, String> {
        let mut ends = vec![String::new()];
        let mut pieces = rest.split('{');
        let lead = pieces.next().unwrap_or_default();
        ends[0].push_str(lead);
        for piece in pieces {
            let (name, after) = piece.split_once('}').unwrap_or((piece, ""));
            let values = match self.text_parameter_values(file, at, name)? {
                Some(values) => values,
                None => vec!["{}".to_owned()],
            };
            ends = ends
                .iter()
                .flat_map(|end| values.iter().map(move |value| format!("{end}{value}{after}")))
                .collect();
        }
        Ok(ends)
    }

    /// When `name` is a text parameter of the function around `at`, the literals its callers in this
    /// file pass for it; `None` for anything else.
    fn text_parameter_values(&self, file: usize, at: usize, name: &str) -> Result<Option<Vec<String>>, String> {
        let here = &self.files[file];
        if name.is_empty() {
            return Ok(None);
        }
        let Some(function) = (1..at).rev().find(|&i| here.is(i - 1, &fn_keyword())) else {
            return Ok(None);
        };
        let Some(Token::Ident(function_name)) = here.token(function) else {
            return Ok(None);
        };
        let parameters: Vec<Vec<Token>> = here
            .parameters(function)
            .into_iter()
            .filter(|parameter| !parameter.contains(&ident("self")))
            .collect();
        let position = parameters.iter().position(|parameter| {
            parameter.iter().find(|token| **token != ident("mut")) == Some(&ident(name))
                && parameter
                    .iter()
                    .any(|token| *token == ident("str") || *token == ident("String"))
        });
        let Some(position) = position else {
            return Ok(None);
        };
        let mut values = BTreeSet::new();
        for call in 1..here.tokens.len() {
            let called = here.is(call, &ident(function_name))
                && here.is(call + 1, &Token::Punct('('))
                && !here.is(call - 1, &fn_keyword());
            if !called {
                continue;
            }
            match here.arguments(call + 1).get(position).map(Vec::as_slice) {
                Some([Token::Str(value)]) => values.insert(value.clone()),
                _ => {
                    return Err(format!(
                        "a caller of {function_name} passes {name} as something other than a literal"
                    ))
                }
            };
        }
        if values.is_empty() {
            return Err(format!(
                "nothing in the file calls {function_name}, so {name} is unknown"
            ));
        }
        Ok(Some(values.into_iter().collect()))
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

/// The routes the code calls, normalised, each with where it is built (`file:line`); and the strings
/// the scan could not follow, each a reason to fail.
#[derive(Default)]
pub struct CodeRoutes {
    pub routes: BTreeMap<String, BTreeSet<String>>,
    pub unreadable: Vec<String>,
}

/// The routes of `files`.
pub fn routes_of(files: &[SourceFile]) -> CodeRoutes {
    let scan = Scan { files };
    let mut found = CodeRoutes::default();
    for (file, source) in files.iter().enumerate() {
        for (at, (_, line)) in source.tokens.iter().enumerate() {
            let place = format!("{}:{line}", source.name);
            match scan.routes_at(file, at, 0) {
                Ok(routes) => {
                    for route in routes.iter().flat_map(|route| normalised(route)) {
                        found.routes.entry(route).or_default().insert(place.clone());
                    }
                }
                Err(reason) => found.unreadable.push(format!(
                    "{place}: {reason}; build the path from a literal, a constant or a path helper (see \
                     tests/contract/routes/scan.rs), or teach the scan"
                )),
            }
        }
    }
    found
}

/// The routes of the plugin's code.
pub fn code_routes() -> CodeRoutes {
    let mut paths = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root().join(dir), &mut paths);
    }
    paths.sort();
    let files: Vec<SourceFile> = paths.iter().map(|path| SourceFile::load(path)).collect();
    routes_of(&files)
}
