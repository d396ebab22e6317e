//! An observable's threat context, as the plugin's `context` actions gather
//! it: threat models ([`threat_models`], their routes in [`model_routes`],
//! the cross-type search in [`model_search`]) and the enrichment look-ups
//! (passive DNS, WHOIS, insights, references: [`enrichment`]).

pub(crate) mod enrichment;
pub(crate) mod model_routes;
pub(crate) mod model_search;
pub(crate) mod threat_models;
