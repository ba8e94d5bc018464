//! What the AnnData reader needs of a hierarchical store (HDF5 file or zarr group): nodes
//! by path, their attributes, and 1-D arrays decoded into [`Values`]. Each format
//! implements [`Store`]; the AnnData encoding is read once, over this trait.

use serde_json::{Map, Value};

use lamindb_core::Result;

/// The element type of an array, as far as AnnData's encodings need it.
#[derive(Debug, Clone, PartialEq)]
pub enum ElemType {
    /// Booleans (HDF5's h5py enum, zarr's `bool`).
    Bool,
    /// Signed integers of this many bytes.
    Int(u8),
    /// Unsigned integers of this many bytes.
    UInt(u8),
    /// Floats of this many bytes.
    Float(u8),
    /// Strings (fixed or variable length).
    Str,
    /// Anything else, named.
    Other(String),
}

impl std::fmt::Display for ElemType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElemType::Bool => write!(f, "bool"),
            ElemType::Int(n) => write!(f, "int{}", u32::from(*n) * 8),
            ElemType::UInt(n) => write!(f, "uint{}", u32::from(*n) * 8),
            ElemType::Float(n) => write!(f, "float{}", u32::from(*n) * 8),
            ElemType::Str => write!(f, "str"),
            ElemType::Other(o) => write!(f, "{o}"),
        }
    }
}

/// A node of the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A group (of arrays and groups).
    Group,
    /// An array.
    Array {
        /// Its shape.
        shape: Vec<u64>,
        /// Its element type.
        dtype: ElemType,
    },
}

/// The values of a 1-D array, widened to the types polars holds without extra features.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Booleans.
    Bool(Vec<bool>),
    /// Integers (signed, and unsigned up to 32 bits).
    Int(Vec<i64>),
    /// 64-bit unsigned integers.
    UInt(Vec<u64>),
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// Strings.
    Str(Vec<String>),
}

impl Values {
    /// How many values.
    pub fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::UInt(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Str(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as JSON (for `uns`).
    pub fn to_json(&self) -> Vec<Value> {
        match self {
            Values::Bool(v) => v.iter().map(|x| Value::from(*x)).collect(),
            Values::Int(v) => v.iter().map(|x| Value::from(*x)).collect(),
            Values::UInt(v) => v.iter().map(|x| Value::from(*x)).collect(),
            Values::F32(v) => v.iter().map(|x| Value::from(f64::from(*x))).collect(),
            Values::F64(v) => v.iter().map(|x| Value::from(*x)).collect(),
            Values::Str(v) => v.iter().map(|x| Value::from(x.as_str())).collect(),
        }
    }

    /// The values as integers (categorical codes, sparse pointers).
    pub fn as_ints(&self) -> Option<Vec<i64>> {
        match self {
            Values::Int(v) => Some(v.clone()),
            Values::UInt(v) => v.iter().map(|x| i64::try_from(*x).ok()).collect(),
            Values::Bool(v) => Some(v.iter().map(|b| i64::from(*b)).collect()),
            _ => None,
        }
    }
}

/// A hierarchical store of groups and arrays. Paths are `/`-separated, relative to the
/// root (`""` is the root).
pub trait Store {
    /// The node at `path`, if any.
    fn node(&self, path: &str) -> Result<Option<Node>>;
    /// The attributes of the node at `path` (empty when it has none).
    fn attrs(&self, path: &str) -> Result<Map<String, Value>>;
    /// The names of the children of the group at `path`, sorted.
    fn children(&self, path: &str) -> Result<Vec<String>>;
    /// The values of the array at `path` (flattened).
    fn read(&self, path: &str) -> Result<Values>;
}

/// `parent/child` without a leading slash for the root.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}/{child}")
    }
}
