//! Reading AnnData files natively — `.h5ad` (HDF5) and `.zarr` (v2 and v3) — as far as
//! validation needs them: `obs` and `var` as polars DataFrames with their indexes, `uns`
//! as JSON, and `X`'s encoding, shape and dtype without reading `X`.
//!
//! The AnnData on-disk encoding (`encoding-type` attributes: `dataframe`, `categorical`,
//! `string-array`, `nullable-integer`, `nullable-boolean`, `nullable-string-array`,
//! `csr_matrix`, `csc_matrix`, `dict`) is read once over [`store::Store`], which each
//! format implements; files of anndata 0.7, whose categoricals keep their categories in a
//! `__categories` group, read too.

pub mod edit;
pub mod hdf5;
pub mod store;
pub mod zarr;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use lamindb_core::{Error, Result};

use store::{join, ElemType, Node, Store, Values};

/// Arrays in `uns` longer than this are not read (validation looks at metadata, not data).
const UNS_MAX_ELEMENTS: u64 = 100_000;

/// The container format of an AnnData.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `.h5ad`.
    H5ad,
    /// `.zarr` (v2 or v3).
    Zarr,
}

/// `obs` or `var`: the columns as a DataFrame, and the index apart.
#[derive(Debug, Clone)]
pub struct Annotations {
    /// The index's name in the file (`_index`, `index`, …).
    pub index_name: String,
    /// The index (obs or var names).
    pub index: Vec<String>,
    /// The columns, in the file's column order; categoricals as strings.
    pub df: DataFrame,
    /// Which columns are categorical in the file.
    pub categorical: Vec<String>,
}

/// `X`, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// `array`, `csr_matrix` or `csc_matrix`.
    pub encoding: String,
    /// `(n_obs, n_vars)`.
    pub shape: (u64, u64),
    /// The element type.
    pub dtype: String,
    /// Stored values of a sparse matrix.
    pub nnz: Option<u64>,
}

/// An AnnData read from a file: everything but the matrices' values.
#[derive(Debug, Clone)]
pub struct AnnData {
    /// The file or folder.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Observations (cells).
    pub obs: Annotations,
    /// Variables (genes).
    pub var: Annotations,
    /// Unstructured metadata: dicts, scalars and short arrays.
    pub uns: Map<String, Value>,
    /// `X`, when the file has one.
    pub x: Option<Matrix>,
    /// The keys of `obsm` with their shapes (embeddings such as `X_umap`).
    pub obsm: Vec<(String, Vec<u64>)>,
}

impl AnnData {
    /// Reads `path`: a folder is zarr, a file HDF5.
    pub fn open(path: &Path) -> Result<AnnData> {
        let (store, format) = open_store(path)?;
        Self::read(store.as_ref(), path, format)
    }

    /// Reads an AnnData from any store.
    pub fn read(store: &dyn Store, path: &Path, format: Format) -> Result<AnnData> {
        let reader = Reader { store, path };
        let obs = reader.frame("obs")?;
        let var = reader.frame("var")?;
        let uns = match store.node("uns")? {
            Some(Node::Group) => match reader.uns("uns")? {
                Value::Object(m) => m,
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        let x = reader.matrix("X")?;
        let mut obsm = Vec::new();
        for key in store.children("obsm")? {
            let at = join("obsm", &key);
            // Arrays and sparse matrices have a shape; dataframes in obsm have their columns.
            let shape = match store.node(&at)? {
                Some(Node::Array { shape, .. }) => shape,
                _ => match reader.matrix(&at) {
                    Ok(Some(m)) => vec![m.shape.0, m.shape.1],
                    _ => {
                        let attrs = store.attrs(&at)?;
                        let n = attrs
                            .get("column-order")
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len);
                        vec![obs.index.len() as u64, n as u64]
                    }
                },
            };
            obsm.push((key, shape));
        }
        Ok(AnnData {
            path: path.to_path_buf(),
            format,
            obs,
            var,
            uns,
            x,
            obsm,
        })
    }

    /// Number of observations.
    pub fn n_obs(&self) -> usize {
        self.obs.index.len()
    }

    /// Number of variables.
    pub fn n_vars(&self) -> usize {
        self.var.index.len()
    }
}

/// The store at `path` and its format: a folder is zarr, a file HDF5.
pub fn open_store(path: &Path) -> Result<(Box<dyn Store>, Format)> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Ok((Box::new(zarr::ZarrStore::open(path)?), Format::Zarr));
    }
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".zip") {
        return Err(Error::Unsupported(format!(
            "{}: zipped zarr stores are not read; unzip it and pass the folder",
            path.display()
        )));
    }
    Ok((Box::new(hdf5::H5Store::open(path)?), Format::H5ad))
}

