//! bionty: ontology registries for lamindb-rs.
//!
//! A workspace member so that programs can already link it; its registries, migrations and
//! importers arrive with the bionty issue.

pub use lamindb_core;
