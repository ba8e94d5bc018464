//! wetlab: lab registries for lamindb-rs.
//!
//! A workspace member so that programs can already link it; its registries and migrations arrive
//! with the wetlab issue.

pub use lamindb_core;
