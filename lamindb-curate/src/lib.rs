//! lamindb-curate: validation of datasets against Features and Schemas.
//!
//! This crate is a workspace member so that the crate graph is in place; its content (dtype
//! grammar, DataFrame and AnnData curators) arrives with the curation issue.

pub use lamindb_core;
