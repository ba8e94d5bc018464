//! Tracking a Rust program's runs: [`Instance::track`] returns a [`RunGuard`]; while it lives,
//! artifacts saved through the instance get its run and artifacts read through
//! [`crate::Artifacts::cache`] become its inputs. [`Instance::flow`] and [`Instance::step`] run
//! closures as nested runs.
//!
//! ```no_run
//! use lamindb_core::prelude::*;
//!
//! let ln = Instance::current()?;
//! let run = ln.track(TrackOptions::program(lamindb_core::program!()))?;
//! let input = ln.artifacts().get_by_key("raw/counts.csv")?;
//! let path = ln.artifacts().cache(&input)?; // recorded as an input of the run
//! // ... compute, write "clean.csv" ...
//! ln.artifacts().save(NewArtifactSpec::with_key("clean.csv", "clean/counts.csv"))?; // an output
//! run.finish()?;
//! # Ok::<(), lamindb_core::Error>(())
//! ```
//!
//! A guard dropped without [`RunGuard::finish`] (an early return, a `?`, a panic) finishes the run
//! as errored; its log (see [`RunGuard::log`]) says why and becomes the run's report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use serde_json::Value;

use crate::db::models::{Artifact, Run, Transform};
use crate::instance::settings;
use crate::instance::{lock, Instance};
use crate::records::artifact::{NewArtifactSpec, RunLink};
use crate::records::runs::{RunSpec, RunStatus, TransformKind, TransformSpec};
use crate::{Error, Result};

/// The `rustc` that built lamindb-core (normally the one that built the program).
const RUSTC_VERSION: &str = env!("LAMINDB_RUSTC_VERSION");

/// Who a compiled program is; build it with [`crate::program!`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    /// `CARGO_PKG_NAME` of the program's crate.
    pub crate_name: &'static str,
    /// `CARGO_PKG_VERSION` of the program's crate.
    pub crate_version: &'static str,
    /// `CARGO_BIN_NAME`, for binaries.
    pub bin_name: Option<&'static str>,
}

impl Program {
    /// The transform key: `<crate>/<binary>` (the executable's name when there is no binary name).
    pub fn key(&self) -> String {
        let bin = self.bin_name.map(str::to_owned).unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "main".into())
        });
        format!("{}/{bin}", self.crate_name)
    }
}

/// The calling crate as a [`Program`]: `lamindb_core::program!()`.
#[macro_export]
macro_rules! program {
    () => {
        $crate::lineage::track::Program {
            crate_name: env!("CARGO_PKG_NAME"),
            crate_version: env!("CARGO_PKG_VERSION"),
            bin_name: option_env!("CARGO_BIN_NAME"),
        }
    };
}

/// What [`Instance::track`] records.
#[derive(Debug, Clone, Default)]
pub struct TrackOptions {
    /// The program; gives the default key and the environment.
    pub program: Option<Program>,
    /// Transform key; default the program's `<crate>/<binary>`.
    pub key: Option<String>,
    /// A pinned transform uid (16 characters: exactly this version; 12: this family).
    pub uid: Option<String>,
    /// Transform kind; default `pipeline` (`script` when `source_path` is set).
    pub kind: Option<TransformKind>,
    /// Source text to store and hash; default: the executable is hashed instead.
    pub source_code: Option<String>,
    /// A source file to store and hash (its file name is the default key).
    pub source_path: Option<PathBuf>,
    /// Run parameters (a JSON object); secret-looking keys are redacted.
    pub params: Option<Value>,
    /// Command line arguments; default the process's arguments after the program name.
    pub cli_args: Option<String>,
    /// Transform description.
    pub description: Option<String>,
    /// uid of the run that started this one; default `LAMIN_INITIATED_BY_RUN_UID`, then
    /// `LAMIN_RUN_UID`.
    pub initiated_by_run: Option<String>,
}

