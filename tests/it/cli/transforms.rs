//! `lamin save` of scripts and notebooks (transforms keyed by their path in the development
//! folder, versioned by source), `lamin delete transform`, and `describe` by name.

use lamindb_tests::{both, lamin_bin};

use super::Env;

both!(scripts_save_as_versioned_transforms, |backend| {
    let env = Env::new(backend);
    env.init();
    let root = env.dir.path();
    // The working folder is a development folder (init pinned it): keys are paths below it.
    let script = env.write("pipelines/clean.py", b"print('v1')\n");
    let out = env.ok(&["save", script.to_str().unwrap()]);
    assert!(
        out.contains("created Transform('") && out.contains("key='pipelines/clean.py'"),
        "{out}"
    );
    let first = env.json(&["describe", "transform", "--key", "pipelines/clean.py"]);
    assert_eq!(first["kind"], "script");
    assert_eq!(first["source_code"], "print('v1')\n");
    // The same source again is the same transform; a changed source a new version.
    let again = env.ok(&["save", script.to_str().unwrap()]);
    assert!(again.contains("transform already saved"), "{again}");
    std::fs::write(&script, "print('v2')\n").unwrap();
    let second = env.json(&["save", script.to_str().unwrap()]);
    assert_eq!(second["status"], "newversion");
    let uid1 = first["uid"].as_str().unwrap();
    let uid2 = second["uid"].as_str().unwrap();
    assert_eq!(&uid2[..12], &uid1[..12]);
    assert_eq!(&uid2[12..], "0001");
    // Outside a development folder the key is the file name.
    env.ok(&["settings", "dev-dir", "unset"]);
    let shell = env.write("tools/run.sh", b"#!/bin/bash\necho hi\n");
    let out = env.ok(&["save", shell.to_str().unwrap()]);
    assert!(out.contains("key='run.sh'"), "{out}");
    // A uid pinned in the code is used, and said.
    let pinned = env.write(
        "pinned.py",
        b"import lamindb as ln\nln.track('Abcdefghijkl')\n",
    );
    let out = env.ok(&["save", pinned.to_str().unwrap()]);
    assert!(
        out.contains("mapped 'pinned.py' on uid 'Abcdefghijkl'")
            && out.contains("created Transform('Abcdefghijkl0000'"),
        "{out}"
    );
    // --registry artifact saves a script as a file; other values are named.
    let a = env.json(&[
        "save",
        pinned.to_str().unwrap(),
        "--key",
        "code/pinned.py",
        "--registry",
        "artifact",
    ]);
    assert_eq!(a["key"], "code/pinned.py");
    let bad = env.lamin(&["save", pinned.to_str().unwrap(), "--registry", "invalid"]);
    assert_ne!(bad.status.code(), Some(0));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("'artifact'") && err.contains("'transform'"),
        "{err}"
    );
    // A plain file needs a key or a description, as in Python (exit 1, said on stdout).
    let plain = env.write("notes.bin", b"x");
    let out = env.lamin(&["save", plain.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Please pass a key or description"));

    // Deleting the newest version makes the one before the latest; then the last one goes.
    let out = env.ok(&[
        "delete",
        "transform",
        "--key",
        "pipelines/clean.py",
        "--permanent",
    ]);
    assert!(
        out.contains(&format!("new latest Transform version is: {uid1}")),
        "{out}"
    );
    let left = env.json(&["describe", "transform", "--key", "pipelines/clean.py"]);
    assert_eq!(left["uid"], uid1);
    assert_eq!(left["is_latest"], true);
    env.ok(&[
        "delete",
        "transform",
        "--key",
        "pipelines/clean.py",
        "--permanent",
    ]);
    let gone = env.lamin(&["describe", "transform", "--key", "pipelines/clean.py"]);
    assert_eq!(gone.status.code(), Some(3));
    let _ = root;
});

both!(a_trashed_family_is_restored_not_continued, |backend| {
    let env = Env::new(backend);
    env.init();
    let script = env.write("t.py", b"import lamindb as ln\nln.track('Trashedfamly')\n");
    env.ok(&["save", script.to_str().unwrap()]);
    // Into the trash, as Python's transform.delete() does; saving it again is refused.
    let out = env.ok(&["delete", "transform", "--key", "t.py"]);
    assert!(out.contains("moved transform"), "{out}");
    let out = env.lamin(&["save", script.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Transform is in the trash"));
});

both!(notebooks_save_with_their_order_and_a_run, |backend| {
    let env = Env::new(backend);
    env.init();
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "source": ["# Quality control\n"]},
            {"cell_type": "code", "execution_count": 2, "source": ["import lamindb as ln\n"]},
            {"cell_type": "code", "execution_count": 1, "source": ["print(1)\n"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    let path = env.write("qc.ipynb", nb.to_string().as_bytes());
    let out = env.ok(&["save", path.to_str().unwrap()]);
    assert!(
        out.contains("cells [(2, 1)] were not run consecutively"),
        "{out}"
    );
    assert!(out.contains("found no run, creating Run('"), "{out}");
    let t = env.json(&["describe", "transform", "--key", "qc.ipynb"]);
    assert_eq!(t["kind"], "notebook");
    assert_eq!(t["description"], "Quality control");
    assert!(t["source_code"]
        .as_str()
        .unwrap()
        .contains("# %%\nprint(1)"));
    // Records are described by name too.
    env.ok(&["create", "project", "Atlas"]);
    let d = env.ok(&["describe", "project", "--name", "Atlas"]);
    assert!(d.starts_with("Project: Atlas ("), "{d}");
    let missing = env.lamin(&["describe", "project"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("you must pass --uid or --name"));
});

both!(transform_sources_load_back, |backend| {
    let env = Env::new(backend);
    env.init();
    let script = env.write("src/clean.py", b"print('clean')\n");
    env.ok(&["save", script.to_str().unwrap()]);
    let out_dir = env.dir.path().join("restored");
    let path = env.ok(&[
        "load",
        "transform",
        "--key",
        "src/clean.py",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(path.trim()).unwrap(),
        "print('clean')\n"
    );
    // Loading again is fine; a different file of that name is kept.
    env.ok(&[
        "load",
        "transform",
        "--key",
        "src/clean.py",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    std::fs::write(out_dir.join("clean.py"), "mine").unwrap();
    let out = env.lamin(&[
        "load",
        "transform",
        "--key",
        "src/clean.py",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("clean.py")).unwrap(),
        "mine"
    );
    // A notebook comes back as a notebook with its cells.
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "source": ["# Title\n"]},
            {"cell_type": "code", "execution_count": 1, "source": ["x = 1\n", "print(x)\n"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    let p = env.write("nb.ipynb", nb.to_string().as_bytes());
    env.ok(&["save", p.to_str().unwrap()]);
    let path = env.ok(&[
        "load",
        "transform",
        "--key",
        "nb.ipynb",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    let back: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.trim()).unwrap()).unwrap();
    assert_eq!(back["cells"][0]["cell_type"], "markdown");
    assert_eq!(
        back["cells"][1]["source"],
        serde_json::json!(["x = 1\n", "print(x)"])
    );
});

#[test]
fn init_without_storage_uses_lamin_cli_defaults() {
    let env = Env::new(lamindb_tests::Backend::Sqlite);
    let project = env.dir.path().join("MyLab");
    std::fs::create_dir_all(&project).unwrap();
    let mut cmd = env.command(lamindb_tests::lamin_bin());
    let out = cmd
        .current_dir(&project)
        .args(["--json", "init"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["slug"], "anonymous/mylab");
    assert!(project.join("storage/.lamindb").is_dir());
}

both!(agent_plans_save_as_plan_artifacts, |backend| {
    let env = Env::new(backend);
    env.init();
    let text = "---\nname: Profiler\noverview: Plot the durations: one notebook\ntodos:\n  - id: a\n    content: leak\n---\n\n# Body\ntext\n";
    let p = env.write("plans/speed.plan.md", text.as_bytes());
    let out = env.ok(&["save", p.to_str().unwrap()]);
    assert!(
        out.starts_with("saving artifact as `kind=\"plan\"`"),
        "{out}"
    );
    let a = env.json(&["describe", "--key", ".plans/speed.plan.md"]);
    assert_eq!(a["kind"], "plan");
    assert_eq!(a["description"], "Plot the durations: one notebook");
    let body =
        std::fs::read_to_string(env.ok(&["load", "--key", ".plans/speed.plan.md"]).trim()).unwrap();
    assert_eq!(body, "# Body\ntext\n");
    // Claude Code's plans folder, and --kind wins.
    let c = env.write(
        ".claude/plans/refactor.md",
        text.replace("text", "other text").as_bytes(),
    );
    env.ok(&["save", c.to_str().unwrap(), "--kind", "dataset"]);
    let a = env.json(&["describe", "--key", ".plans/refactor.md"]);
    assert_eq!(a["kind"], "dataset");
});

// A notebook whose `ln.track("…")` pins an existing transform (as after Python LaminDB ran it in
// a kernel): saving it stores the source in jupytext's form, attaches an html report with the
// cells' outputs to its latest run, and asks before overwriting a different source or report.
both!(
    notebooks_with_a_pinned_transform_get_source_and_report,
    |backend| {
        use std::io::Write;
        let env = Env::new(backend);
        env.init();
        let nb = |extra: &str| {
            serde_json::json!({
            "cells": [
                {"cell_type": "markdown", "source": ["# Expression QC"]},
                {"cell_type": "code", "execution_count": 1, "source": ["import lamindb as ln"]},
                {"cell_type": "code", "execution_count": 2,
                 "source": ["ln.track(\"QcNoteBook1a0000\")"]},
                {"cell_type": "code", "execution_count": 3, "source": [extra],
                 "outputs": [{"output_type": "stream", "name": "stdout", "text": ["42 <cells>\n"]}]},
            ],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5
        })
        .to_string()
        };
        let path = env.write("qc.ipynb", nb("print(42)").as_bytes());
        env.ok(&["save", path.to_str().unwrap()]);
        let save_answering = |answer: &str| {
            let mut child = env
                .command(lamin_bin())
                .args(["save", path.to_str().unwrap()])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(answer.as_bytes())
                .unwrap();
            child.wait_with_output().unwrap()
        };
        // The same notebook again: its run gets the report.
        let out = save_answering("");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let t = env.json(&["describe", "transform", "--uid", "QcNoteBook1a0000"]);
        assert_eq!(t["description"], "Expression QC");
        assert_eq!(
        t["source_code"],
        "# %% [markdown]\n#\n\n# %%\nimport lamindb as ln\n\n# %%\nln.track(\"QcNoteBook1a0000\")\n\n# %%\nprint(42)\n"
    );
        let runs = env.json(&["list", "runs"]);
        let run_uid = runs[0]["uid"].as_str().unwrap().to_owned();
        let described = env.ok(&["describe", "run", "--uid", &run_uid]);
        assert!(described.contains("report"), "{described}");
        // Changed: overwriting asks; "n" keeps the stored source and exits 1, "y" replaces it.
        std::fs::write(&path, nb("print(43)")).unwrap();
        let out = save_answering("n\n");
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout)
            .contains("You are about to overwrite existing source code"));
        let kept = env.json(&["describe", "transform", "--uid", "QcNoteBook1a0000"]);
        assert_eq!(kept["hash"], t["hash"]);
        let out = save_answering("y\ny\n");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(
            stdout.contains("You are about to overwrite an existing report"),
            "{stdout}"
        );
        let changed = env.json(&["describe", "transform", "--uid", "QcNoteBook1a0000"]);
        assert_ne!(changed["hash"], t["hash"]);
        assert!(changed["source_code"]
            .as_str()
            .unwrap()
            .ends_with("print(43)\n"));
        // The report shows the cells' outputs, escaped.
        let saved = env.json(&["save", path.to_str().unwrap()]);
        let report_id = saved["report"].as_i64().unwrap().to_string();
        let found = env.json(&[
            "list",
            "artifacts",
            "--filter",
            &format!("id={report_id}"),
            "--filter",
            "kind=__lamindb_run__",
        ]);
        let html = std::fs::read_to_string(found[0]["path"].as_str().unwrap()).unwrap();
        assert!(
            html.contains("42 &lt;cells&gt;") && html.contains("print(43)"),
            "{html}"
        );
        assert!(
            !html.contains("Expression QC</pre>"),
            "the title heading is left out"
        );
    }
);
