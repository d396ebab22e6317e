//! The table's edges: exact slash paths, digit-only ids, literals before
//! parameters, values that keep their slashes, and 405 against 404. What
//! each route answers is tested over sockets in `simulator/tests/`.

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

#[test]
fn observable_values_are_decoded_whole() {
    let path = ["references", "http:", "", "malicious.example.net", "payload.exe"];
    assert_eq!(
        observable(&path[1..]).as_deref(),
        Some("http://malicious.example.net/payload.exe")
    );
    assert_eq!(
        observable(&["2001%3Adb8%3A%3Abad%3Ac0de"]).as_deref(),
        Some("2001:db8::bad:c0de")
    );
    assert_eq!(observable(&["100%25%zz%4"]).as_deref(), Some("100%%zz%4"));
    assert_eq!(observable(&[""]), None);
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

/// One segment of a route as the table writes it.
enum Segment {
    Literal(String),
    /// A parameter, or literal alternatives (`"v1" | "v2"`).
    Any,
    /// `value @ ..`: one segment or more.
    Rest,
}

/// The path of every arm of the table, read from its source.
fn table_paths() -> Vec<Vec<Segment>> {
    let source = include_str!("../routes.rs");
    let arms = source.lines().filter_map(|line| {
        let line = line.trim_start().strip_prefix("(\"")?;
        let (_, rest) = line.split_once("[")?;
        Some(rest.split_once("])")?.0)
    });
    let segment = |token: &str| match token.trim() {
        token if token.ends_with("..") => Segment::Rest,
        token if token.starts_with('"') && !token.contains('|') => Segment::Literal(token.trim_matches('"').to_owned()),
        _ => Segment::Any,
    };
    arms.map(|arm| arm.split(", ").map(segment).collect()).collect()
}

fn matches(route: &[Segment], documented: &[&str]) -> bool {
    match (route.split_first(), documented.split_first()) {
        (None, None) => true,
        (Some((Segment::Rest, _)), Some(_)) => true,
        (Some((Segment::Any, route)), Some((_, documented))) => matches(route, documented),
        (Some((Segment::Literal(literal), route)), Some((segment, documented))) => {
            literal == segment && matches(route, documented)
        }
        _ => false,
    }
}

/// Every doc comment of the crate's source (`//!` and `///`), joined.
fn doc_comments() -> String {
    let mut doc = Vec::new();
    let mut pending = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let lines = text.lines().map(str::trim_start);
                doc.extend(
                    lines
                        .filter_map(|line| line.strip_prefix("//!").or_else(|| line.strip_prefix("///")))
                        .map(str::to_owned),
                );
            }
        }
    }
    doc.join(" ")
}

/// A route is documented in the crate doc's list of routes (lib.rs) or in its handler's doc comment,
/// in the handler's file, so adding one needs no edit of lib.rs.
#[test]
fn every_route_of_the_table_is_documented() {
    let doc = doc_comments();
    let documented: Vec<Vec<&str>> = doc
        .split('`')
        .flat_map(str::split_whitespace)
        .filter(|word| {
            ["/api/", "/__simulator/", "/userUploads/"]
                .iter()
                .any(|prefix| word.starts_with(prefix))
        })
        .map(|path| {
            let path = path.split('?').next().unwrap_or_default();
            path.trim_matches('/').split('/').collect()
        })
        .collect();
    let routes = table_paths();
    assert!(routes.len() > 50, "{} routes read from the table", routes.len());
    for route in &routes {
        let shown: Vec<String> = route
            .iter()
            .map(|segment| match segment {
                Segment::Literal(text) => text.clone(),
                Segment::Any => "*".to_owned(),
                Segment::Rest => "**".to_owned(),
            })
            .collect();
        assert!(
            documented.iter().any(|path| matches(route, path)),
            "/{} is in the table but neither in the crate doc's list of routes nor in its handler's doc comment",
            shown.join("/")
        );
    }
}
