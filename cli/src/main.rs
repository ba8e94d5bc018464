//! `lamin`: the command line interface of lamindb-rs.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lamindb_core::prelude::*;
use serde_json::json;

// Schema modules shipped with this binary; naming them links their registrations.
use bionty as _;
use wetlab as _;

mod commands;
mod output;
mod progress;

use commands::{
    annotate, artifacts, bionty as bionty_cmd, branches, create, describe, instance, lineage, list,
    runs, settings, storage, transfer, validate,
};
use output::{Global, Output};

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
    /// Folders of schema-module libraries to load (`:`-separated), as built from a crate that
    /// exports `lamindb_module_abi::export_module!`.
    #[arg(long, global = true, env = "LAMIN_MODULE_PATH", value_name = "DIRS")]
    module_path: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an instance.
    Init(instance::InitArgs),
    /// Make an instance the current one.
    Connect(instance::ConnectArgs),
    /// Forget the current instance (with --here: unpin the working folder).
    Disconnect(instance::DisconnectArgs),
    /// Show the current instance.
    Info,
    /// Development folders, the cache folder, schema modules, the current branch and space.
    Settings(settings::SettingsArgs),
    /// Save a file or folder as an artifact.
    Save(artifacts::SaveArgs),
    /// Print the local path of an artifact's data (copying it to --to if given).
    Load(artifacts::LoadArgs),
    /// Describe an artifact, run or transform.
    Describe(describe::DescribeArgs),
    /// List records of a registry, newest first.
    List(list::ListArgs),
    /// Search a registry by its text fields, best matches first.
    Search(list::SearchArgs),
    /// Create a label, record, project, reference, feature or schema (an existing one with the
    /// same name, or a schema with the same definition, is returned).
    Create(Box<create::CreateCmd>),
    /// Annotate an artifact, run or record with labels and feature values.
    Annotate(annotate::AnnotateCmd),
    /// Move an artifact to the trash, or delete it permanently.
    Delete(artifacts::DeleteArgs),
    /// Switch the current branch (-c: create it first) or space (--space).
    Switch(branches::SwitchArgs),
    /// Merge a branch into the current one: its records move over.
    Merge(branches::MergeArgs),
    /// Change a record's description, or a branch's status.
    Update(branches::UpdateArgs),
    /// Print a record's description, or a branch's status.
    Get(branches::GetArgs),
    /// Restore an artifact from the trash.
    Restore(artifacts::RestoreArgs),
    /// Save an artifact of another instance here, with its labels, features and feature values
    /// (its data stays where it is).
    Transfer(transfer::TransferArgs),
    /// Run a command as a tracked run: its script (or executable) becomes a transform, its
    /// output the run's report, its exit status the run's status. `lamin save` and `lamin load`
    /// inside the command link their artifacts to the run.
    Run(runs::RunArgs),
    /// Start tracking the run of the calling shell script (finish it with `lamin finish`).
    Track(runs::TrackArgs),
    /// Finish the run started by `lamin track`.
    Finish,
    /// Show the lineage graph of an artifact: the runs and inputs it came from and what was
    /// made from it.
    Lineage(lineage::LineageArgs),
    /// Print runs as OpenLineage RunEvents, one JSON document per line (POST each to an
    /// OpenLineage endpoint such as Marquez's /api/v1/lineage).
    Openlineage(lineage::OpenlineageArgs),
    /// List or add storage locations.
    Storage {
        #[command(subcommand)]
        action: storage::StorageAction,
    },
    /// Validate a DataFrame file (parquet, csv, tsv) against a schema: every failure in one
    /// report; exit 0 when valid, 4 otherwise.
    Validate(validate::ValidateArgs),
    /// Public ontologies and gene tables: import, sources, validate, standardize, parents.
    Bionty {
        #[command(subcommand)]
        action: bionty_cmd::BiontyCmd,
    },
    /// Manage database migrations.
    Migrate {
        #[command(subcommand)]
        action: instance::MigrateAction,
    },
}

