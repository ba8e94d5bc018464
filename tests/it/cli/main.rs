//! End-to-end suites for the `lamin` binary: the user workflow, exit codes and `--json`, and
//! crash consistency when a save is killed at each phase. Run on SQLite and on Postgres.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lamindb_tests::{both, lamin_bin, Backend, PgDatabase};
use serde_json::Value;

mod bionty;
mod collections;
mod concurrency;
mod curate;
mod listing;
mod notes;
mod runs;
mod runtime_modules;
mod save;
mod settings;
mod switch;
mod transfer;
mod transforms;
mod wetlab;

/// `PATH` with the `lamin` under test first, so scripts can call `lamin`.
fn path_with_lamin() -> std::ffi::OsString {
    let bin_dir = lamin_bin().parent().unwrap().to_owned();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

struct Env {
    dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
    db: Option<String>,
    /// `s3://…` root on the test S3 server, instead of a local folder.
    s3_root: Option<String>,
}

impl Env {
    fn new(backend: Backend) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(PgDatabase::create);
        let db = pg.as_ref().map(|p| p.url.clone());
        Env {
            dir,
            _pg: pg,
            db,
            s3_root: None,
        }
    }

    /// An environment whose instance keeps its objects on the test S3 server.
    fn new_s3(backend: Backend) -> Env {
        let mut env = Env::new(backend);
        env.s3_root = Some(format!(
            "s3://{}/cli{}",
            lamindb_tests::S3_BUCKET,
            lamindb_core::util::uid::random(10).to_lowercase()
        ));
        env
    }

    fn lamin(&self, args: &[&str]) -> Output {
        self.lamin_with(args, &[])
    }

    fn lamin_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(lamin_bin());
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// `program` set up as `lamin` is: in the test folder, with its settings, cache and `PATH`.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir.path())
            .env("LAMIN_SETTINGS_DIR", self.dir.path().join("settings"))
            .env("LAMIN_CACHE_DIR", self.dir.path().join("cache"))
            .env("PATH", path_with_lamin())
            .env_remove("LAMIN_INSTANCE")
            .env_remove("LAMIN_RUN_UID")
            .env_remove("LAMIN_INITIATED_BY_RUN_UID")
            .env_remove("LAMINDB_FAILPOINT");
        for (k, v) in lamindb_tests::s3_env() {
            cmd.env(k, v);
        }
        cmd
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.lamin(args);
        assert!(
            out.status.success(),
            "lamin {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    fn init(&self) {
        self.init_with(&[]);
    }

    /// `lamin init` with extra arguments (`--modules bionty`).
    fn init_with(&self, extra: &[&str]) {
        let storage = match &self.s3_root {
            Some(url) => url.clone(),
            None => self.storage().to_string_lossy().into_owned(),
        };
        let mut args = vec!["init", "--storage", storage.as_str(), "--name", "clitest"];
        if let Some(db) = &self.db {
            args.extend(["--db", db.as_str()]);
        }
        args.extend_from_slice(extra);
        self.ok(&args);
    }
}

