//! `lamin validate PATH --schema NAME`: a DataFrame file against a Schema, every failure in one
//! report; exit 0 when valid, 4 otherwise.

use std::path::PathBuf;

use clap::Args;
use lamindb_core::prelude::*;
use lamindb_curate::dataframe::{read_table, DataFrameCurator};
use serde_json::json;

use crate::output::{Global, Output};

/// `lamin validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// A parquet, CSV or TSV file (plain or .gz).
    path: PathBuf,
    /// The schema (name or uid).
    #[arg(long)]
    schema: String,
    /// Write a copy with case variants and synonyms of categorical values replaced by the
    /// registries' values (parquet or csv, by the name), and validate that copy.
    #[arg(long, value_name = "OUT")]
    standardize: Option<PathBuf>,
    /// Create records for the values of this categorical column that its registry lacks, then
    /// validate.
    #[arg(long, value_name = "COLUMN")]
    add_new: Option<String>,
}

impl ValidateArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let df = read_table(&self.path)?;
        let mut curator = DataFrameCurator::new(&inst, df, &self.schema)?;
        let mut mapping = serde_json::Value::Null;
        if let Some(out) = &self.standardize {
            mapping = json!(curator.standardize(None)?);
            write_table(curator.dataframe(), out)?;
        }
        let mut added = serde_json::Value::Null;
        if let Some(column) = &self.add_new {
            added = json!({ column: curator.add_new_from(column)? });
        }
        let report = curator.validate()?;
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

fn write_table(df: &polars::prelude::DataFrame, out: &std::path::Path) -> Result<()> {
    use polars::prelude::*;
    let mut df = df.clone();
    let file = std::fs::File::create(out).map_err(|e| Error::Io {
        path: out.to_path_buf(),
        source: e,
    })?;
    let name = out.to_string_lossy().to_ascii_lowercase();
    let result = if name.ends_with(".parquet") {
        ParquetWriter::new(file).finish(&mut df).map(|_| ())
    } else {
        CsvWriter::new(file).finish(&mut df)
    };
    result.map_err(|e| Error::Validation(format!("cannot write {}: {e}", out.display())))
}
