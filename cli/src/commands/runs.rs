//! `lamin run`, `lamin track` and `lamin finish`: runs of commands and shell scripts.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use lamindb_core::instance::settings;
use lamindb_core::lineage::track;
use lamindb_core::prelude::*;
use lamindb_core::records::runs::{RunSpec, TransformSpec};
use lamindb_core::records::runs::{INITIATED_BY_RUN_UID_ENV, RUN_UID_ENV};
use serde_json::{json, Map, Value};

/// Programs that run a script given as an argument.
const INTERPRETERS: &[&str] = &[
    "bash",
    "sh",
    "zsh",
    "dash",
    "Rscript",
    "perl",
    "ruby",
    "node",
    "julia",
    "nextflow",
    "snakemake",
];

fn is_interpreter(program: &str) -> bool {
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let python = name
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    python || INTERPRETERS.contains(&name.as_str())
}

/// `program` as found on `PATH` (or as given when it names a path).
fn which(program: &str) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|c| c.is_file())
}

fn starts_with_shebang(path: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|_| &head == b"#!")
        .unwrap_or(false)
}

/// The script a command runs, and the index of its first argument: `./x.sh a` → (`x.sh`, 1),
/// `python train.py --lr 1` → (`train.py`, 2).
fn script_of(command: &[String]) -> Option<(PathBuf, usize)> {
    let program = command.first()?;
    if is_interpreter(program) {
        return command
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, a)| !a.starts_with('-') && Path::new(a.as_str()).is_file())
            .map(|(i, a)| (PathBuf::from(a), i + 1));
    }
    // `./job.sh`: a script run by its shebang. A program without a script suffix is an
    // executable, whatever it is written in (one transform per name, as lamin-cli keeps it).
    let path = Path::new(program);
    (path.components().count() > 1
        && path.is_file()
        && starts_with_shebang(path)
        && lamindb_core::lineage::source::transform_kind(path).is_some())
    .then(|| (path.to_owned(), 1))
}

/// `name=value` pairs as a JSON object; values that parse as JSON (numbers, booleans, lists)
/// keep their type, anything else is a string.
pub fn parse_params(pairs: &[String]) -> Result<Option<Value>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut map = Map::new();
    for pair in pairs {
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            Error::Validation(format!(
                "--param '{pair}' is not NAME=VALUE; write for example --param learning_rate=0.01"
            ))
        })?;
        if k.is_empty() {
            return Err(Error::Validation(format!("--param '{pair}' has no name")));
        }
        let value = serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.into()));
        map.insert(k.to_owned(), value);
    }
    Ok(Some(Value::Object(map)))
}

/// What `lamin run` reports.
pub struct RunOutcome {
    /// The finished run.
    pub run: Run,
    /// Its transform.
    pub transform: Transform,
    /// The exit code to leave with.
    pub exit_code: u8,
}

/// Options of `lamin run`.
pub struct RunCommand<'a> {
    /// Transform key; default the script's file name or the program's name.
    pub key: Option<String>,
    /// Pinned transform uid.
    pub uid: Option<String>,
    /// `--param` pairs.
    pub params: Vec<String>,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// The `--instance` the user gave, passed on to the command.
    pub instance: Option<&'a str>,
    /// Files the command writes, saved as the run's outputs when it succeeds.
    pub outputs: Vec<PathBuf>,
    /// Files the command's `--out`/`--output` arguments name, saved as outputs when it
    /// succeeds and they exist.
    pub named_outputs: Vec<PathBuf>,
    /// The branch the transform, the run and its outputs go on.
    pub branch: Option<lamindb_core::records::branches::Place>,
}

/// What `lamin run` runs.
enum Target {
    /// A program to start: the full argv, the transform it is a run of, where the user's
    /// arguments start in the command, the program asked for its version, and whether it is a
    /// Python script (its packages are the run's environment).
    Ready {
        argv: Vec<String>,
        spec: TransformSpec,
        first_arg: usize,
        tool: String,
        python: bool,
    },
    /// Nothing can start: exit 127 (no such program) or 126 (not executable), after recording
    /// an errored run as lamin-cli does.
    Failed {
        spec: TransformSpec,
        code: u8,
        message: String,
    },
}

