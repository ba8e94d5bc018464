//! [`Store`] over a zarr v2 or v3 hierarchy on the local file system, read with `zarrs`
//! (Blosc, zstd and gzip codecs; `vlen-utf8` strings). The whole hierarchy's metadata is
//! read once on open; arrays are decoded when asked for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

use lamindb_core::{Error, Result};

use super::store::{ElemType, Node, Store, Values};

/// One node's metadata, as the reader needs it.
struct Meta {
    node: Node,
    attrs: Map<String, Value>,
    children: Vec<String>,
}

/// An open zarr hierarchy (an `.zarr` / `.anndata.zarr` folder).
pub struct ZarrStore {
    store: Arc<FilesystemStore>,
    nodes: HashMap<String, Meta>,
    path: PathBuf,
}

/// The element type a zarr v2 `dtype` or v3 `data_type` names.
fn elem_type(meta: &Value) -> ElemType {
    if let Some(v3) = meta.get("data_type").and_then(Value::as_str) {
        return match v3 {
            "bool" => ElemType::Bool,
            "int8" => ElemType::Int(1),
            "int16" => ElemType::Int(2),
            "int32" => ElemType::Int(4),
            "int64" => ElemType::Int(8),
            "uint8" => ElemType::UInt(1),
            "uint16" => ElemType::UInt(2),
            "uint32" => ElemType::UInt(4),
            "uint64" => ElemType::UInt(8),
            "float32" => ElemType::Float(4),
            "float64" => ElemType::Float(8),
            "string" => ElemType::Str,
            other => ElemType::Other(other.to_owned()),
        };
    }
    let v2 = meta
        .get("dtype")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = v2.trim_start_matches(['<', '>', '|', '=']);
    let size = kind[1.min(kind.len())..].parse::<u8>().unwrap_or(0);
    match kind.chars().next() {
        Some('b') => ElemType::Bool,
        Some('i') => ElemType::Int(size),
        Some('u') => ElemType::UInt(size),
        Some('f') => ElemType::Float(size),
        // `|O` with the vlen-utf8 filter, or fixed-width unicode.
        Some('O') | Some('U') => ElemType::Str,
        _ => ElemType::Other(v2.to_owned()),
    }
}

fn read_json(file: &Path) -> std::result::Result<Option<Value>, String> {
    match std::fs::read(file) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| format!("{}: {e}", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", file.display())),
    }
}

