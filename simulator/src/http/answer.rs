//! What every handler answers: a response, or a refusal before anything
//! changed. Kept apart from the router and from any handler so that
//! handlers depend on it, and the router on the handlers' tables, never the
//! other way round: a handler never imports the router that calls it.

use serde_json::Value;

use crate::http::request::RecordedRequest;
use crate::http::response::{self, Response};

/// A handler's answer: `Err` holds the refusal (400, 403, 404, ...).
pub(crate) type Answer = Result<Response, Refused>;

/// A request refused before anything changed: its status, and the text of
/// ThreatStream's error body `{"message": "..."}`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl Refused {
    pub(crate) fn new(status: u16, message: &str) -> Refused {
        Refused {
            status,
            message: message.to_owned(),
        }
    }

    /// A 400 with this message.
    pub(crate) fn bad(message: &str) -> Refused {
        Refused::new(400, message)
    }

    /// The 404 of a route on one observable whose id is unknown.
    pub(crate) fn no_observable(id: u64) -> Refused {
        Refused::new(404, &format!("No observable with id {id}."))
    }

    /// The 404 ThreatStream gives for a path it has no object at.
    pub(crate) fn not_found(path: &str) -> Refused {
        Refused::new(404, &format!("Not found: {path}"))
    }

    pub(crate) fn into_response(self) -> Response {
        response::message(self.status, &self.message)
    }
}

/// The request body as JSON, or a 400 saying why not.
pub(crate) fn json_body(request: &RecordedRequest) -> Result<Value, Refused> {
    serde_json::from_slice(&request.body)
        .map_err(|error| Refused::new(400, &format!("The body is not valid JSON: {error}")))
}

/// Plain digits only: `+42`, `4 2` or an empty segment are not ids.
pub(crate) fn number(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

/// An id as clients send ids: a number, or its digits as text.
pub(crate) fn id_of(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(number))
}

/// `[1, "2"]` as ids: clients send both.
pub(crate) fn ids_of(value: &Value) -> Result<Vec<u64>, Refused> {
    let refuse = || Refused::new(400, "'ids' must be a non-empty list of observable ids.");
    let items = value.as_array().filter(|items| !items.is_empty()).ok_or_else(refuse)?;
    items.iter().map(|item| id_of(item).ok_or_else(refuse)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_accept_numbers_and_numeric_strings_only() {
        assert_eq!(ids_of(&json!([1, "2"])).ok(), Some(vec![1, 2]));
        assert!(ids_of(&json!([])).is_err());
        assert!(ids_of(&json!(["x"])).is_err());
        assert!(ids_of(&json!(null)).is_err());
    }

    #[test]
    fn numbers_are_plain_digits() {
        assert_eq!(number("42"), Some(42));
        for text in ["", "+42", "4 2", "-1", "x"] {
            assert_eq!(number(text), None, "{text}");
        }
    }
}
