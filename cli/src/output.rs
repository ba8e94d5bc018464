//! What every command shares: opening the instance, choosing an artifact, and the result it
//! prints (text, or JSON with `--json`).

use std::path::PathBuf;

use clap::Args;
use lamindb_core::prelude::*;
use serde_json::{json, Value};

/// A command's result.
pub struct Output {
    pub text: String,
    pub json: Value,
    /// The process exit code when it is not success (`lamin run` passes its command's on).
    pub exit_code: u8,
}

impl Output {
    pub fn new(text: impl Into<String>, json: Value) -> Output {
        Output {
            text: text.into(),
            json,
            exit_code: 0,
        }
    }
}

/// Options every command sees.
pub struct Global {
    /// `--json`.
    pub json: bool,
    /// `--instance`.
    pub instance: Option<String>,
}

impl Global {
    /// Opens the instance (`--instance`, else the current one) with progress bars attached.
    pub fn open(&self) -> Result<Instance> {
        let inst = match &self.instance {
            Some(s) => Instance::connect(s)?,
            None => Instance::current()?,
        };
        crate::progress::attach(&inst);
        // Saves whose writer died are finished or undone before anything reads the instance.
        if let Err(e) = inst.artifacts().recover() {
            tracing::warn!("could not recover interrupted saves: {e}");
        }
        Ok(inst)
    }

    /// Opens the instance for commands that save or read artifacts: inside `lamin run` the run
    /// comes from `LAMIN_RUN_UID`; otherwise a shell run started by `lamin track` is attached.
    pub fn open_tracked(&self) -> Result<Instance> {
        let inst = self.open()?;
        let in_run =
            std::env::var(lamindb_core::records::runs::RUN_UID_ENV).is_ok_and(|v| !v.is_empty());
        if !in_run {
            if let Some(run) = crate::commands::runs::shell_run(&inst)? {
                inst.attach_run(run);
            }
        }
        Ok(inst)
    }
}

/// `--key` or `--uid` of an artifact.
#[derive(Args)]
pub struct Select {
    /// Key of the artifact.
    #[arg(long, required_unless_present = "uid")]
    pub key: Option<String>,
    /// uid (or prefix) of the artifact.
    #[arg(long)]
    pub uid: Option<String>,
}

impl Select {
    /// The artifact chosen (by uid first).
    pub fn artifact(&self, inst: &Instance) -> Result<Artifact> {
        select(inst, &self.key, &self.uid)
    }
}

/// The artifact with uid `uid`, else the latest with key `key`.
pub fn select(inst: &Instance, key: &Option<String>, uid: &Option<String>) -> Result<Artifact> {
    match (uid, key) {
        (Some(u), _) => inst.artifacts().get(u),
        (None, Some(k)) => inst.artifacts().get_by_key(k),
        (None, None) => Err(Error::Validation("pass --key or --uid".into())),
    }
}

/// The instance's database URL without credentials.
pub fn redacted_db(inst: &Instance) -> String {
    lamindb_core::db::redact_url(&inst.settings().db_url())
}

/// `lamin info --json`.
pub fn info_json(inst: &Instance) -> Result<Value> {
    Ok(json!({
        "slug": inst.slug(),
        "owner": inst.settings().owner,
        "name": inst.settings().name,
        "id": inst.settings().id.simple().to_string(),
        "uid": inst.uid(),
        "storage": inst.storage(),
        "db": redacted_db(inst),
        "dialect": format!("{:?}", inst.dialect()).to_lowercase(),
        "modules": inst.modules()?,
        "user": inst.user(),
    }))
}

/// An artifact as `--json` shows it.
pub fn artifact_json(inst: &Instance, a: &Artifact) -> Value {
    let path = inst
        .root_of(a.storage_id)
        .map(|r| r.url_of(&a.storage_key()))
        .unwrap_or_default();
    json!({
        "id": a.id,
        "uid": a.uid,
        "key": a.key,
        "description": a.description,
        "suffix": a.suffix,
        "kind": a.kind,
        "size": a.size,
        "hash": a.hash,
        "hash_type": a.hash_type,
        "n_files": a.n_files,
        "version": a.version(),
        "is_latest": a.is_latest,
        "branch_id": a.branch_id,
        "storage_key": a.storage_key(),
        "path": path,
        "created_at": a.created_at.to_string(),
    })
}

/// The working directory, as an I/O error when it is gone.
pub fn current_dir() -> Result<PathBuf> {
    std::env::current_dir().map_err(|e| Error::io(".", e))
}

/// How a command names one record: `--uid`, `--name` (the registry's name field) or `--key`.
pub struct RecordRef<'a> {
    /// `--uid` (or a prefix).
    pub uid: Option<&'a str>,
    /// `--name`.
    pub name: Option<&'a str>,
    /// `--key`.
    pub key: Option<&'a str>,
}

/// The registry and row id of the record of `entity` (`artifact`, `transform`, `run`, `branch`,
/// `ulabel`, `bionty.CellType`, …) that `r` names. Artifacts and transforms by key are their
/// latest versions; a branch named by nothing is the current one. Lookups by uid reach every
/// branch.
pub fn find_record(
    inst: &Instance,
    entity: &str,
    r: &RecordRef<'_>,
) -> Result<(&'static lamindb_core::meta::RegistryMeta, i64)> {
    let catalog = inst.catalog();
    let meta = catalog.registry(&crate::commands::list::registry_name(entity))?;
    let missing = || {
        Error::Validation(format!(
            "For entity '{}' you must pass --uid or --{}",
            entity.to_ascii_lowercase(),
            if meta.field("key").is_some() {
                "key"
            } else {
                "name"
            }
        ))
    };
    match meta.name {
        "Artifact" => {
            let a = match (r.uid, r.key) {
                (Some(u), _) => inst.artifacts().get(u)?,
                (None, Some(k)) => inst.artifacts().get_by_key(k)?,
                (None, None) => return Err(missing()),
            };
            Ok((meta, a.id.into()))
        }
        "Transform" => {
            let t = match (r.uid, r.key) {
                (Some(u), _) => inst.transforms().get(u)?,
                (None, Some(k)) => inst.transforms().get_by_key(k)?,
                (None, None) => return Err(missing()),
            };
            Ok((meta, t.id.into()))
        }
        "Run" => {
            let uid = r
                .uid
                .ok_or_else(|| Error::Validation("For entity 'run' you must pass --uid".into()))?;
            Ok((meta, inst.runs().get(uid)?.id))
        }
        "Branch" if r.uid.is_none() && r.name.is_none() => {
            Ok((meta, inst.branches().current()?.id))
        }
        _ => {
            let (field, value) = match (r.uid, r.name, r.key) {
                (Some(u), _, _) => ("uid", u),
                (None, Some(n), _) => (meta.name_field.unwrap_or("name"), n),
                (None, None, Some(k)) => ("key", k),
                (None, None, None) => return Err(missing()),
            };
            let mut q = inst.query_registry(meta.name)?.filter(Q::new(field, value));
            if field == "uid" {
                q = q.branches(lamindb_core::query::Branches::All);
            }
            let rows = q.order_by("-id").rows(&["id"])?;
            let id = rows
                .rows
                .first()
                .and_then(|row| row[0].as_i64())
                .ok_or_else(|| {
                    Error::NotFound(format!("no {} record has {field} '{value}'", meta.name))
                })?;
            Ok((meta, id))
        }
    }
}
