//! Managing one observable, as the plugin's `manage` actions do: get and
//! update it by id, tag and untag it (in bulk or one at a time), comment on
//! it, and report it as a false positive.

pub(crate) mod comments;
pub(crate) mod detail;
pub(crate) mod false_positive;
pub(crate) mod tags;