impl Command {
    fn run(self, g: &Global) -> Result<Output> {
        match self {
            Command::Init(a) => a.run(),
            Command::Connect(a) => a.run(),
            Command::Disconnect(a) => a.run(),
            Command::Info => instance::info(g),
            Command::Settings(a) => a.run(g),
            Command::Save(a) => a.run(g),
            Command::Load(a) => a.run(g),
            Command::Transfer(a) => a.run(g),
            Command::Describe(a) => a.run(g),
            Command::List(a) => a.run(g),
            Command::Search(a) => a.run(g),
            Command::Create(a) => a.run(g),
            Command::Annotate(a) => a.run(g),
            Command::Delete(a) => a.run(g),
            Command::Restore(a) => a.run(g),
            Command::Switch(a) => a.run(g),
            Command::Merge(a) => a.run(g),
            Command::Update(a) => a.run(g),
            Command::Get(a) => a.run(g),
            Command::Run(a) => a.run(g),
            Command::Track(a) => a.run(g),
            Command::Finish => runs::finish(g),
            Command::Lineage(a) => a.run(g),
            Command::Openlineage(a) => a.run(g),
            Command::Storage { action } => action.run(g),
            Command::Validate(a) => a.run(g),
            Command::Bionty { action } => action.run(g),
            Command::Migrate { action } => action.run(g),
        }
    }
}

impl Command {
    /// Whether the command is one of lamin-cli's branch commands, which exit 1 on any error as
    /// lamin-cli does (scripts written for it test for that).
    fn exits_one_on_error(&self) -> bool {
        matches!(self, Command::Switch(_) | Command::Merge(_))
    }
}

/// The documented exit codes: 3 not found, 4 invalid input, 5 conflict, 1 anything else.
fn exit_code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::NotFound => 3,
        ErrorKind::Validation => 4,
        ErrorKind::Conflict | ErrorKind::AlreadyExists => 5,
        _ => 1,
    }
}

/// What to run next, in `lamin` terms, for errors the library reports in its own terms.
fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::PendingMigrations { .. } => "run `lamin migrate deploy`".into(),
        Error::NoCurrentInstance => {
            "run `lamin init --storage DIR` or `lamin connect INSTANCE`".into()
        }
        Error::MissingModule { module, .. } => {
            format!("load the module's library with --module-path DIR (or LAMIN_MODULE_PATH), or use a `lamin` built with the crate that ships '{module}'")
        }
        Error::UnknownFeatures { features } => {
            let lines: Vec<String> = features
                .iter()
                .map(|(n, d)| format!("  lamin create feature {n} --dtype {d}"))
                .collect();
            format!("Here is how to create a feature:\n\n{}", lines.join("\n"))
        }
        Error::NoRecord { registry, name } => match registry.as_str() {
            "Storage" => format!("add it with `lamin storage add {name}`"),
            "Feature" => format!("create it with `lamin create feature {name} --dtype <dtype>`"),
            "Schema" => "list them with `lamin list schemas`".into(),
            r => format!(
                "create it with `lamin create {} \"{name}\"`",
                r.to_ascii_lowercase()
            ),
        },
        _ => return None,
    })
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LAMIN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: piped logs stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    progress::QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let g = Global {
        json: cli.json,
        instance: cli.instance,
    };
    // Module libraries first: every command may open an instance that uses them.
    let loaded = match &cli.module_path {
        Some(p) => lamindb_core::meta::runtime::load_path(p).map(|_| ()),
        None => Ok(()),
    };
    let exits_one = cli.command.exits_one_on_error();
    match loaded.and_then(|()| cli.command.run(&g)) {
        Ok(out) => {
            let text = if g.json {
                serde_json::to_string_pretty(&out.json).expect("json")
            } else {
                out.text
            };
            // A closed pipe (`lamin list | head`) is not an error of ours.
            use std::io::Write;
            // `lamin run` prints nothing of its own on stdout (the command owns it).
            let silent = g.json && out.json.is_null();
            if !(text.is_empty() || silent) {
                let _ = writeln!(std::io::stdout().lock(), "{text}");
            }
            ExitCode::from(out.exit_code)
        }
        Err(e) => {
            let hint = hint(&e);
            if g.json {
                let kind = format!("{:?}", e.kind());
                eprintln!(
                    "{}",
                    json!({ "error": e.to_string(), "kind": kind, "hint": hint })
                );
            } else {
                eprintln!("error: {e}");
                if let Some(h) = hint {
                    eprintln!("{h}");
                }
            }
            ExitCode::from(if exits_one { 1 } else { exit_code(&e) })
        }
    }
}
