//! ThreatStream's sandbox: submissions and their life cycle
//! ([`detonations`]), the forms it accepts ([`submit`]) and the reports it
//! writes ([`report`]).

pub(crate) mod detonations;
pub(crate) mod report;
pub(crate) mod submit;
