//! The contract with ThreatStream, held to the code and to the fixtures.
//!
//! The contract is one row per route the plugin calls, with the public clients that confirm it,
//! written as a `# Contract` section in the doc comment of the call that sends it (`contracts`), and
//! shown as docs/threatstream-api.md's table, which `make generate` writes from those sections. It is
//! only worth reading while it is complete, so these tests fail when the code calls a route no
//! contract names, when a contract names a route nothing calls any more, when a fixture answers a
//! route no contract has or is not listed in its contract, when a contract names no source (and does
//! not say "unconfirmed"), and while the doc's table differs from the sections.
//!
//! The routes are read from the source, not from a list kept by hand (`scan`): every string of
//! `src/threatstream/` and `src/actions/` outside test code and comments that is a path under `api/`,
//! or that adds to one built by a constant or a path helper. Every placeholder reads as `{}`, and one
//! where the version goes (`api/{}/intelligence/`) stands for both `v1` and `v2`, as `v{1,2}` does in
//! the table. A literal with a segment of digits (`/api/v1/actor/3101/`) is a link inside an example
//! answer, not a route. Paths are compared, not methods: a new method on a path the table has needs
//! its own contract all the same, and that is the reviewer's to check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::Fixture;

mod contracts;
mod lexer;
mod scan;
mod table;

use contracts::{contract_rows, sections, table, CALLS_DIR};
use scan::{code_routes, normalised, routes_of, CodeRoutes, SourceFile, SOURCE_DIRS};
use table::{backticked, cells, tables_with, Row};

const DOC: &str = "docs/threatstream-api.md";

/// The lines around the generated table in the doc.
const TABLE_BEGINS: &str = "<!-- The table below is written by `make generate` from the \"# Contract\" sections";
const TABLE_ENDS: &str = "<!-- end of the generated table -->";

/// What to do when a test here fails, said once for every message.
const HOW: &str = "Every route the plugin calls has its contract in the doc comment of the call that sends it \
     (CONTRIBUTING.md, \"Adding an action\", step 3): a `# Contract: METHOD `/api/...`` section with the \
     capability, parameters and body, answer and paging, the public clients that confirm it (or \"unconfirmed\" \
     and why), the fixtures that hold it, and where the sources disagree. `make generate` then writes \
     docs/threatstream-api.md's table.";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn doc() -> String {
    read(&root().join(DOC))
}

/// The contract: every `# Contract` section under `src/threatstream/`, each a route.
fn route_table() -> Vec<Row> {
    let rows = contract_rows(&root()).unwrap_or_else(|problems| panic!("{}\n{HOW}", problems.join("\n")));
    let mut seen: BTreeMap<(String, String, &str), &str> = BTreeMap::new();
    for row in &rows {
        let key = (row.method(), row.path(), row.cell("Capability (steps)"));
        if let Some(first) = seen.insert(key, &row.place) {
            panic!(
                "{}: the same contract as {first} (method, path and capability): keep one",
                row.place
            );
        }
        let path = row.path();
        assert!(
            path.starts_with("/api/") && ["GET", "POST", "PATCH", "DELETE"].contains(&row.method().as_str()),
            "{}: a contract gives its method (GET, POST, PATCH, DELETE) and its path in backticks, \
             `/api/...`; found {:?} {path:?}",
            row.place,
            row.method()
        );
    }
    rows
}

/// The doc with its table written from `rows`, or `None` when it lost the lines around the table.
fn doc_with_table(doc: &str, rows: &[Row]) -> Option<String> {
    let begins = doc.find(TABLE_BEGINS)?;
    let table_at = begins + doc[begins..].find('\n')? + 1;
    let ends = table_at + doc[table_at..].find(TABLE_ENDS)?;
    Some(format!("{}{}{}", &doc[..table_at], table(rows), &doc[ends..]))
}

#[test]
fn the_table_is_written_from_the_contracts_beside_the_calls() {
    let doc = doc();
    let written = doc_with_table(&doc, &route_table())
        .unwrap_or_else(|| panic!("{DOC} lost the lines around its table: {TABLE_BEGINS:?} ... {TABLE_ENDS:?}"));
    if written != doc && std::env::var("GENERATE").as_deref() == Ok("write") {
        std::fs::write(root().join(DOC), &written).expect("write the doc");
        return;
    }
    assert!(
        written == doc,
        "{DOC}'s table differs from the `# Contract` sections under {CALLS_DIR}/: run `make generate`"
    );
}

