//! `lamin settings`: development folders, the cache folder, the environment's schema modules,
//! and the current branch and space — kept in the files Python LaminDB keeps them in, so both
//! CLIs agree.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use lamindb_core::instance::settings::{self, Context, InstanceSettings};
use lamindb_core::prelude::*;
use serde_json::json;

use crate::output::{current_dir, Global, Output};

/// `lamin settings`.
#[derive(Args)]
pub struct SettingsArgs {
    #[command(subcommand)]
    cmd: Option<SettingsCmd>,
}

#[derive(Subcommand)]
enum SettingsCmd {
    /// Development folders: folders whose `.lamin/current_instance` marker pins an instance.
    #[command(name = "dev-dir")]
    DevDir {
        #[command(subcommand)]
        action: DevDirCmd,
    },
    /// The cache folder (cloud files, downloaded artifacts).
    #[command(name = "cache-dir")]
    CacheDir {
        #[command(subcommand)]
        action: CacheDirCmd,
    },
    /// The schema modules of the environment (used when no instance is current).
    Modules {
        #[command(subcommand)]
        action: ModulesCmd,
    },
    /// The current branch (change it with `lamin switch`).
    Branch {
        #[command(subcommand)]
        action: ContextCmd,
    },
    /// The current space (change it with `lamin switch --space`).
    Space {
        #[command(subcommand)]
        action: ContextCmd,
    },
    /// Folders through which a storage location is reachable (a FUSE mount, a share, a
    /// symlink): `lamin run` and `mount path` read artifacts there instead of caching them.
    Mount {
        #[command(subcommand)]
        action: MountCmd,
    },
    /// `lamin settings get SETTING` (the older spelling of `lamin settings SETTING get`).
    #[command(hide = true)]
    Get { setting: String },
    /// `lamin settings set SETTING VALUE` (the older spelling of `lamin settings SETTING set`).
    #[command(hide = true)]
    Set { setting: String, value: String },
}

#[derive(Subcommand)]
enum MountCmd {
    /// Register a folder made by another tool as exposing a storage location (detected from
    /// its `.lamindb/storage_uid.txt`, or given by --uid or --root).
    Register {
        mountpoint: PathBuf,
        /// uid of the storage location.
        #[arg(long, conflicts_with = "root")]
        uid: Option<String>,
        /// Root of the storage location.
        #[arg(long)]
        root: Option<String>,
    },
    /// Forget a registered mount (the folder stays).
    Unregister { mountpoint: PathBuf },
    /// The registered mounts that are alive.
    List,
    /// The path of an artifact through the mount of its storage location (a local storage
    /// location without a mount: its own path).
    Path {
        /// A lamin:// URI of the artifact.
        uri: Option<String>,
        /// uid of the artifact.
        #[arg(long)]
        uid: Option<String>,
        /// Key of the artifact.
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum DevDirCmd {
    /// The development folder holding the working folder, or None.
    Get,
    /// Make a folder a development folder of the current instance.
    Set { path: PathBuf },
    /// Stop the development folder holding the working folder being one.
    Unset,
    /// List development folders below a folder (default: the working folder).
    Find { path: Option<PathBuf> },
}

#[derive(Subcommand)]
enum CacheDirCmd {
    /// The cache folder.
    Get,
    /// Move the cache to a folder.
    Set { path: PathBuf },
    /// Move the cache back to the default folder.
    Reset,
    /// Empty the cache.
    Clear,
}

#[derive(Subcommand)]
enum ModulesCmd {
    /// The current instance's modules, else the environment's.
    Get,
    /// Set the environment's modules (comma-separated; "" for none).
    Set { value: String },
    /// Unset the environment's modules.
    Unset,
}

#[derive(Subcommand)]
enum ContextCmd {
    /// Its name.
    Get,
}

impl SettingsArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        match self.cmd {
            None => overview(),
            Some(SettingsCmd::DevDir { action }) => dev_dir(g, action),
            Some(SettingsCmd::CacheDir { action }) => cache_dir(action),
            Some(SettingsCmd::Modules { action }) => modules(g, action),
            Some(SettingsCmd::Branch {
                action: ContextCmd::Get,
            }) => context(g, Context::Branch),
            Some(SettingsCmd::Space {
                action: ContextCmd::Get,
            }) => context(g, Context::Space),
            Some(SettingsCmd::Mount { action }) => mount(g, action),
            Some(SettingsCmd::Get { setting }) => match setting.to_ascii_lowercase().as_str() {
                "dev-dir" => dev_dir(g, DevDirCmd::Get),
                "branch" => context(g, Context::Branch),
                "space" => context(g, Context::Space),
                "auto-connect" => Ok(Output::new("True", json!(true))),
                "private-django-api" => Ok(Output::new("False", json!(false))),
                other => Err(unknown_setting(other)),
            },
            Some(SettingsCmd::Set { setting, value }) => {
                match setting.to_ascii_lowercase().as_str() {
                    "dev-dir" if value.eq_ignore_ascii_case("none") => dev_dir(g, DevDirCmd::Unset),
                    "dev-dir" => dev_dir(g, DevDirCmd::Set { path: value.into() }),
                    "auto-connect" | "private-django-api" => Ok(Output::new(
                        format!("{setting} has no effect in lamindb-rs"),
                        json!(null),
                    )),
                    other => Err(unknown_setting(other)),
                }
            }
        }
    }
}

