//! [`crate::Simulator`]'s and [`crate::SimulatorBuilder`]'s methods beyond
//! the core in `lib.rs`, by capability: records, the feed, permissions and
//! import sessions ([`records`]); latency, fault rules, the sandbox and
//! holds ([`conditions`]); rules and the allowlist ([`admin`]); threat models
//! and investigations ([`models`]). The control routes do the same for
//! scripts. Nothing imports these files: they only add methods, so the types
//! they touch never depend back on the crate root.

mod admin;
mod conditions;
mod models;
mod records;
