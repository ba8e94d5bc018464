//! One entry point for any dataset: [`Curator::open`] picks the DataFrame or AnnData curator
//! by what the path holds.

use std::collections::BTreeMap;
use std::path::Path;

use lamindb_core::records::artifact::{NewArtifactSpec, Saved};
use lamindb_core::{Instance, Result};
use serde::Serialize;

use crate::anndata::AnnData;
use crate::anndata_curator::{AnnDataCurator, AnnDataReport};
use crate::dataframe::{DataFrameCurator, Report};

/// A curator of a DataFrame or an AnnData.
pub enum Curator<'a> {
    /// A DataFrame (in memory, parquet, CSV, TSV).
    DataFrame(Box<DataFrameCurator<'a>>),
    /// An AnnData (`.h5ad`, `.zarr`).
    AnnData(Box<AnnDataCurator<'a>>),
}

/// A validation report of either kind.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Validation {
    /// Of a DataFrame.
    DataFrame(Report),
    /// Of an AnnData, per slot.
    AnnData(AnnDataReport),
}

impl Validation {
    /// Whether the dataset is valid.
    pub fn is_valid(&self) -> bool {
        match self {
            Validation::DataFrame(r) => r.is_valid(),
            Validation::AnnData(r) => r.is_valid(),
        }
    }
}

impl std::fmt::Display for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validation::DataFrame(r) => r.fmt(f),
            Validation::AnnData(r) => r.fmt(f),
        }
    }
}

impl<'a> Curator<'a> {
    /// A curator of the file or folder at `path` against the schema named (or with uid)
    /// `schema`: AnnData for `.h5ad` and zarr, DataFrame for parquet, CSV and TSV.
    pub fn open(inst: &'a Instance, path: &Path, schema: &str) -> Result<Self> {
        if crate::anndata::is_anndata(path) {
            let adata = AnnData::open(path)?;
            return Ok(Curator::AnnData(Box::new(AnnDataCurator::new(
                inst, adata, schema,
            )?)));
        }
        Ok(Curator::DataFrame(Box::new(DataFrameCurator::from_path(
            inst, path, schema,
        )?)))
    }

    /// Validates; the report lists every failure.
    pub fn validate(&self) -> Result<Validation> {
        Ok(match self {
            Curator::DataFrame(c) => Validation::DataFrame(c.validate()?),
            Curator::AnnData(c) => Validation::AnnData(c.validate()?),
        })
    }

    /// Replaces synonyms and case variants of categorical values (of `key`, or all).
    pub fn standardize(
        &mut self,
        key: Option<&str>,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
        match self {
            Curator::DataFrame(c) => c.standardize(key),
            Curator::AnnData(c) => c.standardize(key),
        }
    }

    /// Creates the missing records of categorical `key`; returns how many.
    pub fn add_new_from(&mut self, key: &str) -> Result<usize> {
        match self {
            Curator::DataFrame(c) => c.add_new_from(key),
            Curator::AnnData(c) => c.add_new_from(key),
        }
    }

    /// Validates, then saves and annotates the artifact; nothing is saved when invalid.
    pub fn save_artifact(&self, spec: NewArtifactSpec) -> Result<Saved> {
        Ok(match self {
            Curator::DataFrame(c) => c.save_artifact(spec)?.saved,
            Curator::AnnData(c) => c.save_artifact(spec)?.saved,
        })
    }
}
