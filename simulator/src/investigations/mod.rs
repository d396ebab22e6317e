//! Investigations: an analyst's case in ThreatStream, holding observables
//! and threat models as its elements. The state is in [`book`], the routes
//! (`/api/v1/investigation/` and `/api/v1/investigationelement/`) in
//! [`routes`].

pub(crate) mod book;
pub(crate) mod routes;
