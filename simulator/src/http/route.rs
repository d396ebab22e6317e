//! What a line of a route table is written with: the [`Call`] a handler
//! reads, the [`Handler`] a line gives, [`to`] and [`with`] to make one, and
//! the parsers of a path's parameters ([`crate::http::answer::number`] for
//! ids is beside the answers, which read ids in bodies too).
//!
//! Every file with handlers declares its own routes (`fn routes`, a `match`
//! at the top of the file) and imports this kit, while the router
//! (`routes.rs`) imports those tables: a handler's file never imports the
//! router, so no import cycle runs back through it (`tests/layout.rs`).

use std::sync::Arc;

use crate::http::answer::Answer;
use crate::http::request::RecordedRequest;
use crate::state::State;
use crate::tenant::Tenant;

/// What a handler may read: the simulator's state, its tenant (sandbox,
/// latency, fault rules) and the request.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a Arc<State>,
    pub(crate) tenant: &'a Tenant,
    pub(crate) request: &'a RecordedRequest,
}

/// A route's handler, its path's parameters already bound.
pub(crate) type Handler = Box<dyn FnOnce(&Call<'_>) -> Answer + Send>;

/// One file's table of routes: the handler for a method and a path's
/// segments, or `None` when none of the file's lines is for them.
pub(crate) type Table = fn(&str, &[&str]) -> Option<Handler>;

/// A line's handler that needs nothing from the path.
pub(crate) fn to(handler: impl FnOnce(&Call<'_>) -> Answer + Send + 'static) -> Option<Handler> {
    Some(Box::new(handler))
}

/// A handler that needs what the path held, parsed.
pub(crate) fn with<P: Send + 'static>(
    params: P,
    handler: impl FnOnce(&Call<'_>, P) -> Answer + Send + 'static,
) -> Option<Handler> {
    Some(Box::new(move |call| handler(call, params)))
}

/// A lower-case word in a path, such as the type a model is linked to.
pub(crate) fn word(segment: &str) -> Option<String> {
    let valid = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    valid.then(|| segment.to_owned())
}

/// A tag's id in a path: letters and digits only.
pub(crate) fn tag_id(segment: &str) -> Option<String> {
    let valid = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then(|| segment.to_owned())
}

/// The observable at the end of a path, percent-decoded. Every segment up
/// to the final `/` counts, so a URL sent with its slashes unescaped still
/// arrives whole.
pub(crate) fn observable(rest: &[&str]) -> Option<String> {
    let raw = rest.join("/");
    let decoded = percent_encoding::percent_decode_str(&raw).decode_utf8_lossy();
    (!raw.is_empty()).then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn words_and_tag_ids_are_plain() {
        assert_eq!(word("bulk_add").as_deref(), Some("bulk_add"));
        for text in ["", "Actor", "7", "a-b"] {
            assert_eq!(word(text), None, "{text}");
        }
        assert_eq!(tag_id("kq8").as_deref(), Some("kq8"));
        for text in ["", "k q", "k%20q", "k_q"] {
            assert_eq!(tag_id(text), None, "{text}");
        }
    }
}
