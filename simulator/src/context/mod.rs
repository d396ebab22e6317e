//! An observable's threat context, as the plugin's `context` actions gather
//! it: threat models ([`threat_models`], their routes in [`model_routes`],
//! the cross-type search in [`model_search`]), the enrichment look-ups
//! (passive DNS, WHOIS, insights, references: [`enrichment`]) and the intel
//! details (confidence trend, third-party classifications: [`intel_details`]).

pub(crate) mod enrichment;
pub(crate) mod intel_details;
pub(crate) mod model_routes;
pub(crate) mod model_search;
pub(crate) mod threat_models;
