//! lamindb-curate: validation of values and datasets against registries, Features and Schemas.
//!
//! [`values`] checks values against the records of any registry (core or module), as Python
//! LaminDB's `validate`, `inspect` and `standardize` do; [`dataframe`] validates DataFrames
//! (in memory, parquet, CSV, TSV) against a Schema with every failure in one report;
//! [`anndata`] reads `.h5ad` and `.zarr` files natively and [`anndata_curator`] validates
//! them slot by slot (`obs`, `var.T`, `uns`) against composite schemas.

pub mod anndata;
pub mod anndata_curator;
pub mod cellxgene;
pub mod curator;
pub mod dataframe;
pub mod schemas;
pub mod table;
pub mod values;

pub use curator::{Curator, Validation};
pub use lamindb_core;
