//! A standardized copy of an AnnData: the file (or zarr folder) copied, then the string values
//! of the standardized `obs`/`var` columns rewritten in place — a categorical's categories
//! (and its codes, when two categories became one), a string column's values. Everything
//! else, `X` included, is the source's bytes.
//!
//! The copy is written beside `out` and renamed onto it only when every edit succeeded, so a
//! failure leaves no half-written file behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use lamindb_core::{Error, Result};

use super::store::{join, ElemType, Node, Store};
use super::{open_store, strings, Format};

/// Replacing 1-D arrays of a copy, format by format.
trait Edit {
    /// Replaces the array at `at` by `values`, with string attributes `attrs`.
    fn strings(&mut self, at: &str, values: &[String], attrs: &Map<String, Value>) -> Result<()>;
    /// Replaces the integer array at `at` (of element type `dtype`) by `values`.
    fn ints(&mut self, at: &str, values: &[i64], dtype: &ElemType) -> Result<()>;
    /// Makes the edits durable.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// Categorical codes in the width their array stores.
enum Codes {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

impl Codes {
    /// `values` narrowed to `dtype`; the reason when a value does not fit or the type is no
    /// signed integer.
    fn narrow(values: &[i64], dtype: &ElemType) -> std::result::Result<Codes, String> {
        fn to<T: TryFrom<i64>>(values: &[i64], what: &str) -> std::result::Result<Vec<T>, String> {
            values
                .iter()
                .map(|c| T::try_from(*c))
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| format!("a code does not fit {what}"))
        }
        Ok(match dtype {
            ElemType::Int(1) => Codes::I8(to(values, "int8")?),
            ElemType::Int(2) => Codes::I16(to(values, "int16")?),
            ElemType::Int(4) => Codes::I32(to(values, "int32")?),
            ElemType::Int(8) => Codes::I64(values.to_vec()),
            other => return Err(format!("codes of type {other}")),
        })
    }
}

/// Writes a copy of the AnnData at `src` to `out` with the values in `mappings` replaced:
/// keys are `obs:column` or `var:column` (as [`crate::anndata_curator::AnnDataCurator`]'s
/// `standardize` returns them), values map each old value to its standardized one.
pub fn write_standardized(
    src: &Path,
    out: &Path,
    mappings: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<()> {
    if out.exists() {
        return Err(Error::Validation(format!(
            "{} exists; name a new path for the standardized copy",
            out.display()
        )));
    }
    let (store, format) = open_store(src)?;
    let mut columns = Vec::new();
    for (key, mapping) in mappings.iter().filter(|(_, m)| !m.is_empty()) {
        match key.split_once(':') {
            Some((frame @ ("obs" | "var"), column)) => columns.push((frame, column, mapping)),
            _ => {
                return Err(Error::Unsupported(format!(
                    "standardized values of '{key}' are not written into an AnnData (only obs and var columns are); standardize them in the source"
                )))
            }
        }
    }
    let partial = partial_path(out);
    copy(src, &partial)?;
    let result = (|| {
        let mut edit: Box<dyn Edit> = match format {
            Format::H5ad => Box::new(H5Edit::open(&partial)?),
            Format::Zarr => Box::new(ZarrEdit::open(&partial)?),
        };
        for (frame, column, mapping) in columns {
            rewrite(src, store.as_ref(), edit.as_mut(), frame, column, mapping)?;
        }
        edit.commit()?;
        std::fs::rename(&partial, out).map_err(|e| Error::io(out, e))
    })();
    if result.is_err() {
        remove(&partial);
    }
    result
}

/// Where the copy is written before it is complete: beside `out`, hidden.
fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

fn remove(path: &Path) {
    let _ = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
}

/// Copies a file, or a folder recursively.
fn copy(src: &Path, dest: &Path) -> Result<()> {
    let meta = std::fs::metadata(src).map_err(|e| Error::io(src, e))?;
    if !meta.is_dir() {
        return std::fs::copy(src, dest)
            .map(|_| ())
            .map_err(|e| Error::io(dest, e));
    }
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    for entry in std::fs::read_dir(src).map_err(|e| Error::io(src, e))? {
        let entry = entry.map_err(|e| Error::io(src, e))?;
        copy(&entry.path(), &dest.join(entry.file_name()))?;
    }
    Ok(())
}

/// Rewrites one column of `frame` in the copy.
fn rewrite(
    src: &Path,
    store: &dyn Store,
    edit: &mut dyn Edit,
    frame: &str,
    column: &str,
    mapping: &BTreeMap<String, String>,
) -> Result<()> {
    let at = join(frame, column);
    let attrs = store.attrs(&at)?;
    let encoding = attrs
        .get("encoding-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let map = |v: &String| mapping.get(v).unwrap_or(v).clone();
    match (store.node(&at)?, encoding) {
        (Some(Node::Group), "categorical") => {
            let cats_at = join(&at, "categories");
            let cats: Vec<String> = strings(store.read(&cats_at)?).iter().map(map).collect();
            let mut unique: Vec<String> = Vec::with_capacity(cats.len());
            let mut new_code = Vec::with_capacity(cats.len());
            for c in &cats {
                let i = unique.iter().position(|u| u == c).unwrap_or_else(|| {
                    unique.push(c.clone());
                    unique.len() - 1
                });
                new_code.push(i as i64);
            }
            edit.strings(&cats_at, &unique, &store.attrs(&cats_at)?)?;
            if unique.len() < cats.len() {
                // Two categories became one: the codes of the second point to the first.
                let codes_at = join(&at, "codes");
                let Some(Node::Array { dtype, .. }) = store.node(&codes_at)? else {
                    return Err(bad(src, &codes_at, "no codes array"));
                };
                let codes = store
                    .read(&codes_at)?
                    .as_ints()
                    .ok_or_else(|| bad(src, &codes_at, "codes are not integers"))?;
                let codes: Vec<i64> = codes
                    .iter()
                    .map(|c| usize::try_from(*c).map_or(*c, |c| new_code[c]))
                    .collect();
                edit.ints(&codes_at, &codes, &dtype)?;
            }
            Ok(())
        }
        (Some(Node::Group), "nullable-string-array") => {
            let values_at = join(&at, "values");
            let values: Vec<String> = strings(store.read(&values_at)?).iter().map(map).collect();
            edit.strings(&values_at, &values, &store.attrs(&values_at)?)
        }
        (Some(Node::Array { .. }), _) if attrs.contains_key("categories") => {
            Err(Error::Unsupported(format!(
                "{}: '{at}' is a categorical of anndata < 0.8, whose categories an object reference names; write the file with anndata >= 0.8 to standardize it here",
                src.display()
            )))
        }
        (Some(Node::Array { dtype: ElemType::Str, .. }), _) => {
            let values: Vec<String> = strings(store.read(&at)?).iter().map(map).collect();
            edit.strings(&at, &values, &attrs)
        }
        (None, _) => Err(bad(src, frame, &format!("no column '{column}'"))),
        (node, enc) => Err(bad(
            src,
            &at,
            &format!("a column of strings was expected, found {node:?} with encoding '{enc}'"),
        )),
    }
}

fn bad(src: &Path, at: &str, message: &str) -> Error {
    Error::Format {
        path: src.to_path_buf(),
        format: "AnnData",
        message: format!("/{at}: {message}"),
    }
}

/// Attributes as the strings they must be: anndata's `encoding-type`/`encoding-version`.
fn string_attrs(at: &str, attrs: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    attrs
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            other => Err(Error::Unsupported(format!(
                "'/{at}' has attribute '{k}' = {other}, which the standardized copy cannot carry over"
            ))),
        })
        .collect()
}

/// An `.h5ad` copy, edited with `hdf5-pure` (new objects appended, then the superblock
/// repointed: an edit that fails leaves the copy as it was).
struct H5Edit {
    file: hdf5_pure::File,
    path: PathBuf,
}

impl H5Edit {
    fn open(path: &Path) -> Result<Self> {
        let file = hdf5_pure::File::open_rw(path).map_err(|e| h5_err(path, "", e))?;
        Ok(H5Edit {
            file,
            path: path.to_path_buf(),
        })
    }
}

fn h5_err(path: &Path, at: &str, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        format: "h5ad",
        message: format!("cannot write /{at}: {e}"),
    }
}

