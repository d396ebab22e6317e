//! ThreatStream's sandbox: submissions and their life cycle
//! ([`detonations`]), the platforms it offers ([`platforms`]), the forms it
//! accepts ([`submit`]), the reports it writes ([`report`]) and their
//! packet captures ([`pcap`]).

pub(crate) mod detonations;
pub(crate) mod pcap;
pub(crate) mod platforms;
pub(crate) mod report;
pub(crate) mod submit;
