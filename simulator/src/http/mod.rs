//! The wire, shared by every capability: the server's thread and sockets,
//! TLS, a request as recorded, answers and refusals, HTML forms and
//! ThreatStream's offset paging, and what a route's line is written with.
//! Nothing here knows a route.

pub(crate) mod answer;
pub(crate) mod form;
pub(crate) mod paging;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod route;
pub(crate) mod server;
pub(crate) mod tls;
