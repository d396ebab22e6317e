//! Managing one observable, as the plugin's `manage` actions do: get and
//! update it by id, tag and untag it (in bulk or one at a time), and comment
//! on it.

pub(crate) mod comments;
pub(crate) mod detail;
pub(crate) mod tags;
