//! `lamin`: the command line interface of lamindb-rs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use lamindb_core::prelude::*;
use lamindb_core::settings;
use serde_json::{json, Value};

// Schema modules shipped with this binary; naming them links their registrations.
use bionty as _;
use wetlab as _;

mod describe;

/// LaminDB in Rust: register, version, find and load datasets in a LaminDB instance.
#[derive(Parser)]
#[command(name = "lamin", version, about)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Instance to use (owner/name, name or storage folder); default: LAMIN_INSTANCE, a `.lamin/`
    /// marker in this folder or a parent, or the last connected instance.
    #[arg(long, global = true, env = "LAMIN_INSTANCE", hide_env_values = true)]
    instance: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an instance.
    Init(InitArgs),
    /// Make an instance the current one.
    Connect {
        /// owner/name, name, or the instance's storage folder.
        instance: String,
        /// Pin the instance to the working directory (writes `.lamin/current_instance`).
        #[arg(long)]
        here: bool,
    },
    /// Show the current instance.
    Info,
    /// Save a file or folder as an artifact.
    Save {
        /// The file or folder.
        path: PathBuf,
        /// Key (virtual path in the instance).
        #[arg(long)]
        key: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Kind (dataset, model, …).
        #[arg(long)]
        kind: Option<String>,
    },
    /// Print the local path of an artifact's data (copying it to --to if given).
    Load {
        /// Key of the artifact.
        #[arg(long, required_unless_present = "uid")]
        key: Option<String>,
        /// uid (or prefix) of the artifact.
        #[arg(long)]
        uid: Option<String>,
        /// Copy the data into this folder and print the copy's path.
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Describe an artifact.
    Describe(Select),
    /// List records of a registry.
    List {
        /// The registry (`artifacts`).
        registry: String,
        /// Only keys starting with this prefix.
        #[arg(long)]
        key_prefix: Option<String>,
        /// Include every version, not only the latest.
        #[arg(long)]
        all_versions: bool,
        /// List the trash.
        #[arg(long)]
        trash: bool,
        /// At most this many rows.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Move an artifact to the trash, or delete it permanently.
    Delete {
        #[command(flatten)]
        select: Select,
        /// Delete the record (and its data under .lamindb/) for good.
        #[arg(long)]
        permanent: bool,
        /// Also delete data stored under a real (non-virtual) key.
        #[arg(long)]
        delete_data: bool,
    },
    /// Restore an artifact from the trash.
    Restore {
        /// Key of the trashed artifact.
        #[arg(long, required_unless_present = "uid")]
        key: Option<String>,
        /// uid of the artifact.
        #[arg(long)]
        uid: Option<String>,
    },
    /// Manage database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
}

#[derive(Args)]
struct InitArgs {
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

#[derive(Args)]
struct Select {
    /// Key of the artifact.
    #[arg(long, required_unless_present = "uid")]
    key: Option<String>,
    /// uid (or prefix) of the artifact.
    #[arg(long)]
    uid: Option<String>,
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply pending migrations of the instance's modules.
    Deploy,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LAMIN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let json_out = cli.json;
    match run(cli) {
        Ok(out) => {
            let text = if json_out {
                serde_json::to_string_pretty(&out.json).expect("json")
            } else {
                out.text
            };
            // A closed pipe (`lamin list | head`) is not an error of ours.
            use std::io::Write;
            if !text.is_empty() {
                let _ = writeln!(std::io::stdout().lock(), "{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json_out {
                let kind = format!("{:?}", e.kind());
                eprintln!("{}", json!({ "error": e.to_string(), "kind": kind }));
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(match e.kind() {
                ErrorKind::NotFound => 3,
                ErrorKind::Validation => 4,
                ErrorKind::Conflict | ErrorKind::AlreadyExists => 5,
                _ => 1,
            })
        }
    }
}

struct Output {
    text: String,
    json: Value,
}

fn open(spec: &Option<String>) -> Result<Instance> {
    match spec {
        Some(s) => Instance::connect(s),
        None => Instance::current(),
    }
}

fn select(inst: &Instance, key: &Option<String>, uid: &Option<String>) -> Result<Artifact> {
    match (uid, key) {
        (Some(u), _) => inst.artifacts().get(u),
        (None, Some(k)) => inst.artifacts().get_by_key(k),
        (None, None) => Err(Error::Validation("pass --key or --uid".into())),
    }
}

fn run(cli: Cli) -> Result<Output> {
    match cli.command {
        Command::Init(args) => {
            let inst = Instance::init(&InitOptions {
                storage: args.storage,
                db: args.db,
                name: args.name,
                modules: args.modules,
                handle: args.handle,
            })?;
            if let Ok(cwd) = std::env::current_dir() {
                inst.settings().write_marker(&cwd)?;
            }
            Ok(Output {
                text: format!(
                    "initialized instance {} (uid {}) at {}\n  database: {}",
                    inst.slug(),
                    inst.uid(),
                    inst.storage().root,
                    redacted_db(&inst)
                ),
                json: info_json(&inst)?,
            })
        }
        Command::Connect { instance, here } => {
            let inst = Instance::connect(&instance)?;
            inst.settings().save_and_select()?;
            if here {
                let cwd = std::env::current_dir().map_err(|e| Error::Validation(e.to_string()))?;
                inst.settings().write_marker(&cwd)?;
            }
            Ok(Output {
                text: format!("connected to {}", inst.slug()),
                json: info_json(&inst)?,
            })
        }
        Command::Info => {
            let inst = open(&cli.instance)?;
            let j = info_json(&inst)?;
            let text = format!(
                "instance: {}\n  uid: {}\n  storage: {}\n  database: {}\n  modules: {}\n  user: {} ({})\n  settings: {}",
                inst.slug(),
                inst.uid(),
                inst.storage().root,
                redacted_db(&inst),
                j["modules"].as_array().map(|m| m.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default(),
                inst.user().handle,
                inst.user().uid,
                settings::settings_dir().display()
            );
            Ok(Output { text, json: j })
        }
        Command::Save {
            path,
            key,
            description,
            kind,
        } => {
            let inst = open(&cli.instance)?;
            let saved = inst.artifacts().save(NewArtifactSpec {
                path,
                key,
                description,
                kind,
                ..Default::default()
            })?;
            let verb = match saved.status {
                SaveStatus::Created => "saved",
                SaveStatus::NewVersion => "saved new version",
                SaveStatus::Existing => "returning existing artifact with same hash",
            };
            let a = &saved.artifact;
            let mut j = artifact_json(&inst, a);
            j["status"] = json!(format!("{:?}", saved.status).to_lowercase());
            Ok(Output {
                text: format!(
                    "{verb}: {} ({})",
                    a.uid,
                    a.key.as_deref().unwrap_or("no key")
                ),
                json: j,
            })
        }
        Command::Load { key, uid, to } => {
            let inst = open(&cli.instance)?;
            let a = select(&inst, &key, &uid)?;
            let mut path = inst.artifacts().path(&a)?;
            if let Some(dir) = to {
                path = copy_out(&path, &dir)?;
            }
            Ok(Output {
                text: path.display().to_string(),
                json: json!({ "uid": a.uid, "path": path }),
            })
        }
        Command::Describe(sel) => {
            let inst = open(&cli.instance)?;
            let a = select(&inst, &sel.key, &sel.uid)?;
            Ok(Output {
                text: describe::artifact_tree(&inst, &a)?,
                json: artifact_json(&inst, &a),
            })
        }
        Command::List {
            registry,
            key_prefix,
            all_versions,
            trash,
            limit,
        } => {
            if !matches!(registry.as_str(), "artifacts" | "artifact") {
                return Err(Error::Validation(format!(
                    "cannot list '{registry}': registries that can be listed: artifacts"
                )));
            }
            let inst = open(&cli.instance)?;
            let rows = inst.artifacts().list(&ListOptions {
                key_prefix,
                all_versions,
                trash,
                limit: Some(limit),
            })?;
            let text = describe::artifact_table(&rows);
            Ok(Output {
                text,
                json: Value::Array(rows.iter().map(|a| artifact_json(&inst, a)).collect()),
            })
        }
        Command::Delete {
            select: sel,
            permanent,
            delete_data,
        } => {
            let inst = open(&cli.instance)?;
            let a = match (&sel.uid, &sel.key, permanent) {
                (None, Some(k), true) => inst
                    .artifacts()
                    .get_by_key(k)
                    .or_else(|_| inst.artifacts().get_trashed_by_key(k))?,
                _ => select(&inst, &sel.key, &sel.uid)?,
            };
            if permanent {
                let deleted = inst.artifacts().delete_permanently(&a, delete_data)?;
                let text = match &deleted {
                    Some(k) => {
                        format!("permanently deleted artifact {} and its data at {k}", a.uid)
                    }
                    None => format!("permanently deleted artifact {} (its data was kept)", a.uid),
                };
                Ok(Output {
                    text,
                    json: json!({ "uid": a.uid, "deleted": true, "deleted_data": deleted }),
                })
            } else {
                let t = inst.artifacts().trash(&a)?;
                Ok(Output {
                    text: format!("moved artifact {} to the trash", t.uid),
                    json: artifact_json(&inst, &t),
                })
            }
        }
        Command::Restore { key, uid } => {
            let inst = open(&cli.instance)?;
            let a = match (&uid, &key) {
                (Some(u), _) => inst.artifacts().get(u)?,
                (None, Some(k)) => inst.artifacts().get_trashed_by_key(k)?,
                (None, None) => return Err(Error::Validation("pass --key or --uid".into())),
            };
            let r = inst.artifacts().restore(&a)?;
            Ok(Output {
                text: format!("restored artifact {}", r.uid),
                json: artifact_json(&inst, &r),
            })
        }
        Command::Migrate {
            action: MigrateAction::Deploy,
        } => {
            let s = match &cli.instance {
                Some(spec) => settings::resolve(spec)?,
                None => settings::current()?,
            };
            let applied = Instance::migrate_deploy(&s)?;
            let text = if applied.is_empty() {
                format!("{}: no pending migrations", s.slug())
            } else {
                format!("{}: applied {}", s.slug(), applied.join(", "))
            };
            Ok(Output {
                text,
                json: json!({ "instance": s.slug(), "applied": applied }),
            })
        }
    }
}

fn redacted_db(inst: &Instance) -> String {
    lamindb_core::db::redact_url(&inst.settings().db_url())
}

fn info_json(inst: &Instance) -> Result<Value> {
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

fn artifact_json(inst: &Instance, a: &Artifact) -> Value {
    let path = inst.storage_root().path_of(&a.storage_key()).ok();
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

fn copy_out(src: &std::path::Path, dir: &std::path::Path) -> Result<PathBuf> {
    let name = src
        .file_name()
        .ok_or_else(|| Error::Validation("artifact path has no file name".into()))?;
    let dst = dir.join(name);
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Validation(format!("cannot create {}: {e}", dir.display())))?;
    let root = lamindb_storage::StorageRoot::local(dir)?;
    root.put(src, &name.to_string_lossy())?;
    Ok(dst)
}
