//! Leaf helpers with no knowledge of registries: uids, keys, secret redaction, progress
//! reporting and failpoints for crash tests.

pub(crate) mod failpoint;
pub mod key;
pub mod progress;
pub mod secrets;
pub mod uid;
