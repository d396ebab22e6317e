//! The `/__simulator/` control routes, for scripts that steer the simulator
//! the way a Rust test uses its methods (`methods/`): the request log and
//! faults ([`requests`]), latency and the sandbox's settings ([`settings`]),
//! holding work in `processing` ([`hold`]), records, permissions and the
//! import delay ([`records`]), and the live feed they can start ([`feed`]).
//! They need no credentials and are never recorded.

pub(crate) mod feed;
pub(crate) mod hold;
pub(crate) mod records;
pub(crate) mod requests;
pub(crate) mod settings;
