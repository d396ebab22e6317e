//! Property test over the whole step pipeline: seed envelopes from `fuzz-corpus/` beside this file, mutated at
//! random (bytes flipped, cut, duplicated, inserted), must always come back as one well-formed event:
//! never a panic (a panicking step reports "The plugin failed unexpectedly."), status and exit code
//! in agreement, an error that says what is wrong.
//!
//! `make fuzz` runs it with many more cases than `make test` does; proptest keeps any failure it finds
//! in `proptest-regressions/` so it is replayed on every later run. The seeds are every action with its
//! example input, plus the variants in `fuzz-corpus/`; they point at a closed port, so a mutation that
//! stays valid fails fast with CONNECTION_ERROR instead of reaching a network.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::{root, PLUGIN};
use crate::protocol::generate::example_input;
use crate::protocol::{execute, StepKind};

/// The corpus's variants (a connection test, text instead of a file, IPv6), and a message per action
/// with the example input its help shows, so an action added later is fuzzed without a seed file.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = root().join("src/actions/tests/fuzz-corpus");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("src/actions/tests/fuzz-corpus exists")
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let mut seeds: Vec<Vec<u8>> = paths
            .into_iter()
            .map(|path| std::fs::read(path).expect("readable seed"))
            .collect();
        for action in PLUGIN.actions.iter() {
            let message = json!({"version": "v1", "type": "action_start", "body": {"action": action.id(),
                "meta": {"jobId": "fuzz"}, "input": example_input(&PLUGIN, action),
                "connection": {"username": "analyst@example.com", "url": "http://127.0.0.1:9",
                    "api_key": {"secretKey": "fuzz-key"}, "ssl_verify": true, "api_version": "v2", "timeout": 2}}});
            seeds.push(message.to_string().into_bytes());
        }
        seeds
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, bits: u8 },
    Cut { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Repeat { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Cut { at, len }),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![Just(b'{'), Just(b'"'), Just(b'\\'), Just(b'0'), any::<u8>()],
                1..16
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..256).prop_map(|(at, len)| Mutation::Repeat { at, len }),
    ]
}

fn apply(mut message: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    let at = |at: usize, message: &Vec<u8>| if message.is_empty() { 0 } else { at % message.len() };
    match mutation {
        Mutation::Flip { at: position, bits } => {
            let i = at(*position, &message);
            if let Some(byte) = message.get_mut(i) {
                *byte ^= bits;
            }
        }
        Mutation::Cut { at: position, len } => {
            let i = at(*position, &message);
            let end = (i + len).min(message.len());
            message.drain(i..end);
        }
        Mutation::Insert { at: position, bytes } => {
            let i = at(*position, &message);
            message.splice(i..i, bytes.iter().copied());
        }
        Mutation::Repeat { at: position, len } => {
            let i = at(*position, &message);
            let end = (i + len).min(message.len());
            let copy = message[i..end].to_vec();
            message.splice(end..end, copy);
        }
    }
    message
}

/// Any JSON value, a few levels deep, with the strings that tend to break parsers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just(String::new()),
            Just("\u{0}".to_owned()),
            Just("0001-01-01T00:00:00Z".to_owned()),
            ".{0,40}"
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,12}", inner, 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Whether the seed's key is still only the connection's secret (a mutation can move it into `meta`,
/// which is echoed by design).
fn still_the_connection_key(message: &[u8]) -> bool {
    let once = message.windows(8).filter(|window| window == b"fuzz-key").count() == 1;
    let parsed: Option<Value> = serde_json::from_slice(message).ok();
    let in_place = parsed
        .as_ref()
        .and_then(|m| m.pointer("/body/connection/api_key/secretKey"))
        == Some(&Value::from("fuzz-key"));
    once && in_place
}

/// A replaced instance URL could name a real host; this workplace sends nothing beyond loopback.
fn keep_on_loopback(message: &mut Value) {
    let Some(connection) = message.pointer_mut("/body/connection").and_then(Value::as_object_mut) else {
        return;
    };
    for field in ["threatstream_url", "url"] {
        if let Some(Value::String(url)) = connection.get(field) {
            if url.contains("://") && !url.starts_with("http://127.0.0.1:9") {
                connection.insert(field.to_owned(), Value::from("http://127.0.0.1:9"));
            }
        }
    }
}

/// Every JSON pointer in `value`, the root included.
fn pointers(value: &Value, here: String, found: &mut Vec<String>) {
    match value {
        Value::Object(members) => members
            .iter()
            .for_each(|(key, member)| pointers(member, format!("{here}/{key}"), found)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, item)| pointers(item, format!("{here}/{i}"), found)),
        _ => {}
    }
    found.push(here);
}

/// Runs `message` through the pipeline and checks what every event must be; answers with its line.
fn well_formed_event(message: Vec<u8>, kind: StepKind) -> Result<String, TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = runtime.block_on(execute(&PLUGIN, kind, message, false));
    let line = serde_json::to_string(&outcome.event).unwrap();
    prop_assert!(!line.contains('\n'));
    let event: Value = serde_json::from_str(&line).unwrap();
    let status = event["body"]["status"].as_str().unwrap_or_default().to_owned();
    prop_assert_eq!(outcome.exit_code() == 0, status == "ok");
    if status == "error" {
        let cause = event["body"]["exception"]["cause"].as_str().unwrap_or_default();
        prop_assert!(!cause.is_empty());
        prop_assert_ne!(cause, "The plugin failed unexpectedly.");
    }
    Ok(line)
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: Some(Box::new(
        proptest::test_runner::FileFailurePersistence::SourceParallel("proptest-regressions"))), ..ProptestConfig::default() })]

    #[test]
    fn mutated_envelopes_always_get_a_well_formed_event(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 0..6),
        test_command in any::<bool>(),
    ) {
        let seeds = seeds();
        let message = mutations.iter().fold(seeds[seed.index(seeds.len())].clone(), apply);
        let key_is_the_connections = still_the_connection_key(&message);
        let kind = if test_command { StepKind::Test } else { StepKind::Run };
        let line = well_formed_event(message, kind)?;
        if key_is_the_connections {
            prop_assert!(!line.contains("fuzz-key"));
        }
    }

    #[test]
    fn envelopes_with_a_replaced_value_always_get_a_well_formed_event(
        seed in any::<prop::sample::Index>(),
        place in any::<prop::sample::Index>(),
        replacement in json_value(),
    ) {
        let seeds = seeds();
        let mut message: Value = serde_json::from_slice(&seeds[seed.index(seeds.len())]).unwrap();
        let mut places = Vec::new();
        pointers(&message, String::new(), &mut places);
        let pointer = &places[place.index(places.len())];
        if let Some(target) = message.pointer_mut(pointer) {
            *target = replacement;
        }
        keep_on_loopback(&mut message);
        well_formed_event(message.to_string().into_bytes(), StepKind::Run)?;
    }
}
