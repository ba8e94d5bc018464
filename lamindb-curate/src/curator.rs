//! One entry point for any dataset: [`Curator::open`] picks the DataFrame or AnnData curator
//! by what the path holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// A local path for `path`: itself, or for a cloud URL (`s3://`, `gs://`, `https://`, …) its
/// copy in the cache (`<cache>/<bucket>/<key>`, as Python LaminDB lays it out), downloaded when
/// missing or when a file's size differs from the object's.
pub fn localize(path: &Path) -> Result<PathBuf> {
    let text = path.to_string_lossy();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Ok(path.to_path_buf());
    };
    let rest = rest.trim_end_matches('/');
    let (bucket, key) = rest.split_once('/').ok_or_else(|| {
        lamindb_core::Error::Validation(format!("{text} names a bucket, not a file or folder"))
    })?;
    let root = lamindb_storage::StorageRoot::parse(&format!("{scheme}://{bucket}"))?;
    let dest = root.cache_path(&lamindb_core::instance::settings::cache_dir(), key);
    // A folder (zarr) lists its objects; a file lists none and has a size.
    let files = root.list(key)?;
    let fresh = if files.is_empty() {
        let stat = root.stat(key)?.ok_or_else(|| {
            lamindb_core::Error::NotFound(format!("{text}: no such file or folder"))
        })?;
        std::fs::metadata(&dest).is_ok_and(|m| m.is_file() && m.len() == stat.size)
    } else {
        files.iter().all(|(rel, stat)| {
            std::fs::metadata(dest.join(rel)).is_ok_and(|m| m.len() == stat.size)
        })
    };
    if !fresh {
        root.download(key, &dest, None)?;
    }
    Ok(dest)
}

impl<'a> Curator<'a> {
    /// A curator of the file or folder at `path` (local, or a cloud URL read through the
    /// cache) against the schema named (or with uid) `schema`: AnnData for `.h5ad` and zarr,
    /// DataFrame for parquet, CSV and TSV.
    pub fn open(inst: &'a Instance, path: &Path, schema: &str) -> Result<Self> {
        let path = &localize(path)?;
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

    /// Standardizes every categorical column (see [`Curator::standardize`]) and writes the
    /// result to `out`: a DataFrame as parquet (`.parquet`) or CSV (any other name), an
    /// AnnData as a copy of its file or folder with the standardized `obs`/`var` values.
    /// Returns the mapping per column.
    pub fn write_standardized(
        &mut self,
        out: &Path,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
        let mapping = self.standardize(None)?;
        match self {
            Curator::DataFrame(c) => crate::dataframe::write_table(c.dataframe()?, out)?,
            Curator::AnnData(c) => {
                crate::anndata::edit::write_standardized(&c.adata().path, out, &mapping)?
            }
        }
        Ok(mapping)
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
