//! The API routes that change or read single records and import sessions:
//! import without approval, get/update one observable, tags, comments, and
//! the import-session list, approval and rejection.
//!
//! They resolve here rather than in `routes.rs` so that file only needs one
//! hook. Like every API route they come after the request is recorded and
//! after its fault; here they meet method, then authentication, then the
//! handler. On paths the older routes own too (`/api/v2/intelligence/`,
//! `/api/v1/importsession/<id>/`) only the methods handled here resolve, so
//! the others still reach those routes and their 405s.

use serde_json::Value;

use crate::request::RecordedRequest;
use crate::response::{self, Response};
use crate::routes;
use crate::state::State;
use crate::{comments, direct_import, observable_detail, session_routes, tags};

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

    /// The 404 of a route on one observable whose id is unknown.
    pub(crate) fn no_observable(id: u64) -> Refused {
        Refused::new(404, &format!("No observable with id {id}."))
    }

    pub(crate) fn into_response(self) -> Response {
        response::message(self.status, &self.message)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RecordRoute {
    /// `PATCH /api/v{1,2}/intelligence/`
    DirectImport,
    /// `GET`, `PATCH /api/v2/intelligence/<id>/`
    Observable(u64),
    /// `POST /api/v2/intelligence/bulk_tagging/`
    BulkTagging,
    /// `PATCH /api/v2/intelligence/bulk_remove_tags/`
    BulkRemoveTags,
    /// `POST /api/v1/intelligence/<id>/tag/`
    AddTag(u64),
    /// `DELETE /api/v1/intelligence/<id>/tag/<tag_id>/`
    RemoveTag(u64, String),
    /// `GET`, `POST /api/v2/intelligence/comments/?value=`
    Comments,
    /// `GET /api/v1/importsession/`
    SessionList,
    /// `PATCH /api/v1/importsession/<id>/approve_all/`
    ApproveSession(u64),
    /// `DELETE /api/v1/importsession/<id>/`
    RejectSession(u64),
}

impl RecordRoute {
    pub(crate) fn resolve(method: &str, path: &str) -> Option<RecordRoute> {
        let parts = segments(path)?;
        match (method, parts.as_slice()) {
            ("PATCH", ["api", "v1" | "v2", "intelligence"]) => Some(RecordRoute::DirectImport),
            ("DELETE", ["api", "v1", "importsession", id]) => number(id).map(RecordRoute::RejectSession),
            (_, ["api", "v2", "intelligence", "bulk_tagging"]) => Some(RecordRoute::BulkTagging),
            (_, ["api", "v2", "intelligence", "bulk_remove_tags"]) => Some(RecordRoute::BulkRemoveTags),
            (_, ["api", "v2", "intelligence", "comments"]) => Some(RecordRoute::Comments),
            (_, ["api", "v2", "intelligence", id]) => number(id).map(RecordRoute::Observable),
            (_, ["api", "v1", "intelligence", id, "tag"]) => number(id).map(RecordRoute::AddTag),
            (_, ["api", "v1", "intelligence", id, "tag", tag]) => {
                let tag_ok = tag.bytes().all(|b| b.is_ascii_alphanumeric());
                number(id)
                    .filter(|_| tag_ok)
                    .map(|id| RecordRoute::RemoveTag(id, (*tag).to_owned()))
            }
            (_, ["api", "v1", "importsession"]) => Some(RecordRoute::SessionList),
            (_, ["api", "v1", "importsession", id, "approve_all"]) => number(id).map(RecordRoute::ApproveSession),
            _ => None,
        }
    }

    fn methods(&self) -> &'static [&'static str] {
        match self {
            RecordRoute::DirectImport | RecordRoute::BulkRemoveTags | RecordRoute::ApproveSession(_) => &["PATCH"],
            RecordRoute::Observable(_) => &["GET", "PATCH"],
            RecordRoute::BulkTagging | RecordRoute::AddTag(_) => &["POST"],
            RecordRoute::RemoveTag(..) | RecordRoute::RejectSession(_) => &["DELETE"],
            RecordRoute::Comments => &["GET", "POST"],
            RecordRoute::SessionList => &["GET"],
        }
    }
}

/// Method, authentication, then the handler.
pub(crate) fn serve(state: &State, request: &RecordedRequest, route: RecordRoute) -> Response {
    if !route.methods().contains(&request.method.as_str()) {
        let text = format!("Method {} not allowed on {}", request.method, request.path);
        return response::message(405, &text);
    }
    if !routes::authenticated(state, request) {
        return response::message(401, routes::AUTH_FAILED);
    }
    dispatch(state, request, route).unwrap_or_else(Refused::into_response)
}