impl TrackOptions {
    /// Options that identify the transform by `program`.
    pub fn program(program: Program) -> Self {
        TrackOptions {
            program: Some(program),
            ..Default::default()
        }
    }

    /// Sets the run parameters.
    pub fn params(mut self, params: Value) -> Self {
        self.params = Some(params);
        self
    }

    /// Pins the transform uid.
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(uid.into());
        self
    }

    /// Sets the transform key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the source text.
    pub fn source_code(mut self, source: impl Into<String>) -> Self {
        self.source_code = Some(source.into());
        self
    }
}

/// What a flow or step is; see [`Instance::flow`].
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// Transform key, e.g. `mypipeline::clean`.
    pub key: String,
    /// The function's name; default the last `::` segment of the key.
    pub entrypoint: Option<String>,
    /// The arguments (a JSON object); secret-looking keys are redacted.
    pub params: Option<Value>,
    /// The function's source, if known; hashed to version the transform.
    pub source_code: Option<String>,
}

impl FunctionSpec {
    /// A function with `key`.
    pub fn new(key: impl Into<String>) -> Self {
        FunctionSpec {
            key: key.into(),
            entrypoint: None,
            params: None,
            source_code: None,
        }
    }

    /// Sets the arguments.
    pub fn params(mut self, params: Value) -> Self {
        self.params = Some(params);
        self
    }

    fn entrypoint(&self) -> String {
        self.entrypoint
            .clone()
            .unwrap_or_else(|| self.key.rsplit("::").next().unwrap_or(&self.key).to_owned())
    }
}

/// A run in progress. Finish it with [`RunGuard::finish`]; dropping it unfinished records the run
/// as errored.
pub struct RunGuard<'a> {
    inst: &'a Instance,
    run: Run,
    transform: Transform,
    log_path: PathBuf,
    done: bool,
}

impl std::fmt::Debug for RunGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunGuard")
            .field("run", &self.run.uid)
            .field("transform", &self.transform.key)
            .finish()
    }
}

/// Log files of the runs in progress, which the panic hook appends panic messages to.
static PANIC_LOGS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let logs = lock(&PANIC_LOGS).clone();
            for path in logs {
                let _ = append(&path, &format!("panicked: {info}\n"));
            }
            previous(info);
        }));
    });
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// The log file of run `uid` in the cache, where Python LaminDB keeps it.
pub fn run_log_path(uid: &str) -> PathBuf {
    settings::cache_dir().join(format!("run_logs_{uid}.txt"))
}

impl RunGuard<'_> {
    /// The run.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// The transform.
    pub fn transform(&self) -> &Transform {
        &self.transform
    }

    /// Appends `text` (a line is added if missing) to the run's log, which is saved as the run's
    /// report when it finishes.
    pub fn log(&self, text: &str) -> Result<()> {
        let line = if text.ends_with('\n') {
            text.to_owned()
        } else {
            format!("{text}\n")
        };
        append(&self.log_path, &line).map_err(|e| Error::io(&self.log_path, e))
    }

    /// Finishes the run as completed.
    pub fn finish(mut self) -> Result<Run> {
        self.end(RunStatus::Completed, None)
    }

    /// Finishes the run as errored, with `message` in its log.
    pub fn fail(mut self, message: &str) -> Result<Run> {
        self.end(RunStatus::Errored, Some(message))
    }

    fn end(&mut self, status: RunStatus, message: Option<&str>) -> Result<Run> {
        self.done = true;
        self.inst.leave_run(self.run.id);
        lock(&PANIC_LOGS).retain(|p| p != &self.log_path);
        if let Some(m) = message {
            let _ = self.log(m);
        }
        let report = save_log(self.inst, &self.run, &self.log_path)?;
        let run = self
            .inst
            .runs()
            .finish(&self.run, status, report.as_ref())?;
        self.run = run.clone();
        Ok(run)
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            let why = if std::thread::panicking() {
                "the program panicked"
            } else {
                "the run ended without finish() (an early return or an error)"
            };
            if let Err(e) = self.end(RunStatus::Errored, Some(why)) {
                tracing::error!(run = %self.run.uid, "could not record the end of the run: {e}");
            }
        }
    }
}

