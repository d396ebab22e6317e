//! Hostile input: malformed envelopes, connections and inputs, each answered with a clear error
//! envelope and exit 1, never a panic, never a request upstream; and hostile answers from upstream.

use serde_json::{json, Value};
use threatstream_simulator::{Fault, Simulator};

use crate::harness::{connection, simulator, Invocation, Preset};

/// Largest envelope a rejection may produce: errors quote inputs, but never whole megabytes of them.
const MAX_ERROR_ENVELOPE: usize = 16 * 1024;

fn envelope(action: &str, input: Value, connection: Value) -> Vec<u8> {
    json!({"version": "v1", "type": "action_start",
           "body": {"action": action, "meta": {}, "input": input, "connection": connection}})
    .to_string()
    .into_bytes()
}

fn raw_cases() -> Vec<(&'static str, Vec<u8>)> {
    let text = |name, body: &str| (name, body.as_bytes().to_vec());
    let mut cases = vec![
        text("empty stdin", ""),
        text("whitespace", "  \n\t "),
        text("open brace", "{"),
        text("close brace", "}"),
        text("null", "null"),
        text("true", "true"),
        text("number", "42"),
        text("string", "\"action_start\""),
        text("array", "[]"),
        text(
            "array of envelope",
            "[{\"version\":\"v1\",\"type\":\"action_start\",\"body\":{}}]",
        ),
        (
            "invalid utf-8",
            b"{\"version\":\"v1\",\"type\":\"action_\xff\xfe\"}".to_vec(),
        ),
        ("nul bytes", b"\0\0\0\0".to_vec()),
        text("no type", r#"{"version":"v1","body":{"action":"lookup_ip"}}"#),
        text(
            "type number",
            r#"{"version":"v1","type":7,"body":{"action":"lookup_ip"}}"#,
        ),
        text(
            "type null",
            r#"{"version":"v1","type":null,"body":{"action":"lookup_ip"}}"#,
        ),
        text(
            "type upper case",
            r#"{"version":"v1","type":"ACTION_START","body":{"action":"lookup_ip"}}"#,
        ),
        text(
            "trigger",
            r#"{"version":"v1","type":"trigger_start","body":{"trigger":"t"}}"#,
        ),
        text("task", r#"{"version":"v1","type":"task_start","body":{"task":"t"}}"#),
        text("no version", r#"{"type":"action_start","body":{"action":"lookup_ip"}}"#),
        text(
            "version number",
            r#"{"version":1,"type":"action_start","body":{"action":"lookup_ip"}}"#,
        ),
        text(
            "version v2",
            r#"{"version":"v2","type":"action_start","body":{"action":"lookup_ip"}}"#,
        ),
        text("no body", r#"{"version":"v1","type":"action_start"}"#),
        text("body array", r#"{"version":"v1","type":"action_start","body":[]}"#),
        text(
            "body string",
            r#"{"version":"v1","type":"action_start","body":"lookup_ip"}"#,
        ),
        text("body null", r#"{"version":"v1","type":"action_start","body":null}"#),
        text(
            "no action",
            r#"{"version":"v1","type":"action_start","body":{"input":{}}}"#,
        ),
        text(
            "action number",
            r#"{"version":"v1","type":"action_start","body":{"action":7}}"#,
        ),
        text(
            "action null",
            r#"{"version":"v1","type":"action_start","body":{"action":null}}"#,
        ),
        text(
            "action empty",
            r#"{"version":"v1","type":"action_start","body":{"action":""}}"#,
        ),
        text(
            "action path",
            r#"{"version":"v1","type":"action_start","body":{"action":"../../etc/passwd"}}"#,
        ),
        text(
            "trailing garbage",
            r#"{"version":"v1","type":"action_start","body":{"action":"lookup_ip"}} x"#,
        ),
        text("two messages", r#"{"version":"v1"}{"version":"v1"}"#),
        text(
            "byte order mark",
            "\u{feff}{\"version\":\"v1\",\"type\":\"action_start\",\"body\":{\"action\":\"lookup_ip\"}}",
        ),
    ];
    let huge_action = format!(
        r#"{{"version":"v1","type":"action_start","body":{{"action":"{}"}}}}"#,
        "a".repeat(1 << 20)
    );
    cases.push(("megabyte action name", huge_action.into_bytes()));
    cases.push((
        "deep nesting",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
    ));
    cases.push(("100 MB of garbage", vec![b'a'; 100 * 1024 * 1024]));
    cases
}

fn connection_cases(sim: &Simulator) -> Vec<(&'static str, Vec<u8>)> {
    let input = json!({"ip_address": "198.51.100.23"});
    let with = |name, field: &str, value: Value| {
        let mut connection = connection(sim);
        connection[field] = value;
        (name, envelope("lookup_ip", input.clone(), connection))
    };
    vec![
        ("connection null", envelope("lookup_ip", input.clone(), Value::Null)),
        ("connection array", envelope("lookup_ip", input.clone(), json!([]))),
        (
            "connection string",
            envelope("lookup_ip", input.clone(), json!("analyst:key")),
        ),
        ("connection empty", envelope("lookup_ip", input.clone(), json!({}))),
        with("username number", "username", json!(123)),
        with("username huge", "username", json!("u".repeat(1 << 20))),
        with("api key bare string", "api_key", json!("a-bare-key")),
        with("api key empty object", "api_key", json!({})),
        with("api key number", "api_key", json!({"secretKey": 5})),
        with("api key null", "api_key", json!({"secretKey": null})),
        with(
            "api key with newline",
            "api_key",
            json!({"secretKey": "abc\r\nX-Injected: 1"}),
        ),
        with("url number", "url", json!(5)),
        with("url javascript", "url", json!("javascript:alert(1)")),
        with("url without host", "url", json!("http://")),
        with("url with credentials", "url", json!("https://user:pw@ts.example.com")),
        with("ssl_verify string", "ssl_verify", json!("false")),
        with("timeout negative", "timeout", json!(-5)),
        with("timeout huge", "timeout", json!(100_000)),
        with("timeout fraction", "timeout", json!(1.5)),
        with("api_version upper case", "api_version", json!("V2")),
    ]
}

fn input_cases(sim: &Simulator) -> Vec<(&'static str, Vec<u8>)> {
    let run = |name, action: &str, input: Value| (name, envelope(action, input, connection(sim)));
    let import = |name, settings: Value| {
        (
            name,
            envelope(
                "add_approval_indicator",
                json!({"datatext": "198.51.100.7", "indicator_settings": settings}),
                connection(sim),
            ),
        )
    };
    vec![
        run("input null", "lookup_ip", Value::Null),
        run("input array", "lookup_ip", json!([])),
        run("input string", "lookup_ip", json!("198.51.100.23")),
        run("ip array", "lookup_ip", json!({"ip_address": []})),
        run("ip object", "lookup_ip", json!({"ip_address": {}})),
        run("ip with nul", "lookup_ip", json!({"ip_address": "198.51.100.23\u{0}"})),
        run(
            "ip ten megabytes",
            "lookup_ip",
            json!({"ip_address": "1".repeat(10 << 20)}),
        ),
        run("ip arabic digits", "lookup_ip", json!({"ip_address": "١٩٨.٥١.١٠٠.٢٣"})),
        run("ip with port", "lookup_ip", json!({"ip_address": "198.51.100.23:443"})),
        run(
            "ip unknown field",
            "lookup_ip",
            json!({"ip_address": "198.51.100.23", "ip": "x"}),
        ),
        run(
            "unknown field with controls",
            "lookup_ip",
            json!({"ip_address": "198.51.100.23", "\u{1b}[2J\u{0}": 1}),
        ),
        run("url with nul", "lookup_url", json!({"url": "http://a.example/\u{0}"})),
        run("url number", "lookup_url", json!({"url": 80})),
        run("hash unicode", "lookup_hash", json!({"hash": "ą".repeat(32)})),
        run(
            "hash huge number",
            "lookup_hash",
            json!({"hash": 18_446_744_073_709_551_615u64}),
        ),
        run(
            "file bad base64",
            "add_approval_indicator",
            json!({"file": {"filename": "a.csv", "content": "@@@@"}}),
        ),
        run(
            "file name number",
            "add_approval_indicator",
            json!({"file": {"filename": 1, "content": "YQ=="}}),
        ),
        run(
            "file content array",
            "add_approval_indicator",
            json!({"file": {"filename": "a", "content": ["YQ=="]}}),
        ),
        import("confidence enormous", json!({"confidence": 1e300})),
        import("confidence string", json!({"confidence": "fifty"})),
        import("trusted circle fraction", json!({"trustedcircles": [1.5]})),
        import("notes string", json!({"notes": "a"})),
        import("expiration number", json!({"expiration_ts": 5})),
        import("settings array", json!([])),
    ]
}

/// What each case's cause says (a fragment: another crate's words, such as a JSON parser's, are left out).
const EXPECTED_CAUSES: &[(&str, &str)] = &[
    ("empty stdin", "The start message is not valid JSON: "),
    ("whitespace", "The start message is not valid JSON: "),
    ("open brace", "The start message is not valid JSON: "),
    ("close brace", "The start message is not valid JSON: "),
    ("null", "The start message must be a JSON object."),
    ("true", "The start message must be a JSON object."),
    ("number", "The start message must be a JSON object."),
    ("string", "The start message must be a JSON object."),
    ("array", "The start message must be a JSON object."),
    ("array of envelope", "The start message must be a JSON object."),
    ("invalid utf-8", "The start message is not valid JSON: "),
    ("nul bytes", "The start message is not valid JSON: "),
    ("no type", "\"type\" missing from input message"),
    ("type number", "Unsupported message type \"7\""),
    ("type null", "Unsupported message type \"null\""),
    ("type upper case", "Unsupported message type \"ACTION_START\""),
    ("trigger", "Unknown trigger \"t\""),
    ("task", "Unknown task \"t\""),
    ("no version", "\"version\" missing from input message"),
    ("version number", "Unsupported version '1'. Only v1 is supported"),
    ("version v2", "Unsupported version 'v2'. Only v1 is supported"),
    ("no body", "\"body\" missing from input message"),
    ("body array", "\"body\" must be a JSON object"),
    ("body string", "\"body\" must be a JSON object"),
    ("body null", "\"body\" must be a JSON object"),
    ("no action", "Message is action_start but field \"action\" is missing from body"),
    ("action number", "Action field must be a string"),
    ("action null", "Action field must be a string"),
    ("action empty", "Unknown action \"\""),
    ("action path", "Unknown action \"../../etc/passwd\""),
    ("trailing garbage", "The start message is not valid JSON: "),
    ("two messages", "The start message is not valid JSON: "),
    ("byte order mark", "The start message is not valid JSON: "),
    ("megabyte action name", "Unknown action \"aaaa"),
    ("deep nesting", "The start message is not valid JSON: "),
    ("100 MB of garbage", "The start message is not valid JSON: "),
    ("connection null", "The connection is invalid: (top level): value is not of type \"object\"."),
    ("connection array", "The connection is invalid: (top level): value is not of type \"object\"."),
    ("connection string", "The connection is invalid: (top level): value is not of type \"object\"."),
    ("connection empty", "The connection is invalid: (top level): \"username\" is a required property; (top level): \"url\" is a required property; (top level): \"api_key\" is a required property."),
    ("username number", "The connection is invalid: /username:"),
    ("username huge", "The connection's username is longer than"),
    ("api key bare string", "The connection is invalid: /api_key:"),
    ("api key empty object", "The connection is invalid: /api_key:"),
    ("api key number", "The connection is invalid: /api_key/secretKey:"),
    ("api key null", "The connection is invalid: /api_key/secretKey:"),
    ("api key with newline", "The connection's username or API key contains control characters or line breaks."),
    ("url number", "The connection is invalid: /url:"),
    ("url javascript", "The connection's ThreatStream URL cannot be used: the URL must start with https:// or http://."),
    ("url without host", "The connection's ThreatStream URL cannot be used: 'http://' is not an absolute URL (empty host)."),
    ("url with credentials", "The connection's ThreatStream URL cannot be used: the URL must not carry credentials; use the username and API key fields."),
    ("ssl_verify string", "The connection is invalid: /ssl_verify:"),
    ("timeout negative", "The connection is invalid: /timeout:"),
    ("timeout huge", "The connection is invalid: /timeout:"),
    ("timeout fraction", "The connection is invalid: /timeout:"),
    ("api_version upper case", "The connection is invalid: /api_version:"),
    ("input null", "The action input is invalid: (top level): null is not of type \"object\"."),
    ("input array", "The action input is invalid: (top level): [] is not of type \"object\"."),
    ("input string", "The action input is invalid: (top level): \"198.51.100.23\" is not of type \"object\"."),
    ("ip array", "The action input is invalid: /ip_address:"),
    ("ip object", "The action input is invalid: /ip_address:"),
    ("ip with nul", "Invalid input 'ip_address': '198.51.100.23\\0' contains spaces or control characters."),
    ("ip ten megabytes", "Invalid input 'ip_address': it is 10485760 characters long, more than the 8192 any observable has."),
    ("ip arabic digits", "Invalid input 'ip_address': '١٩٨.٥١.١٠٠.٢٣' is not an IP address."),
    ("ip with port", "Invalid input 'ip_address': '198.51.100.23:443' is not an IP address."),
    ("ip unknown field", "The action input is invalid: (top level): Additional properties are not allowed ('ip' was unexpected)."),
    ("unknown field with controls", "The action input is invalid: (top level): Additional properties are not allowed ('\\u{1b}[2J\\0' was unexpected)."),
    ("url with nul", "Invalid input 'url': 'http://a.example/\\0' contains spaces or control characters."),
    ("url number", "The action input is invalid: /url:"),
    ("hash unicode", "Invalid input 'hash': 'ąąąąąąąąąąąąąąąąąąąąąąąąąąąąąąąą' is not hexadecimal."),
    ("hash huge number", "The action input is invalid: /hash:"),
    ("file bad base64", "Invalid input 'file.content': the content is not base64: it holds '@', which base64 never does (it uses A-Z, a-z, 0-9, '+' and '/', and '=' at the end); give the file's bytes encoded in base64."),
    ("file name number", "The action input is invalid: /file/filename:"),
    ("file content array", "The action input is invalid: /file/content:"),
    ("confidence enormous", "The action input is invalid: /indicator_settings/confidence:"),
    ("confidence string", "Invalid input 'indicator_settings.confidence': 'fifty' is not a whole number from 0 to 100."),
    ("trusted circle fraction", "The action input is invalid: /indicator_settings/trustedcircles/0:"),
    ("notes string", "The action input is invalid: /indicator_settings/notes:"),
    ("expiration number", "The action input is invalid: /indicator_settings/expiration_ts:"),
    ("settings array", "The action input is invalid: /indicator_settings:"),
];

#[test]
fn every_hostile_message_gets_a_clear_error_and_no_request() {
    let sim = simulator();
    let cases: Vec<_> = raw_cases()
        .into_iter()
        .chain(connection_cases(&sim))
        .chain(input_cases(&sim))
        .collect();
    let names: Vec<&str> = cases.iter().map(|(name, _)| *name).collect();
    let expected: Vec<&str> = EXPECTED_CAUSES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected, "every case has its expected cause, in order");
    for ((name, stdin), (_, cause)) in cases.into_iter().zip(EXPECTED_CAUSES) {
        let run = Invocation::run("lookup_ip").stdin_raw(stdin).errs();
        let exception = run
            .event()
            .body
            .exception
            .unwrap_or_else(|| run.fail(&format!("{name}: no exception")));
        if !exception.cause.contains(cause) {
            run.fail(&format!("{name}: the cause should say {cause:?}"));
        }
        if exception.assistance.trim().is_empty() {
            run.fail(&format!("{name}: the error must say what to do"));
        }
        if run.stdout.len() > MAX_ERROR_ENVELOPE || run.stdout.lines().count() != 1 {
            run.fail(&format!(
                "{name}: one short envelope line expected, got {} bytes",
                run.stdout.len()
            ));
        }
        if run.stderr.contains("panic") {
            run.fail(&format!("{name}: panicked"));
        }
        // A user's text is quoted escaped everywhere: a raw ESC or NUL would act on a terminal.
        let raw = |text: &str| text.contains(['\u{1b}', '\0']);
        if raw(&run.stderr) || raw(&exception.cause) || raw(&run.event().body.log) {
            run.fail(&format!("{name}: a control character was repeated raw"));
        }
    }
    assert!(
        sim.requests().is_empty(),
        "hostile input reached the simulator: {:?}",
        sim.requests()
    );
}

#[test]
fn a_gigabyte_answer_is_refused_without_reading_it_all() {
    let sim = simulator();
    sim.push_fault(Fault::HugeBody { bytes: 1 << 30 });
    let run = Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .fails(Preset::InvalidJson);
    let data = run.exception().data;
    assert!(data.contains("larger than"), "{data}");
}

#[test]
fn invalid_utf8_in_an_answer_is_invalid_json() {
    let sim = simulator();
    sim.push_fault(Fault::InvalidUtf8);
    Invocation::run("lookup_ip")
        .input(json!({"ip_address": "198.51.100.23"}))
        .against(&sim)
        .fails(Preset::InvalidJson);
}

#[test]
fn a_start_message_over_the_limit_is_refused_as_too_large() {
    let run = Invocation::run("lookup_ip")
        .stdin_raw(vec![b' '; 128 * 1024 * 1024 + 1])
        .errs();
    assert_eq!(
        run.exception().cause,
        "The start message is larger than 134217728 bytes."
    );
    assert_eq!(run.event().kind, None);
}