fn dispatch(state: &State, request: &RecordedRequest, route: RecordRoute) -> Answer {
    let get = request.method == "GET";
    match route {
        RecordRoute::DirectImport => direct_import::import(state, request),
        RecordRoute::Observable(id) if get => observable_detail::get(state, request, id),
        RecordRoute::Observable(id) => observable_detail::update(state, request, id),
        RecordRoute::BulkTagging => tags::bulk_tag(state, request),
        RecordRoute::BulkRemoveTags => tags::bulk_remove(state, request),
        RecordRoute::AddTag(id) => tags::add(state, request, id),
        RecordRoute::RemoveTag(id, tag) => tags::remove(state, id, &tag),
        RecordRoute::Comments if get => comments::list(state, request),
        RecordRoute::Comments => comments::add(state, request),
        RecordRoute::SessionList => session_routes::list(state, request),
        RecordRoute::ApproveSession(id) => session_routes::approve(state, id),
        RecordRoute::RejectSession(id) => session_routes::reject(state, id),
    }
}

/// `/a/b/c/` as `[a, b, c]`; paths without both slashes are not ThreatStream's.
fn segments(path: &str) -> Option<Vec<&str>> {
    let inner = path.strip_prefix('/')?.strip_suffix('/')?;
    let parts: Vec<&str> = inner.split('/').collect();
    parts.iter().all(|part| !part.is_empty()).then_some(parts)
}

/// Plain digits only: `+42` or `4 2` are not ids.
fn number(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

/// The request body as JSON, or a 400 saying why not.
pub(crate) fn json_body(request: &RecordedRequest) -> Result<Value, Refused> {
    serde_json::from_slice(&request.body)
        .map_err(|error| Refused::new(400, &format!("The body is not valid JSON: {error}")))
}

/// `[1, "2"]` as ids: clients send both.
pub(crate) fn ids_of(value: &Value) -> Result<Vec<u64>, Refused> {
    let refuse = || Refused::new(400, "'ids' must be a non-empty list of observable ids.");
    let items = value.as_array().filter(|items| !items.is_empty()).ok_or_else(refuse)?;
    items
        .iter()
        .map(|item| {
            item.as_u64()
                .or_else(|| item.as_str().and_then(number))
                .ok_or_else(refuse)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_only_exact_paths_and_shared_paths_only_for_own_methods() {
        let resolve = RecordRoute::resolve;
        assert_eq!(
            resolve("PATCH", "/api/v2/intelligence/"),
            Some(RecordRoute::DirectImport)
        );
        assert_eq!(resolve("GET", "/api/v2/intelligence/"), None, "search keeps GET");
        assert_eq!(
            resolve("GET", "/api/v1/importsession/7/"),
            None,
            "the detail route keeps GET"
        );
        assert_eq!(
            resolve("DELETE", "/api/v1/importsession/7/"),
            Some(RecordRoute::RejectSession(7))
        );
        assert_eq!(
            resolve("GET", "/api/v2/intelligence/42/"),
            Some(RecordRoute::Observable(42))
        );
        assert_eq!(
            resolve("GET", "/api/v2/intelligence/import/"),
            None,
            "import is not an id"
        );
        assert_eq!(resolve("GET", "/api/v2/intelligence/42"), None);
        assert_eq!(resolve("GET", "/api/v2/intelligence/+42/"), None);
        assert_eq!(
            resolve("DELETE", "/api/v1/intelligence/5/tag/kq8/"),
            Some(RecordRoute::RemoveTag(5, "kq8".to_owned()))
        );
        assert_eq!(resolve("DELETE", "/api/v1/intelligence/5/tag/k%20q/"), None);
        assert_eq!(
            resolve("PATCH", "/api/v1/importsession/9/approve_all/"),
            Some(RecordRoute::ApproveSession(9))
        );
        assert_eq!(resolve("GET", "//api/v1/importsession/"), None);
    }

    #[test]
    fn ids_accept_numbers_and_numeric_strings_only() {
        assert_eq!(ids_of(&json!([1, "2"])).ok(), Some(vec![1, 2]));
        assert!(ids_of(&json!([])).is_err());
        assert!(ids_of(&json!(["x"])).is_err());
        assert!(ids_of(&json!(null)).is_err());
    }
}