/// The interpreter a script's suffix implies (`.py` → python, `.sh` → bash, `.R` → Rscript).
fn interpreter_for(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?;
    Some(match ext {
        "py" => ["python", "python3"]
            .into_iter()
            .find(|p| which(p).is_some())
            .unwrap_or("python3")
            .to_owned(),
        "sh" => "bash".into(),
        "R" => "Rscript".into(),
        _ => return None,
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

fn executable_spec(cmd: &RunCommand<'_>, name: String) -> TransformSpec {
    TransformSpec {
        key: cmd.key.clone().unwrap_or(name),
        uid: cmd.uid.clone(),
        kind: TransformKind::Pipeline,
        hash: None,
        source_code: None,
        description: None,
    }
}

fn target(cmd: &RunCommand<'_>) -> Result<Target> {
    let program = cmd
        .command
        .first()
        .ok_or_else(|| Error::Validation("pass the command to run".into()))?;
    let with_key = |mut spec: TransformSpec| {
        if let Some(k) = &cmd.key {
            spec.key = k.clone();
        }
        spec.uid = cmd.uid.clone();
        spec
    };
    // `python train.py …`, `bash job.sh …`, `./job.sh …` (a shebang script).
    if let Some((script, first_arg)) = script_of(&cmd.command) {
        let python = is_interpreter(program)
            && Path::new(program)
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("python"));
        let tool = if is_interpreter(program) {
            program.clone()
        } else {
            script.display().to_string()
        };
        return Ok(Target::Ready {
            argv: cmd.command.clone(),
            spec: with_key(TransformSpec::script(&script)?),
            first_arg,
            tool,
            python,
        });
    }
    let path = Path::new(program);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.clone());
    if path.is_file() {
        // `lamin run train.py …`: the interpreter its suffix implies.
        if let Some(interpreter) = interpreter_for(path) {
            let mut argv = vec![interpreter.clone()];
            argv.extend(cmd.command.iter().cloned());
            return Ok(Target::Ready {
                argv,
                spec: with_key(TransformSpec::script(path)?),
                first_arg: 1,
                python: path.extension().is_some_and(|e| e == "py"),
                tool: interpreter,
            });
        }
        if !is_executable(path) {
            return Ok(Target::Failed {
                spec: executable_spec(cmd, name),
                code: 126,
                message: format!(
                    "{program} is not executable (chmod +x it, or run it with its interpreter)"
                ),
            });
        }
    }
    match which(program) {
        // An executable has no source to version it by: one transform per name, as lamindb
        // keeps it; which version ran is each run's `tool_version`.
        Some(_) => Ok(Target::Ready {
            argv: cmd.command.clone(),
            spec: executable_spec(cmd, name),
            first_arg: 1,
            tool: program.clone(),
            python: false,
        }),
        None => Ok(Target::Failed {
            spec: executable_spec(cmd, name),
            code: 127,
            message: format!(
                "command '{program}' was not found on PATH; check its spelling or pass its path"
            ),
        }),
    }
}

/// The first line `tool --version` prints (stdout, else stderr), given two seconds.
fn tool_version(tool: &str) -> Option<String> {
    let mut child = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while child.try_wait().ok()?.is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().ok()?;
    [out.stdout, out.stderr]
        .iter()
        .map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .find(|l| !l.is_empty())
}

/// The packages of the Python that runs the script (`pip freeze`, offline), as lamin-cli
/// records a Python run's environment.
pub(crate) fn python_packages(python: &str) -> Option<String> {
    let out = Command::new(python)
        .args(["-m", "pip", "freeze", "--disable-pip-version-check"])
        .env("PIP_NO_INDEX", "1")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The artifact a `lamin://<owner>/<name>/artifact/key/<key>` or `…/artifact/<uid>` URI names.
pub fn resolve_uri(inst: &Instance, uri: &str) -> Result<Artifact> {
    let rest = uri.strip_prefix("lamin://").unwrap_or(uri);
    let parts: Vec<&str> = rest.splitn(4, '/').collect();
    match parts.as_slice() {
        [owner, name, "artifact", tail] => {
            if format!("{owner}/{name}") != inst.slug() {
                return Err(Error::Validation(format!(
                    "{uri} names instance {owner}/{name}, but the current instance is {}",
                    inst.slug()
                )));
            }
            match tail.strip_prefix("key/") {
                Some(key) => inst.artifacts().get_by_key(key).map_err(|_| {
                    Error::NotFound(format!("No artifact with key '{key}' ({uri})"))
                }),
                None => inst.artifacts().get(tail),
            }
        }
        _ => Err(Error::Validation(format!(
            "{uri} is no lamin:// URI of an artifact: write lamin://OWNER/NAME/artifact/key/KEY or lamin://OWNER/NAME/artifact/UID"
        ))),
    }
}

/// `{storage root: mountpoint}` of the registered mounts, for the command's environment.
fn mounts_json() -> Result<String> {
    let map: serde_json::Map<String, Value> = lamindb_core::instance::mounts::list()?
        .into_iter()
        .map(|m| (m.storage_root, Value::String(m.mountpoint)))
        .collect();
    Ok(Value::Object(map).to_string())
}

/// Replaces `lamin://` artifact URIs among `args` by the artifacts' local paths: through a
/// registered mount of their storage location when there is one, else their cached copies;
/// returns the artifacts, to link as inputs. An argument that names no artifact is an error
/// before anything runs.
fn translate_uris(
    inst: &Instance,
    args: &mut [String],
) -> Result<(Vec<Artifact>, serde_json::Map<String, Value>)> {
    let mut inputs = Vec::new();
    let mut paths = serde_json::Map::new();
    for arg in args.iter_mut() {
        if !arg.starts_with("lamin://") {
            continue;
        }
        let artifact = resolve_uri(inst, arg)?;
        let (path, via) = match inst.mounted_path(&artifact)?.filter(|p| p.exists()) {
            Some(p) => (p, "mount"),
            None => (inst.artifacts().cache(&artifact)?, "local"),
        };
        eprintln!("→ {arg} → {} (via {via})", path.display());
        paths.insert(arg.clone(), Value::String(path.display().to_string()));
        *arg = path.display().to_string();
        inputs.push(artifact);
    }
    Ok((inputs, paths))
}

/// The files a command's arguments name with the common `--out`/`--output` flags (`--out F`,
/// `--output=F`), which lamin-cli registers as outputs without being told.
fn named_outputs(command: &[String]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let args = command.get(1..).unwrap_or_default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if matches!(arg, "--out" | "--output") {
            if let Some(v) = args.get(i + 1).filter(|v| !v.starts_with('-')) {
                out.push(PathBuf::from(v));
                i += 2;
                continue;
            }
        }
        for prefix in ["--out=", "--output="] {
            if let Some(v) = arg.strip_prefix(prefix) {
                out.push(PathBuf::from(v));
            }
        }
        i += 1;
    }
    out
}

/// The key of an output file: its path below the working folder, else its file name.
fn output_key(path: &Path) -> Result<String> {
    let cwd = crate::output::current_dir()?;
    let abs = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    Ok(match abs.strip_prefix(&cwd) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })
}