/// The node in folder `dir` and its metadata (v2 attributes moved under `attributes`, as
/// v3 has them), or None when `dir` holds no zarr node.
fn read_meta(dir: &Path) -> std::result::Result<Option<(Node, Value)>, String> {
    let node_of = |meta: &Value, is_array: bool| {
        if !is_array {
            return Node::Group;
        }
        let shape = meta
            .get("shape")
            .and_then(Value::as_array)
            .map(|s| s.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        Node::Array {
            shape,
            dtype: elem_type(meta),
        }
    };
    if let Some(meta) = read_json(&dir.join("zarr.json"))? {
        let is_array = meta.get("node_type").and_then(Value::as_str) == Some("array");
        return Ok(Some((node_of(&meta, is_array), meta)));
    }
    let (mut meta, is_array) = match (
        read_json(&dir.join(".zarray"))?,
        read_json(&dir.join(".zgroup"))?,
    ) {
        (Some(a), _) => (a, true),
        (None, Some(g)) => (g, false),
        (None, None) => return Ok(None),
    };
    if let (Some(attrs), Some(obj)) = (read_json(&dir.join(".zattrs"))?, meta.as_object_mut()) {
        obj.insert("attributes".into(), attrs);
    }
    Ok(Some((node_of(&meta, is_array), meta)))
}

impl ZarrStore {
    /// Opens the zarr hierarchy in folder `path`. The metadata documents (`zarr.json`;
    /// `.zgroup`/`.zarray` with `.zattrs`) are read here rather than through zarrs' node
    /// tree, so that an array zarrs cannot decode (numpy record arrays in `uns`) does not
    /// keep the rest of the file from being read.
    pub fn open(path: &Path) -> Result<Self> {
        let bad = |m: String| Error::Format {
            path: path.to_path_buf(),
            format: "zarr",
            message: m,
        };
        let store = Arc::new(FilesystemStore::new(path).map_err(|e| bad(e.to_string()))?);
        let mut nodes = HashMap::new();
        let mut stack = vec![String::new()];
        while let Some(at) = stack.pop() {
            let dir = path.join(&at);
            let Some((node, meta)) = read_meta(&dir).map_err(|m| bad(format!("/{at}: {m}")))?
            else {
                if at.is_empty() {
                    return Err(bad("no zarr.json, .zgroup or .zarray at its root".into()));
                }
                continue;
            };
            let mut children = Vec::new();
            if node == Node::Group {
                for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
                    let entry = entry.map_err(|e| Error::io(&dir, e))?;
                    if entry.file_type().is_ok_and(|t| t.is_dir()) {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if read_meta(&entry.path()).ok().flatten().is_some() {
                            stack.push(super::store::join(&at, &name));
                            children.push(name);
                        }
                    }
                }
            }
            children.sort();
            let attrs = meta
                .get("attributes")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            nodes.insert(
                at,
                Meta {
                    node,
                    attrs,
                    children,
                },
            );
        }
        Ok(ZarrStore {
            store,
            nodes,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, at: &str, e: impl std::fmt::Display) -> Error {
        Error::Format {
            path: self.path.clone(),
            format: "zarr",
            message: format!("/{at}: {e}"),
        }
    }
}

macro_rules! retrieve {
    ($arr:expr, $t:ty) => {
        $arr.retrieve_array_subset::<Vec<$t>>(&$arr.subset_all())
    };
}

impl Store for ZarrStore {
    fn node(&self, path: &str) -> Result<Option<Node>> {
        Ok(self.nodes.get(path).map(|m| m.node.clone()))
    }

    fn attrs(&self, path: &str) -> Result<Map<String, Value>> {
        Ok(self
            .nodes
            .get(path)
            .map(|m| m.attrs.clone())
            .unwrap_or_default())
    }

    fn children(&self, path: &str) -> Result<Vec<String>> {
        Ok(self
            .nodes
            .get(path)
            .map(|m| m.children.clone())
            .unwrap_or_default())
    }

    fn read(&self, path: &str) -> Result<Values> {
        let Some(Meta {
            node: Node::Array { dtype, .. },
            ..
        }) = self.nodes.get(path)
        else {
            return Err(self.err(path, "no array here"));
        };
        let arr =
            Array::open(self.store.clone(), &format!("/{path}")).map_err(|e| self.err(path, e))?;
        let e = |e: zarrs::array::ArrayError| self.err(path, e);
        Ok(match dtype {
            ElemType::Bool => Values::Bool(retrieve!(arr, bool).map_err(e)?),
            ElemType::Int(1) => Values::Int(
                retrieve!(arr, i8)
                    .map_err(e)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            ElemType::Int(2) => Values::Int(
                retrieve!(arr, i16)
                    .map_err(e)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            ElemType::Int(4) => Values::Int(
                retrieve!(arr, i32)
                    .map_err(e)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            ElemType::Int(_) => Values::Int(retrieve!(arr, i64).map_err(e)?),
            ElemType::UInt(1) => Values::Int(
                retrieve!(arr, u8)
                    .map_err(e)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            ElemType::UInt(2) => Values::Int(
                retrieve!(arr, u16)
                    .map_err(e)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            ElemType::UInt(4) => Values::Int(
                retrieve!(arr, u32)
                    .map_err(e)?
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
            ElemType::UInt(_) => Values::UInt(retrieve!(arr, u64).map_err(e)?),
            ElemType::Float(4) => Values::F32(retrieve!(arr, f32).map_err(e)?),
            ElemType::Float(_) => Values::F64(retrieve!(arr, f64).map_err(e)?),
            ElemType::Str => Values::Str(retrieve!(arr, String).map_err(e)?),
            ElemType::Other(o) => return Err(self.err(path, format!("unsupported data type {o}"))),
        })
    }
}
