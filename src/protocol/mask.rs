//! Secret masking of server-mode answers, as the runtime does it (protocol reference §2.5).
//!
//! In `http` mode the runtime collects every string under a key named `secretKey`, `password`, `token`
//! or `key` anywhere in the request's connection, and replaces it with `********` wherever it shows up
//! in the answering envelope: output, log, error and exception alike. The CLI never masks, and neither
//! does the connection-test route; `server` decides where this applies.
//!
//! The runtime matches fuzzily (80% of the characters, in order). We replace exact substrings only:
//! the plugin never reformats a secret it echoes, and a fuzzy match would also mask unrelated text
//! that happens to resemble a key. Like the runtime, a secret of any length counts, one character
//! included, so a one-letter key masks every occurrence of that letter.

use serde_json::Value;

/// The connection keys whose string values are secrets (the credential types' secret fields).
const SECRET_KEYS: [&str; 4] = ["secretKey", "password", "token", "key"];

/// What the runtime prints in place of a secret: eight asterisks, whatever the secret's length.
const MASK: &str = "********";

/// The secrets of one request's connection.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    /// Longest first, so a secret that contains another is masked whole rather than in part.
    values: Vec<String>,
}

impl Secrets {
    /// Collects the secrets of `connection`, as the orchestrator sent it (before any upgrade).
    pub(crate) fn of(connection: &Value) -> Secrets {
        let mut values = Vec::new();
        collect(connection, &mut values);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Secrets { values }
    }

    /// Replaces every secret in every string of `answer` with the mask. Object keys are left alone:
    /// they are the plugin's own field names.
    /// Whether any secret could be in `encoded`, an answer as JSON text: masking walks every string of
    /// the answer as a `Value`, so an answer that holds no secret (nearly all of them) skips it.
    pub(crate) fn may_appear_in(&self, encoded: &[u8]) -> bool {
        self.values.iter().any(|secret| {
            let escaped = serde_json::to_string(secret).unwrap_or_default();
            let escaped = escaped.get(1..escaped.len().saturating_sub(1)).unwrap_or(secret);
            memchr::memmem::find(encoded, escaped.as_bytes()).is_some()
                || memchr::memmem::find(encoded, secret.as_bytes()).is_some()
        })
    }

    pub(crate) fn mask(&self, answer: &mut Value) {
        if self.values.is_empty() {
            return;
        }
        match answer {
            Value::String(text) => self.mask_text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.mask(item)),
            Value::Object(fields) => fields.values_mut().for_each(|field| self.mask(field)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn mask_text(&self, text: &mut String) {
        for secret in &self.values {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), MASK);
            }
        }
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
    #[test]
    fn the_quick_check_finds_secrets_raw_and_escaped() {
        let secrets = super::Secrets::of(&serde_json::json!({"api_key": {"secretKey": "a\"b"}, "token": "t0k"}));
        assert!(secrets.may_appear_in(br#"{"log":"x a\"b y"}"#));
        assert!(secrets.may_appear_in(b"...t0k..."));
        assert!(!secrets.may_appear_in(br#"{"log":"clean"}"#));
    }

    use super::*;
    use serde_json::json;

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
        assert_eq!(Secrets::of(&connection).values, ["hunter2", "s3cr3t", "k-123", "tok-1"]);
    }

    #[test]
    fn secrets_are_masked_in_every_string_but_not_in_keys() {
        let secrets = Secrets::of(&json!({"api_key": {"secretKey": "s3cr3t"}}));
        let mut answer = json!({
            "body": {"log": "hi s3cr3t s3cr3t\n", "meta": {"s3cr3t": ["x-s3cr3t-y", 7, null]}},
        });
        secrets.mask(&mut answer);
        assert_eq!(
            answer,
            json!({"body": {"log": "hi ******** ********\n", "meta": {"s3cr3t": ["x-********-y", 7, null]}}})
        );
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let secrets = Secrets::of(&json!({"a": {"token": "abc"}, "b": {"password": "abcdef"}}));
        let mut answer = json!("abcdef and abc");
        secrets.mask(&mut answer);
        assert_eq!(answer, json!("******** and ********"));
    }

    #[test]
    fn a_one_letter_secret_masks_every_occurrence_as_the_runtime_does() {
        let secrets = Secrets::of(&json!({"key": "g"}));
        let mut answer = json!("egg");
        secrets.mask(&mut answer);
        assert_eq!(answer, json!("e****************"));
    }

    #[test]
    fn no_secrets_leaves_the_answer_alone() {
        let mut answer = json!({"log": "text"});
        Secrets::of(&json!({})).mask(&mut answer);
        assert_eq!(answer, json!({"log": "text"}));
    }
}
