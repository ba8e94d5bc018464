//! [`Store`] over an HDF5 file (`.h5ad`), read with the pure-Rust `hdf5-reader` (no C
//! library to build or install). h5py's LZF filter (id 32000), which anndata 0.7 files
//! use, is registered here with the `lzf` crate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hdf5_reader::global_heap::GlobalHeapCollection;
use hdf5_reader::group::Group;
use hdf5_reader::{
    Attribute, Dataset, Datatype, FilterRegistry, Hdf5File, OpenOptions, StringSize,
};
use serde_json::{Map, Value};

use lamindb_core::{Error, Result};

use super::store::{ElemType, Node, Store, Values};

/// h5py's LZF filter id.
const FILTER_LZF: u16 = 32000;

/// An open `.h5ad` (any HDF5 file).
pub struct H5Store {
    file: Hdf5File,
    path: PathBuf,
}

fn filters() -> FilterRegistry {
    let mut reg = FilterRegistry::new();
    reg.register(
        FILTER_LZF,
        Box::new(|desc, data, _elem| {
            // h5py stores the chunk's decoded size as the third client value.
            let mut size = desc
                .client_data
                .get(2)
                .map(|n| *n as usize)
                .filter(|n| *n > 0)
                .unwrap_or(data.len() * 4);
            loop {
                match lzf::decompress(data, size) {
                    Ok(out) => return Ok(out),
                    Err(lzf::LzfError::BufferTooSmall) if size < (1 << 31) => size *= 2,
                    Err(e) => {
                        return Err(hdf5_reader::error::Error::InvalidData(format!(
                            "LZF chunk: {e:?}"
                        )))
                    }
                }
            }
        }),
    );
    reg
}

impl H5Store {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let options = OpenOptions {
            filter_registry: Some(filters()),
            ..Default::default()
        };
        let file = Hdf5File::open_with_options(path, options).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            format: "HDF5",
            message: e.to_string(),
        })?;
        Ok(H5Store {
            file,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, at: &str, e: impl std::fmt::Display) -> Error {
        Error::Format {
            path: self.path.clone(),
            format: "h5ad",
            message: format!("/{at}: {e}"),
        }
    }

    /// Variable-length strings, resolved with one parse per global heap collection: the
    /// crate's `read_strings` parses the collection again for every string, which takes
    /// seconds for an obs index of 100,000 names.
    fn vlen_strings(&self, ds: &Dataset) -> hdf5_reader::error::Result<Vec<String>> {
        let sb = self.file.superblock();
        let (offset_size, length_size) = (sb.offset_size, sb.length_size);
        let raw = ds.read_raw_bytes()?;
        let ref_size = 4 + usize::from(offset_size) + 4;
        let mut heaps: HashMap<u64, HashMap<u16, Vec<u8>>> = HashMap::new();
        let mut out = Vec::with_capacity(raw.len() / ref_size);
        for r in raw.chunks_exact(ref_size) {
            let len = u32::from_le_bytes([r[0], r[1], r[2], r[3]]) as usize;
            let mut addr = [0u8; 8];
            addr[..usize::from(offset_size)].copy_from_slice(&r[4..4 + usize::from(offset_size)]);
            let addr = u64::from_le_bytes(addr);
            let tail = &r[4 + usize::from(offset_size)..];
            let index = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
            if index == 0 || len == 0 {
                out.push(String::new());
                continue;
            }
            let heap = match heaps.entry(addr) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let c = GlobalHeapCollection::parse_at_storage(
                        self.file.storage(),
                        addr,
                        offset_size,
                        length_size,
                    )?;
                    e.insert(c.objects.into_iter().map(|o| (o.index, o.data)).collect())
                }
            };
            let bytes = heap
                .get(&(index as u16))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let bytes = &bytes[..bytes.len().min(len)];
            out.push(
                String::from_utf8_lossy(bytes)
                    .trim_end_matches('\0')
                    .to_owned(),
            );
        }
        Ok(out)
    }

    fn group(&self, path: &str) -> Option<Group> {
        if path.is_empty() {
            return self.file.root_group().ok();
        }
        self.file.group(path).ok()
    }
}

fn elem_type(d: &Datatype) -> ElemType {
    match d {
        Datatype::FixedPoint { size, signed, .. } => {
            if *signed {
                ElemType::Int(*size)
            } else {
                ElemType::UInt(*size)
            }
        }
        Datatype::FloatingPoint { size, .. } => ElemType::Float(*size),
        Datatype::String { .. } => ElemType::Str,
        Datatype::VarLen { base, .. } if matches!(**base, Datatype::FixedPoint { size: 1, .. }) => {
            ElemType::Str
        }
        // h5py writes numpy bools as an enum of FALSE/TRUE over int8.
        Datatype::Enum { base, members }
            if members.len() == 2 && matches!(**base, Datatype::FixedPoint { size: 1, .. }) =>
        {
            ElemType::Bool
        }
        other => ElemType::Other(format!("{other:?}")),
    }
}