#[test]
fn a_contract_section_is_read_whole_and_a_wrong_one_is_named() {
    let source = "//! The module.\n\
        //!\n\
        //! # Contract: GET `/api/v1/module/`\n\
        //! - Capability: Whole module\n\
        //! - Parameters and body: None\n\
        //! - Answer and paging: A list. No paging\n\
        //! - Confirmed by: Unconfirmed: no client calls it\n\
        /// Reads one rule.\n\
        ///\n\
        /// # Contract: GET `/api/v1/rule/{id}/`\n\
        ///\n\
        /// - Capability: Rules (`list_rules`)\n\
        /// - Parameters and body: None\n\
        ///\n\
        /// - Answer and paging: `{status: a|b}`, the\n\
        ///   rule. No paging: one page\n\
        /// - Confirmed by: XS3 `list_rule_request`\n\
        /// - Choice:\n\
        ///   rule ids as numbers\n\
        #[expect(\n\
            dead_code,\n\
            reason = \"[a] test\"\n\
        )]\n\
        pub(crate) async fn rule(client: &Client) {}\n\
        /// # Contract: POST `/api/v1/rule/`\n\
        /// - Capability: Rules\n\
        /// - Answers: a rule\n\
        pub(crate) async fn create(client: &Client) {}\n\
        /// # Contract: DELETE `/api/v1/rule/{id}/`\n\
        /// - Capability: Rules\n\
        /// - Parameters and body: None\n\
        /// A note that ends the section.\n\
        /// - Answer and paging: 204\n\
        /// - Confirmed by: Unconfirmed\n\
        pub(crate) async fn delete(client: &Client) {}\n\
        /// # Contract: PATCH `/api/v1/rule/{id}/`\n\
        /// - Capability: Rules\n\
        /// - Parameters and body: None\n\
        /// - Answer and paging: 202\n\
        /// - Confirmed by: Unconfirmed\n\
        const PATCHED: &str = \"\";\n";
    let (rows, problems) = sections("src/threatstream/rules.rs", source);
    assert_eq!(rows.len(), 2, "{problems:?}");
    assert_eq!(rows[0].cell("Call"), "[`rules`](../src/threatstream/rules.rs)");
    let row = &rows[1];
    assert_eq!(row.place, "src/threatstream/rules.rs:10");
    assert_eq!(
        (row.method().as_str(), row.path().as_str()),
        ("GET", "/api/v1/rule/{id}/")
    );
    assert_eq!(
        row.cell("Answer and paging"),
        "`{status: a|b}`, the rule. No paging: one page"
    );
    assert_eq!(row.cell("Where sources disagree → choice"), "rule ids as numbers");
    assert_eq!(row.cell("Call"), "[`rules::rule`](../src/threatstream/rules.rs)");
    assert!(
        table(&rows).contains("`{status: a\\|b}`, the rule. No paging: one page"),
        "{}",
        table(&rows)
    );
    let expected = [
        "src/threatstream/rules.rs:25: `Answers` is not a contract's label",
        "src/threatstream/rules.rs:29: `- Answer and paging:` comes after the section ended at \"A note that ends",
        "src/threatstream/rules.rs:36: a `///` contract is written on the function that sends its route",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:?}");
    for (problem, expected) in problems.iter().zip(expected) {
        assert!(
            problem.starts_with(expected),
            "{problem:?} should start with {expected:?}"
        );
    }
}

/// The routes of the code that no row names, each with where the code builds it.
fn missing_rows(code: &CodeRoutes, rows: &[Row]) -> Vec<String> {
    let in_table: BTreeSet<String> = rows.iter().flat_map(Row::routes).collect();
    code.routes
        .iter()
        .filter(|(route, _)| !in_table.contains(*route))
        .map(|(route, places)| {
            let places: Vec<&str> = places.iter().map(String::as_str).collect();
            format!("/{route} (called at {})", places.join(", "))
        })
        .collect()
}

