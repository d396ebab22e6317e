//! The one masking step between a step and every place its words go (protocol reference §2.5).
//!
//! A connection's secrets (every string under a key named `secretKey`, `password`, `token` or `key`,
//! at any depth) are replaced with `********` in everything a step writes: its log lines on stderr and
//! in `body.log` (`log`), the event `run` prints and `http` mode answers (`step::finish`), and each
//! event a trigger delivers (`trigger`). A ThreatStream that echoes the API key in an answer, a record
//! planted with the key in a field, a proxy that quotes the Authorization header: all pass through
//! here before anyone sees them. The runtime masks only `http` mode's action routes; the key never
//! appearing anywhere is our rule, so the CLI, the task route and the connection test mask too.
//!
//! The runtime matches fuzzily (80% of the characters, in order). We replace exact substrings only:
//! the plugin never reformats a secret it echoes, and a fuzzy match would also mask unrelated text
//! that happens to resemble a key. A secret of any length counts, one character included.
//!
//! Outputs stay JSON text from the action to stdout (a lookup's can be tens of megabytes), so they are
//! masked as text: one `memmem` pass per secret finds that nearly all of them hold none and leaves
//! them untouched; only a text that holds one is rewritten (`rewrite`).

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The connection keys whose string values are secrets (the credential types' secret fields).
const SECRET_KEYS: [&str; 4] = ["secretKey", "password", "token", "key"];

/// What the runtime prints in place of a secret: eight asterisks, whatever the secret's length.
pub(crate) const MASK: &str = "********";

/// The secrets of one start message's connection.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    /// Longest first, so a secret that contains another is masked whole rather than in part.
    values: Vec<Secret>,
}

#[derive(Debug)]
struct Secret {
    text: String,
    /// As it appears inside a JSON string: serde_json escapes `"`, `\` and control characters, and
    /// every JSON text the plugin writes is serde_json's.
    escaped: String,
}

impl Secrets {
    /// Collects the secrets of `connection`, as the orchestrator sent it (before any upgrade).
    pub(crate) fn of(connection: &Value) -> Secrets {
        let mut texts = Vec::new();
        collect(connection, &mut texts);
        texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        texts.dedup();
        let values = texts
            .into_iter()
            .map(|text| {
                let quoted = serde_json::to_string(&text).unwrap_or_default();
                let escaped = quoted
                    .get(1..quoted.len().saturating_sub(1))
                    .unwrap_or(&text)
                    .to_owned();
                Secret { text, escaped }
            })
            .collect();
        Secrets { values }
    }

    /// Plain text (a log line, an error sentence) with every secret masked.
    pub(crate) fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut masked = Cow::Borrowed(text);
        for secret in &self.values {
            if masked.contains(secret.text.as_str()) {
                masked = Cow::Owned(masked.replace(secret.text.as_str(), MASK));
            }
        }
        masked
    }

    /// Masks every string of `value`, object keys included: records pass through with whatever
    /// fields ThreatStream gave them, so a key can be a secret as well as a value.
    pub(crate) fn value(&self, value: &mut Value) {
        if self.values.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Cow::Owned(masked) = self.text(text) {
                    *text = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(fields) => {
                if fields.keys().any(|key| self.in_text(key)) {
                    let masked: Map<String, Value> = std::mem::take(fields)
                        .into_iter()
                        .map(|(key, field)| (self.text(&key).into_owned(), field))
                        .collect();
                    *fields = masked;
                }
                fields.values_mut().for_each(|field| self.value(field));
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// JSON text (serde_json's) with every secret inside its strings masked; the text itself when it
    /// holds none, which one search per secret finds without copying anything.
    pub(crate) fn json<'t>(&self, json: &'t str) -> Cow<'t, str> {
        let found = self
            .values
            .iter()
            .any(|secret| memchr::memmem::find(json.as_bytes(), secret.escaped.as_bytes()).is_some());
        if found {
            Cow::Owned(self.rewrite(json))
        } else {
            Cow::Borrowed(json)
        }
    }

    fn in_text(&self, text: &str) -> bool {
        self.values.iter().any(|secret| text.contains(secret.text.as_str()))
    }

    /// Copies `json`, masking each secret where it starts at a character of a string (never inside an
    /// escape sequence, where a secret's text could match the `n` of `\n`). Escaped text is made of
    /// whole escapes and characters, so a match that starts on one ends on one.
    fn rewrite(&self, json: &str) -> String {
        let bytes = json.as_bytes();
        let mut masked = String::with_capacity(json.len());
        let (mut at, mut copied, mut in_string) = (0, 0, false);
        while at < bytes.len() {
            let byte = bytes[at];
            if !in_string {
                in_string = byte == b'"';
                at += 1;
                continue;
            }
            if let Some(secret) = self
                .values
                .iter()
                .find(|secret| bytes[at..].starts_with(secret.escaped.as_bytes()))
            {
                masked.push_str(&json[copied..at]);
                masked.push_str(MASK);
                at += secret.escaped.len();
                copied = at;
                continue;
            }
            at += match byte {
                b'\\' if bytes.get(at + 1) == Some(&b'u') => 6,
                b'\\' => 2,
                b'"' => {
                    in_string = false;
                    1
                }
                _ => 1,
            };
        }
        masked.push_str(&json[copied.min(json.len())..]);
        masked
    }
}