impl Edit for H5Edit {
    fn strings(&mut self, at: &str, values: &[String], attrs: &Map<String, Value>) -> Result<()> {
        let attrs = string_attrs(at, attrs)?;
        let root = self.file.root();
        root.delete(at).map_err(|e| h5_err(&self.path, at, e))?;
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        root.create_dataset(at, |b| {
            b.with_vlen_strings(&refs);
            for (k, v) in attrs {
                b.set_attr(&k, hdf5_pure::AttrValue::VarLenString(v));
            }
        })
        .map_err(|e| h5_err(&self.path, at, e))?;
        Ok(())
    }

    fn ints(&mut self, at: &str, values: &[i64], dtype: &ElemType) -> Result<()> {
        let codes = Codes::narrow(values, dtype).map_err(|m| h5_err(&self.path, at, m))?;
        let root = self.file.root();
        root.delete(at).map_err(|e| h5_err(&self.path, at, e))?;
        root.create_dataset(at, |b| {
            match &codes {
                Codes::I8(v) => b.with_i8_data(v),
                Codes::I16(v) => b.with_i16_data(v),
                Codes::I32(v) => b.with_i32_data(v),
                Codes::I64(v) => b.with_i64_data(v),
            };
        })
        .map_err(|e| h5_err(&self.path, at, e))?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let H5Edit { file, path } = *self;
        file.commit().map_err(|e| h5_err(&path, "", e))?;
        file.close().map_err(|e| h5_err(&path, "", e))
    }
}

