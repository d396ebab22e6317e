//! The router's edges: exact slash paths, digit-only ids, literals before
//! parameters, values that keep their slashes, and 405 against 404. Then the
//! tables themselves, read from the source: every line is reached through
//! its own file's table and no other, every file's table is in [`TABLES`],
//! and every route is documented. What each route answers is tested over
//! sockets in `simulator/tests/`.

use super::*;

fn found(method: &str, path: &str) -> bool {
    matches!(resolve(method, path), Resolved::Found(_))
}

fn wrong_method(method: &str, path: &str) -> bool {
    matches!(resolve(method, path), Resolved::WrongMethod)
}

fn not_found(method: &str, path: &str) -> bool {
    matches!(resolve(method, path), Resolved::NotFound)
}

#[test]
fn only_exact_slash_paths_resolve() {
    assert!(found("GET", "/api/v2/intelligence/"));
    for path in [
        "/api/v2/intelligence",
        "//api/v2/intelligence/",
        "/api/v2/intelligence/import",
        "/api/v2//intelligence/",
        "api/v2/intelligence/",
    ] {
        assert!(not_found("GET", path), "{path}");
    }
    assert!(found("GET", "/api/v1/importsession/42/"));
    for path in [
        "/api/v1/importsession/42",
        "/api/v1/importsession/+42/",
        "/api/v1/importsession//",
        "//api/v1/importsession/",
    ] {
        assert!(not_found("GET", path), "{path}");
    }
}

#[test]
fn a_path_owned_by_other_methods_is_a_405() {
    assert!(found("PATCH", "/api/v2/intelligence/"), "import without approval");
    assert!(wrong_method("POST", "/api/v2/intelligence/"));
    assert!(found("DELETE", "/api/v1/importsession/7/"), "rejection");
    assert!(wrong_method("PATCH", "/api/v1/importsession/7/"));
    assert!(
        wrong_method("GET", "/api/v2/intelligence/import/"),
        "import is not an id"
    );
    assert!(found("PATCH", "/api/v1/importsession/9/approve_all/"));
    assert!(wrong_method("GET", "/api/v1/submit/new/"));
    assert!(wrong_method("HEAD", "/api/v1/actor/"));
}

#[test]
fn ids_and_tags_are_plain() {
    assert!(found("GET", "/api/v2/intelligence/42/"));
    assert!(not_found("GET", "/api/v2/intelligence/+42/"));
    assert!(found("DELETE", "/api/v1/intelligence/5/tag/kq8/"));
    assert!(not_found("DELETE", "/api/v1/intelligence/5/tag/k%20q/"));
    assert!(not_found("DELETE", "/api/v1/intelligence/5/tag//"));
}

#[test]
fn sandbox_paths_need_their_trailing_slash_and_numeric_ids() {
    assert!(found("POST", "/api/v1/submit/new/"));
    assert!(found("GET", "/api/v1/submit/188/"));
    assert!(found("GET", "/api/v1/submit/101/report/"));
    for path in ["/api/v1/submit/new", "/api/v1/submit/abc/", "/api/v1/submit/101/report"] {
        assert!(not_found("GET", path), "{path}");
    }
}

#[test]
fn uploaded_files_are_named_without_a_trailing_slash() {
    assert!(found("GET", "/userUploads/2019-12-04/userId-16783_dump-188.pcap"));
    assert!(not_found("GET", "/userUploads/2019-12-04/userId-16783_dump-188.pcap/"));
    assert!(not_found("GET", "/userUploads/dump-188.pcap"));
    assert!(wrong_method(
        "POST",
        "/userUploads/2019-12-04/userId-16783_dump-188.pcap"
    ));
}

