//! Many `lamin` processes at once, as a pipeline runs them: writers serialize instead of failing,
//! one key keeps one version family with one latest version, get-or-create never duplicates.

use std::process::Output;

use super::Env;
use lamindb_tests::both;
use serde_json::Value;

/// Runs `jobs` in parallel, each job a list of `lamin` invocations run one after another, and
/// returns every output.
fn parallel(env: &Env, jobs: Vec<Vec<Vec<String>>>) -> Vec<Output> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                s.spawn(move || {
                    job.iter()
                        .map(|args| {
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            env.lamin(&args)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn all_ok(outputs: &[Output]) {
    let failed: Vec<String> = outputs
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        outputs.len()
    );
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn list(env: &Env, what: &[&str]) -> Vec<Value> {
    let mut a = vec!["list"];
    a.extend_from_slice(what);
    a.extend(["--limit", "1000"]);
    env.json(&a).as_array().unwrap().clone()
}

both!(eight_writers_save_two_hundred_files, |backend| {
    let env = Env::new(backend);
    env.init();
    let jobs: Vec<Vec<Vec<String>>> = (0..8)
        .map(|w| {
            (0..25)
                .map(|i| {
                    let name = format!("w{w}/f{i}.txt");
                    let p = env.write(&name, format!("writer {w} file {i}").as_bytes());
                    args(&["save", p.to_str().unwrap(), "--key", &name])
                })
                .collect()
        })
        .collect();
    all_ok(&parallel(&env, jobs));
    assert_eq!(list(&env, &["artifacts"]).len(), 200);
});

both!(
    one_key_from_eight_writers_is_one_version_family,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let jobs: Vec<Vec<Vec<String>>> = (0..8)
            .map(|w| {
                let p = env.write(&format!("s{w}.txt"), format!("content {w}").as_bytes());
                vec![args(&["save", p.to_str().unwrap(), "--key", "same.txt"])]
            })
            .collect();
        all_ok(&parallel(&env, jobs));
        let all = list(&env, &["artifacts", "--all-versions"]);
        assert_eq!(all.len(), 8, "{all:?}");
        let stems: std::collections::BTreeSet<&str> = all
            .iter()
            .map(|a| &a["uid"].as_str().unwrap()[..16])
            .collect();
        assert_eq!(stems.len(), 1, "one version family: {stems:?}");
        let latest: Vec<&Value> = all.iter().filter(|a| a["is_latest"] == true).collect();
        assert_eq!(latest.len(), 1, "{all:?}");
        let versions: std::collections::BTreeSet<&str> =
            all.iter().map(|a| a["version"].as_str().unwrap()).collect();
        assert_eq!(versions.len(), 8);

        // The same content from eight writers is one artifact.
        let p = env.write("dup.txt", b"same bytes");
        let jobs = (0..8)
            .map(|_| vec![args(&["save", p.to_str().unwrap(), "--key", "dup.txt"])])
            .collect();
        all_ok(&parallel(&env, jobs));
        let dup = list(
            &env,
            &["artifacts", "--all-versions", "--key-prefix", "dup"],
        );
        assert_eq!(dup.len(), 1, "{dup:?}");
    }
);

both!(parallel_creates_of_one_name_make_one_row, |backend| {
    let env = Env::new(backend);
    env.init();
    for (registry, extra) in [
        ("ulabel", vec![]),
        ("project", vec![]),
        ("feature", vec!["--dtype", "int"]),
    ] {
        let jobs = (0..8)
            .map(|_| {
                let mut a = vec!["create", registry, "L1"];
                a.extend(extra.iter().copied());
                vec![args(&a)]
            })
            .collect();
        all_ok(&parallel(&env, jobs));
        let rows = env.json(&["list", registry, "--filter", "name=L1"]);
        assert_eq!(rows.as_array().unwrap().len(), 1, "{registry}: {rows}");
    }
    // Schemas are found again by definition and by name.
    env.ok(&["create", "feature", "f2", "--dtype", "int"]);
    let jobs = (0..8)
        .map(|_| vec![args(&["create", "schema", "S1", "--features", "f2"])])
        .collect();
    all_ok(&parallel(&env, jobs));
    let rows = env.json(&["list", "schema", "--filter", "name=S1"]);
    assert_eq!(rows.as_array().unwrap().len(), 1, "schema: {rows}");
    // Annotation by that name works afterwards.
    let p = env.write("a.txt", b"a");
    env.ok(&["save", p.to_str().unwrap(), "--key", "a.txt"]);
    env.ok(&[
        "annotate",
        "--key",
        "a.txt",
        "--ulabel",
        "L1",
        "--features",
        "L1=3",
    ]);
    let found = list(&env, &["artifacts", "--filter", "L1__gt=2"]);
    assert_eq!(found.len(), 1);
});

both!(parallel_runs_of_one_script_share_one_transform, |backend| {
    let env = Env::new(backend);
    env.init();
    env.write("job.sh", b"echo working\n");
    let jobs = (0..4)
        .map(|_| vec![args(&["run", "--", "bash", "job.sh"])])
        .collect();
    all_ok(&parallel(&env, jobs));
    let transforms = env.json(&["list", "transforms"]);
    let keys: Vec<&str> = transforms
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .filter(|k| *k == "job.sh")
        .collect();
    assert_eq!(keys.len(), 1, "{transforms}");
    assert_eq!(env.json(&["list", "runs"]).as_array().unwrap().len(), 4);
});

/// Saves `path` under `key` and, while the save waits between hashing and copying, runs
/// `change`; returns the save's output.
fn save_while(env: &Env, path: &std::path::Path, key: &str, change: impl FnOnce()) -> Output {
    let markers = env.dir.path().join("failpoints");
    std::fs::create_dir_all(&markers).unwrap();
    let child = env
        .command(lamindb_tests::lamin_bin())
        .args(["save", path.to_str().unwrap(), "--key", key])
        .env("LAMINDB_FAILPOINT", "pause:before_copy")
        .env("LAMINDB_FAILPOINT_DIR", &markers)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let reached = markers.join("before_copy.reached");
    for _ in 0..600 {
        if reached.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(reached.exists(), "the save never reached the copy");
    change();
    std::fs::write(markers.join("before_copy.go"), b"").unwrap();
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_file(reached);
    let _ = std::fs::remove_file(markers.join("before_copy.go"));
    out
}

both!(a_file_that_changes_while_saving_is_not_stored, |backend| {
    let env = Env::new(backend);
    env.init();
    let objects = || -> Vec<String> {
        let dir = env.storage().join(".lamindb");
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("lamin.db") && n != "storage_uid.txt")
            .collect();
        v.sort();
        v
    };
    let big = env.write("big.bin", &vec![7u8; 3 << 20]);
    for (what, change) in [
        (
            "modified",
            Box::new(|p: &std::path::Path| std::fs::write(p, vec![8u8; 3 << 20]).unwrap())
                as Box<dyn Fn(&std::path::Path)>,
        ),
        (
            "truncated",
            Box::new(|p: &std::path::Path| std::fs::write(p, vec![7u8; 1 << 20]).unwrap()),
        ),
    ] {
        std::fs::write(&big, vec![7u8; 3 << 20]).unwrap();
        let out = save_while(&env, &big, "big.bin", || change(&big));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{what}: {stderr}");
        assert!(stderr.contains("changed while saving"), "{what}: {stderr}");
        assert!(
            list(&env, &["artifacts", "--all-versions"]).is_empty(),
            "{what}"
        );
        assert!(objects().is_empty(), "{what}: {:?}", objects());
    }
    // A folder whose file changes is refused the same way.
    let dir = env.dir.path().join("folder");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.txt"), b"a").unwrap();
    std::fs::write(dir.join("b.txt"), b"b").unwrap();
    let out = save_while(&env, &dir, "folder", || {
        std::fs::write(dir.join("b.txt"), b"bbbb").unwrap()
    });
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(list(&env, &["artifacts", "--all-versions"]).is_empty());
    assert!(objects().is_empty(), "{:?}", objects());
    // Unchanged, it saves.
    env.ok(&["save", big.to_str().unwrap(), "--key", "big.bin"]);
    assert_eq!(list(&env, &["artifacts"]).len(), 1);
});

both!(
    a_folder_version_killed_at_any_step_keeps_a_complete_version,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let dir = env.dir.path().join("fold");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.txt"), b"v0").unwrap();
        env.ok(&["save", dir.to_str().unwrap(), "--key", "fold"]);
        for (i, point) in ["after_insert", "before_copy", "folder_swap", "after_copy"]
            .iter()
            .enumerate()
        {
            std::fs::write(dir.join("a.txt"), format!("v{}", i + 1)).unwrap();
            std::fs::write(dir.join(format!("new{i}.txt")), b"new").unwrap();
            let out = env.lamin_with(
                &["save", dir.to_str().unwrap(), "--key", "fold"],
                &[("LAMINDB_FAILPOINT", point)],
            );
            assert!(
                !out.status.success(),
                "{point}: the save must have been killed"
            );
            // The next command of any kind recovers: one latest version, whose data is complete
            // and has the recorded hash; nothing left over.
            let all = list(&env, &["artifacts", "--all-versions"]);
            let latest: Vec<&Value> = all.iter().filter(|a| a["is_latest"] == true).collect();
            assert_eq!(latest.len(), 1, "{point}: {all:?}");
            let path = env.ok(&["load", "--key", "fold"]);
            let stored = lamindb_storage::hash_path(std::path::Path::new(path.trim())).unwrap();
            assert_eq!(latest[0]["hash"], stored.hash.as_str(), "{point}: {all:?}");
            let leftovers: Vec<String> = std::fs::read_dir(env.storage().join(".lamindb"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".replaced-") || n.ends_with(".partial"))
                .collect();
            assert!(leftovers.is_empty(), "{point}: {leftovers:?}");
            env.ok(&["describe", "--key", "fold"]);
        }
    }
);

both!(
    a_save_in_progress_is_invisible_until_it_commits,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let v1 = env.write("v1.txt", b"version 1");
        let old = env.json(&["save", v1.to_str().unwrap(), "--key", "k.txt"]);
        let v2 = env.write("v2.txt", b"version 2");
        let fresh = env.write("fresh.txt", b"fresh");
        let mut seen = Vec::new();
        let out = save_while(&env, &v2, "k.txt", || {
            // Readers still see version 1 only.
            let path = env.ok(&["load", "--key", "k.txt"]);
            seen.push(std::fs::read(path.trim()).unwrap());
            let all = list(&env, &["artifacts", "--all-versions"]);
            assert_eq!(all.len(), 1, "{all:?}");
            assert_eq!(all[0]["uid"], old["uid"]);
            let d = env.json(&["describe", "--key", "k.txt"]);
            assert_eq!(d["uid"], old["uid"]);
        });
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(seen, vec![b"version 1".to_vec()]);
        let path = env.ok(&["load", "--key", "k.txt"]);
        assert_eq!(std::fs::read(path.trim()).unwrap(), b"version 2");
        // A new key being written does not exist yet for readers.
        let out = save_while(&env, &fresh, "fresh.txt", || {
            let out = env.lamin(&["load", "--key", "fresh.txt"]);
            assert_eq!(
                out.status.code(),
                Some(3),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        });
        assert!(out.status.success());
        env.ok(&["load", "--key", "fresh.txt"]);
    }
);

/// A small tmpfs mounted at `dir` for as long as the value lives (needs root).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: std::path::PathBuf, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(&dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

both!(a_full_disk_fails_the_save_cleanly, |backend| {
    let env = Env::new(backend);
    // Room for the database and a few small files, not for the big one.
    let Some(disk) = SmallDisk::mount(env.dir.path().join("storage"), "16m") else {
        // Mounting needs root, which CI and the development machines have.
        assert_ne!(
            std::process::Command::new("id")
                .arg("-u")
                .output()
                .unwrap()
                .stdout,
            b"0\n",
            "root could not mount a tmpfs"
        );
        eprintln!("skipped: mounting a small disk needs root");
        return;
    };
    env.init();
    let small = env.write("small.txt", b"small");
    env.ok(&["save", small.to_str().unwrap(), "--key", "small.txt"]);
    let big = env.write("big.bin", &vec![1u8; 24 << 20]);
    let out = env.lamin(&["save", big.to_str().unwrap(), "--key", "big.bin"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    // The error is about the full target, not the source file.
    assert!(
        stderr.contains(".lamindb") && !stderr.contains("big.bin:"),
        "{stderr}"
    );
    let all = list(&env, &["artifacts", "--all-versions"]);
    assert_eq!(all.len(), 1, "{all:?}");
    let leftovers: Vec<String> = std::fs::read_dir(env.storage().join(".lamindb"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let again = env.write("again.txt", b"again");
    env.ok(&["save", again.to_str().unwrap(), "--key", "again.txt"]);
    drop(disk);
});

both!(
    parallel_schema_saves_share_the_builtin_schema_and_feature_set,
    |backend| {
        // A fresh instance: the first `--schema valid_features` creates the built-in schema,
        // and every save infers the same `columns` feature set; eight pipelines doing that at
        // once must find one row of each, not fail on a uid or hash that another just wrote.
        let env = Env::new(backend);
        env.init();
        env.ok(&["create", "feature", "sample", "--dtype", "cat[ULabel]"]);
        env.ok(&["create", "feature", "reads", "--dtype", "int"]);
        env.ok(&["create", "ulabel", "S1"]);
        env.ok(&["create", "ulabel", "S2"]);
        let jobs = (0..8)
            .map(|w| {
                let p = env.write(
                    &format!("t{w}.csv"),
                    format!("sample,reads\nS1,{w}\nS2,{}\n", w + 100).as_bytes(),
                );
                let key = format!("tables/t{w}.csv");
                vec![args(&[
                    "save",
                    p.to_str().unwrap(),
                    "--key",
                    &key,
                    "--schema",
                    "valid_features",
                ])]
            })
            .collect();
        all_ok(&parallel(&env, jobs));
        let builtin = env.json(&["list", "schema", "--filter", "name=valid_features"]);
        assert_eq!(builtin.as_array().unwrap().len(), 1, "{builtin}");
        let schemas = list(&env, &["schema"]);
        let sets: Vec<&Value> = schemas
            .iter()
            .filter(|s| s["name"].is_null() && s["members"] == "sample, reads")
            .collect();
        assert_eq!(sets.len(), 1, "one inferred feature set: {schemas:?}");
        assert_eq!(schemas.len(), 2, "nothing else: {schemas:?}");
        let saved = list(&env, &["artifacts", "--filter", "sample=S2"]);
        assert_eq!(saved.len(), 8, "every table annotated: {saved:?}");
    }
);

// Eight processes make the same collection (and then the next version of it) at once, while
// others save on a branch: one collection per member set, one latest version, and the branch's
// records stay on the branch.
both!(parallel_collections_and_branch_saves, |backend| {
    let env = Env::new(backend);
    env.init();
    let files: Vec<String> = (0..3)
        .map(|i| {
            let p = env.write(&format!("in/m{i}.csv"), format!("x\n{i}\n").as_bytes());
            env.ok(&["save", p.to_str().unwrap(), "--key", &format!("m/{i}.csv")]);
            format!("m/{i}.csv")
        })
        .collect();
    let mut first = args(&["create", "collection", "lake"]);
    let mut second = first.clone();
    for k in &files[..2] {
        first.extend(args(&["--artifact", k]));
    }
    for k in &files {
        second.extend(args(&["--artifact", k]));
    }
    let jobs: Vec<Vec<Vec<String>>> = (0..8)
        .map(|_| vec![first.clone(), second.clone()])
        .collect();
    all_ok(&parallel(&env, jobs));
    let versions = list(&env, &["collections", "--all-versions"]);
    assert_eq!(
        versions.len(),
        2,
        "one collection per member set: {versions:?}"
    );
    assert_eq!(list(&env, &["collections"]).len(), 1, "one latest version");

    // Saves on a branch from many processes: all on the branch, none on main until merged.
    env.ok(&["switch", "-c", "dev"]);
    let jobs: Vec<Vec<Vec<String>>> = (0..6)
        .map(|i| {
            let p = env.write(&format!("in/b{i}.csv"), format!("b\n{i}\n").as_bytes());
            vec![args(&[
                "save",
                p.to_str().unwrap(),
                "--key",
                &format!("b/{i}.csv"),
            ])]
        })
        .collect();
    all_ok(&parallel(&env, jobs));
    env.ok(&["switch", "main"]);
    assert!(list(&env, &["artifacts", "--key-prefix", "b/"]).is_empty());
    env.ok(&["merge", "dev"]);
    assert_eq!(list(&env, &["artifacts", "--key-prefix", "b/"]).len(), 6);
});