fn unknown_setting(name: &str) -> Error {
    Error::Validation(format!(
        "unknown setting '{name}'; settings are dev-dir, cache-dir, modules, branch and space (`lamin settings --help`)"
    ))
}

/// The instance whose settings apply: `--instance`, else the current one (without opening its
/// database).
fn instance_settings(g: &Global) -> Result<InstanceSettings> {
    match &g.instance {
        Some(spec) => settings::resolve(spec),
        None => settings::current(),
    }
}

fn overview() -> Result<Output> {
    let cwd = current_dir()?;
    let current = settings::current().ok();
    let dev = current
        .as_ref()
        .and_then(|s| settings::dev_dir(&cwd, &s.slug()));
    let cache = settings::cache_dir();
    let branch = current
        .as_ref()
        .and_then(|s| Context::Branch.current(s, &cwd))
        .map_or_else(|| Context::Branch.default_name().to_owned(), |c| c.1);
    let text = format!(
        "Configure: see `lamin settings --help`\nCurrent settings:\n  instance: {}\n  branch: {branch}\n  dev-dir: {}\n  cache-dir: {}\n  settings-dir: {}",
        current.as_ref().map_or("None".into(), |s| s.slug()),
        dev.as_ref().map_or("None".into(), |d| d.display().to_string()),
        cache.display(),
        settings::settings_dir().display(),
    );
    Ok(Output::new(
        text,
        json!({
            "instance": current.as_ref().map(|s| s.slug()),
            "branch": branch,
            "dev_dir": dev,
            "cache_dir": cache,
            "settings_dir": settings::settings_dir(),
        }),
    ))
}

fn path_or_none(p: Option<&Path>) -> Output {
    match p {
        Some(p) => Output::new(p.display().to_string(), json!(p)),
        None => Output::new("None", json!(null)),
    }
}

fn dev_dir(g: &Global, action: DevDirCmd) -> Result<Output> {
    let cwd = current_dir()?;
    match action {
        DevDirCmd::Get => {
            let dir = instance_settings(g)
                .ok()
                .and_then(|s| settings::dev_dir(&cwd, &s.slug()));
            Ok(path_or_none(dir.as_deref()))
        }
        DevDirCmd::Set { path } => {
            let s = instance_settings(g)?;
            let dir = settings::set_dev_dir(&path, &s)?;
            Ok(Output::new(
                format!("{} is a development folder of {}", dir.display(), s.slug()),
                json!({ "dev_dir": dir, "instance": s.slug() }),
            ))
        }
        DevDirCmd::Unset => {
            let s = instance_settings(g)?;
            let dir = settings::unset_dev_dir(&cwd, &s.slug())?;
            let text = match &dir {
                Some(d) => format!("{} is no longer a development folder", d.display()),
                None => format!(
                    "{} is in no development folder of {}",
                    cwd.display(),
                    s.slug()
                ),
            };
            Ok(Output::new(text, json!({ "unset": dir })))
        }
        DevDirCmd::Find { path } => {
            let root = match path {
                Some(p) => std::path::absolute(&p).map_err(|e| Error::io(&p, e))?,
                None => cwd,
            };
            let root = root.canonicalize().map_err(|e| Error::io(&root, e))?;
            let found = settings::find_dev_dirs(&root);
            let text = found
                .iter()
                .map(|(d, slug, branch)| format!("{}\t{slug}\t{branch}", d.display()))
                .collect::<Vec<_>>()
                .join("\n");
            let rows: Vec<_> = found
                .iter()
                .map(
                    |(d, slug, branch)| json!({ "dev_dir": d, "instance": slug, "branch": branch }),
                )
                .collect();
            Ok(Output::new(text, json!(rows)))
        }
    }
}

