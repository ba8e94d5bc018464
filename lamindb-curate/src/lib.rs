//! lamindb-curate: validation of values and datasets against registries, Features and Schemas.
//!
//! [`values`] checks values against the records of any registry (core or module), as Python
//! LaminDB's `validate`, `inspect` and `standardize` do; [`dataframe`] validates DataFrames
//! (in memory, parquet, CSV, TSV) against a Schema with every failure in one report. The
//! AnnData curator arrives with the rest of the curation issue.

pub mod dataframe;
pub mod values;

pub use lamindb_core;