#[test]
fn model_paths_know_every_type() {
    assert!(found("GET", "/api/v1/tipreport/3801/intelligence/"));
    assert!(found("GET", "/api/v1/malware/associated_with_intelligence/"));
    assert!(found("GET", "/api/v1/attackpattern/"));
    assert!(not_found("GET", "/api/v1/dragon/1/"));
    assert!(not_found("GET", "/api/v1/actor//"));
    assert!(found("GET", "/api/v1/intelligence/"), "the legacy search, not a model");
}

/// The decoding itself is tested in `http/route.rs`.
#[test]
fn observable_values_keep_their_slashes() {
    assert!(found(
        "GET",
        "/api/v1/inteldetails/references/http://malicious.example.net/payload.exe/"
    ));
    assert!(found("GET", "/api/v1/pdns/ip/2001%3Adb8%3A%3Abad%3Ac0de/"));
    assert!(not_found("GET", "/api/v1/pdns/mx/example.com/"));
    assert!(not_found("GET", "/api/v1/inteldetails/whois//"));
}

#[test]
fn control_routes_have_no_trailing_slash() {
    assert!(found("GET", "/__simulator/requests"));
    assert!(not_found("GET", "/__simulator/requests/"));
    assert!(not_found("GET", "/__simulator/"));
    assert!(wrong_method("PATCH", "/__simulator/faults"));
    assert!(found("PUT", "/__simulator/latency") && found("POST", "/__simulator/latency"));
    assert!(
        not_found("GET", "/__simulator/api/v2/intelligence"),
        "no API route through the control prefix"
    );
}

/// One segment of a line's path as its table writes it.
enum Segment {
    Literal(String),
    /// Literal alternatives (`"v1" | "v2"`).
    Choice(Vec<String>),
    /// A parameter (`id`, `model`, ...), parsed by the line.
    Param,
    /// `value @ ..`: one segment or more.
    Rest,
}

/// One line of a table: `("GET", ["api", "v1", "rule", id]) => ...`.
struct Line {
    /// The file, under `simulator/src/`.
    file: String,
    methods: Vec<String>,
    path: Vec<Segment>,
    text: String,
}