fn collect(value: &Value, secrets: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                match field {
                    Value::String(secret) if SECRET_KEYS.contains(&name.as_str()) && !secret.is_empty() => {
                        secrets.push(secret.clone());
                    }
                    other => collect(other, secrets),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, secrets)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(secrets: &Secrets) -> Vec<&str> {
        secrets.values.iter().map(|secret| secret.text.as_str()).collect()
    }

    #[test]
    fn every_secret_key_at_any_depth_is_collected() {
        let connection = json!({
            "api_key": {"secretKey": "s3cr3t"},
            "login": {"username": "analyst", "password": "hunter2"},
            "tokens": [{"token": "tok-1", "domain": "example.com"}],
            "key": "k-123",
            "privateKey": "not one of the four",
            "secretKey": 42,
        });
        assert_eq!(
            texts(&Secrets::of(&connection)),
            ["hunter2", "s3cr3t", "k-123", "tok-1"]
        );
    }

    #[test]
    fn secrets_are_masked_in_every_string_and_key() {
        let secrets = Secrets::of(&json!({"api_key": {"secretKey": "s3cr3t"}}));
        let mut answer = json!({
            "body": {"log": "hi s3cr3t s3cr3t\n", "meta": {"s3cr3t": ["x-s3cr3t-y", 7, null], "b": 1}},
        });
        secrets.value(&mut answer);
        assert_eq!(
            answer,
            json!({"body": {"log": "hi ******** ********\n", "meta": {"********": ["x-********-y", 7, null], "b": 1}}})
        );
        assert_eq!(secrets.text("a s3cr3t"), "a ********");
        assert!(matches!(secrets.text("clean"), Cow::Borrowed("clean")));
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let secrets = Secrets::of(&json!({"a": {"token": "abc"}, "b": {"password": "abcdef"}}));
        let mut answer = json!("abcdef and abc");
        secrets.value(&mut answer);
        assert_eq!(answer, json!("******** and ********"));
    }

    #[test]
    fn a_one_letter_secret_masks_every_occurrence_as_the_runtime_does() {
        let secrets = Secrets::of(&json!({"key": "g"}));
        let mut answer = json!("egg");
        secrets.value(&mut answer);
        assert_eq!(answer, json!("e****************"));
    }

    #[test]
    fn no_secrets_leaves_the_answer_alone() {
        let mut answer = json!({"log": "text"});
        Secrets::of(&json!({})).value(&mut answer);
        assert_eq!(answer, json!({"log": "text"}));
        assert!(matches!(Secrets::default().json("{\"a\":1}"), Cow::Borrowed(_)));
    }

    /// JSON text is masked exactly as its parsed value would be, escapes and all, and stays JSON.
    #[test]
    fn json_text_is_masked_like_its_value() {
        let cases = [
            (
                "k3y",
                json!({"a": "k3y", "k3y-field": ["x k3y y", {"n": 1, "s": "no"}], "b": "\\k3y\n"}),
            ),
            ("n", json!({"line": "one\ntwo", "u": "\u{1}n"})),
            ("a\"b\\c", json!({"q": "x a\"b\\c y", "other": "a\"b"})),
            ("tab\there", json!(["tab\there", "tab\\there"])),
            ("é€", json!({"é€": "aé€b"})),
        ];
        for (secret, value) in cases {
            let secrets = Secrets::of(&json!({"api_key": {"secretKey": secret}}));
            let text = serde_json::to_string(&value).unwrap();
            let masked = secrets.json(&text);
            let mut expected = value.clone();
            secrets.value(&mut expected);
            let parsed: Value = serde_json::from_str(&masked).unwrap_or_else(|error| panic!("{masked}: {error}"));
            assert_eq!(parsed, expected, "{secret:?} in {text}");
            assert!(!masked.contains(secret) || secret == "n", "{masked}");
        }
    }

    #[test]
    fn json_text_without_a_secret_is_not_copied() {
        let secrets = Secrets::of(&json!({"api_key": {"secretKey": "k3y"}}));
        assert!(matches!(secrets.json("{\"a\":\"k3\"}"), Cow::Borrowed(_)));
        assert_eq!(
            secrets.json("[\"k3y\",\"k3yk3y\"]"),
            "[\"********\",\"****************\"]"
        );
    }
}
