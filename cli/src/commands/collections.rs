//! Collections on the command line: `lamin create collection KEY --artifact K …` (or
//! `--filter …`), `lamin load collection`, and the collection parts of `describe` and `delete`.

use std::path::Path;

use lamindb_core::prelude::*;
use lamindb_core::records::artifact::ListOptions;
use lamindb_core::records::collections::NewCollectionSpec;
use serde_json::{json, Value};

use crate::output::Output;

/// Options of `lamin create collection`.
#[derive(Debug, Default, clap::Args)]
pub struct CollectionOpts {
    /// A member artifact of a collection, by key or uid, in order (repeatable).
    #[arg(long = "artifact", value_name = "KEY|UID")]
    pub artifacts: Vec<String>,
    /// Take a collection's members from a query over artifacts (as `lamin list artifacts
    /// --filter`; repeatable, all must hold), oldest first.
    #[arg(long = "filter", value_name = "EXPR")]
    pub filters: Vec<String>,
}

impl CollectionOpts {
    /// Whether any collection option was given (they apply to nothing else).
    pub fn given(&self) -> bool {
        !self.artifacts.is_empty() || !self.filters.is_empty()
    }
}

/// An artifact named by key (the latest version) or, failing that, by uid.
fn member(inst: &Instance, name: &str) -> Result<Artifact> {
    match inst.artifacts().get_by_key(name) {
        Ok(a) => Ok(a),
        Err(by_key) => inst.artifacts().get(name).map_err(|_| by_key),
    }
}

/// `lamin create collection KEY …`.
pub fn create(
    inst: &Instance,
    key: &str,
    description: Option<&str>,
    opts: &CollectionOpts,
) -> Result<Output> {
    let mut artifacts = opts
        .artifacts
        .iter()
        .map(|name| member(inst, name))
        .collect::<Result<Vec<_>>>()?;
    if !opts.filters.is_empty() {
        let found = inst.artifacts().list(&ListOptions {
            filter: super::list::filters(&opts.filters)?,
            ..Default::default()
        })?;
        if found.is_empty() {
            return Err(Error::NotFound(format!(
                "no artifact matches {}; a collection needs at least one",
                opts.filters.join(" and ")
            )));
        }
        // Listings are newest first; members go oldest first.
        artifacts.extend(found.into_iter().rev());
    }
    if artifacts.is_empty() {
        return Err(Error::Validation(
            "a collection needs members: pass --artifact KEY (repeatable) or --filter EXPR".into(),
        ));
    }
    let mut spec = NewCollectionSpec::new(key, artifacts);
    spec.description = description.map(str::to_owned);
    let created = inst.collections().create(spec)?;
    let c = &created.record;
    let n = inst.collections().members(c)?.len();
    let text = if created.created {
        format!(
            "created collection '{}' ({}, version {}) of {n} artifact{}",
            c.key,
            c.uid,
            version_number(inst, c)?,
            if n == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "returning collection with same hash: '{}' ({}) already has these {n} artifacts",
            c.key, c.uid
        )
    };
    let mut j = collection_json(inst, c)?;
    j["created"] = json!(created.created);
    Ok(Output::new(text, j))
}

/// The 1-based position of `c` among its family's versions.
fn version_number(inst: &Instance, c: &Collection) -> Result<usize> {
    let versions = inst.collections().versions(c)?;
    Ok(versions.len() - versions.iter().position(|v| v.id == c.id).unwrap_or(0))
}

/// A collection as `--json` shows it, members included.
pub fn collection_json(inst: &Instance, c: &Collection) -> Result<Value> {
    let members = inst.collections().members(c)?;
    Ok(json!({
        "uid": c.uid,
        "key": c.key,
        "description": c.description,
        "hash": c.hash,
        "is_latest": c.is_latest,
        "branch_id": c.branch_id,
        "created_at": c.created_at,
        "artifacts": members.iter().map(|a| json!({
            "uid": a.uid, "key": a.key, "suffix": a.suffix, "size": a.size,
        })).collect::<Vec<_>>(),
    }))
}

/// The collection chosen by `--uid` or `--key`.
pub fn select(inst: &Instance, key: Option<&str>, uid: Option<&str>) -> Result<Collection> {
    match (uid, key) {
        (Some(u), _) => inst.collections().get(u),
        (None, Some(k)) => inst.collections().get_by_key(k),
        (None, None) => Err(Error::Validation(
            "For collection pass --key or --uid".into(),
        )),
    }
}

/// `lamin load collection`: the members' local paths (cloud members cached), one per line, or
/// with `to` copies of them in that folder, each named as its key names it.
pub fn load(inst: &Instance, c: &Collection, to: Option<&Path>) -> Result<Output> {
    let members = inst.collections().members(c)?;
    let mut paths = inst.collections().cache(c)?;
    if let Some(dir) = to {
        for (path, a) in paths.iter_mut().zip(&members) {
            let name = super::artifacts::copy_name(a, path)?;
            *path = super::artifacts::copy_out(path, dir, &name)?;
        }
    }
    let text = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Output::new(
        text,
        json!({ "uid": c.uid, "key": c.key, "paths": paths }),
    ))
}

/// `lamin delete collection`: to the trash, or with `permanent` for good (members stay).
pub fn delete(inst: &Instance, c: &Collection, permanent: bool) -> Result<Output> {
    if permanent {
        inst.collections().delete_permanently(c)?;
    } else {
        inst.collections().trash(c)?;
    }
    let verb = if permanent {
        "permanently deleted"
    } else {
        "moved to the trash:"
    };
    Ok(Output::new(
        format!("{verb} collection '{}' ({})", c.key, c.uid),
        json!({ "registry": "Collection", "uid": c.uid, "id": c.id, "permanent": permanent }),
    ))
}

/// `lamin load collection --columns … --where …`: the parquet members scanned in place as one
/// table, filtered and narrowed in the scan, printed as a table (`--json`: columns and rows).
pub fn query(
    inst: &Instance,
    c: &Collection,
    columns: &[String],
    wheres: &[String],
) -> Result<Output> {
    use polars::prelude::*;
    let fail =
        |e: PolarsError| Error::Validation(format!("cannot query collection '{}': {e}", c.key));
    let mut frame = inst.collections().open(c)?;
    if !wheres.is_empty() {
        let schema = frame.collect_schema().map_err(fail)?;
        let expr = lamindb_core::records::collections::filter_expr(
            &super::list::filters(wheres)?,
            &schema,
        )?;
        frame = frame.filter(expr);
    }
    if !columns.is_empty() {
        frame = frame.select(columns.iter().map(|n| col(n.as_str())).collect::<Vec<_>>());
    }
    let df = frame.collect().map_err(fail)?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    // The table and cells `lamin list --include` prints; JSON rows as arrays in column order.
    let (table, objects) = super::list::frame_output(&df);
    let rows: Vec<Value> = objects
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| Value::Array(names.iter().map(|n| o[n].clone()).collect()))
        .collect();
    Ok(Output::new(
        format!("{table}\n({} rows)", df.height()),
        json!({ "uid": c.uid, "key": c.key, "columns": names, "rows": rows }),
    ))
}
