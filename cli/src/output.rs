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
