//! Leaf helpers with no knowledge of registries: uids, keys, secret redaction, progress
//! reporting, atomic file writes.

pub mod fs;
pub mod key;
pub mod progress;
pub mod secrets;
pub mod uid;
