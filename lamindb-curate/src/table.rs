//! The rows a [`crate::dataframe::DataFrameCurator`] validates: a DataFrame in memory, or a
//! parquet file read one column at a time in slices of rows, so that validating a file needs
//! memory for one slice of one column (and the distinct values of categorical columns), not
//! for the file.
//!
//! pandas writes a DataFrame's (non-range) index into parquet as a column that its metadata
//! names. Python's curators see it as the index, not a column, so a table hides it — unless
//! the schema has an index feature, under whose name it is then read ([`Table::index_as`]).

use std::path::{Path, PathBuf};

use lamindb_core::{Error, Result};
use polars::prelude::*;

/// Rows per slice of a parquet file (polars writes row groups of this size).
const SLICE_ROWS: usize = 1 << 18;

/// A DataFrame in memory or a parquet file on disk, and the column holding its pandas index.
pub struct Table {
    data: Data,
    index: Option<PandasIndex>,
}

enum Data {
    Memory(DataFrame),
    /// A parquet file: its column names and types (from its metadata), and its row count.
    Parquet {
        path: PathBuf,
        schema: Schema,
        n_rows: usize,
    },
}

/// The column that holds the pandas index.
struct PandasIndex {
    /// Its name in the data (`__index_level_0__`, or the index's name).
    column: String,
    /// The feature name it is read under, once [`Table::index_as`] named one.
    alias: Option<String>,
}

fn bad(path: &Path, e: PolarsError) -> Error {
    Error::Validation(format!("cannot read {}: {e}", path.display()))
}

/// The single index column named in pandas' parquet metadata (a range index is stored as
/// metadata only; a multi-index stays columns).
fn pandas_index(meta: Option<&serde_json::Value>) -> Option<String> {
    match meta?.get("index_columns")?.as_array()?.as_slice() {
        [serde_json::Value::String(c)] => Some(c.clone()),
        _ => None,
    }
}

/// The JSON value under `key` in a parquet file's key-value metadata.
fn metadata_value(path: &Path, key: &str) -> Result<Option<serde_json::Value>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ParquetReader::new(file);
    let meta = reader.get_metadata().map_err(|e| bad(path, e))?;
    let Some(raw) = meta
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
    else {
        return Ok(None);
    };
    serde_json::from_str(&raw).map(Some).map_err(|e| {
        Error::Validation(format!(
            "{}: its {key} metadata is no JSON: {e}",
            path.display()
        ))
    })
}

impl Table {
    /// A DataFrame in memory (it has no pandas index).
    pub fn memory(df: DataFrame) -> Table {
        Table {
            data: Data::Memory(df),
            index: None,
        }
    }

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
        let schema = empty.schema().as_ref().clone();
        let index = pandas_index(metadata_value(path, "pandas")?.as_ref())
            .filter(|c| schema.contains(c))
            .map(|column| PandasIndex {
                column,
                alias: None,
            });
        Ok(Table {
            data: Data::Parquet {
                path: path.to_path_buf(),
                schema,
                n_rows,
            },
            index,
        })
    }

    /// Reads the pandas index as column `feature` (the schema's index feature), first among
    /// the columns; false when there is no pandas index or already a column `feature`.
    pub fn index_as(&mut self, feature: &str) -> bool {
        if self.has(feature) {
            return false;
        }
        match &mut self.index {
            Some(ix) if ix.alias.is_none() => {
                ix.alias = Some(feature.to_owned());
                true
            }
            _ => false,
        }
    }

    /// The name a column is stored under.
    fn physical<'n>(&'n self, name: &'n str) -> Option<&'n str> {
        match &self.index {
            Some(ix) if ix.alias.as_deref() == Some(name) => Some(&ix.column),
            Some(ix) if ix.column == name => None,
            _ => Some(name),
        }
    }

    /// The pandas `DataFrame.attrs` stored with a parquet file (`PANDAS_ATTRS` metadata, as
    /// pandas ≥ 2.1 writes it); `None` in memory or without them.
    pub fn attrs(&self) -> Result<Option<serde_json::Value>> {
        match &self.data {
            Data::Parquet { path, .. } => metadata_value(path, "PANDAS_ATTRS"),
            Data::Memory(_) => Ok(None),
        }
    }

    /// Column names, in order; the pandas index only under its feature name, first.
    pub fn columns(&self) -> Vec<String> {
        let stored: Vec<String> = match &self.data {
            Data::Memory(df) => df
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect(),
            Data::Parquet { schema, .. } => schema.iter_names().map(|c| c.to_string()).collect(),
        };
        let alias = self.index.as_ref().and_then(|ix| ix.alias.clone());
        alias
            .into_iter()
            .chain(
                stored
                    .into_iter()
                    .filter(|c| self.index.as_ref().is_none_or(|ix| &ix.column != c)),
            )
            .collect()
    }

    /// Whether there is a column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.dtype(name).is_some()
    }

    /// The type of column `name`.
    pub fn dtype(&self, name: &str) -> Option<DataType> {
        let name = self.physical(name)?;
        match &self.data {
            Data::Memory(df) => df.column(name).ok().map(|c| c.dtype().clone()),
            Data::Parquet { schema, .. } => schema.get(name).cloned(),
        }
    }

    /// Rows.
    pub fn height(&self) -> usize {
        match &self.data {
            Data::Memory(df) => df.height(),
            Data::Parquet { n_rows, .. } => *n_rows,
        }
    }

    /// Calls `f` with the values of column `name`, whole (in memory) or slice by slice.
    pub fn for_each_chunk(
        &self,
        name: &str,
        mut f: impl FnMut(&Series) -> Result<()>,
    ) -> Result<()> {
        let Some(name) = self.physical(name) else {
            return Err(Error::Validation(format!(
                "'{name}' is the DataFrame's index, not a column"
            )));
        };
        match &self.data {
            Data::Memory(df) => {
                let col = df
                    .column(name)
                    .map_err(|e| Error::Validation(e.to_string()))?;
                f(col.as_materialized_series())
            }
            Data::Parquet { path, n_rows, .. } => {
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

    /// The table in memory, the pandas index included as a column (under its feature name
    /// when it is validated as one); a parquet file is read whole once, for rewriting values.
    pub fn load(&mut self) -> Result<&mut DataFrame> {
        if let Data::Parquet { path, .. } = &self.data {
            let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let mut df = ParquetReader::new(file)
                .finish()
                .map_err(|e| bad(path, e))?;
            if let Some(PandasIndex {
                column,
                alias: Some(alias),
            }) = &mut self.index
            {
                df.rename(column, alias.as_str().into())
                    .map_err(|e| bad(path, e))?;
                *column = alias.clone();
            }
            self.data = Data::Memory(df);
        }
        match &mut self.data {
            Data::Memory(df) => Ok(df),
            Data::Parquet { path, .. } => Err(Error::Validation(format!(
                "{} did not load",
                path.display()
            ))),
        }
    }
}
