//! `lamin init`, `connect`, `info`, `migrate`: creating, choosing and upgrading instances.

use clap::{Args, Subcommand};
use lamindb_core::instance::settings;
use lamindb_core::prelude::*;
use serde_json::json;

use crate::output::{current_dir, info_json, redacted_db, Global, Output};

/// `lamin init`.
#[derive(Args)]
pub struct InitArgs {
    /// Storage folder (created if missing).
    #[arg(long)]
    storage: String,
    /// Postgres URL (postgresql://user@host:port/db); default SQLite under the storage folder.
    #[arg(long)]
    db: Option<String>,
    /// Instance name; default the storage folder's name.
    #[arg(long)]
    name: Option<String>,
    /// Schema modules, comma-separated (e.g. bionty,wetlab).
    #[arg(long, value_delimiter = ',')]
    modules: Vec<String>,
    /// User handle; default the logged-in user or `anonymous`.
    #[arg(long)]
    handle: Option<String>,
}

impl InitArgs {
    pub fn run(self) -> Result<Output> {
        let inst = Instance::init(&InitOptions {
            storage: self.storage,
            db: self.db,
            name: self.name,
            modules: self.modules,
            handle: self.handle,
        })?;
        let mut text = format!(
            "initialized instance {} (uid {}) at {}\n  database: {}",
            inst.slug(),
            inst.uid(),
            inst.storage().root,
            redacted_db(&inst)
        );
        // The instance exists now; a working folder that is gone only skips the pin.
        if let Ok(cwd) = current_dir() {
            let marker = inst.settings().write_marker(&cwd)?;
            text.push_str(&format!(
                "\n  commands in {} use it ({}; `lamin connect` repoints it)",
                cwd.display(),
                marker.display()
            ));
        }
        Ok(Output::new(text, info_json(&inst)?))
    }
}

/// `lamin connect`.
#[derive(Args)]
pub struct ConnectArgs {
    /// owner/name, name, or the instance's storage folder.
    instance: String,
    /// Pin the instance to the working directory (writes `.lamin/current_instance`).
    #[arg(long)]
    here: bool,
}

impl ConnectArgs {
    pub fn run(self) -> Result<Output> {
        let inst = Instance::connect(&self.instance)?;
        inst.settings().save_and_select()?;
        let cwd = current_dir()?;
        let mut text = format!("connected to {}", inst.slug());
        if self.here {
            inst.settings().write_marker(&cwd)?;
            text.push_str(&format!("\n  pinned to {}", cwd.display()));
        } else if let Some(marker) = settings::find_marker(&cwd) {
            // A marker here would keep commands on the instance it names: repoint it too.
            if let Some(dir) = marker.parent().and_then(std::path::Path::parent) {
                inst.settings().write_marker(dir)?;
                text.push_str(&format!("\n  repointed {} to it", marker.display()));
            }
        }
        Ok(Output::new(text, info_json(&inst)?))
    }
}

/// `lamin info`.
pub fn info(g: &Global) -> Result<Output> {
    let inst = g.open()?;
    let j = info_json(&inst)?;
    let modules = j["modules"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let text = format!(
        "instance: {}\n  uid: {}\n  storage: {}\n  database: {}\n  modules: {modules}\n  user: {} ({})\n  settings: {}",
        inst.slug(),
        inst.uid(),
        inst.storage().root,
        redacted_db(&inst),
        inst.user().handle,
        inst.user().uid,
        settings::settings_dir().display()
    );
    Ok(Output::new(text, j))
}

/// `lamin migrate …`.
#[derive(Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations of the instance's modules.
    Deploy,
}

impl MigrateAction {
    pub fn run(self, g: &Global) -> Result<Output> {
        match self {
            MigrateAction::Deploy => {
                let s = match &g.instance {
                    Some(spec) => settings::resolve(spec)?,
                    None => settings::current()?,
                };
                let applied = Instance::migrate_deploy(&s)?;
                let text = if applied.is_empty() {
                    format!("{}: no pending migrations", s.slug())
                } else {
                    format!("{}: applied {}", s.slug(), applied.join(", "))
                };
                Ok(Output::new(
                    text,
                    json!({ "instance": s.slug(), "applied": applied }),
                ))
            }
        }
    }
}
