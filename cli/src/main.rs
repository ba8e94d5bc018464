//! `lamin`: the command line interface of lamindb-rs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use lamindb_core::annotate::Host;
use lamindb_core::instance::settings;
use lamindb_core::prelude::*;
use serde_json::{json, Value};

// Schema modules shipped with this binary; naming them links their registrations.
use bionty as _;
use wetlab as _;

mod describe;
mod progress;
mod registries;
mod runs;

/// LaminDB in Rust: register, version, find and load datasets in a LaminDB instance.
#[derive(Parser)]
#[command(name = "lamin", version, about)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
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
        /// Root of the managed storage to save into (default: the instance's storage).
        #[arg(long)]
        storage: Option<String>,
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
    /// Describe an artifact, run or transform.
    Describe {
        /// What to describe: artifact, run or transform.
        #[arg(default_value = "artifact")]
        entity: String,
        #[command(flatten)]
        select: Select,
    },
    /// List records of a registry, newest first.
    List {
        /// The registry (`artifacts`, `runs`, `transforms`, `ulabels`, `records`, `projects`,
        /// `features`, or any module registry such as `bionty.CellType`).
        registry: String,
        /// A filter FIELD[__LOOKUP]=VALUE (repeatable, all must hold), e.g. `suffix=.fasta`,
        /// `ulabels__name=My experiment`, `size__gt=1000`, `n_cells__gt=100` (a feature).
        #[arg(long = "filter", value_name = "EXPR")]
        filters: Vec<String>,
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
    /// Search a registry by its text fields, best matches first.
    Search {
        /// The registry (`ulabels`, `records`, `artifacts`, `bionty.CellType`, …).
        registry: String,
        /// The text.
        text: String,
        /// Search only this field (repeatable).
        #[arg(long = "field")]
        fields: Vec<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Create a label, record, project, reference, feature or schema (an existing one with the
    /// same name, or a schema with the same definition, is returned).
    Create {
        /// ulabel, record, project, reference, feature or schema.
        registry: String,
        /// Its name.
        name: String,
        /// The dtype of a feature: int, float, str, bool, date, datetime, dict,
        /// list[...], cat[ULabel], cat[Record[<type uid>]], …
        #[arg(long)]
        dtype: Option<String>,
        /// Name of the type (an `--is-type` record of the same registry) it belongs to.
        #[arg(long = "type")]
        type_name: Option<String>,
        /// Make it a type.
        #[arg(long)]
        is_type: bool,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Unit of a feature.
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        schema: registries::SchemaOpts,
    },
    /// Annotate an artifact, run or record with labels and feature values.
    Annotate {
        /// What to annotate: artifact, run or record.
        #[arg(default_value = "artifact")]
        entity: String,
        /// Key of the artifact.
        #[arg(long)]
        key: Option<String>,
        /// uid (or prefix) of the artifact, run or record.
        #[arg(long)]
        uid: Option<String>,
        /// Name of the record.
        #[arg(long)]
        name: Option<String>,
        /// A ULabel name (repeatable).
        #[arg(long)]
        ulabel: Vec<String>,
        /// A Project name (repeatable).
        #[arg(long)]
        project: Vec<String>,
        /// A Record name (repeatable).
        #[arg(long)]
        record: Vec<String>,
        /// A Reference name (repeatable).
        #[arg(long)]
        reference: Vec<String>,
        /// A feature value NAME=VALUE (repeatable); JSON values keep their type, `a,b` is a list.
        #[arg(long = "features", value_name = "NAME=VALUE")]
        features: Vec<String>,
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
    /// Run a command as a tracked run: its script (or executable) becomes a transform, its
    /// output the run's report, its exit status the run's status. `lamin save` and `lamin load`
    /// inside the command link their artifacts to the run.
    Run {
        /// Transform key; default the script's file name or the program's name.
        #[arg(long)]
        key: Option<String>,
        /// Pin the transform uid (16 characters: this version; 12: this version family).
        #[arg(long)]
        uid: Option<String>,
        /// A run parameter NAME=VALUE (repeatable); JSON values keep their type.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// The command, after `--`.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Start tracking the run of the calling shell script (finish it with `lamin finish`).
    Track {
        /// The script; default the script of the shell that runs `lamin track`.
        path: Option<PathBuf>,
        /// Transform key; default the script's file name.
        #[arg(long)]
        key: Option<String>,
    },
    /// Finish the run started by `lamin track`.
    Finish,
    /// Show the lineage graph of an artifact: the runs and inputs it came from and what was
    /// made from it.
    Lineage {
        /// Key of the artifact.
        #[arg(long, required_unless_present = "uid")]
        key: Option<String>,
        /// uid (or prefix) of the artifact.
        #[arg(long)]
        uid: Option<String>,
        /// At most this many runs away from the artifact (default: all).
        #[arg(long)]
        depth: Option<u32>,
        /// upstream, downstream or both.
        #[arg(long, default_value = "both")]
        direction: String,
        /// dot, mermaid, json or svg (svg needs Graphviz's `dot`).
        #[arg(long, default_value = "dot")]
        format: String,
    },
    /// Print runs as OpenLineage RunEvents, one JSON document per line (POST each to an
    /// OpenLineage endpoint such as Marquez's /api/v1/lineage).
    Openlineage {
        /// uid of a run (repeatable); default every run.
        #[arg(long)]
        run: Vec<String>,
    },
    /// List or add storage locations.
    Storage {
        #[command(subcommand)]
        action: StorageAction,
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
enum StorageAction {
    /// The instance's storage locations.
    List,
    /// Add a storage location (a folder, s3://bucket/prefix, gs://…); --read-only to only
    /// register objects that live there.
    Add {
        /// The root.
        root: String,
        /// Never write to or delete from it.
        #[arg(long)]
        read_only: bool,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
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
    progress::QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match run(cli) {
        Ok(out) => {
            let text = if json_out {
                serde_json::to_string_pretty(&out.json).expect("json")
            } else {
                out.text
            };
            // A closed pipe (`lamin list | head`) is not an error of ours.
            use std::io::Write;
            // `lamin run` prints nothing of its own on stdout (the command owns it).
            let silent = json_out && out.json.is_null();
            if !(text.is_empty() || silent) {
                let _ = writeln!(std::io::stdout().lock(), "{text}");
            }
            ExitCode::from(out.exit_code)
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
    /// The process exit code when it is not success (`lamin run` passes its command's on).
    exit_code: u8,
}

impl Output {
    fn new(text: impl Into<String>, json: Value) -> Output {
        Output {
            text: text.into(),
            json,
            exit_code: 0,
        }
    }
}

fn open(spec: &Option<String>) -> Result<Instance> {
    let inst = match spec {
        Some(s) => Instance::connect(s)?,
        None => Instance::current()?,
    };
    progress::attach(&inst);
    Ok(inst)
}

/// Opens the instance for commands that save or read artifacts: inside `lamin run` the run
/// comes from `LAMIN_RUN_UID`; otherwise a shell run started by `lamin track` is attached.
fn open_tracked(spec: &Option<String>) -> Result<Instance> {
    let inst = open(spec)?;
    let in_run =
        std::env::var(lamindb_core::records::runs::RUN_UID_ENV).is_ok_and(|v| !v.is_empty());
    if !in_run {
        if let Some(run) = runs::shell_run(&inst)? {
            inst.attach_run(run);
        }
    }
    Ok(inst)
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
                exit_code: 0,
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
                exit_code: 0,
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
            Ok(Output {
                text,
                json: j,
                exit_code: 0,
            })
        }
        Command::Save {
            path,
            key,
            description,
            kind,
            storage,
        } => {
            let inst = open_tracked(&cli.instance)?;
            let saved = inst.artifacts().save(NewArtifactSpec {
                path,
                key,
                description,
                kind,
                storage,
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
                exit_code: 0,
            })
        }
        Command::Load { key, uid, to } => {
            let inst = open_tracked(&cli.instance)?;
            let a = select(&inst, &key, &uid)?;
            let mut path = inst.artifacts().cache(&a)?;
            if let Some(dir) = to {
                path = copy_out(&path, &dir)?;
            }
            Ok(Output {
                text: path.display().to_string(),
                json: json!({ "uid": a.uid, "path": path }),
                exit_code: 0,
            })
        }
        Command::Describe {
            entity,
            select: sel,
        } => {
            let inst = open(&cli.instance)?;
            match entity.as_str() {
                "artifact" | "artifacts" => {
                    let a = select(&inst, &sel.key, &sel.uid)?;
                    let d = inst.describe_artifact(&a)?;
                    let mut json = artifact_json(&inst, &a);
                    json["features"] = json!(d.features);
                    json["labels"] = json!(d.labels);
                    Ok(Output::new(d.to_string(), json))
                }
                "run" | "runs" => {
                    let uid = sel.uid.as_deref().ok_or_else(|| {
                        Error::Validation("describe a run by its uid: pass --uid".into())
                    })?;
                    let run = inst.runs().get(uid)?;
                    let tr = inst.transforms().by_id(run.transform_id)?;
                    Ok(Output::new(
                        describe::run_tree(&inst, &run, &tr)?,
                        runs::run_json(&run, &tr),
                    ))
                }
                "transform" | "transforms" => {
                    let tr = match (&sel.uid, &sel.key) {
                        (Some(u), _) => inst.transforms().get(u)?,
                        (None, Some(k)) => inst.transforms().get_by_key(k)?,
                        (None, None) => {
                            return Err(Error::Validation("pass --key or --uid".into()))
                        }
                    };
                    Ok(Output::new(
                        describe::transform_tree(&inst, &tr)?,
                        serde_json::to_value(&tr).expect("json"),
                    ))
                }
                other => Err(Error::Validation(format!(
                    "cannot describe '{other}': describe artifact, run or transform"
                ))),
            }
        }
        Command::List {
            registry,
            filters,
            key_prefix,
            all_versions,
            trash,
            limit,
        } => {
            let inst = open(&cli.instance)?;
            let cond = registries::filters(&filters)?;
            match registry.as_str() {
                "artifacts" | "artifact" => {}
                _ if !filters.is_empty()
                    || !matches!(
                        registry.as_str(),
                        "runs" | "run" | "transforms" | "transform"
                    ) =>
                {
                    let mut q = inst
                        .query_registry(&registries::registry_name(&registry))?
                        .filter(cond);
                    if trash {
                        q = q.branches(Branches::Only(-1));
                    }
                    let (text, json) = registries::list_generic(q, limit)?;
                    return Ok(Output::new(text, json));
                }
                "runs" | "run" => {
                    let rows = inst.runs().recent(limit)?;
                    let text = describe::run_table(&rows);
                    let json =
                        Value::Array(rows.iter().map(|(r, t)| runs::run_json(r, t)).collect());
                    return Ok(Output::new(text, json));
                }
                "transforms" | "transform" => {
                    let rows = inst.transforms().recent(limit)?;
                    let text = describe::transform_table(&rows);
                    let json = serde_json::to_value(&rows).expect("json");
                    return Ok(Output::new(text, json));
                }
                _ => unreachable!("handled above"),
            }
            let mut q = inst.query::<Artifact>().filter(cond.clone());
            if let Some(p) = key_prefix {
                q = q.filter(Q::new("key__startswith", p));
            }
            if !all_versions && !trash {
                q = q.filter(Q::new("is_latest", true));
            }
            if trash {
                q = q.branches(Branches::Only(-1));
            }
            // Run logs and environments are hidden unless asked for, as in Python LaminDB.
            if !cond.lookup_paths().iter().any(|p| p.starts_with("kind")) {
                q = q.exclude(Q::new("kind__startswith", "__lamindb"));
            }
            let rows = q.order_by("-id").limit(limit).all()?;
            let text = describe::artifact_table(&rows);
            Ok(Output {
                text,
                json: Value::Array(rows.iter().map(|a| artifact_json(&inst, a)).collect()),
                exit_code: 0,
            })
        }
        Command::Search {
            registry,
            text,
            fields,
            limit,
        } => {
            let inst = open(&cli.instance)?;
            let (text, json) = registries::search(&inst, &registry, &text, &fields, limit)?;
            Ok(Output::new(text, json))
        }
        Command::Create {
            registry,
            name,
            dtype,
            type_name,
            is_type,
            description,
            unit,
            schema,
        } => {
            let inst = open(&cli.instance)?;
            let (text, json) = registries::create(
                &inst,
                &registries::CreateArgs {
                    registry: &registry,
                    name: &name,
                    dtype: dtype.as_deref(),
                    type_name: type_name.as_deref(),
                    is_type,
                    description: description.as_deref(),
                    unit: unit.as_deref(),
                    schema: &schema,
                },
            )?;
            Ok(Output::new(text, json))
        }
        Command::Annotate {
            entity,
            key,
            uid,
            name,
            ulabel,
            project,
            record,
            reference,
            features,
        } => {
            let inst = open(&cli.instance)?;
            let host = match entity.as_str() {
                "artifact" | "artifacts" => Host::Artifact(select(&inst, &key, &uid)?.id),
                "run" | "runs" => {
                    let uid = uid.as_deref().ok_or_else(|| {
                        Error::Validation("annotate a run by its uid: pass --uid".into())
                    })?;
                    Host::Run(inst.runs().get(uid)?.id)
                }
                "record" | "records" => match (&uid, &name) {
                    (Some(u), _) => Host::Record(
                        inst.query::<Record>()
                            .filter(Q::new("uid__startswith", u.as_str()))
                            .one()?
                            .id,
                    ),
                    (None, Some(n)) => Host::Record(inst.records().get(n)?.id),
                    (None, None) => return Err(Error::Validation("pass --name or --uid".into())),
                },
                other => {
                    return Err(Error::Validation(format!(
                        "cannot annotate '{other}': annotate artifact, run or record"
                    )))
                }
            };
            let json = registries::annotate(
                &inst,
                host,
                &registries::AnnotateArgs {
                    ulabels: &ulabel,
                    projects: &project,
                    records: &record,
                    references: &reference,
                    features: &features,
                },
            )?;
            let text = format!(
                "annotated {entity}: {}",
                serde_json::to_string(&json["features"]).expect("json")
            );
            Ok(Output::new(text, json))
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
                    exit_code: 0,
                })
            } else {
                let t = inst.artifacts().trash(&a)?;
                Ok(Output {
                    text: format!("moved artifact {} to the trash", t.uid),
                    json: artifact_json(&inst, &t),
                    exit_code: 0,
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
                exit_code: 0,
            })
        }
        Command::Run {
            key,
            uid,
            params,
            command,
        } => {
            let inst = open(&cli.instance)?;
            let outcome = runs::run_command(
                &inst,
                runs::RunCommand {
                    key,
                    uid,
                    params,
                    command,
                    instance: cli.instance.as_deref(),
                },
            )?;
            let status = outcome
                .run
                .status()
                .map(RunStatus::as_str)
                .unwrap_or("unknown");
            let j = runs::run_json(&outcome.run, &outcome.transform);
            // The command owns stdout; the summary goes to stderr.
            if cli.json {
                eprintln!("{j}");
            } else {
                eprintln!(
                    "→ finished run {} of {}: {status}",
                    outcome.run.uid, outcome.transform.key
                );
            }
            Ok(Output {
                text: String::new(),
                json: Value::Null,
                exit_code: outcome.exit_code,
            })
        }
        Command::Track { path, key } => {
            let inst = open(&cli.instance)?;
            let (run, tr) = runs::track_shell(&inst, path, key)?;
            Ok(Output::new(
                format!("started tracking shell run: {} ({})", run.uid, tr.key),
                runs::run_json(&run, &tr),
            ))
        }
        Command::Finish => {
            let inst = open(&cli.instance)?;
            let run = runs::finish_shell(&inst)?;
            let tr = inst.transforms().by_id(run.transform_id)?;
            Ok(Output::new(
                format!("finished tracking shell run: {}", run.uid),
                runs::run_json(&run, &tr),
            ))
        }
        Command::Lineage {
            key,
            uid,
            depth,
            direction,
            format,
        } => {
            let direction = match direction.as_str() {
                "both" => lamindb_core::Direction::Both,
                "upstream" | "up" => lamindb_core::Direction::Upstream,
                "downstream" | "down" => lamindb_core::Direction::Downstream,
                other => {
                    return Err(Error::Validation(format!(
                        "--direction '{other}' is not one of: upstream, downstream, both"
                    )))
                }
            };
            let inst = open(&cli.instance)?;
            let a = select(&inst, &key, &uid)?;
            let graph = inst.lineage(&a, direction, depth)?;
            let text = match format.as_str() {
                "dot" => graph.to_dot(),
                "mermaid" => graph.to_mermaid(),
                "json" => serde_json::to_string_pretty(&graph.to_json()).expect("json"),
                "svg" => graph.to_svg()?,
                other => {
                    return Err(Error::Validation(format!(
                        "--format '{other}' is not one of: dot, mermaid, json, svg"
                    )))
                }
            };
            Ok(Output::new(text.trim_end().to_owned(), graph.to_json()))
        }
        Command::Openlineage { run } => {
            let inst = open(&cli.instance)?;
            let selected: Vec<Run> = if run.is_empty() {
                inst.runs()
                    .recent(i64::MAX)?
                    .into_iter()
                    .rev()
                    .map(|(r, _)| r)
                    .collect()
            } else {
                run.iter()
                    .map(|u| inst.runs().get(u))
                    .collect::<Result<_>>()?
            };
            let mut events = Vec::new();
            for r in &selected {
                events.extend(inst.openlineage_events(r)?);
            }
            let text = events
                .iter()
                .map(|e| serde_json::to_string(e).expect("json"))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::new(text, Value::Array(events)))
        }
        Command::Storage { action } => {
            let inst = open(&cli.instance)?;
            let storages = inst.storages();
            let shown = |st: &Storage| {
                json!({
                    "uid": st.uid,
                    "root": st.root,
                    "type": st.kind,
                    "description": st.description,
                    "managed": storages.is_managed(st),
                    "default": st.id == inst.storage().id,
                })
            };
            match action {
                StorageAction::List => {
                    let rows = storages.list()?;
                    let text = rows
                        .iter()
                        .map(|st| {
                            format!(
                                "{}  {:<9}  {}{}",
                                st.uid,
                                if storages.is_managed(st) {
                                    "managed"
                                } else {
                                    "read-only"
                                },
                                st.root,
                                if st.id == inst.storage().id {
                                    "  (default)"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    Ok(Output::new(
                        text,
                        Value::Array(rows.iter().map(shown).collect()),
                    ))
                }
                StorageAction::Add {
                    root,
                    read_only,
                    description,
                } => {
                    let st = storages.add(&root, read_only, description.as_deref())?;
                    Ok(Output::new(
                        format!(
                            "added {} storage {} ({})",
                            if read_only { "read-only" } else { "managed" },
                            st.root,
                            st.uid
                        ),
                        shown(&st),
                    ))
                }
            }
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
                exit_code: 0,
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
