//! The rows a [`crate::dataframe::DataFrameCurator`] validates: a DataFrame in memory, or a
//! parquet file read one column at a time in slices of rows, so that validating a file needs
//! memory for one slice of one column (and the distinct values of categorical columns), not
//! for the file.

use std::path::{Path, PathBuf};

use lamindb_core::{Error, Result};
use polars::prelude::*;

/// Rows per slice of a parquet file (polars writes row groups of this size).
const SLICE_ROWS: usize = 1 << 18;

/// A DataFrame in memory or a parquet file on disk.
pub enum Table {
    /// In memory.
    Memory(DataFrame),
    /// A parquet file: its column names and types, and its row count.
    Parquet {
        /// The file.
        path: PathBuf,
        /// Column names and types, from the file's metadata.
        schema: Schema,
        /// Rows.
        n_rows: usize,
    },
}

fn bad(path: &Path, e: PolarsError) -> Error {
    Error::Validation(format!("cannot read {}: {e}", path.display()))
}

impl Table {
    /// A parquet file, from its metadata only.
    pub fn parquet(path: &Path) -> Result<Table> {
        let open = || std::fs::File::open(path).map_err(|e| Error::io(path, e));
        let n_rows = ParquetReader::new(open()?)
            .num_rows()
            .map_err(|e| bad(path, e))?;
        let empty = ParquetReader::new(open()?)
            .with_slice(Some((0, 0)))
            .finish()
            .map_err(|e| bad(path, e))?;
        Ok(Table::Parquet {
            path: path.to_path_buf(),
            schema: empty.schema().as_ref().clone(),
            n_rows,
        })
    }

    /// The pandas `DataFrame.attrs` stored with a parquet file (`PANDAS_ATTRS` metadata, as
    /// pandas ≥ 2.1 writes it); `None` in memory or without them.
    pub fn attrs(&self) -> Result<Option<serde_json::Value>> {
        let Table::Parquet { path, .. } = self else {
            return Ok(None);
        };
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = ParquetReader::new(file);
        let meta = reader.get_metadata().map_err(|e| bad(path, e))?;
        let Some(raw) = meta
            .key_value_metadata()
            .iter()
            .flatten()
            .find(|kv| kv.key == "PANDAS_ATTRS")
            .and_then(|kv| kv.value.clone())
        else {
            return Ok(None);
        };
        serde_json::from_str(&raw).map(Some).map_err(|e| {
            Error::Validation(format!("{}: PANDAS_ATTRS is no JSON: {e}", path.display()))
        })
    }

    /// Column names, in order.
    pub fn columns(&self) -> Vec<String> {
        match self {
            Table::Memory(df) => df
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect(),
            Table::Parquet { schema, .. } => schema.iter_names().map(|c| c.to_string()).collect(),
        }
    }

    /// Whether there is a column `name`.
    pub fn has(&self, name: &str) -> bool {
        match self {
            Table::Memory(df) => df.column(name).is_ok(),
            Table::Parquet { schema, .. } => schema.contains(name),
        }
    }

    /// The type of column `name`.
    pub fn dtype(&self, name: &str) -> Option<DataType> {
        match self {
            Table::Memory(df) => df.column(name).ok().map(|c| c.dtype().clone()),
            Table::Parquet { schema, .. } => schema.get(name).cloned(),
        }
    }

    /// Rows.
    pub fn height(&self) -> usize {
        match self {
            Table::Memory(df) => df.height(),
            Table::Parquet { n_rows, .. } => *n_rows,
        }
    }

    /// Calls `f` with the values of column `name`, whole (in memory) or slice by slice.
    pub fn for_each_chunk(
        &self,
        name: &str,
        mut f: impl FnMut(&Series) -> Result<()>,
    ) -> Result<()> {
        match self {
            Table::Memory(df) => {
                let col = df
                    .column(name)
                    .map_err(|e| Error::Validation(e.to_string()))?;
                f(col.as_materialized_series())
            }
            Table::Parquet { path, n_rows, .. } => {
                let mut offset = 0;
                while offset < *n_rows || offset == 0 {
                    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                    let df = ParquetReader::new(file)
                        .with_columns(Some(vec![name.to_owned()]))
                        .with_slice(Some((offset, SLICE_ROWS)))
                        .finish()
                        .map_err(|e| bad(path, e))?;
                    let col = df.column(name).map_err(|e| bad(path, e))?;
                    f(col.as_materialized_series())?;
                    offset += SLICE_ROWS;
                    if *n_rows == 0 {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    /// The table in memory (a parquet file is read whole once, for rewriting values).
    pub fn load(&mut self) -> Result<&mut DataFrame> {
        if let Table::Parquet { path, .. } = self {
            let file = std::fs::File::open(&*path).map_err(|e| Error::io(&*path, e))?;
            let df = ParquetReader::new(file)
                .finish()
                .map_err(|e| bad(path, e))?;
            *self = Table::Memory(df);
        }
        let Table::Memory(df) = self else {
            return Err(Error::Validation("the table did not load".into()));
        };
        Ok(df)
    }
}
