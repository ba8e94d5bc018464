//! Leaf helpers with no knowledge of registries: uids, keys, secret redaction, progress
//! reporting.

pub mod key;
pub mod progress;
pub mod secrets;
pub mod uid;
