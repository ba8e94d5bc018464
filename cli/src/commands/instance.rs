//! `lamin init`, `connect`, `info`, `migrate`: creating, choosing and upgrading instances.

use clap::{Args, Subcommand};
use lamindb_core::instance::settings;
use lamindb_core::prelude::*;
use serde_json::json;

use crate::output::{current_dir, info_json, redacted_db, Global, Output};

/// lamin-cli's default storage folder; an instance stored there is named after the working
/// folder.
const DEFAULT_STORAGE: &str = "./storage";

/// `lamin init`.
#[derive(Args)]
pub struct InitArgs {
    /// Storage folder (created if missing); default `./storage`, as lamin-cli.
    #[arg(long, default_value = DEFAULT_STORAGE)]
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
        let name = match (&self.name, &self.db) {
            (None, None) if self.storage == DEFAULT_STORAGE => current_dir()?
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase()),
            _ => self.name,
        };
        let inst = Instance::init(&InitOptions {
            storage: self.storage,
            db: self.db,
            name,
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
    /// Pin the instance to the working directory only (writes `.lamin/current_instance`; the
    /// instance current elsewhere stays).
    #[arg(long)]
    here: bool,
}

impl ConnectArgs {
    pub fn run(self) -> Result<Output> {
        let inst = Instance::connect(&self.instance)?;
        let cwd = current_dir()?;
        let mut text = format!("connected to {}", inst.slug());
        if self.here {
            if !settings::settings_dir()
                .join(inst.settings().file_name())
                .is_file()
            {
                inst.settings().save()?;
            }
            inst.settings().write_marker(&cwd)?;
            text.push_str(&format!("\n  pinned to {}", cwd.display()));
            return Ok(Output::new(text, info_json(&inst)?));
        }
        inst.settings().save_and_select()?;
        if let Some(marker) = settings::find_marker(&cwd) {
            // A marker here would keep commands on the instance it names: repoint it too.
            if let Some(dir) = marker.parent().and_then(std::path::Path::parent) {
                inst.settings().write_marker(dir)?;
                text.push_str(&format!("\n  repointed {} to it", marker.display()));
            }
        }
        Ok(Output::new(text, info_json(&inst)?))
    }
}

/// `lamin disconnect`.
#[derive(Args)]
pub struct DisconnectArgs {
    /// Only unpin the development folder holding the working directory (removes its
    /// `.lamin/current_instance`); the instance current elsewhere stays.
    #[arg(long)]
    here: bool,
}

impl DisconnectArgs {
    pub fn run(self) -> Result<Output> {
        let cwd = current_dir()?;
        if self.here {
            let Some(marker) = settings::find_marker(&cwd) else {
                return Ok(Output::new(
                    format!("{} is pinned to no instance", cwd.display()),
                    json!({ "unpinned": null }),
                ));
            };
            let dir = marker
                .parent()
                .and_then(std::path::Path::parent)
                .unwrap_or(&cwd)
                .to_path_buf();
            settings::remove_marker(&dir)?;
            return Ok(Output::new(
                format!("unpinned {}", dir.display()),
                json!({ "unpinned": dir }),
            ));
        }
        settings::deselect_current()?;
        Ok(Output::new(
            "disconnected: no instance is current (folders pinned with --here stay pinned)",
            json!({ "disconnected": true }),
        ))
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
    /// Apply pending migrations of the instance's modules, dependencies first, one transaction
    /// per module.
    Deploy,
    /// Write a module's next migration, for SQLite and Postgres, from the difference between its
    /// registry declarations and the schema its migrations make (new tables, columns, link
    /// tables, indexes).
    Create(MigrateCreateArgs),
}

/// `lamin migrate create`.
#[derive(clap::Args)]
pub struct MigrateCreateArgs {
    /// The module (linked into this `lamin`, or loaded with --module-path).
    #[arg(long)]
    module: String,
    /// The module's crate folder: migrations go to DIR/migrations/{sqlite,postgres}/.
    #[arg(long)]
    dir: std::path::PathBuf,
    /// Name of the migration (folder suffix).
    #[arg(long, default_value = "update")]
    name: String,
    /// Also write changes that drop columns (and their data).
    #[arg(long)]
    allow_destructive: bool,
    /// Print the migration instead of writing it.
    #[arg(long)]
    dry_run: bool,
}

impl MigrateAction {
    pub fn run(self, g: &Global) -> Result<Output> {
        match self {
            MigrateAction::Create(a) => migrate_create(a),
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

fn migrate_create(a: MigrateCreateArgs) -> Result<Output> {
    use lamindb_core::instance::plan::plan_migration;
    if a.name.is_empty()
        || !a
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(Error::Validation(format!(
            "migration name '{}' must be letters, digits and _",
            a.name
        )));
    }
    let plan = plan_migration(
        &a.module,
        &lamindb_core::ModuleSet::linked(),
        a.allow_destructive,
    )?;
    let mut json = serde_json::to_value(&plan).unwrap_or_default();
    if plan.is_empty() {
        return Ok(Output::new(
            format!(
                "module '{}': its migrations match its declarations; nothing to write",
                plan.module
            ),
            json,
        ));
    }
    if a.dry_run {
        return Ok(Output::new(
            format!(
                "-- SQLite\n{}\n-- Postgres\n{}",
                plan.sqlite_up.trim_end(),
                plan.postgres_up.trim_end()
            ),
            json,
        ));
    }
    let folder = format!(
        "{}_{}",
        chrono::Utc::now().format("%Y-%m-%d-%H%M%S"),
        a.name
    );
    let mut written = Vec::new();
    for (backend, up, down) in [
        ("sqlite", &plan.sqlite_up, &plan.sqlite_down),
        ("postgres", &plan.postgres_up, &plan.postgres_down),
    ] {
        let dir = a.dir.join("migrations").join(backend).join(&folder);
        if dir.exists() {
            return Err(Error::AlreadyExists(format!(
                "{} exists already",
                dir.display()
            )));
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
            path: dir.clone(),
            source: e,
        })?;
        for (file, text) in [("up.sql", up), ("down.sql", down)] {
            let p = dir.join(file);
            std::fs::write(&p, text).map_err(|e| Error::Io {
                path: p.clone(),
                source: e,
            })?;
        }
        written.push(dir.display().to_string());
    }
    json["written"] = json!(written);
    Ok(Output::new(
        format!(
            "wrote migration {folder} of module '{}' ({} changes) to\n  {}",
            plan.module,
            plan.changes.len(),
            written.join("\n  ")
        ),
        json,
    ))
}
