//! Threat context: threat models ([`threat_models`], the seed catalogue;
//! [`model_book`], each simulator's models as state; their reads in
//! [`model_routes`], writes in [`model_writes`] with the fields of
//! [`model_fields`], links in [`associations`], the cross-type search in
//! [`model_search`]) and the enrichment look-ups (passive DNS, WHOIS,
//! insights, references: [`enrichment`]) and the intel
//! details (confidence trend, third-party classifications: [`intel_details`]).

pub(crate) mod associations;
pub(crate) mod enrichment;
pub(crate) mod intel_details;
pub(crate) mod model_book;
pub(crate) mod model_fields;
pub(crate) mod model_routes;
pub(crate) mod model_search;
pub(crate) mod model_writes;
pub(crate) mod threat_models;