/// Copies `from` to `to` and to the shared log as bytes arrive.
fn tee(mut from: impl Read, mut to: impl Write, log: Arc<Mutex<File>>) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let _ = to.write_all(&buf[..n]);
                let _ = to.flush();
                let _ = log
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .write_all(&buf[..n]);
            }
        }
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static CHILD_PID: AtomicU32 = AtomicU32::new(0);

fn install_signal_handler() {
    // SIGINT from a terminal reaches the whole process group; SIGTERM sent to `lamin` alone is
    // passed on so the command can stop too. Either way the run is recorded as aborted.
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        let pid = CHILD_PID.load(Ordering::SeqCst);
        if pid != 0 {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    });
}

/// Finishes `run` as errored, with `message` as its report when the report can be stored (the
/// run is finished either way).
fn record_error(inst: &Instance, run: &Run, message: &str) -> Result<Run> {
    let log = track::run_log_path(&run.uid);
    let _ = std::fs::create_dir_all(settings::cache_dir());
    let report = std::fs::write(&log, format!("{message}\n"))
        .ok()
        .and_then(|()| track::save_log(inst, run, &log).ok().flatten());
    inst.runs().finish(run, RunStatus::Errored, report.as_ref())
}

/// Runs a command as a tracked run; see `lamin run --help`.
pub fn run_command(inst: &Instance, cmd: RunCommand<'_>) -> Result<RunOutcome> {
    let target = target(&cmd)?;
    let (mut argv, spec, first_arg, tool, python) = match target {
        Target::Ready {
            argv,
            spec,
            first_arg,
            tool,
            python,
        } => (argv, spec, first_arg, tool, python),
        Target::Failed {
            spec,
            code,
            message,
        } => {
            let (transform, _) = inst.transforms().resolve(&spec)?;
            let run = inst.runs().start(&transform, &RunSpec::default())?;
            let run = record_error(inst, &run, &message)?;
            eprintln!("error: {message}");
            return Ok(RunOutcome {
                run,
                transform,
                exit_code: code,
            });
        }
    };
    // Inputs named by lamin:// URIs are resolved first: a wrong one stops before anything runs.
    let user_args: Vec<String> = cmd.command[first_arg.min(cmd.command.len())..].to_vec();
    let offset = argv.len() - user_args.len();
    let (inputs, input_paths) = translate_uris(inst, &mut argv[offset..])?;
    let mut params = parse_params(&cmd.params)?
        .and_then(|p| p.as_object().cloned())
        .unwrap_or_default();
    params.insert("argv".into(), json!(user_args));
    if let Some(v) = tool_version(&tool) {
        params.insert("tool_version".into(), json!(v));
    }
    let (transform, _) = inst.transforms().resolve(&spec)?;
    let parent = inst.initiating_run(None)?;
    let run = inst.runs().start(
        &transform,
        &RunSpec {
            entrypoint: None,
            params: Some(Value::Object(params)),
            cli_args: (!user_args.is_empty()).then(|| user_args.join(" ")),
            initiated_by_run_id: parent.as_ref().map(|p| p.id),
        },
    )?;
    if let Some(b) = &cmd.branch {
        inst.branches()
            .place("lamindb_transform", transform.id.into(), b)?;
        inst.branches().place("lamindb_run", run.id, b)?;
    }
    for a in &inputs {
        inst.runs().add_input(&run, a)?;
    }
    eprintln!(
        "→ started run {} of {} ({})",
        run.uid, transform.key, transform.uid
    );
    let finish_failed = |run: &Run, message: String| -> Error {
        let _ = record_error(inst, run, &message);
        Error::Validation(message)
    };
    // A Python script's environment is its interpreter's packages; other programs have none.
    let run = match python.then(|| python_packages(&argv[0])).flatten() {
        Some(packages) => track::save_environment(inst, &run, "requirements.txt", &packages)?,
        None => run,
    };
    let log_path = track::run_log_path(&run.uid);
    let cache = settings::cache_dir();
    std::fs::create_dir_all(&cache).map_err(|e| Error::io(&cache, e))?;
    let log = Arc::new(Mutex::new(
        File::create(&log_path).map_err(|e| Error::io(&log_path, e))?,
    ));
    install_signal_handler();
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .env(RUN_UID_ENV, &run.uid)
        .env(INITIATED_BY_RUN_UID_ENV, &run.uid)
        // Scripts translate the URIs they read from config files with this mapping, and find
        // mounted storage locations with the other (lamin-cli's variables).
        .env("LAMIN_INPUT_PATHS", Value::Object(input_paths).to_string())
        .env("LAMIN_MOUNTS", mounts_json()?)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(spec) = cmd.instance {
        command.env(settings::INSTANCE_ENV, spec);
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Err(finish_failed(
                &run,
                format!("cannot start '{}': {e}", argv[0]),
            ));
        }
    };
    CHILD_PID.store(child.id(), Ordering::SeqCst);
    let out = child.stdout.take().expect("piped stdout");
    let err = child.stderr.take().expect("piped stderr");
    let (l1, l2) = (log.clone(), log.clone());
    let t_out = std::thread::spawn(move || tee(out, std::io::stdout(), l1));
    let t_err = std::thread::spawn(move || tee(err, std::io::stderr(), l2));
    let status = child.wait();
    CHILD_PID.store(0, Ordering::SeqCst);
    let _ = t_out.join();
    let _ = t_err.join();
    let status = status.map_err(|e| Error::io(&argv[0], e))?;

    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    let (run_status, exit_code, note) = match (status.code(), signal) {
        (Some(0), _) if !INTERRUPTED.load(Ordering::SeqCst) => (RunStatus::Completed, 0u8, None),
        (Some(code), _) if !INTERRUPTED.load(Ordering::SeqCst) => (
            RunStatus::Errored,
            u8::try_from(code).unwrap_or(1),
            Some(format!("\nexited with status {code}\n")),
        ),
        (code, sig) => {
            let n = sig.unwrap_or(2);
            (
                RunStatus::Aborted,
                code.and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(128 + n as u8),
                Some(format!("\nProcess terminated by signal {n}\n")),
            )
        }
    };
    if let Some(note) = note {
        let _ = log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .write_all(note.as_bytes());
    }
    drop(log);
    let report = track::save_log(inst, &run, &log_path)?;
    let run = inst.runs().finish(&run, run_status, report.as_ref())?;
    if run_status == RunStatus::Completed {
        let named = cmd
            .named_outputs
            .iter()
            .filter(|p| p.exists() && !cmd.outputs.contains(p));
        for path in cmd.outputs.iter().chain(named) {
            let saved = inst.artifacts().save(NewArtifactSpec {
                path: path.clone(),
                key: Some(output_key(path)?),
                run: lamindb_core::records::artifact::RunLink::Id(run.id),
                ..Default::default()
            })?;
            if let Some(b) = &cmd.branch {
                inst.branches()
                    .place("lamindb_artifact", saved.artifact.id.into(), b)?;
            }
            eprintln!(
                "→ registered output {} ({})",
                saved.artifact.uid,
                path.display()
            );
        }
    }
    Ok(RunOutcome {
        run,
        transform,
        exit_code,
    })
}