/// Whether `path` holds an AnnData by its name: `.h5ad`, `.zarr` (also `.anndata.zarr`), or
/// a folder whose zarr root says `encoding-type: anndata`.
pub fn is_anndata(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.trim_end_matches('/');
    if name.ends_with(".h5ad") || name.ends_with(".zarr") {
        return true;
    }
    if !path.is_dir() {
        return false;
    }
    [".zattrs", "zarr.json"]
        .iter()
        .any(|f| std::fs::read_to_string(path.join(f)).is_ok_and(|s| s.contains("\"anndata\"")))
}

struct Reader<'a> {
    store: &'a dyn Store,
    path: &'a Path,
}

fn series(name: &str, values: Values) -> Series {
    let name: PlSmallStr = name.into();
    match values {
        Values::Bool(v) => Series::new(name, v),
        Values::Int(v) => Series::new(name, v),
        Values::UInt(v) => Series::new(name, v),
        Values::F32(v) => Series::new(name, v),
        Values::F64(v) => Series::new(name, v),
        Values::Str(v) => Series::new(name, v),
    }
}

pub(crate) fn strings(values: Values) -> Vec<String> {
    match values {
        Values::Str(v) => v,
        other => other
            .to_json()
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
    }
}

fn encoding(attrs: &Map<String, Value>) -> &str {
    attrs
        .get("encoding-type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl Reader<'_> {
    fn bad(&self, message: String) -> Error {
        Error::Format {
            path: self.path.to_path_buf(),
            format: "AnnData",
            message,
        }
    }

    /// A dataframe element (`obs`, `var`).
    fn frame(&self, at: &str) -> Result<Annotations> {
        if self.store.node(at)? != Some(Node::Group) {
            return Err(self.bad(format!("no '{at}' dataframe")));
        }
        let attrs = self.store.attrs(at)?;
        let index_name = attrs
            .get("_index")
            .and_then(Value::as_str)
            .ok_or_else(|| self.bad(format!("'{at}' has no _index attribute")))?
            .to_owned();
        let index = strings(self.store.read(&join(at, &index_name))?);
        let order: Vec<String> = match attrs.get("column-order") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        let mut columns = Vec::with_capacity(order.len());
        let mut categorical = Vec::new();
        for name in &order {
            let (s, is_cat) = self.column(at, name)?;
            if s.len() != index.len() {
                return Err(self.bad(format!(
                    "column '{at}/{name}' has {} values for {} rows",
                    s.len(),
                    index.len()
                )));
            }
            if is_cat {
                categorical.push(name.clone());
            }
            columns.push(s.into_column());
        }
        let df =
            DataFrame::new(index.len(), columns).map_err(|e| self.bad(format!("'{at}': {e}")))?;
        Ok(Annotations {
            index_name,
            index,
            df,
            categorical,
        })
    }

    /// One column of a dataframe, and whether it is categorical.
    fn column(&self, frame: &str, name: &str) -> Result<(Series, bool)> {
        let at = join(frame, name);
        let attrs = self.store.attrs(&at)?;
        match self.store.node(&at)? {
            Some(Node::Group) => match encoding(&attrs) {
                "categorical" => {
                    let codes = self.store.read(&join(&at, "codes"))?;
                    let cats = strings(self.store.read(&join(&at, "categories"))?);
                    Ok((self.decode_categorical(name, &codes, &cats)?, true))
                }
                enc @ ("nullable-integer" | "nullable-boolean" | "nullable-string-array") => {
                    let values = self.store.read(&join(&at, "values"))?;
                    let mask = match self.store.read(&join(&at, "mask"))? {
                        Values::Bool(m) => m,
                        _ => return Err(self.bad(format!("'{at}/mask' is not boolean ({enc})"))),
                    };
                    let s = series(name, values);
                    let keep =
                        BooleanChunked::new("".into(), mask.iter().map(|m| !m).collect::<Vec<_>>());
                    // Masked entries become nulls.
                    let nulls = Series::full_null(name.into(), s.len(), s.dtype());
                    let s = s
                        .zip_with(&keep, &nulls)
                        .map_err(|e| self.bad(format!("'{at}': {e}")))?;
                    Ok((s, false))
                }
                other => Err(self.bad(format!(
                    "column '{at}' has encoding '{other}', which is not read"
                ))),
            },
            Some(Node::Array { .. }) => {
                let values = self.store.read(&at)?;
                // anndata 0.7: a categorical's codes, with the categories in `__categories`.
                if attrs.contains_key("categories") {
                    let cats = strings(self.store.read(&join(&join(frame, "__categories"), name))?);
                    return Ok((self.decode_categorical(name, &values, &cats)?, true));
                }
                Ok((series(name, values), false))
            }
            None => Err(self.bad(format!("column '{at}' is listed but missing"))),
        }
    }

    fn decode_categorical(&self, name: &str, codes: &Values, cats: &[String]) -> Result<Series> {
        let codes = codes
            .as_ints()
            .ok_or_else(|| self.bad(format!("codes of '{name}' are not integers")))?;
        let values: Vec<Option<&str>> = codes
            .iter()
            .map(|c| {
                usize::try_from(*c)
                    .ok()
                    .and_then(|c| cats.get(c))
                    .map(String::as_str)
            })
            .collect();
        Ok(Series::new(name.into(), values))
    }

    /// `uns` (or a dict below it) as JSON.
    fn uns(&self, at: &str) -> Result<Value> {
        match self.store.node(at)? {
            Some(Node::Group) => {
                let attrs = self.store.attrs(at)?;
                match encoding(&attrs) {
                    "" | "dict" => {
                        let mut out = Map::new();
                        for child in self.store.children(at)? {
                            out.insert(child.clone(), self.uns(&join(at, &child))?);
                        }
                        Ok(Value::Object(out))
                    }
                    // Dataframes, sparse matrices, … in uns: named, not read.
                    other => Ok(serde_json::json!({ "encoding-type": other })),
                }
            }
            Some(Node::Array { shape, .. }) => {
                let n: u64 = shape.iter().product();
                if n > UNS_MAX_ELEMENTS {
                    return Ok(Value::Null);
                }
                // Structured arrays (numpy records) and other exotic types are not metadata
                // a schema validates: they read as null.
                let v = match self.store.read(at) {
                    Ok(v) => v.to_json(),
                    Err(e) => {
                        tracing::debug!("uns element {at} not read: {e}");
                        return Ok(Value::Null);
                    }
                };
                if shape.is_empty() && v.len() == 1 {
                    Ok(v.into_iter().next().unwrap_or(Value::Null))
                } else {
                    Ok(Value::Array(v))
                }
            }
            None => Ok(Value::Null),
        }
    }

    /// `X`'s encoding, shape and dtype.
    fn matrix(&self, at: &str) -> Result<Option<Matrix>> {
        match self.store.node(at)? {
            None => Ok(None),
            Some(Node::Array { shape, dtype }) => Ok(Some(Matrix {
                encoding: "array".into(),
                shape: (
                    shape.first().copied().unwrap_or(0),
                    shape.get(1).copied().unwrap_or(0),
                ),
                dtype: dtype.to_string(),
                nnz: None,
            })),
            Some(Node::Group) => {
                let attrs = self.store.attrs(at)?;
                let enc = match encoding(&attrs) {
                    "" => attrs
                        .get("h5sparse_format")
                        .and_then(Value::as_str)
                        .map(|f| format!("{f}_matrix"))
                        .unwrap_or_default(),
                    e => e.to_owned(),
                };
                let shape: Vec<u64> = attrs
                    .get("shape")
                    .or_else(|| attrs.get("h5sparse_shape"))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default();
                let (dtype, nnz) = match self.store.node(&join(at, "data"))? {
                    Some(Node::Array { shape, dtype }) => (dtype, shape.first().copied()),
                    _ => (ElemType::Other("unknown".into()), None),
                };
                if !matches!(enc.as_str(), "csr_matrix" | "csc_matrix") || shape.len() != 2 {
                    return Err(self.bad(format!("'{at}' is a group but no sparse matrix")));
                }
                Ok(Some(Matrix {
                    encoding: enc,
                    shape: (shape[0], shape[1]),
                    dtype: dtype.to_string(),
                    nnz,
                }))
            }
        }
    }
}
