//! `lamin validate PATH --schema NAME`: a DataFrame file (parquet, CSV, TSV) or an AnnData
//! (`.h5ad`, `.zarr`) against a Schema, every failure in one report; exit 0 when valid, 4
//! otherwise.

use std::path::PathBuf;

use clap::Args;
use lamindb_core::prelude::*;
use lamindb_curate::Curator;
use serde_json::json;

use crate::output::{Global, Output};

/// `lamin validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// A parquet, CSV or TSV file (plain or .gz), or an AnnData (.h5ad file or .zarr folder).
    path: PathBuf,
    /// The schema (name or uid).
    #[arg(long)]
    schema: String,
    /// Write a copy with case variants and synonyms of categorical values replaced by the
    /// registries' values, and validate that copy: a DataFrame as parquet or CSV (by the
    /// name), an AnnData as a copy of its .h5ad file or .zarr folder.
    #[arg(long, value_name = "OUT")]
    standardize: Option<PathBuf>,
    /// Create records for the values of this categorical column that its registry lacks, then
    /// validate (for an AnnData: SLOT:COLUMN, e.g. obs:cell_type, or the column alone).
    #[arg(long, value_name = "COLUMN")]
    add_new: Option<String>,
    /// A value of the dataset's external features (the schema's `__external__` slot), as
    /// NAME=VALUE (repeatable).
    #[arg(long = "features", value_name = "NAME=VALUE")]
    features: Vec<String>,
}

impl ValidateArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let open = |path: &std::path::Path| -> Result<Curator> {
            let _spin = crate::progress::spinner(&format!("reading {}", path.display()));
            let curator = Curator::open(&inst, path, &self.schema)?;
            if self.features.is_empty() {
                return Ok(curator);
            }
            let Curator::DataFrame(c) = curator else {
                return Err(Error::Validation(
                    "--features gives a DataFrame's external features; an AnnData keeps its dataset-level values in uns".into(),
                ));
            };
            Ok(Curator::DataFrame(Box::new(
                c.with_external(external(&self.features)?),
            )))
        };
        let mut curator = open(&self.path)?;
        let mut mapping = serde_json::Value::Null;
        if let Some(out) = &self.standardize {
            mapping = json!(curator.write_standardized(out)?);
            // What is validated is the copy as written.
            curator = open(out)?;
        }
        let mut added = serde_json::Value::Null;
        if let Some(column) = &self.add_new {
            added = json!({ column: curator.add_new_from(column)? });
        }
        let report = {
            let _spin = crate::progress::spinner("validating");
            curator.validate()?
        };
        let mut text = report.to_string();
        if let Some(out) = &self.standardize {
            text = format!("standardized copy: {}\n{text}", out.display());
        }
        let mut json = serde_json::to_value(&report).unwrap_or_default();
        json["valid"] = json!(report.is_valid());
        json["standardized"] = mapping;
        json["added"] = added;
        let mut output = Output::new(text.trim_end().to_owned(), json);
        if !report.is_valid() {
            output.exit_code = 4;
        }
        Ok(output)
    }
}

/// `--features NAME=VALUE …` as a JSON object.
pub fn external(exprs: &[String]) -> Result<serde_json::Map<String, serde_json::Value>> {
    exprs
        .iter()
        .map(|e| super::annotate::feature_value(e))
        .collect()
}