both!(workflow, |backend| {
    let env = Env::new(backend);
    env.init();
    let info = env.json(&["info"]);
    assert_eq!(info["slug"], "anonymous/clitest");
    assert_eq!(
        info["dialect"],
        if backend == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    // `init` pinned the instance to the working directory, as Python LaminDB does.
    assert!(env.dir.path().join(".lamin/current_instance").exists());

    let f = env.write("in/sample.csv", b"a,b\n1,2\n");
    let saved = env.json(&[
        "save",
        f.to_str().unwrap(),
        "--key",
        "raw/sample.csv",
        "--description",
        "first",
    ]);
    assert_eq!(saved["status"], "created");
    let uid = saved["uid"].as_str().unwrap().to_owned();
    env.write("in/sample.csv", b"a,b\n3,4\n");
    let v2 = env.json(&["save", f.to_str().unwrap(), "--key", "raw/sample.csv"]);
    assert_eq!(v2["status"], "newversion");
    assert_eq!(&v2["uid"].as_str().unwrap()[..16], &uid[..16]);

    let listed = env.json(&["list", "artifacts"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let all = env.json(&[
        "list",
        "artifacts",
        "--all-versions",
        "--key-prefix",
        "raw/",
    ]);
    assert_eq!(all.as_array().unwrap().len(), 2);

    let path = env.ok(&["load", "--key", "raw/sample.csv"]);
    assert_eq!(std::fs::read(path.trim()).unwrap(), b"a,b\n3,4\n");
    let out_dir = env.dir.path().join("out");
    let copied = env.ok(&["load", "--uid", &uid, "--to", out_dir.to_str().unwrap()]);
    assert_eq!(std::fs::read(copied.trim()).unwrap(), b"a,b\n1,2\n");
    // The copy is named as the key names it.
    assert_eq!(Path::new(copied.trim()), out_dir.join("sample.csv"));

    let described = env.ok(&["describe", "--key", "raw/sample.csv"]);
    assert!(
        described.starts_with("Artifact: raw/sample.csv (0001)"),
        "{described}"
    );
    assert!(described.contains("storage/path:"), "{described}");

    env.ok(&["delete", "--key", "raw/sample.csv"]);
    assert_eq!(
        env.json(&["list", "artifacts"]).as_array().unwrap()[0]["uid"],
        uid.as_str()
    );
    let trashed = env.json(&["list", "artifacts", "--trash"]);
    assert_eq!(trashed.as_array().unwrap().len(), 1);
    env.ok(&["restore", "--key", "raw/sample.csv"]);
    assert_eq!(
        env.json(&["describe", "--key", "raw/sample.csv"])["uid"],
        v2["uid"]
    );
    env.ok(&[
        "delete",
        "--uid",
        v2["uid"].as_str().unwrap(),
        "--permanent",
    ]);
    assert!(!Path::new(v2["path"].as_str().unwrap()).exists());

    let deployed = env.json(&["migrate", "deploy"]);
    assert_eq!(deployed["applied"].as_array().unwrap().len(), 0);

    // Connect from elsewhere by storage folder.
    let other = tempfile::tempdir().unwrap();
    let out = Command::new(lamin_bin())
        .args(["--json", "info", "--instance", "anonymous/clitest"])
        .current_dir(other.path())
        .env("LAMIN_SETTINGS_DIR", env.dir.path().join("settings"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
});

both!(errors_have_messages_and_exit_codes, |backend| {
    let env = Env::new(backend);
    let out = env.lamin(&["info"]);
    assert_eq!(out.status.code(), Some(3), "no instance yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("lamin init"));
    env.init();
    let f = env.write("x.txt", b"x");
    let out = env.lamin(&["save", f.to_str().unwrap(), "--key", "../x.txt"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'..'"));
    let out = env.lamin(&["--json", "load", "--key", "missing.txt"]);
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["kind"], "NotFound");
    let out = env.lamin(&["list", "gadgets"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown registry 'gadgets'") && err.contains("ULabel"),
        "{err}"
    );
    // The library says what is wrong; the CLI adds the command that fixes it.
    env.ok(&["save", f.to_str().unwrap(), "--key", "x.txt"]);
    let out = env.lamin(&["annotate", "--key", "x.txt", "--features", "n_cells=3"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'n_cells'") && err.contains("lamin create feature n_cells --dtype int"),
        "{err}"
    );
    let out = env.lamin(&["--json", "annotate", "--key", "x.txt", "--ulabel", "nope"]);
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"], "no ULabel named 'nope'");
    assert_eq!(err["hint"], "create it with `lamin create ulabel \"nope\"`");
});

/// Core messages never name `lamin` commands: the CLI adds those hints itself.
#[test]
fn core_messages_name_no_cli_commands() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lamindb-core/src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                assert!(
                    !code.contains("`lamin "),
                    "{}:{} names a lamin command: {line}",
                    p.display(),
                    i + 1
                );
            }
        }
    }
}

/// Kills `lamin save` at each phase of a save and checks that the instance is consistent
/// afterwards: no row without its object, no object without its row, nothing left flagged.
fn assert_consistent(env: &Env) {
    let rows = env.json(&["list", "artifacts", "--all-versions"]);
    let mut expected: Vec<String> = Vec::new();
    for r in rows.as_array().unwrap() {
        let path = r["path"].as_str().unwrap();
        let name = path.rsplit('/').next().unwrap().to_owned();
        if env.s3_root.is_none() {
            assert!(
                Path::new(path).exists(),
                "row {} points to missing data",
                r["uid"]
            );
            let stored = lamindb_storage::hash_path(Path::new(path)).unwrap();
            assert_eq!(
                r["hash"],
                stored.hash.as_str(),
                "row {} records another hash than its data has",
                r["uid"]
            );
        }
        expected.push(name);
    }
    expected.sort();
    lamindb_tests::isolate_settings();
    let root = match &env.s3_root {
        None => lamindb_storage::StorageRoot::local(&env.storage()).unwrap(),
        Some(url) => lamindb_storage::StorageRoot::parse(url).unwrap(),
    };
    let stored = lamindb_tests::stored_objects(&root);
    assert_eq!(
        stored, expected,
        "stored objects match the registered artifacts"
    );
}

both!(killed_saves_leave_a_consistent_instance, |backend| {
    killed_saves(&Env::new(backend));
});

both!(killed_uploads_leave_a_consistent_instance, |backend| {
    killed_saves(&Env::new_s3(backend));
});

fn killed_saves(env: &Env) {
    env.init();
    let base = env.write("base.txt", b"base");
    env.ok(&["save", base.to_str().unwrap(), "--key", "k.txt"]);
    for (i, point) in ["after_insert", "before_copy", "after_copy"]
        .iter()
        .enumerate()
    {
        let f = env.write(&format!("f{i}.txt"), format!("content {i}").as_bytes());
        let out = env.lamin_with(
            &["save", f.to_str().unwrap(), "--key", "k.txt"],
            &[("LAMINDB_FAILPOINT", point)],
        );
        assert!(
            !out.status.success(),
            "{point}: the process must have been killed"
        );
        // The next write recovers: the interrupted version is either completed or removed.
        let g = env.write(&format!("g{i}.txt"), format!("next {i}").as_bytes());
        env.ok(&[
            "save",
            g.to_str().unwrap(),
            "--key",
            &format!("other{i}.txt"),
        ]);
        assert_consistent(env);
        let versions = env.json(&[
            "list",
            "artifacts",
            "--all-versions",
            "--key-prefix",
            "k.txt",
        ]);
        let latest: Vec<&Value> = versions
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["is_latest"] == true)
            .collect();
        assert_eq!(latest.len(), 1, "{point}: exactly one latest version");
        let expect_kept = *point == "after_copy";
        let hash = lamindb_storage::hash_file(&f).unwrap().hash;
        let has_it = versions
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["hash"] == hash.as_str());
        assert_eq!(
            has_it, expect_kept,
            "{point}: completed copies are kept, others undone"
        );
        // The same content can be saved again afterwards.
        env.ok(&["save", f.to_str().unwrap(), "--key", "k.txt"]);
        assert_consistent(env);
    }
}

both!(an_instance_on_s3_from_the_cli, |backend| {
    let env = Env::new_s3(backend);
    env.init();
    let root = env.s3_root.clone().unwrap();
    let f = env.write("in/sample.csv", b"a,b\n1,2\n");
    let saved = env.json(&["save", f.to_str().unwrap(), "--key", "raw/sample.csv"]);
    let path = saved["path"].as_str().unwrap();
    assert!(path.starts_with(&format!("{root}/.lamindb/")), "{path}");
    let local = env.ok(&["--quiet", "load", "--key", "raw/sample.csv"]);
    assert_eq!(std::fs::read(local.trim()).unwrap(), b"a,b\n1,2\n");
    assert!(local
        .trim()
        .starts_with(env.dir.path().join("cache").to_str().unwrap()));
    let described = env.ok(&["describe", "--key", "raw/sample.csv"]);
    assert!(
        described.contains(&format!("storage/path: {root}/.lamindb/")),
        "{described}"
    );

    let listed = env.json(&["storage", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["root"], root.as_str());
    assert_eq!(listed[0]["managed"], true);
    let extra = format!("{root}-archive");
    let added = env.json(&["storage", "add", &extra, "--read-only"]);
    assert_eq!(added["managed"], false);
    let text = env.ok(&["storage", "list"]);
    assert!(
        text.contains("read-only") && text.contains("(default)"),
        "{text}"
    );
    // Saving into read-only storage is refused with the reason.
    let out = env.lamin(&[
        "save",
        f.to_str().unwrap(),
        "--key",
        "x.csv",
        "--storage",
        &extra,
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
});

/// `lamin` with no AWS credentials anywhere (no variables, an empty home), talking to the test
/// server that needs none, as a public bucket.
fn lamin_anonymous(env: &Env, args: &[&str]) -> Output {
    let home = env.dir.path().join("empty-home");
    std::fs::create_dir_all(&home).unwrap();
    env.command(lamin_bin())
        .args(args)
        .env("HOME", &home)
        .env("AWS_ENDPOINT_URL", lamindb_tests::s3_public_endpoint())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

#[test]
fn public_buckets_are_read_without_credentials() {
    // Someone publishes a file (unsigned requests, as anonymous clients send them).
    let publisher = Env::new(Backend::Sqlite);
    let prefix = format!("pub{}", lamindb_core::util::uid::random(8).to_lowercase());
    let bucket_root = format!("s3://{}/{prefix}", lamindb_tests::S3_PUBLIC_BUCKET);
    let out = lamin_anonymous(
        &publisher,
        &["init", "--storage", &bucket_root, "--name", "publisher"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = publisher.write("genes.tsv", b"gene\tcount\nTP53\t5\n");
    let out = lamin_anonymous(
        &publisher,
        &["--json", "save", f.to_str().unwrap(), "--key", "genes.tsv"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = saved["path"].as_str().unwrap().to_owned();

    // A reader without credentials registers it in place and loads it.
    let reader = Env::new(Backend::Sqlite);
    reader.init();
    let out = lamin_anonymous(
        &reader,
        &["--json", "save", &url, "--description", "public genes"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let registered: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        registered["hash"],
        lamindb_storage::hash_string("gene\tcount\nTP53\t5\n")
    );
    assert_eq!(registered["hash_type"], "md5");
    let out = lamin_anonymous(
        &reader,
        &["load", "--uid", registered["uid"].as_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        std::fs::read(local.trim()).unwrap(),
        b"gene\tcount\nTP53\t5\n"
    );
    let storages: Value =
        serde_json::from_slice(&lamin_anonymous(&reader, &["--json", "storage", "list"]).stdout)
            .unwrap();
    let public = storages
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["root"] == format!("s3://{}", lamindb_tests::S3_PUBLIC_BUCKET).as_str())
        .expect("the bucket is recorded");
    assert_eq!(public["managed"], false);
}

both!(annotate_list_search_describe, |backend| {
    let env = Env::new(backend);
    env.init();
    for (name, content, key) in [
        ("a.fasta", ">a\nACGT\n", "seq/a.fasta"),
        ("b.fasta", ">b\nGGCC\n", "seq/b.fasta"),
        ("c.csv", "x\n1\n", "tables/c.csv"),
    ] {
        let p = env.write(name, content.as_bytes());
        env.ok(&["save", p.to_str().unwrap(), "--key", key]);
    }
    env.ok(&["create", "ulabel", "My experiment"]);
    let again = env.json(&["create", "ulabel", "My experiment"]);
    assert_eq!(again["created"], false);
    env.ok(&["create", "project", "Atlas"]);
    env.ok(&["create", "feature", "gc_content", "--dtype", "float"]);
    env.ok(&["create", "feature", "organism", "--dtype", "cat[ULabel]"]);
    env.ok(&["create", "ulabel", "human"]);
    let schema = env.json(&[
        "create",
        "schema",
        "sequencing",
        "--features",
        "gc_content,organism",
    ]);
    assert_eq!(schema["created"], true);
    assert_eq!(
        schema["features"],
        serde_json::json!(["gc_content", "organism"])
    );
    // The same set in another order is the same schema.
    let same = env.json(&[
        "create",
        "schema",
        "sequencing",
        "--features",
        "organism",
        "--features",
        "gc_content",
    ]);
    assert_eq!(
        (same["created"].clone(), same["uid"].clone()),
        (false.into(), schema["uid"].clone())
    );
    let out = env.lamin(&["create", "schema", "bad", "--features", "nope"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = env.json(&["list", "schema", "--filter", "features__name=organism"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let annotated = env.json(&[
        "annotate",
        "--key",
        "seq/a.fasta",
        "--ulabel",
        "My experiment",
        "--project",
        "Atlas",
        "--features",
        "gc_content=0.55",
        "--features",
        "organism=human",
    ]);
    assert_eq!(annotated["features"]["gc_content"], 0.55);
    assert_eq!(annotated["features"]["organism"], "human");
    env.ok(&[
        "annotate",
        "--key",
        "seq/b.fasta",
        "--features",
        "gc_content=0.4",
    ]);

    let keys = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "artifacts"];
        all.extend_from_slice(args);
        let mut k: Vec<String> = env
            .json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap().to_owned())
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&["--filter", "suffix=.fasta"]),
        ["seq/a.fasta", "seq/b.fasta"]
    );
    assert_eq!(
        keys(&[
            "--filter",
            "suffix=.fasta",
            "--filter",
            "ulabels__name=My experiment"
        ]),
        ["seq/a.fasta"]
    );
    assert_eq!(keys(&["--filter", "gc_content__gt=0.5"]), ["seq/a.fasta"]);
    assert_eq!(
        keys(&["--filter", "projects__name__icontains=atl"]),
        ["seq/a.fasta"]
    );
    let ulabels = env.json(&["list", "ulabels", "--filter", "name__startswith=My"]);
    assert_eq!(ulabels.as_array().unwrap().len(), 1);

    // Bad filters fail with the valid choices and exit code 4.
    let out = env.lamin(&["list", "artifacts", "--filter", "colour=red"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown field 'colour'") && err.contains("suffix"),
        "{err}"
    );
    let out = env.lamin(&[
        "annotate",
        "--key",
        "tables/c.csv",
        "--features",
        "gc_content=high",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'gc_content' (float)"), "{err}");

    env.ok(&["create", "ulabel", "p53 pathway"]);
    env.ok(&["create", "ulabel", "p53"]);
    let found = env.json(&["search", "ulabels", "p53"]);
    assert_eq!(found[0]["name"], "p53");
    assert_eq!(found[1]["name"], "p53 pathway");
    let text = env.ok(&["search", "ulabel", "p53"]);
    assert!(text.lines().next().unwrap().starts_with("rank"), "{text}");

    let described = env.ok(&["describe", "--key", "seq/a.fasta"]);
    assert!(described.contains("Features"), "{described}");
    assert!(
        described.contains("gc_content") && described.contains("0.55"),
        "{described}"
    );
    assert!(
        described.contains("organism") && described.contains("human"),
        "{described}"
    );
    assert!(
        described.contains(".ulabels") && described.contains("My experiment"),
        "{described}"
    );
    assert!(
        described.contains(".projects") && described.contains("Atlas"),
        "{described}"
    );
});

#[test]
fn a_postgres_instance_named_by_its_storage_folder_opens_on_postgres() {
    let env = Env::new(Backend::Postgres);
    env.init();
    let storage = env.storage();
    let info = env.json(&["--instance", storage.to_str().unwrap(), "info"]);
    assert_eq!(info["dialect"], "postgres", "{info}");
    // A storage folder whose database is elsewhere and unknown here says so.
    let other = Env::new(Backend::Postgres);
    let out = other.lamin(&["--instance", storage.to_str().unwrap(), "info"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("whose database is not in that folder"),
        "{err}"
    );
}

#[test]
fn connect_repoints_the_folder_marker_that_init_wrote() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let other = env.dir.path().join("other");
    let out = env.ok(&[
        "init",
        "--storage",
        other.to_str().unwrap(),
        "--name",
        "second",
    ]);
    assert!(
        out.contains("commands in"),
        "init says it pins the folder: {out}"
    );
    assert_eq!(env.json(&["info"])["name"], "second");
    let out = env.ok(&["connect", "clitest"]);
    assert!(out.contains("repointed"), "{out}");
    assert_eq!(env.json(&["info"])["name"], "clitest");
}

#[test]
fn create_refuses_options_that_do_not_apply() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    for args in [
        &["create", "ulabel", "X", "--dtype", "float"][..],
        &["create", "project", "P", "--features", "a,b"][..],
        &["create", "schema", "S", "--unit", "mm"][..],
    ] {
        let out = env.lamin(args);
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("not apply") && err.contains("nothing was created"),
            "{err}"
        );
    }
    assert!(env.json(&["list", "ulabel"]).as_array().unwrap().is_empty());
    // --coerce on a feature is stored.
    env.ok(&["create", "feature", "n", "--dtype", "int", "--coerce"]);
    let rows = env.json(&["list", "feature", "--filter", "coerce=true"]);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
}

// A schema whose members another schema has is that schema, renamed (as Python LaminDB does);
// the command says so itself, on stdout, rather than through a log line.
both!(a_schema_with_existing_members_says_it_renamed, |backend| {
    let env = Env::new(backend);
    env.init();
    for f in ["a", "b", "c"] {
        env.ok(&["create", "feature", f, "--dtype", "int"]);
    }
    env.ok(&["create", "schema", "sequencing", "--features", "a,b,c"]);
    let out = env.lamin(&["create", "schema", "sequencing2", "--features", "a,b,c"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "schema 'sequencing' has this definition already; renamed it to 'sequencing2'"
        ),
        "{stdout}"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = env.json(&["create", "schema", "sequencing3", "--features", "a,b,c"]);
    assert_eq!(j["renamed_from"], "sequencing2");
    let again = env.json(&["create", "schema", "sequencing3", "--features", "a,b,c"]);
    assert_eq!(again["renamed_from"], Value::Null);
    assert_eq!(again["created"], false);
});

/// A public GCS bucket read by a `lamin` without Google credentials (no variables, an empty
/// home): requests go out anonymous. Its metadata server is pointed at a closed port, so a
/// token lookup would fail the command; the GCS endpoint is the emulator, named the way
/// object_store reads it (`GOOGLE_BASE_URL`) rather than through the emulator variable.
#[test]
fn public_gcs_buckets_are_read_without_credentials() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let prefix = format!("pub{}", lamindb_core::util::uid::random(8).to_lowercase());
    lamindb_tests::gcs_upload(&format!("{prefix}/genes.tsv"), b"gene\tcount\nTP53\t5\n");
    let url = format!("gs://{}/{prefix}/genes.tsv", lamindb_tests::GCS_BUCKET);
    let home = env.dir.path().join("empty-home");
    std::fs::create_dir_all(&home).unwrap();
    let anonymous = |args: &[&str]| {
        env.command(lamin_bin())
            .args(args)
            .env("HOME", &home)
            .env("GOOGLE_BASE_URL", lamindb_tests::gcs_endpoint())
            .env("GCE_METADATA_HOST", "127.0.0.1:9")
            .env("GCE_METADATA_IP", "127.0.0.1:9")
            .env_remove("STORAGE_EMULATOR_HOST")
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .env_remove("GOOGLE_SERVICE_ACCOUNT_KEY")
            .output()
            .unwrap()
    };
    let out = anonymous(&["--json", "save", &url, "--description", "public genes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Value = serde_json::from_slice(&out.stdout).unwrap();
    let uid = saved["uid"].as_str().unwrap();
    let out = anonymous(&["load", "--uid", uid]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        std::fs::read(path.trim()).unwrap(),
        b"gene\tcount\nTP53\t5\n"
    );
}