/// Saves the log at `path` (if it has content) as `run`'s report and removes the file (kept
/// only when saving it failed).
pub fn save_log(inst: &Instance, run: &Run, path: &Path) -> Result<Option<Artifact>> {
    let has_content = std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if !has_content {
        let _ = std::fs::remove_file(path);
        return Ok(None);
    }
    let saved = inst.artifacts().save(NewArtifactSpec {
        path: path.to_owned(),
        description: Some(format!("log streams of run {}", run.uid)),
        kind: Some(crate::records::artifact::RUN_KIND.into()),
        run: RunLink::Untracked,
        ..Default::default()
    })?;
    let _ = std::fs::remove_file(path);
    Ok(Some(saved.artifact))
}

/// Saves `text` as an environment artifact (deduplicated by content) and links it to `run`.
pub fn save_environment(inst: &Instance, run: &Run, file_name: &str, text: &str) -> Result<Run> {
    let dir = settings::cache_dir()
        .join("environments")
        .join(format!("run_{}", run.uid));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(file_name);
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    let saved = inst.artifacts().save(NewArtifactSpec {
        path: path.clone(),
        description: Some(file_name.to_owned()),
        kind: Some(crate::records::artifact::RUN_KIND.into()),
        run: RunLink::Untracked,
        ..Default::default()
    });
    let _ = std::fs::remove_dir_all(&dir);
    inst.runs().set_environment(run, &saved?.artifact)
}

/// The environment of this process: program, lamindb-rs and compiler versions, platform.
pub fn rust_environment(program: Option<&Program>) -> String {
    let mut s = String::new();
    if let Some(p) = program {
        s.push_str(&format!("{}=={}\n", p.crate_name, p.crate_version));
    }
    s.push_str(&format!("lamindb-core=={}\n", env!("CARGO_PKG_VERSION")));
    s.push_str(&format!("# {RUSTC_VERSION}\n"));
    s.push_str(&format!(
        "# {}-{} ({})\n",
        std::env::consts::ARCH,
        std::env::consts::OS,
        std::env::consts::FAMILY
    ));
    s
}

