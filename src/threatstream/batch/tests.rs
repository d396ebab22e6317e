//! Chunking and escaping of batched searches; the requests themselves are tested end to end
//! (tests/bulk.rs).

use std::time::Duration;

use reqwest::Url;
use serde_json::json;

use super::*;
use crate::threatstream::ClientConfig;

fn client(version: ApiVersion) -> Client {
    Client::new(ClientConfig {
        base_url: "https://ts.example.com/threatstream".into(),
        username: "analyst@example.com".into(),
        api_key: "k".into(),
        verify_tls: true,
        api_version: version,
        timeout: Duration::from_secs(5),
        remote_api: false,
    })
    .expect("valid config")
}

/// A thousand observables of every type, as a bulk lookup might receive them.
fn mixed(count: usize) -> Vec<Observable> {
    (0..count)
        .map(|i| match i % 5 {
            0 => Observable::Ip(format!("198.18.{}.{}", i / 256 % 256, i % 256).parse().unwrap()),
            1 => Observable::Domain(format!("syn-{i}.bench.example")),
            2 => Observable::Url(format!("http://syn-{i}.bench.example/ioc?x=\"{i}\"")),
            3 => Observable::Email(format!("user{i}@syn.bench.example")),
            _ => Observable::Hash(format!("{i:032x}")),
        })
        .collect()
}

/// The URL reqwest sends for `chunk` at the deepest page a search may reach.
fn deepest_url(client: &Client, chunk: &Chunk) -> Url {
    let mut query = chunk.filters.clone();
    query.push(("limit", "1000".into()));
    query.push(("offset", "250000".into()));
    Url::parse_with_params(client.endpoint(&intelligence::path(ApiVersion::V2)).as_str(), &query).expect("a URL")
}

#[test]
fn encoded_lengths_are_what_reqwest_sends() {
    for text in [
        "plain",
        "a b",
        r#"value="a\"b" OR (x)"#,
        "ünïcode@例え.jp",
        "*-._~!$&'+,;=:/?#[]%",
    ] {
        let url = Url::parse_with_params("http://h/", &[("q", text)]).expect("a URL");
        assert_eq!(
            encoded_len(text),
            url.query().unwrap_or_default().len() - "q=".len(),
            "{text}"
        );
    }
}

#[test]
fn quotes_and_backslashes_are_escaped() {
    let url = Observable::Url(r#"http://evil.example/a"b\c"#.into());
    assert_eq!(term(&url), r#"value="http://evil.example/a\"b\\c""#);
    assert_eq!(term(&Observable::Hash("ab".into())), r#"value="ab""#);
}

#[test]
fn a_thousand_observables_take_few_searches_each_under_the_url_limit() {
    let observables = mixed(1000);
    let client = client(ApiVersion::V2);
    let chunks = chunks(&client, &observables);
    assert!(chunks.len() <= 15, "{} searches", chunks.len());
    let mut seen = vec![0; observables.len()];
    for chunk in &chunks {
        let url = deepest_url(&client, chunk);
        assert!(url.as_str().len() <= MAX_URL_BYTES, "{} bytes", url.as_str().len());
        let kinds: Vec<_> = chunk.members.iter().map(|&m| observables[m].v2_type()).collect();
        assert!(kinds.windows(2).all(|pair| pair[0] == pair[1]), "one type per search");
        let q = &chunk.filters[0].1;
        assert!(
            q.ends_with(&format!(") AND type={}", kinds[0].unwrap_or_default())),
            "{q}"
        );
        chunk.members.iter().for_each(|&member| seen[member] += 1);
    }
    assert!(
        seen.iter().all(|&count| count == 1),
        "every observable in exactly one search"
    );
    let first = &chunks[0];
    assert!(
        first.members.windows(2).all(|pair| pair[0] < pair[1]),
        "input order within a search"
    );
}

#[test]
fn a_small_budget_splits_and_an_oversized_value_goes_alone() {
    let observables = vec![
        Observable::Domain("a.example".into()),
        Observable::Domain("b.example".into()),
        Observable::Domain(format!("{}.example", "c".repeat(200))),
        Observable::Ip("198.51.100.1".parse().unwrap()),
    ];
    let chunks = batches(&observables, 100);
    let members: Vec<&Vec<usize>> = chunks.iter().map(|chunk| &chunk.members).collect();
    assert_eq!(members, [&vec![0, 1], &vec![2], &vec![3]]);
    assert_eq!(
        chunks[0].filters,
        [(
            "q",
            r#"(value="a.example" OR value="b.example") AND type=domain"#.to_owned()
        )]
    );
    assert_eq!(
        chunks[2].filters,
        [("q", r#"(value="198.51.100.1") AND type=ip"#.to_owned())]
    );
}

#[test]
fn v1_searches_each_observable_with_its_legacy_filter() {
    let observables = mixed(5);
    let chunks = chunks(&client(ApiVersion::V1), &observables);
    assert_eq!(chunks.len(), 5);
    assert_eq!(chunks[1].members, [1]);
    assert_eq!(chunks[1].filters, [("domain", "syn-1.bench.example".to_owned())]);
    assert_eq!(chunks[4].filters[0].0, "md5");
}

#[test]
fn records_find_their_observable_any_value_included() {
    let record = |value: serde_json::Value| match value {
        serde_json::Value::Object(record) => record,
        _ => unreachable!("test records are objects"),
    };
    let observables = vec![
        Observable::Domain("a.example".into()),
        Observable::Any("Evil.Example".into()),
        Observable::Any("198.51.100.23".into()),
    ];
    let router = Router::new(&observables, &[1, 0, 2]);
    let typed = record(json!({"type": "domain", "value": "A.example"}));
    assert_eq!(router.slot_of(&typed), Some(1));
    let any = record(json!({"type": "domain", "value": "evil.example"}));
    assert_eq!(
        router.slot_of(&any),
        Some(0),
        "an Any value has no typed key in the map"
    );
    let v1 = record(json!({"srcip": "198.51.100.23"}));
    assert_eq!(router.slot_of(&v1), Some(2));
    let loose = record(json!({"type": "domain", "value": "cdn.evil.example"}));
    assert_eq!(router.slot_of(&loose), None);
}