#[test]
fn every_route_the_plugin_calls_has_a_row() {
    let code = code_routes();
    assert!(code.unreadable.is_empty(), "{}", code.unreadable.join("\n"));
    assert!(
        code.routes.len() >= 10,
        "the scan of {SOURCE_DIRS:?} found only {:?}: is it still reading the code?",
        code.routes.keys()
    );
    let missing = missing_rows(&code, &route_table());
    assert!(
        missing.is_empty(),
        "no contract names these routes (placeholders shown as {{}}):\n  {}\n{HOW}",
        missing.join("\n  ")
    );
}

#[test]
fn every_row_is_a_route_the_plugin_calls() {
    let code = code_routes();
    let stale: Vec<String> = route_table()
        .iter()
        .flat_map(|row| {
            let routes = row.routes();
            routes
                .into_iter()
                .filter(|route| !code.routes.contains_key(route))
                .map(move |route| format!("{}: {} {} (as /{route})", row.place, row.method(), row.path()))
        })
        .collect();
    assert!(
        stale.is_empty(),
        "contracts of routes nothing in {SOURCE_DIRS:?} calls any more (remove the contract, or fix its path):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn a_missing_row_is_named_with_where_the_code_calls_it() {
    let rows = route_table();
    let dropped = "/api/v1/threat_model_search/";
    let without: Vec<Row> = rows.iter().filter(|row| row.path() != dropped).cloned().collect();
    assert_eq!(without.len() + 1, rows.len(), "one contract names {dropped}");
    let code = code_routes();
    let before = missing_rows(&code, &rows);
    let after = missing_rows(&code, &without);
    let new: Vec<&String> = after.iter().filter(|route| !before.contains(route)).collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert!(
        new[0].starts_with("/api/v1/threat_model_search/ (called at src/threatstream/threat_models.rs:"),
        "{new:?}"
    );
}

#[test]
fn every_fixture_is_listed_in_the_row_of_its_route() {
    let rows = route_table();
    let fixtures_dir = root().join("tests/fixtures");
    let mut listed: BTreeMap<String, &Row> = BTreeMap::new();
    let mut problems = Vec::new();
    for row in &rows {
        for name in backticked(row.cell("Fixtures")) {
            if !fixtures_dir.join(format!("{name}.json")).is_file() {
                problems.push(format!(
                    "{}: lists `{name}`, which is no file under tests/fixtures/",
                    row.place
                ));
            }
            listed.insert(name, row);
        }
    }
    let mut names = Vec::new();
    for group in std::fs::read_dir(&fixtures_dir).expect("tests/fixtures").flatten() {
        for file in std::fs::read_dir(group.path()).into_iter().flatten().flatten() {
            let path = file.path();
            if path.extension().is_some_and(|extension| extension == "json") {
                let name = path
                    .strip_prefix(&fixtures_dir)
                    .expect("under tests/fixtures")
                    .with_extension("");
                names.push(name.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    names.sort();
    for name in names {
        let route = Fixture::load(&name).route;
        let (method, path) = route.split_once(' ').unwrap_or_default();
        let wanted: BTreeSet<String> = normalised(path).into_iter().collect();
        let Some(row) = listed.get(&name) else {
            problems.push(format!(
                "tests/fixtures/{name}.json answers {route}: list `{name}` in the Fixtures item of that route's contract"
            ));
            continue;
        };
        let routes: BTreeSet<String> = row.routes().into_iter().collect();
        if row.method() != method || !wanted.is_subset(&routes) {
            problems.push(format!(
                "tests/fixtures/{name}.json answers {route}, but {} lists it in the contract of {} {}",
                row.place,
                row.method(),
                row.path()
            ));
        }
    }
    assert!(problems.is_empty(), "{}\n{HOW}", problems.join("\n"));
}

#[test]
fn every_row_names_its_sources_or_says_unconfirmed() {
    let doc = doc();
    let keys: Vec<String> = tables_with(DOC, &doc, &["Key", "Source"])
        .into_iter()
        .flatten()
        .map(|row| row.cell("Key").replace(['`', '*'], ""))
        .filter(|key| !key.is_empty())
        .collect();
    assert!(
        keys.len() >= 6,
        "{DOC}'s source key (a table with Key and Source columns) lists {keys:?}"
    );
    let unsourced: Vec<String> = route_table()
        .iter()
        .filter(|row| {
            let confirmed = row.cell("Confirmed by");
            let words: BTreeSet<&str> = confirmed.split(|c: char| !c.is_alphanumeric()).collect();
            !confirmed.to_lowercase().contains("unconfirmed") && !keys.iter().any(|key| words.contains(key.as_str()))
        })
        .map(|row| format!("{}: {} {}", row.place, row.method(), row.path()))
        .collect();
    assert!(
        unsourced.is_empty(),
        "contracts whose Confirmed by item names no source of {DOC}'s key and does not say \"unconfirmed\" (and why):\n  {}",
        unsourced.join("\n  ")
    );
}

#[test]
fn the_scan_follows_constants_helpers_and_callers_and_skips_comments_and_tests() {
    let models = r##"
        //! `GET /api/v1/doc_comment/` is prose, not a call.
        const SEARCH: &str = "api/v1/threat_model_search/";
        const PATH: &str = "api/v1/investigation/";
        fn path(id: u64) -> String {
            format!("{PATH}{id}/")
        }
        fn approve(id: u64) -> String {
            let quote = '"';
            let _lifetime: &'static str = "not a route";
            format!("{}approve_all/", path(id))
        }
        fn bulk() -> String { format!("{PATH}bulk/") }
        /* "api/v1/block_comment/" */
        const RAW: &str = r#"api/v1/raw/{}/"#;
        const EXAMPLE: &str = "/api/v1/actor/3101/";
        fn words(value: &str, noun: &str) -> String { format!("{} is {noun}", quoted(value)) }
        fn cidr(network: &str, length: u8) -> String { format!("{network}/{length}") }
        #[cfg(test)]
        fn helper() -> &'static str { "api/v1/test_helper/" }
        const AFTER: &str = "api/{}/intelligence/";
        #[cfg(test)]
        mod tests { const T: &str = "api/v1/test_module/"; }
    "##;
    let writes = r#"
        impl ModelRef {
            pub(crate) fn path(&self) -> String { format!("api/v1/{}/{}/", self.model_type.as_str(), self.id) }
        }
        async fn tag(client: &Client, model: ModelRef) { send(client, model, "tag/", Replay::Safe).await }
        async fn update(client: &Client, model: ModelRef) { send(client, model, "", Replay::Safe).await }
        async fn send(client: &Client, model: ModelRef, below: &str, replay: Replay) {
            let path = format!("{}{below}", model.path());
        }
    "#;
    let links = r#"
        fn change(model: ModelRef, target: LinkTarget) -> String {
            format!("{}{}/bulk_add/", model.path(), target.segment())
        }
        fn comments(model: ModelRef) -> String { format!("{}comment/", model.path()) }
    "#;
    let files = [
        SourceFile::parse("src/threatstream/models.rs", models),
        SourceFile::parse("src/threatstream/model_writes.rs", writes),
        SourceFile::parse("src/threatstream/links.rs", links),
    ];
    let found = routes_of(&files);
    assert!(found.unreadable.is_empty(), "{:?}", found.unreadable);
    let routes: Vec<&str> = found.routes.keys().map(String::as_str).collect();
    assert_eq!(
        routes,
        [
            "api/v1/investigation/",
            "api/v1/investigation/bulk/",
            "api/v1/investigation/{}/",
            "api/v1/investigation/{}/approve_all/",
            "api/v1/raw/{}/",
            "api/v1/threat_model_search/",
            "api/v1/{}/{}/",
            "api/v1/{}/{}/comment/",
            "api/v1/{}/{}/tag/",
            "api/v1/{}/{}/{}/bulk_add/",
            "api/v1/intelligence/",
            "api/v2/intelligence/",
        ]
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    let lost = routes_of(&[SourceFile::parse(
        "src/threatstream/x.rs",
        r#"fn f(base: String) -> String { format!("{base}comment/") }"#,
    )]);
    assert_eq!(
        lost.unreadable.len(),
        1,
        "a path that cannot be followed is an error: {:?}",
        lost.routes
    );
    assert_eq!(
        normalised("/api/v{1,2}/intelligence/import/?x=1"),
        ["api/v1/intelligence/import/", "api/v2/intelligence/import/"]
    );
    assert_eq!(normalised("/api/v1/pdns/{ip|domain}/{value}/"), ["api/v1/pdns/{}/{}/"]);
    assert_eq!(
        cells(r"| GET | `/api/v1/pdns/{ip\|domain}/` | a |"),
        ["GET", "`/api/v1/pdns/{ip|domain}/`", "a"]
    );
}
