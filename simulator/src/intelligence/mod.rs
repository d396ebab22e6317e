//! Intelligence records: how they are made ([`observable_record`], record
//! specs, seeds, synthetic bench data), stored and indexed ([`store`],
//! [`record_key`]), and searched over v2 and the legacy v1
//! ([`search`], [`filters`], [`query_language`], [`v1_shape`]). The routes that
//! change one record are in `manage/`, imports in `import/`.

pub(crate) mod filters;
pub(crate) mod observable_record;
pub(crate) mod observables;
pub(crate) mod query_language;
pub(crate) mod record_key;
pub(crate) mod record_spec;
pub(crate) mod search;
pub(crate) mod search_after;
pub(crate) mod seed;
pub(crate) mod store;
pub(crate) mod synthetic;
pub(crate) mod v1_shape;
pub mod verdict_seed;
