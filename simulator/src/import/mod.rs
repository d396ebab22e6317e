//! Imports and their review, as the plugin's `import` and `sessions`
//! actions use them: import without approval ([`direct`]), import with
//! approval ([`approval`]) or by cloning an observable ([`clone`]), which
//! make an import session ([`session`]), and the routes that list, read,
//! approve and reject sessions ([`review`]), change their classification
//! ([`reclassify`]) and list the lines they left out ([`rejects`]).

pub(crate) mod approval;
pub(crate) mod clone;
pub(crate) mod direct;
pub(crate) mod reclassify;
pub(crate) mod rejects;
pub(crate) mod review;
pub(crate) mod session;
