//! `lamin run`, `lamin track` / `lamin finish`, `lamin lineage`, `lamin openlineage` and
//! `lamin describe run|transform`, end to end.

use std::collections::BTreeSet;

use lamindb_tests::{both, Backend};
use serde_json::Value;

use super::Env;

const STEP: &str = r#"#!/bin/bash
set -e
p=$(lamin load --key raw/in.csv)
echo "read $p"
cp "$p" out1.csv
echo x >> out1.csv
lamin save out1.csv --key clean/out1.csv
echo "a warning" >&2
"#;

fn runs(env: &Env) -> Vec<Value> {
    env.json(&["list", "runs"]).as_array().unwrap().clone()
}

/// The file named on the `label:` line of `lamin describe run`.
fn described_file(env: &Env, run_uid: &str, label: &str) -> String {
    let text = env.ok(&["describe", "run", "--uid", run_uid]);
    let line = text
        .lines()
        .find(|l| l.contains(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} in {text}"));
    let path = line.rsplit(' ').next().unwrap();
    std::fs::read_to_string(path).unwrap()
}

both!(
    lamin_run_tracks_a_script_and_what_it_reads_and_writes,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let input = env.write("in.csv", b"a,b\n");
        env.ok(&["save", input.to_str().unwrap(), "--key", "raw/in.csv"]);
        env.write("step.sh", STEP.as_bytes());
        let out = env.lamin(&[
            "run",
            "--param",
            "lr=0.1",
            "--param",
            "api_key=xyz",
            "--",
            "bash",
            "step.sh",
            "arg1",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        // The command's output reaches the terminal as it runs.
        assert!(
            stdout.contains("read ") && stdout.contains("saved: "),
            "{stdout}"
        );
        assert!(
            stderr.contains("a warning") && stderr.contains("completed"),
            "{stderr}"
        );

        let listed = runs(&env);
        assert_eq!(listed.len(), 1);
        let run = &listed[0];
        let uid = run["uid"].as_str().unwrap();
        assert_eq!(run["status"], "completed");
        assert_eq!(run["params"]["lr"], serde_json::json!(0.1), "{run}");
        assert_eq!(run["params"]["api_key"], "***REDACTED***");
        assert_eq!(run["params"]["argv"], serde_json::json!(["arg1"]));
        assert!(run["params"]["tool_version"]
            .as_str()
            .unwrap()
            .starts_with("GNU bash"));
        assert_eq!(run["cli_args"], "arg1");
        assert_eq!(run["transform"]["key"], "step.sh");
        assert_eq!(run["transform"]["kind"], "script");
        let tr = env.json(&["describe", "transform", "--key", "step.sh"]);
        assert_eq!(tr["source_code"], STEP);

        // The report holds stdout and stderr; a shell script has no package environment.
        let report = described_file(&env, uid, "report");
        assert!(
            report.contains("read ") && report.contains("a warning"),
            "{report}"
        );
        assert!(!env
            .ok(&["describe", "run", "--uid", uid])
            .contains("environment: "));

        // Lineage: in.csv → run → out1.csv, in every format.
        let g = env.json(&["lineage", "--key", "clean/out1.csv", "--format", "json"]);
        let edges: BTreeSet<(String, String)> = g["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["from"].as_str().unwrap().into(),
                    e["to"].as_str().unwrap().into(),
                )
            })
            .collect();
        let in_uid = env.json(&["describe", "--key", "raw/in.csv"])["uid"]
            .as_str()
            .unwrap()
            .to_owned();
        let out_uid = env.json(&["describe", "--key", "clean/out1.csv"])["uid"]
            .as_str()
            .unwrap()
            .to_owned();
        let expected: BTreeSet<(String, String)> = [
            (format!("artifact_{in_uid}"), format!("run_{uid}")),
            (format!("run_{uid}"), format!("artifact_{out_uid}")),
        ]
        .into_iter()
        .collect();
        assert_eq!(edges, expected);
        assert_eq!(g["nodes"].as_array().unwrap().len(), 3);
        let dot = env.ok(&["lineage", "--key", "clean/out1.csv"]);
        assert!(dot.starts_with("digraph lineage {"));
        assert!(
            dot.contains(&format!("\"run_{uid}\" -> \"artifact_{out_uid}\"")),
            "{dot}"
        );
        let mermaid = env.ok(&["lineage", "--uid", &out_uid, "--format", "mermaid"]);
        assert!(
            mermaid.contains(&format!("artifact_{in_uid} --> run_{uid}")),
            "{mermaid}"
        );
        let described = env.ok(&["describe", "--key", "clean/out1.csv"]);
        assert!(
            described.contains(&format!("run: {} (step.sh)", &uid[..7])),
            "{described}"
        );

        // OpenLineage: START and COMPLETE, one JSON document per line.
        let events: Vec<Value> = env
            .ok(&["openlineage", "--run", uid])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| e["eventType"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["START", "COMPLETE"]);
        assert_eq!(events[1]["job"]["name"], "step.sh");
        assert_eq!(events[1]["outputs"].as_array().unwrap().len(), 1);
    }
);

