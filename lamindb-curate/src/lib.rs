//! lamindb-curate: validation of values and datasets against registries, Features and Schemas.
//!
//! [`values`] checks values against the records of any registry (core or module), as Python
//! LaminDB's `validate`, `inspect` and `standardize` do; the DataFrame and AnnData curators
//! arrive with the curation issue.

pub mod values;

pub use lamindb_core;