fn cache_dir(action: CacheDirCmd) -> Result<Output> {
    let dir = match action {
        CacheDirCmd::Get => settings::cache_dir(),
        CacheDirCmd::Set { path } => settings::set_cache_dir(Some(&path))?,
        CacheDirCmd::Reset => settings::set_cache_dir(None)?,
        CacheDirCmd::Clear => {
            let dir = settings::clear_cache_dir()?;
            return Ok(Output::new(
                format!("the cache directory {} was cleared", dir.display()),
                json!({ "cache_dir": dir, "cleared": true }),
            ));
        }
    };
    Ok(Output::new(
        format!("The cache directory is {}", dir.display()),
        json!({ "cache_dir": dir }),
    ))
}

fn modules(g: &Global, action: ModulesCmd) -> Result<Output> {
    match action {
        ModulesCmd::Get => {
            let mut modules = match instance_settings(g) {
                Ok(s) => s.modules,
                Err(_) => settings::environment_modules().unwrap_or_default(),
            };
            modules.sort();
            let text = if modules.is_empty() {
                "None".to_owned()
            } else {
                modules.join(",")
            };
            Ok(Output::new(text, json!(modules)))
        }
        ModulesCmd::Set { value } if value.eq_ignore_ascii_case("none") => {
            modules(g, ModulesCmd::Unset)
        }
        ModulesCmd::Set { value } => {
            settings::set_environment_modules(Some(value.trim()))?;
            Ok(Output::new(
                format!("environment modules: {}", value.trim()),
                json!({ "modules": value.trim() }),
            ))
        }
        ModulesCmd::Unset => {
            settings::set_environment_modules(None)?;
            Ok(Output::new(
                "environment modules unset",
                json!({ "modules": null }),
            ))
        }
    }
}

fn context(g: &Global, which: Context) -> Result<Output> {
    let cwd = current_dir()?;
    let current = instance_settings(g)
        .ok()
        .and_then(|s| which.current(&s, &cwd));
    let (uid, name) = match current {
        Some((uid, name)) => (Some(uid), name),
        None => (None, which.default_name().to_owned()),
    };
    Ok(Output::new(
        name.clone(),
        json!({ "uid": uid, "name": name }),
    ))
}

/// `lamin settings mount …`.
fn mount(g: &Global, action: MountCmd) -> Result<Output> {
    use lamindb_core::instance::mounts;
    match action {
        MountCmd::Register {
            mountpoint,
            uid,
            root,
        } => {
            let inst = g.open()?;
            let m = inst.register_mount(&mountpoint, uid.as_deref().or(root.as_deref()))?;
            Ok(Output::new(
                format!(
                    "→ registered external mount {} -> {}",
                    m.mountpoint, m.storage_root
                ),
                serde_json::to_value(&m).expect("json"),
            ))
        }
        MountCmd::Unregister { mountpoint } => {
            mounts::unregister(&mountpoint)?;
            Ok(Output::new(
                format!("→ unregistered {}", mountpoint.display()),
                json!({ "mountpoint": mountpoint }),
            ))
        }
        MountCmd::List => {
            let all = mounts::list()?;
            let text =
                if all.is_empty() {
                    "no active mounts".to_owned()
                } else {
                    let mut lines = vec![format!("{:<40} {:<10} storage", "mountpoint", "backend")];
                    lines.extend(all.iter().map(|m| {
                        format!("{:<40} {:<10} {}", m.mountpoint, m.backend, m.storage_root)
                    }));
                    lines.join("\n")
                };
            Ok(Output::new(text, serde_json::to_value(&all).expect("json")))
        }
        MountCmd::Path { uri, uid, key } => {
            let inst = g.open()?;
            let artifact = match (&uri, &uid, &key) {
                (Some(u), _, _) => super::runs::resolve_uri(&inst, u)?,
                (None, Some(_), _) | (None, None, Some(_)) => {
                    crate::output::select(&inst, &key, &uid)?
                }
                (None, None, None) => {
                    return Err(Error::Validation(
                        "name the artifact: a lamin:// URI, --uid or --key".into(),
                    ))
                }
            };
            let path = match inst.mounted_path(&artifact)? {
                Some(p) => p,
                None => {
                    let root = inst.root_of(artifact.storage_id)?;
                    if !root.is_local() {
                        let storage = inst.storages().by_id(artifact.storage_id)?;
                        return Err(Error::NotFound(format!(
                            "Storage location {} is not mounted. Mount it, then register the mount with: lamin settings mount register MOUNTPOINT --uid {}",
                            storage.root, storage.uid
                        )));
                    }
                    root.path_of(&artifact.storage_key())?
                }
            };
            if !path.exists() {
                return Err(Error::NotFound(format!(
                    "Artifact {} is recorded at {} but that path does not exist.",
                    artifact.uid,
                    path.display()
                )));
            }
            Ok(Output::new(
                path.display().to_string(),
                json!({ "uid": artifact.uid, "path": path }),
            ))
        }
    }
}