/// A zarr copy (v2 or v3), edited with `zarrs`; consolidated metadata is updated too, since
/// readers trust it over the arrays' own documents.
struct ZarrEdit {
    store: Arc<zarrs::filesystem::FilesystemStore>,
    path: PathBuf,
    /// New shapes per array path, for the consolidated metadata.
    shapes: Vec<(String, u64)>,
}

impl ZarrEdit {
    fn open(path: &Path) -> Result<Self> {
        let store =
            zarrs::filesystem::FilesystemStore::new(path).map_err(|e| zarr_err(path, "", e))?;
        Ok(ZarrEdit {
            store: Arc::new(store),
            path: path.to_path_buf(),
            shapes: Vec::new(),
        })
    }

    /// Opens the array at `at` resized to `n` elements, its old chunks erased.
    fn resized(
        &mut self,
        at: &str,
        n: usize,
    ) -> Result<zarrs::array::Array<zarrs::filesystem::FilesystemStore>> {
        let err = |e: &dyn std::fmt::Display| zarr_err(&self.path, at, e);
        let mut array = zarrs::array::Array::open(self.store.clone(), &format!("/{at}"))
            .map_err(|e| err(&e))?
            .with_metadata_options(
                zarrs::array::ArrayMetadataOptions::default().with_include_zarrs_metadata(false),
            );
        let grid = zarrs::array::ArraySubset::new_with_shape(array.chunk_grid_shape().to_vec());
        array.erase_chunks(&grid).map_err(|e| err(&e))?;
        array.set_shape(vec![n as u64]).map_err(|e| err(&e))?;
        array.store_metadata().map_err(|e| err(&e))?;
        self.shapes.push((at.to_owned(), n as u64));
        Ok(array)
    }
}

fn zarr_err(path: &Path, at: &str, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        format: "zarr",
        message: format!("cannot write /{at}: {e}"),
    }
}

/// Every chunk written, even one that equals the fill value: an empty string in a `|O`
/// array whose fill value is null must read back as "".
fn write_options() -> zarrs::array::CodecOptions {
    zarrs::array::CodecOptions::default().with_store_empty_chunks(true)
}

impl Edit for ZarrEdit {
    fn strings(&mut self, at: &str, values: &[String], _attrs: &Map<String, Value>) -> Result<()> {
        // The array's own attributes stay: zarrs rewrites its metadata with them.
        let array = self.resized(at, values.len())?;
        array
            .store_array_subset_opt(&array.subset_all(), values, &write_options())
            .map_err(|e| zarr_err(&self.path, at, e))
    }

    fn ints(&mut self, at: &str, values: &[i64], dtype: &ElemType) -> Result<()> {
        let codes = Codes::narrow(values, dtype).map_err(|m| zarr_err(&self.path, at, m))?;
        let array = self.resized(at, values.len())?;
        let (all, o) = (array.subset_all(), write_options());
        let written = match &codes {
            Codes::I8(v) => array.store_array_subset_opt(&all, v, &o),
            Codes::I16(v) => array.store_array_subset_opt(&all, v, &o),
            Codes::I32(v) => array.store_array_subset_opt(&all, v, &o),
            Codes::I64(v) => array.store_array_subset_opt(&all, v, &o),
        };
        written.map_err(|e| zarr_err(&self.path, at, e))
    }

    fn commit(self: Box<Self>) -> Result<()> {
        consolidate(&self.path, &self.shapes)
    }
}

/// Updates the shapes of resized arrays in consolidated metadata: v2's `.zmetadata`
/// (`"<path>/.zarray"` entries) and v3's `consolidated_metadata` in the root `zarr.json`.
fn consolidate(root: &Path, shapes: &[(String, u64)]) -> Result<()> {
    for (file, pointer_of) in [
        (
            ".zmetadata",
            (|at: &str| format!("/metadata/{}", escape(&format!("{at}/.zarray"))))
                as fn(&str) -> String,
        ),
        ("zarr.json", |at: &str| {
            format!("/consolidated_metadata/metadata/{}", escape(at))
        }),
    ] {
        let path = root.join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let mut doc: Value = serde_json::from_slice(&bytes).map_err(|e| zarr_err(root, file, e))?;
        let mut changed = false;
        for (at, n) in shapes {
            if let Some(shape) = doc.pointer_mut(&format!("{}/shape", pointer_of(at))) {
                *shape = Value::from(vec![*n]);
                changed = true;
            }
        }
        if changed {
            let text = serde_json::to_vec_pretty(&doc).map_err(|e| zarr_err(root, file, e))?;
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// A JSON pointer token (`~` and `/` escaped).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