both!(a_failing_command_is_recorded_as_errored, |backend| {
    let env = Env::new(backend);
    env.init();
    let out = env.lamin(&["run", "--", "bash", "-c", "echo oops; exit 3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the command's exit code is passed on"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("oops"));
    let run = &runs(&env)[0];
    assert_eq!(run["status"], "errored");
    assert_eq!(run["transform"]["key"], "bash");
    assert_eq!(run["transform"]["kind"], "pipeline");
    let report = described_file(&env, run["uid"].as_str().unwrap(), "report");
    assert!(
        report.contains("oops") && report.contains("exited with status 3"),
        "{report}"
    );
    // A command that does not exist: exit 127 and an errored run, as lamin-cli records it; a
    // file that is not executable: 126.
    let out = env.lamin(&["run", "--", "no-such-command-xyz"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found on PATH"));
    let all = runs(&env);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["status"], "errored");
    assert_eq!(all[0]["transform"]["key"], "no-such-command-xyz");
    let plain = env.write("tool", b"not a program");
    let out = env.lamin(&["run", plain.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(126));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not executable"));
});

both!(a_changed_script_is_a_new_transform_version, |backend| {
    let env = Env::new(backend);
    env.init();
    env.write("job.sh", b"echo one\n");
    env.ok(&["run", "--", "bash", "job.sh"]);
    env.ok(&["run", "--", "bash", "job.sh"]);
    env.write("job.sh", b"echo two\n");
    env.ok(&["run", "--", "bash", "job.sh"]);
    let transforms = env.json(&["list", "transforms"]);
    let uids: Vec<&str> = transforms
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids.len(), 2, "{transforms}");
    let (new, old) = (uids[0], uids[1]);
    assert_eq!(new[..12], old[..12]);
    assert!(old.ends_with("0000") && new.ends_with("0001"));
    let runs = runs(&env);
    let per_transform: Vec<&str> = runs
        .iter()
        .map(|r| r["transform"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(per_transform, [new, old, old]);
    let text = env.ok(&["describe", "transform", "--key", "job.sh"]);
    assert!(
        text.contains("versions (2)") && text.contains("echo two"),
        "{text}"
    );
});

both!(nested_lamin_run_records_its_parent, |backend| {
    let env = Env::new(backend);
    env.init();
    env.write(
        "inner.sh",
        b"echo inner > inner.txt\nlamin save inner.txt --key nested/inner.txt\n",
    );
    env.write("outer.sh", b"lamin run -- bash inner.sh\n");
    env.ok(&["run", "--", "bash", "outer.sh"]);
    let runs = runs(&env);
    assert_eq!(runs.len(), 2);
    let (inner, outer) = (&runs[0], &runs[1]);
    assert_eq!(inner["transform"]["key"], "inner.sh");
    assert_eq!(outer["transform"]["key"], "outer.sh");
    let text = env.ok(&["describe", "run", "--uid", inner["uid"].as_str().unwrap()]);
    assert!(
        text.contains(&format!(
            "initiated_by_run: {}",
            outer["uid"].as_str().unwrap()
        )),
        "{text}"
    );
    assert!(
        text.contains("nested/inner.txt"),
        "the inner run made the artifact: {text}"
    );
});

both!(lamin_track_and_finish_link_a_shell_session, |backend| {
    let env = Env::new(backend);
    env.init();
    env.write(
        "session.sh",
        b"set -e\nlamin track\necho hi > hi.txt\nlamin save hi.txt --key shell/hi.txt\nlamin finish\n",
    );
    let out = env.command("bash").arg("session.sh").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = runs(&env);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "completed");
    assert_eq!(runs[0]["transform"]["key"], "session.sh");
    let described = env.ok(&["describe", "--key", "shell/hi.txt"]);
    assert!(
        described.contains(&format!(
            "run: {} (session.sh)",
            &runs[0]["uid"].as_str().unwrap()[..7]
        )),
        "{described}"
    );
    // Nothing is being tracked any more.
    let out = env.lamin(&["finish"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lamin track"));
    // Outside a script, `lamin track` needs the script's path.
    let out = env.lamin(&["track"]);
    assert_eq!(out.status.code(), Some(4));
    // Tracking twice without finishing: the first run is recorded as aborted, and said so.
    let first = env.json(&["track", "session.sh"]);
    let out = env.ok(&["track", "session.sh"]);
    assert!(
        out.contains(&format!(
            "run {} was tracked but never finished",
            first["uid"].as_str().unwrap()
        )),
        "{out}"
    );
    let orphan = env.json(&["describe", "run", "--uid", first["uid"].as_str().unwrap()]);
    assert_eq!(orphan["status"], "aborted");
    env.ok(&["finish"]);
});

#[test]
fn lineage_rejects_bad_options_and_explains_missing_graphviz() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let f = env.write("x.txt", b"x\n");
    env.ok(&["save", f.to_str().unwrap(), "--key", "x.txt"]);
    let bad = env.lamin(&["lineage", "--key", "x.txt", "--format", "png"]);
    assert_eq!(bad.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("dot, mermaid, json, svg"));
    let bad = env.lamin(&["lineage", "--key", "x.txt", "--direction", "sideways"]);
    assert_eq!(bad.status.code(), Some(4));
    // Without Graphviz on PATH the error says what to install.
    let empty = env.dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = env.lamin_with(
        &["lineage", "--key", "x.txt", "--format", "svg"],
        &[("PATH", empty.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Graphviz"));
    // With Graphviz, an SVG document.
    if which_dot() {
        let svg = env.ok(&["lineage", "--key", "x.txt", "--format", "svg"]);
        assert!(svg.contains("<svg"), "{svg}");
    }
}

fn which_dot() -> bool {
    std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(unix)]
#[test]
fn a_terminated_lamin_run_is_recorded_as_aborted() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let mut child = env
        .command(lamindb_tests::lamin_bin())
        .args(["run", "--", "sleep", "30"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the command runs.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while runs(&env).is_empty() {
        assert!(std::time::Instant::now() < deadline, "run never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    let run = &runs(&env)[0];
    assert_eq!(run["status"], "aborted");
    let report = described_file(&env, run["uid"].as_str().unwrap(), "report");
    assert!(report.contains("terminated by signal 15"), "{report}");
}

both!(run_params_with_text_unicode_and_secret_names, |backend| {
    let env = Env::new(backend);
    env.init();
    let out = env.lamin(&[
        "run",
        "--param",
        "name=hello",
        "--param",
        "Grüße=wörld ✓",
        "--param",
        "myApiToken=abc123",
        "--param",
        "db=postgresql://u:pw@h/db",
        "--",
        "true",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let run = &runs(&env)[0];
    let mut params = run["params"].as_object().unwrap().clone();
    // lamin-cli's own keys: the command's arguments and the program's version.
    assert_eq!(params.remove("argv"), Some(serde_json::json!([])), "{run}");
    params.remove("tool_version");
    assert_eq!(
        serde_json::Value::Object(params),
        serde_json::json!({
            "name": "hello",
            "Grüße": "wörld ✓",
            "myApiToken": "***REDACTED***",
            "db": "***REDACTED***",
        }),
        "{run}"
    );
});

// `lamin run FILE -- ARGS` as lamin-cli has it: the interpreter from the suffix, lamin:// URIs
// resolved to local copies and linked as inputs, outputs registered, a Python script's packages
// as its environment, a dry run that runs nothing.
both!(
    lamin_run_file_resolves_uris_and_registers_outputs,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let input = env.write("data/in.txt", b"hello\n");
        env.ok(&["save", input.to_str().unwrap(), "--key", "raw/in.txt"]);
        let script = env.write(
            "upper.sh",
            b"tr a-z A-Z < \"$1\" > \"$2\"\nmkdir -p results && cp \"$2\" results/copy.txt\n",
        );
        let uri = "lamin://anonymous/clitest/artifact/key/raw/in.txt";
        let dry = env.lamin(&[
            "run",
            "--dry-run",
            script.to_str().unwrap(),
            "--",
            uri,
            "out.txt",
        ]);
        assert_eq!(dry.status.code(), Some(0));
        let err = String::from_utf8_lossy(&dry.stderr);
        assert!(
            err.contains("dry run: nothing was executed or saved") && err.contains(uri),
            "{err}"
        );
        assert!(runs(&env).is_empty());
        let out = env.lamin(&[
            "run",
            script.to_str().unwrap(),
            "--register-output",
            "results/copy.txt",
            "--",
            uri,
            "out.txt",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.contains("(via local)"), "{err}");
        assert_eq!(
            std::fs::read_to_string(env.dir.path().join("out.txt")).unwrap(),
            "HELLO\n"
        );
        let run = &runs(&env)[0];
        assert_eq!(run["transform"]["key"], "upper.sh");
        assert_eq!(run["params"]["argv"], serde_json::json!([uri, "out.txt"]));
        assert_eq!(run["cli_args"], format!("{uri} out.txt"));
        let described = env.ok(&["describe", "run", "--uid", run["uid"].as_str().unwrap()]);
        assert!(
            described.contains("raw/in.txt") && described.contains("results/copy.txt"),
            "{described}"
        );
        // An unknown artifact stops the run before it starts.
        let bad = env.lamin(&[
            "run",
            script.to_str().unwrap(),
            "--",
            "lamin://anonymous/clitest/artifact/key/nope.txt",
            "x",
        ]);
        assert_ne!(bad.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("No artifact with key 'nope.txt'"));
        assert_eq!(runs(&env).len(), 1);
        // Only local runs.
        let remote = env.lamin(&["run", "--where", "modal", script.to_str().unwrap()]);
        assert_eq!(
            remote.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&remote.stderr)
        );
    }
);

// A program without a script suffix is an executable: one transform per name, whatever its
// content; which version ran is each run's `tool_version`.
both!(
    an_executable_keeps_one_transform_and_versions_its_runs,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let tool = env.write(
            "mytool",
            b"#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo \"mytool 1.0.0\"; fi\n",
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        env.ok(&["run", tool.to_str().unwrap()]);
        std::fs::write(
            &tool,
            "#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo \"mytool 2.0.0\"; fi\n",
        )
        .unwrap();
        env.ok(&["run", tool.to_str().unwrap()]);
        let all = runs(&env);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0]["transform"]["uid"], all[1]["transform"]["uid"]);
        assert_eq!(all[0]["transform"]["key"], "mytool");
        let versions: Vec<&str> = all
            .iter()
            .map(|r| r["params"]["tool_version"].as_str().unwrap())
            .collect();
        assert_eq!(versions, ["mytool 2.0.0", "mytool 1.0.0"]);
    }
);

// A folder through which the storage location is reachable (here a symlink, as a FUSE mount
// would be) is registered as a mount: `mount path` and `lamin run` read artifacts through it,
// the run's environment names the inputs and mounts, and `--out FILE` is an output unasked.
both!(
    runs_read_through_registered_mounts_and_register_named_outputs,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let input = env.write("data/in.txt", b"hello\n");
        let saved = env.json(&["save", input.to_str().unwrap(), "--key", "raw/in.txt"]);
        let uid = saved["uid"].as_str().unwrap();
        let mnt = env.dir.path().join("mnt");
        std::os::unix::fs::symlink(env.storage(), &mnt).unwrap();
        let reg = env.ok(&["settings", "mount", "register", mnt.to_str().unwrap()]);
        assert!(reg.contains("registered external mount"), "{reg}");
        assert_eq!(
            env.json(&["settings", "mount", "list"])
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let uri = format!("lamin://anonymous/clitest/artifact/{uid}");
        let path = env.ok(&["settings", "mount", "path", &uri]);
        assert!(path.trim().starts_with(mnt.to_str().unwrap()), "{path}");

        let script = env.write(
            "upper.sh",
            b"tr a-z A-Z < \"$1\" > \"$3\"\nprintf '%s' \"$LAMIN_INPUT_PATHS\" > inputs.json\n",
        );
        let out = env.lamin(&[
            "run",
            script.to_str().unwrap(),
            "--",
            &uri,
            "--out",
            "out.txt",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.contains("(via mount)"), "{err}");
        let inputs: Value = serde_json::from_str(
            &std::fs::read_to_string(env.dir.path().join("inputs.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(inputs[&uri], path.trim());
        let run = &runs(&env)[0];
        let described = env.ok(&["describe", "run", "--uid", run["uid"].as_str().unwrap()]);
        assert!(
            described.contains("raw/in.txt") && described.contains("out.txt"),
            "{described}"
        );

        env.ok(&["settings", "mount", "unregister", mnt.to_str().unwrap()]);
        assert!(env
            .json(&["settings", "mount", "list"])
            .as_array()
            .unwrap()
            .is_empty());
        // Without the mount, the same run reads the local copy.
        let out = env.lamin(&[
            "run",
            script.to_str().unwrap(),
            "--",
            &uri,
            "--out",
            "out.txt",
        ]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("(via local)"));
        // A folder exposing no storage location is refused with the reason.
        let empty = env.dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let out = env.lamin(&["settings", "mount", "register", empty.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Could not detect a storage location")
        );
    }
);