/// The script that called `lamin track`: the parent shell's script argument, as lamin-cli finds it.
fn calling_script() -> Option<PathBuf> {
    #[cfg(unix)]
    {
        let ppid = std::os::unix::process::parent_id();
        let raw = std::fs::read(format!("/proc/{ppid}/cmdline")).ok()?;
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let shell = Path::new(args.first()?)
            .file_name()?
            .to_string_lossy()
            .into_owned();
        if !["bash", "sh", "zsh", "dash"].contains(&shell.as_str()) {
            return None;
        }
        let script = args.get(1).filter(|a| !a.starts_with('-'))?;
        Some(PathBuf::from(script))
    }
    #[cfg(not(unix))]
    None
}

/// `lamin track`: starts the run of a shell script and records it in the settings folder, so
/// that later `lamin save` / `lamin load` calls link their artifacts to it.
pub fn track_shell(
    inst: &Instance,
    path: Option<PathBuf>,
    key: Option<String>,
) -> Result<(Run, Transform)> {
    let path = path.or_else(calling_script).ok_or_else(|| {
        Error::Validation(
            "cannot determine the script: call `lamin track` from a bash/sh/zsh script or pass the script's path".into(),
        )
    })?;
    let mut spec = TransformSpec::script(&path)?;
    if let Some(k) = key {
        spec.key = k;
    }
    let (transform, _) = inst.transforms().resolve(&spec)?;
    let parent = inst.initiating_run(None)?;
    let run = inst.runs().start(
        &transform,
        &RunSpec {
            initiated_by_run_id: parent.map(|p| p.id),
            ..Default::default()
        },
    )?;
    let file = settings::shell_run_file();
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&file, &run.uid).map_err(|e| Error::io(&file, e))?;
    Ok((run, transform))
}

