//! `lamin transfer --from INSTANCE`: an artifact of another instance, on the other backend,
//! saved here with its labels, features and feature values, matched by uid or name; its data
//! stays in the source's storage; again is a no-op.

use std::path::Path;

use lamindb_tests::{lamin_bin, Backend, PgDatabase};
use serde_json::Value;

use super::Env;

fn lamin_in(env: &Env, dir: &Path, args: &[&str]) -> String {
    let out = env
        .command(lamin_bin())
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lamin {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn transfer_between(source: Backend, target: Backend) {
    let env = Env::new(target);
    env.init();
    // The source instance lives in its own folder (its marker makes it current there).
    let pg = (source == Backend::Postgres).then(PgDatabase::create);
    let src = env.dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let storage = src.join("storage");
    let mut init = vec![
        "init",
        "--storage",
        storage.to_str().unwrap(),
        "--name",
        "srcinst",
    ];
    if let Some(p) = &pg {
        init.extend(["--db", p.url.as_str()]);
    }
    lamin_in(&env, &src, &init);
    for args in [
        &["create", "ulabel", "labelA"][..],
        &["create", "ulabel", "labelB"],
        &["create", "project", "projA"],
        &["create", "feature", "temperature", "--dtype", "float"],
        &["create", "feature", "condition", "--dtype", "cat[ULabel]"],
    ] {
        lamin_in(&env, &src, args);
    }
    std::fs::write(src.join("x.csv"), "a,b\n1,2\n").unwrap();
    let saved: Value = serde_json::from_str(&lamin_in(
        &env,
        &src,
        &[
            "--json",
            "save",
            "x.csv",
            "--key",
            "x/x.csv",
            "--ulabel",
            "labelA",
            "--project",
            "projA",
            "--features",
            "temperature=27.5",
            "--features",
            "condition=labelB",
        ],
    ))
    .unwrap();

    // The target has a label of the same name already: it is used, not duplicated.
    env.ok(&["create", "ulabel", "labelA"]);
    let done = env.json(&["transfer", "--from", "srcinst", "--key", "x/x.csv"]);
    assert_eq!(done["uid"], saved["uid"]);
    assert_eq!(done["hash"], saved["hash"]);
    assert_eq!(
        done["path"], saved["path"],
        "the data stays in the source's storage"
    );
    assert!(done["transferred"].as_u64().unwrap() >= 5, "{done}");
    let described = env.json(&["describe", "--key", "x/x.csv"]);
    assert_eq!(
        described["features"],
        serde_json::json!([
            ["condition", "ULabel", ["labelB"]],
            ["temperature", "float", ["27.5"]]
        ]),
        "{described}"
    );
    let labels = described["labels"].to_string();
    assert!(
        labels.contains("labelA") && labels.contains("projA"),
        "{labels}"
    );
    assert_eq!(
        env.json(&["list", "ulabels", "--filter", "name=labelA"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Readable here, from where the source keeps it.
    let path = env.ok(&["load", "--key", "x/x.csv"]);
    assert_eq!(std::fs::read_to_string(path.trim()).unwrap(), "a,b\n1,2\n");
    // The transfer is the artifact's run; the source's storage is registered, not managed.
    let runs = env.json(&["list", "runs"]);
    let transform = runs[0]["transform"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(transform.starts_with("__lamindb_transfer__/"), "{runs}");
    let storages = env.json(&["storage", "list"]);
    assert_eq!(storages.as_array().unwrap().len(), 2, "{storages}");
    // Again: nothing new.
    let again = env.json(&["transfer", "--from", "srcinst", "--key", "x/x.csv"]);
    assert_eq!(again["transferred"], 0);
    assert_eq!(
        env.json(&["list", "runs"]).as_array().unwrap().len(),
        runs.as_array().unwrap().len()
    );
    // An unknown key fails with the reason and leaves nothing.
    let out = env.lamin(&["transfer", "--from", "srcinst", "--key", "nope.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.csv"));
}

#[test]
fn transfer_from_sqlite_to_postgres() {
    transfer_between(Backend::Sqlite, Backend::Postgres);
}

#[test]
fn transfer_from_postgres_to_sqlite() {
    transfer_between(Backend::Postgres, Backend::Sqlite);
}

// Six processes transfer the same artifact at once: one copy, every process succeeds.
lamindb_tests::both!(parallel_transfers_make_one_copy, |target| {
    let env = Env::new(target);
    env.init();
    let src = env.dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let storage = src.join("storage");
    lamin_in(
        &env,
        &src,
        &[
            "init",
            "--storage",
            storage.to_str().unwrap(),
            "--name",
            "srcinst",
        ],
    );
    lamin_in(&env, &src, &["create", "ulabel", "shared"]);
    std::fs::write(src.join("x.csv"), "a\n1\n").unwrap();
    lamin_in(
        &env,
        &src,
        &["save", "x.csv", "--key", "x.csv", "--ulabel", "shared"],
    );
    let outputs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| env.lamin(&["transfer", "--from", "srcinst", "--key", "x.csv"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(
        env.json(&["list", "artifacts"]).as_array().unwrap().len(),
        1
    );
    assert_eq!(
        env.json(&["list", "ulabels", "--filter", "name=shared"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
});