/// Every `.rs` file under `simulator/src/`, with its path there and its text.
fn sources() -> Vec<(String, String)> {
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let name = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
                files.push((name, std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    files.sort();
    files
}

/// Every line of every table, read from the source: an arm that opens with a
/// quoted method and a list of segments, `("GET", [...]) =>`.
fn table_lines() -> Vec<Line> {
    let quoted = |text: &str| text.trim().trim_matches('"').to_owned();
    let segment = |token: &str| match token.trim() {
        token if token.ends_with("..") => Segment::Rest,
        token if token.starts_with('"') && token.contains('|') => {
            Segment::Choice(token.split('|').map(quoted).collect())
        }
        token if token.starts_with('"') => Segment::Literal(quoted(token)),
        _ => Segment::Param,
    };
    let mut lines = Vec::new();
    for (file, text) in sources() {
        for line in text.lines().map(str::trim) {
            let Some((pattern, _)) = line.strip_prefix("(\"").and(line.split_once("]) =>")) else {
                continue;
            };
            let Some((methods, path)) = pattern[1..].split_once(", [") else {
                continue;
            };
            lines.push(Line {
                file: file.clone(),
                methods: methods.split('|').map(quoted).collect(),
                path: path.split(", ").map(segment).collect(),
                text: line.to_owned(),
            });
        }
    }
    lines
}

/// What a parameter is given when a line's path is made concrete: an id, a
/// model type, a passive DNS kind; each parser of today's lines takes one
/// of them (an observable or a file name takes any).
const SAMPLES: [&str; 3] = ["7", "actor", "ip"];

/// Every concrete path a line's pattern gives with [`SAMPLES`] for its
/// parameters.
fn sample_paths(line: &Line) -> Vec<Vec<String>> {
    let mut paths = vec![Vec::new()];
    for segment in &line.path {
        let choices: Vec<String> = match segment {
            Segment::Literal(text) => vec![text.clone()],
            Segment::Choice(texts) => texts.clone(),
            Segment::Param | Segment::Rest => SAMPLES.map(str::to_owned).to_vec(),
        };
        paths = paths
            .iter()
            .flat_map(|path| {
                choices.iter().map(move |choice| {
                    let mut longer = path.clone();
                    longer.push(choice.clone());
                    longer
                })
            })
            .collect();
    }
    paths
}

/// The positions in [`TABLES`] of the tables that have a handler for this.
fn answering(method: &str, path: &[String]) -> Vec<usize> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let tables = TABLES.iter().enumerate();
    tables
        .filter(|(_, table)| table(method, &path).is_some())
        .map(|(at, _)| at)
        .collect()
}

/// Each line's sample paths reach one table, the same for every line of a
/// file and a different one for each file, and there are as many files
/// with lines as tables: so every file's table is in [`TABLES`] once, and
/// no line is shadowed by another file's.
#[test]
fn every_line_is_reached_through_its_own_files_table() {
    let lines = table_lines();
    assert!(lines.len() > 50, "{} lines read from the tables", lines.len());
    let mut table_of_file: std::collections::BTreeMap<&str, usize> = Default::default();
    for line in &lines {
        let mut reached = std::collections::BTreeSet::new();
        for method in &line.methods {
            for path in sample_paths(line) {
                let tables = answering(method, &path);
                assert!(
                    tables.len() <= 1,
                    "{method} /{}/ is answered by the tables at {tables:?} in TABLES, counted from 0",
                    path.join("/")
                );
                reached.extend(tables);
            }
        }
        let file = line.file.as_str();
        let [table] = reached.into_iter().collect::<Vec<_>>()[..] else {
            panic!("{file}: no table of routes.rs's TABLES, or more than one, answers `{}` (is the file's `routes` in TABLES? does a parameter need a value in SAMPLES?)", line.text);
        };
        let first = *table_of_file.entry(file).or_insert(table);
        assert_eq!(
            first, table,
            "{file}: `{}` is answered by another file's table",
            line.text
        );
    }
    let mut tables: Vec<usize> = table_of_file.values().copied().collect();
    tables.sort_unstable();
    tables.dedup();
    assert_eq!(
        tables.len(),
        table_of_file.len(),
        "two files share a table: {table_of_file:?}"
    );
    assert_eq!(
        TABLES.len(),
        table_of_file.len(),
        "TABLES lists a table twice, or one with no lines: {table_of_file:?}"
    );
}

/// Every line's sample path with one segment changed to any segment some
/// line spells, to a sample or to something no parser takes: still no more
/// than one table answers. This is what makes the order of [`TABLES`] only
/// the order to read them in: a literal in one file and a parameter in
/// another (`intelligence/comments/`, `intelligence/<id>/`) never both take
/// a path, since the parameter's parser refuses the literal.
#[test]
fn no_two_tables_answer_one_path() {
    let lines = table_lines();
    let mut words: Vec<String> = ["", "+1", "7x", "Actor", "a.example", "http:"]
        .map(str::to_owned)
        .to_vec();
    words.extend(SAMPLES.map(str::to_owned));
    for line in &lines {
        for segment in &line.path {
            match segment {
                Segment::Literal(text) => words.push(text.clone()),
                Segment::Choice(texts) => words.extend(texts.iter().cloned()),
                Segment::Param | Segment::Rest => {}
            }
        }
    }
    words.sort();
    words.dedup();
    let mut tried = 0;
    for line in &lines {
        for path in sample_paths(line) {
            for at in 0..=path.len() {
                for word in &words {
                    // The segment at `at` changed, or `word` added at the end.
                    let mut near = path.clone();
                    if at < near.len() {
                        near[at] = word.clone();
                    } else {
                        near.push(word.clone());
                    }
                    for method in METHODS {
                        let tables = answering(method, &near);
                        assert!(
                            tables.len() <= 1,
                            "{method} /{}/ is answered by the tables at {tables:?} in TABLES, counted from 0",
                            near.join("/")
                        );
                        tried += 1;
                    }
                }
            }
        }
    }
    assert!(tried > 10_000, "{tried} paths tried");
}

fn matches(route: &[Segment], documented: &[&str]) -> bool {
    match (route.split_first(), documented.split_first()) {
        (None, None) => true,
        (Some((Segment::Rest, _)), Some(_)) => true,
        // A documented `v{1,2}` stands for `"v1" | "v2"`, as `<id>` does for a parameter.
        (Some((Segment::Param | Segment::Choice(_), route)), Some((_, documented))) => matches(route, documented),
        (Some((Segment::Literal(literal), route)), Some((segment, documented))) => {
            literal == segment && matches(route, documented)
        }
        _ => false,
    }
}

/// The doc comments (`//!` and `///`) of the files named, joined.
fn doc_comments(files: &[&str]) -> String {
    let mut doc = Vec::new();
    for (name, text) in sources().iter().filter(|(name, _)| files.contains(&name.as_str())) {
        let lines = text.lines().map(str::trim_start);
        doc.extend(
            lines
                .filter_map(|line| line.strip_prefix("//!").or_else(|| line.strip_prefix("///")))
                .map(str::to_owned),
        );
        assert!(!doc.is_empty(), "{name} has doc comments");
    }
    doc.join(" ")
}

/// The routes a doc text names: each path (`/api/...`, `/__simulator/...`, `/userUploads/...`) with
/// the methods written just before it (`GET /api/...`, or `GET`, `PATCH /api/...`).
fn documented_routes(doc: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let words: Vec<&str> = doc
        .split('`')
        .flat_map(str::split_whitespace)
        .map(|word| word.trim_end_matches([',', ';', ':', '.', ')']))
        .filter(|word| !word.is_empty())
        .collect();
    let mut routes = Vec::new();
    let mut methods: Vec<String> = Vec::new();
    for word in words {
        if METHODS.contains(&word) {
            methods.push(word.to_owned());
        } else if ["/api/", "/__simulator/", "/userUploads/"]
            .iter()
            .any(|prefix| word.starts_with(prefix))
        {
            let path = word.split('?').next().unwrap_or_default();
            let segments = path.trim_matches('/').split('/').map(str::to_owned).collect();
            routes.push((std::mem::take(&mut methods), segments));
        } else if word.chars().any(char::is_alphabetic) && !matches!(word, "and" | "or") {
            methods.clear();
        }
    }
    routes
}

/// A route is documented, with its method, in the crate doc's list of routes (lib.rs) or in the doc
/// comments of the file whose table has it (its handler's), so adding one needs no edit of lib.rs.
#[test]
fn every_route_of_the_tables_is_documented() {
    let lines = table_lines();
    assert!(lines.len() > 50, "{} lines read from the tables", lines.len());
    let mut undocumented = Vec::new();
    for line in &lines {
        let documented = documented_routes(&doc_comments(&["lib.rs", &line.file]));
        let shown: Vec<String> = line
            .path
            .iter()
            .map(|segment| match segment {
                Segment::Literal(text) => text.clone(),
                Segment::Choice(texts) => texts.join("|"),
                Segment::Param => "*".to_owned(),
                Segment::Rest => "**".to_owned(),
            })
            .collect();
        for method in &line.methods {
            let found = documented.iter().any(|(methods, path)| {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                methods.contains(method) && matches(&line.path, &path)
            });
            if !found {
                undocumented.push(format!("{method} /{} ({})", shown.join("/"), line.file));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "routes in the tables but documented, with their method, neither in the crate doc's list of routes nor \
         in the doc comments of the file whose table has them (write `GET /api/v1/...` in the handler's doc \
         comment):\n  {}",
        undocumented.join("\n  ")
    );
}