/// The run recorded by `lamin track`, if any.
pub fn shell_run(inst: &Instance) -> Result<Option<Run>> {
    let file = settings::shell_run_file();
    let Ok(uid) = std::fs::read_to_string(&file) else {
        return Ok(None);
    };
    let uid = uid.trim();
    match inst.runs().get(uid) {
        Ok(run) => Ok(Some(run)),
        Err(Error::NotFound(_)) => {
            tracing::warn!(
                "{} names run {uid}, which instance {} does not have; ignoring it",
                file.display(),
                inst.slug()
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// `lamin finish`: finishes the shell run as completed and forgets it.
pub fn finish_shell(inst: &Instance) -> Result<Run> {
    let run = shell_run(inst)?.ok_or_else(|| {
        Error::NotFound("No active run to finish. Please run `lamin track` first.".into())
    })?;
    let run = inst.runs().finish(&run, RunStatus::Completed, None)?;
    let _ = std::fs::remove_file(settings::shell_run_file());
    Ok(run)
}

/// JSON of a run for `--json` output.
pub fn run_json(run: &Run, transform: &Transform) -> Value {
    json!({
        "uid": run.uid,
        "status": run.status().map(RunStatus::as_str),
        "status_code": run.status_code,
        "started_at": run.started_at.to_string(),
        "finished_at": run.finished_at.map(|t| t.to_string()),
        "params": run.params,
        "cli_args": run.cli_args,
        "entrypoint": run.entrypoint,
        "transform": {"uid": transform.uid, "key": transform.key, "kind": transform.kind},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_json_types() {
        let p = parse_params(&["lr=0.01".into(), "name=run 1".into(), "on=true".into()])
            .unwrap()
            .unwrap();
        assert_eq!(p, json!({"lr": 0.01, "name": "run 1", "on": true}));
        assert!(parse_params(&["novalue".into()]).is_err());
        assert!(parse_params(&["=1".into()]).is_err());
    }

    #[test]
    fn interpreters_are_recognised() {
        assert!(is_interpreter("python3.11"));
        assert!(is_interpreter("/usr/bin/bash"));
        assert!(!is_interpreter("pythonista"));
        assert!(!is_interpreter("samtools"));
    }
}

/// `lamin run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Transform key; default the script's file name or the program's name.
    #[arg(long)]
    key: Option<String>,
    /// Pin the transform uid (16 characters: this version; 12: this version family).
    #[arg(long)]
    uid: Option<String>,
    /// A run parameter NAME=VALUE (repeatable); JSON values keep their type.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// A file the command writes, saved as an output of the run when it succeeds (key: its
    /// path below the working folder, else its name; repeatable).
    #[arg(long = "register-output", value_name = "PATH")]
    register_output: Vec<PathBuf>,
    /// Put the transform, the run and its outputs on this branch.
    #[arg(long)]
    branch: Option<String>,
    /// Where to run: `local` (the only place lamin runs commands).
    #[arg(long, default_value = "local")]
    r#where: String,
    /// Show what would run, and run and save nothing.
    #[arg(long)]
    dry_run: bool,
    /// The script or program and its arguments: `lamin run train.py -- --lr 0.1`
    /// (.py runs with python, .sh with bash, .R with Rscript), or `lamin run -- CMD ARGS`.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// Whether the command line has `--` right before the command (`lamin run -- CMD …`): then
/// everything after it is the command's. Without it (`lamin run train.py --branch b -- …`),
/// lamin's own options may follow the script, up to a `--`, as lamin-cli reads them.
fn escaped(command: &[String]) -> bool {
    let raw: Vec<String> = std::env::args().collect();
    raw.iter()
        .position(|a| a == "--")
        .is_some_and(|i| raw[i + 1..] == *command)
}

impl RunArgs {
    /// Moves lamin's options written after the script (before a `--`) into `self`.
    fn take_trailing_options(&mut self) -> Result<()> {
        if self.command.is_empty() || escaped(&self.command) {
            return Ok(());
        }
        let mut rest = self.command.split_off(1);
        let mut script_args = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let value = |i: usize| {
                rest.get(i + 1)
                    .cloned()
                    .ok_or_else(|| Error::Validation(format!("{} needs a value", rest[i])))
            };
            match rest[i].as_str() {
                "--" => {
                    script_args.extend(rest.drain(i + 1..));
                    break;
                }
                "--dry-run" => self.dry_run = true,
                "--register-output" => {
                    self.register_output.push(value(i)?.into());
                    i += 1;
                }
                "--branch" => {
                    self.branch = Some(value(i)?);
                    i += 1;
                }
                "--where" => {
                    self.r#where = value(i)?;
                    i += 1;
                }
                "--param" => {
                    self.params.push(value(i)?);
                    i += 1;
                }
                other => script_args.push(other.to_owned()),
            }
            i += 1;
        }
        self.command.extend(script_args);
        Ok(())
    }

    pub fn run(mut self, g: &crate::output::Global) -> Result<crate::output::Output> {
        self.take_trailing_options()?;
        if self.r#where != "local" {
            return Err(Error::Unsupported(if self.dry_run {
                "--dry-run only supports --where local".into()
            } else {
                format!(
                    "lamin runs commands locally only (--where local), not on '{}'",
                    self.r#where
                )
            }));
        }
        let command = self.command;
        let named = named_outputs(&command);
        if self.dry_run {
            for path in self.register_output.iter().chain(&named) {
                let state = if path.exists() {
                    "exists now; would be registered"
                } else {
                    "does not exist yet; would only be registered if the run creates it"
                };
                eprintln!(
                    "output: {} -> key '{}' ({state})",
                    path.display(),
                    output_key(path)?
                );
            }
            eprintln!("dry run: nothing was executed or saved");
            eprintln!("would run: {}", command.join(" "));
            return Ok(crate::output::Output {
                text: String::new(),
                json: Value::Null,
                exit_code: 0,
            });
        }
        let inst = g.open()?;
        let branch = match &self.branch {
            Some(b) => Some(inst.branches().get(b)?),
            None => None,
        };
        let outcome = run_command(
            &inst,
            RunCommand {
                key: self.key,
                uid: self.uid,
                params: self.params,
                command,
                instance: g.instance.as_deref(),
                outputs: self.register_output,
                named_outputs: named,
                branch,
            },
        )?;
        let status = outcome
            .run
            .status()
            .map(RunStatus::as_str)
            .unwrap_or("unknown");
        let j = run_json(&outcome.run, &outcome.transform);
        // The command owns stdout; the summary goes to stderr.
        if g.json {
            eprintln!("{j}");
        } else {
            eprintln!(
                "→ finished run {} of {}: {status}",
                outcome.run.uid, outcome.transform.key
            );
        }
        Ok(crate::output::Output {
            text: String::new(),
            json: Value::Null,
            exit_code: outcome.exit_code,
        })
    }
}

/// `lamin track`.
#[derive(clap::Args)]
pub struct TrackArgs {
    /// The script; default the script of the shell that runs `lamin track`.
    path: Option<PathBuf>,
    /// Transform key; default the script's file name.
    #[arg(long)]
    key: Option<String>,
}

impl TrackArgs {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        let inst = g.open()?;
        // A shell run that was never finished is not left `started` for ever: it is recorded
        // as aborted, and said so.
        let mut lines = Vec::new();
        if let Some(orphan) = shell_run(&inst)?.filter(|r| r.status() == Some(RunStatus::Started)) {
            inst.runs().finish(&orphan, RunStatus::Aborted, None)?;
            lines.push(format!(
                "! run {} was tracked but never finished (`lamin finish`); recorded it as aborted",
                orphan.uid
            ));
        }
        let (run, tr) = track_shell(&inst, self.path, self.key)?;
        lines.push(format!(
            "started tracking shell run: {} ({})",
            run.uid, tr.key
        ));
        Ok(crate::output::Output::new(
            lines.join("\n"),
            run_json(&run, &tr),
        ))
    }
}

/// `lamin finish`.
pub fn finish(g: &crate::output::Global) -> Result<crate::output::Output> {
    let inst = g.open()?;
    let run = finish_shell(&inst)?;
    let tr = inst.transforms().by_id(run.transform_id)?;
    Ok(crate::output::Output::new(
        format!("finished tracking shell run: {}", run.uid),
        run_json(&run, &tr),
    ))
}