/// An attribute as JSON: strings, numbers, booleans (scalars unwrapped), `null` for what
/// AnnData's encoding does not use (object references of the 0.7 layout).
fn attr_json(a: &Attribute) -> Value {
    let list = |v: Vec<Value>| {
        if a.shape.is_empty() && v.len() == 1 {
            v.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(v)
        }
    };
    if let Some(s) = &a.decoded_strings {
        return list(s.iter().map(|x| Value::from(x.as_str())).collect());
    }
    match &a.datatype {
        Datatype::String {
            size: StringSize::Fixed(_),
            ..
        }
        | Datatype::VarLen { .. } => a
            .read_strings()
            .map(|s| list(s.into_iter().map(Value::from).collect()))
            .unwrap_or(Value::Null),
        Datatype::FixedPoint { signed: true, .. } => a
            .read_1d::<i64>()
            .or_else(|_| {
                a.read_1d::<i32>()
                    .map(|v| v.into_iter().map(i64::from).collect())
            })
            .map(|v| list(v.into_iter().map(Value::from).collect()))
            .unwrap_or(Value::Null),
        Datatype::FixedPoint { signed: false, .. } => a
            .read_1d::<u64>()
            .or_else(|_| {
                a.read_1d::<u32>()
                    .map(|v| v.into_iter().map(u64::from).collect())
            })
            .map(|v| list(v.into_iter().map(Value::from).collect()))
            .unwrap_or(Value::Null),
        Datatype::FloatingPoint { .. } => a
            .read_1d::<f64>()
            .or_else(|_| {
                a.read_1d::<f32>()
                    .map(|v| v.into_iter().map(f64::from).collect())
            })
            .map(|v| list(v.into_iter().map(Value::from).collect()))
            .unwrap_or(Value::Null),
        Datatype::Enum { .. } => list(a.raw_data.iter().map(|b| Value::from(*b != 0)).collect()),
        _ => Value::Null,
    }
}

macro_rules! widen {
    ($ds:expr, $t:ty, $variant:ident, $conv:expr) => {
        $ds.read_array::<$t>()
            .map(|a| Values::$variant(a.iter().map($conv).collect()))
    };
}

impl Store for H5Store {
    fn node(&self, path: &str) -> Result<Option<Node>> {
        if self.group(path).is_some() {
            return Ok(Some(Node::Group));
        }
        match self.file.dataset(path) {
            Ok(ds) => Ok(Some(Node::Array {
                shape: ds.shape().to_vec(),
                dtype: elem_type(ds.dtype()),
            })),
            Err(_) => Ok(None),
        }
    }

    fn attrs(&self, path: &str) -> Result<Map<String, Value>> {
        let attrs = match self.group(path) {
            Some(g) => g.attributes().map_err(|e| self.err(path, e))?,
            None => match self.file.dataset(path) {
                Ok(ds) => ds.attributes(),
                Err(_) => return Ok(Map::new()),
            },
        };
        Ok(attrs
            .iter()
            .map(|a| (a.name.clone(), attr_json(a)))
            .collect())
    }

    fn children(&self, path: &str) -> Result<Vec<String>> {
        let Some(g) = self.group(path) else {
            return Ok(Vec::new());
        };
        let (groups, datasets) = g.members().map_err(|e| self.err(path, e))?;
        let mut names: Vec<String> = groups
            .iter()
            .map(|g| g.name().to_owned())
            .chain(datasets.iter().map(|d| d.name().to_owned()))
            .map(|n| n.rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    fn read(&self, path: &str) -> Result<Values> {
        let ds = self.file.dataset(path).map_err(|e| self.err(path, e))?;
        let values = match ds.dtype() {
            Datatype::FixedPoint {
                size, signed: true, ..
            } => match size {
                1 => widen!(ds, i8, Int, |x| i64::from(*x)),
                2 => widen!(ds, i16, Int, |x| i64::from(*x)),
                4 => widen!(ds, i32, Int, |x| i64::from(*x)),
                _ => widen!(ds, i64, Int, |x| *x),
            },
            Datatype::FixedPoint {
                size,
                signed: false,
                ..
            } => match size {
                1 => widen!(ds, u8, Int, |x| i64::from(*x)),
                2 => widen!(ds, u16, Int, |x| i64::from(*x)),
                4 => widen!(ds, u32, Int, |x| i64::from(*x)),
                _ => widen!(ds, u64, UInt, |x| *x),
            },
            Datatype::FloatingPoint { size: 4, .. } => widen!(ds, f32, F32, |x| *x),
            Datatype::FloatingPoint { .. } => widen!(ds, f64, F64, |x| *x),
            Datatype::String {
                size: StringSize::Variable,
                ..
            }
            | Datatype::VarLen { .. } => self.vlen_strings(&ds).map(Values::Str),
            Datatype::String { .. } => ds.read_strings().map(Values::Str),
            Datatype::Enum { .. } => ds
                .read_raw_bytes()
                .map(|b| Values::Bool(b.iter().map(|x| *x != 0).collect())),
            other => {
                return Err(self.err(path, format!("unsupported element type {other:?}")));
            }
        };
        values.map_err(|e| self.err(path, e))
    }
}