impl Instance {
    /// Starts a tracked run of this program (Python LaminDB's `ln.track()`): finds or creates
    /// the transform (a new version when its source or executable changed), starts a run with
    /// params and command line, and records the environment.
    pub fn track(&self, opts: TrackOptions) -> Result<RunGuard<'_>> {
        let mut spec = match &opts.source_path {
            Some(p) => TransformSpec::script(p)?,
            None => TransformSpec {
                key: opts.program.as_ref().map(Program::key).unwrap_or_default(),
                uid: None,
                kind: TransformKind::Pipeline,
                hash: match &opts.source_code {
                    Some(s) => Some(lamindb_storage::hash_string(s)),
                    None => executable_hash()?,
                },
                source_code: opts
                    .source_code
                    .as_deref()
                    .map(crate::util::secrets::store_source),
                description: None,
            },
        };
        if let Some(k) = &opts.key {
            spec.key = k.clone();
        }
        if spec.key.is_empty() {
            return Err(Error::Validation(
                "track() needs a key: pass TrackOptions::program(lamindb_core::program!()), a key or a source path".into(),
            ));
        }
        if let Some(kind) = opts.kind {
            spec.kind = kind;
        }
        spec.uid = opts.uid.clone();
        spec.description = opts.description.clone();
        let (transform, _) = self.transforms().resolve(&spec)?;
        let parent = self.initiating_run(opts.initiated_by_run.as_deref())?;
        let cli_args = opts.cli_args.clone().or_else(|| {
            let args: Vec<String> = std::env::args().skip(1).collect();
            (!args.is_empty()).then(|| args.join(" "))
        });
        let run = self.runs().start(
            &transform,
            &RunSpec {
                entrypoint: None,
                params: opts.params.clone(),
                cli_args,
                initiated_by_run_id: parent.map(|p| p.id),
            },
        )?;
        let mut guard = self.guard(run, transform)?;
        let env = rust_environment(opts.program.as_ref());
        guard.run = save_environment(self, &guard.run, "run_env_rust.txt", &env)?;
        tracing::info!(run = %guard.run.uid, transform = %guard.transform.key, "tracking run");
        Ok(guard)
    }

    fn guard(&self, run: Run, transform: Transform) -> Result<RunGuard<'_>> {
        install_panic_hook();
        let log_path = run_log_path(&run.uid);
        lock(&PANIC_LOGS).push(log_path.clone());
        self.enter_run(run.clone());
        Ok(RunGuard {
            inst: self,
            run,
            transform,
            log_path,
            done: false,
        })
    }

    fn function_run<T, E>(
        &self,
        spec: FunctionSpec,
        parent: Option<Run>,
        f: impl FnOnce(&RunGuard<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error> + std::fmt::Display,
    {
        let tspec = TransformSpec {
            key: spec.key.clone(),
            uid: None,
            kind: TransformKind::Function,
            source_code: spec.source_code.clone(),
            hash: None,
            description: None,
        };
        let (transform, _) = self.transforms().resolve(&tspec)?;
        let run = self.runs().start(
            &transform,
            &RunSpec {
                entrypoint: Some(spec.entrypoint()),
                params: spec.params.clone(),
                cli_args: None,
                initiated_by_run_id: parent.map(|p| p.id),
            },
        )?;
        let mut guard = self.guard(run, transform)?;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&guard)));
        match outcome {
            Ok(Ok(value)) => {
                guard.end(RunStatus::Completed, None)?;
                Ok(value)
            }
            Ok(Err(e)) => {
                guard.end(RunStatus::Errored, Some(&format!("error: {e}")))?;
                Err(e)
            }
            Err(panic) => {
                let _ = guard.end(RunStatus::Errored, Some("the function panicked"));
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Runs `f` as a flow (Python LaminDB's `@ln.flow`): a new run of a `function` transform
    /// with `spec`'s entrypoint and params, finished as completed when `f` returns `Ok` and as
    /// errored on `Err` or a panic. Fails if a run was started in this process already; a run
    /// from `LAMIN_RUN_UID` becomes the flow's parent.
    pub fn flow<T, E>(
        &self,
        spec: FunctionSpec,
        f: impl FnOnce(&RunGuard<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error> + std::fmt::Display,
    {
        let active = lock(&self.run_stack).last().map(|r| r.uid.clone());
        if let Some(uid) = active {
            return Err(Error::Conflict(format!(
                "run {uid} is in progress; call step() for nested functions, or start the flow outside of it"
            ))
            .into());
        }
        let parent = self.initiating_run(None)?;
        self.function_run(spec, parent, f)
    }

    /// Runs `f` as a step of the current run (Python LaminDB's `@ln.step`): a nested run whose
    /// `initiated_by_run` is the current run. Fails when no run is in progress.
    pub fn step<T, E>(
        &self,
        spec: FunctionSpec,
        f: impl FnOnce(&RunGuard<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error> + std::fmt::Display,
    {
        let parent = self.current_run()?.ok_or_else(|| {
            Error::Conflict(format!(
                "step '{}' needs a run in progress: call it inside flow() or after track()",
                spec.key
            ))
        })?;
        self.function_run(spec, Some(parent), f)
    }
}

/// Hash of the running executable: a rebuilt program is a new transform version.
fn executable_hash() -> Result<Option<String>> {
    let Ok(exe) = std::env::current_exe() else {
        return Ok(None);
    };
    Ok(Some(lamindb_storage::hash_file(&exe)?.hash))
}
