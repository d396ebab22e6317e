//! Imports and their review, as the plugin's `import` and `sessions`
//! actions use them: import without approval ([`direct`]), import with
//! approval ([`approval`]), which makes an import session ([`session`]), and
//! the routes that list, read, approve and reject sessions ([`review`]).

pub(crate) mod approval;
pub(crate) mod direct;
pub(crate) mod review;
pub(crate) mod session;
