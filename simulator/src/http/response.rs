//! Building answers: one body type for every route, so a fault's streamed
//! body and an ordinary JSON page can come out of the same service.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::StatusCode;
use serde_json::{json, Value};

pub(crate) type Body = BoxBody<Bytes, Infallible>;
pub(crate) type Response = hyper::Response<Body>;

pub(crate) const JSON: &str = "application/json";
pub(crate) const HTML: &str = "text/html; charset=utf-8";

/// Any status a fault names; one hyper cannot express becomes a 500 rather
/// than a panic in the server.
pub(crate) fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub(crate) fn with_body(code: u16, content_type: &'static str, body: Body) -> Response {
    let mut response = hyper::Response::new(body);
    *response.status_mut() = status(code);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn bytes(code: u16, content_type: &'static str, bytes: impl Into<Bytes>) -> Response {
    with_body(code, content_type, Full::new(bytes.into()).boxed())
}

pub(crate) fn json(code: u16, value: &Value) -> Response {
    bytes(code, JSON, value.to_string())
}

/// ThreatStream's usual error body, `{"message": "..."}`.
pub(crate) fn message(code: u16, text: &str) -> Response {
    json(code, &json!({ "message": text }))
}

pub(crate) fn no_content() -> Response {
    let mut response = hyper::Response::new(Full::new(Bytes::new()).boxed());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
