//! One registry, one listing: every spelling of a registry lists the same rows in the same
//! shape, filtered or not; internal run artifacts stay hidden in listings and searches;
//! `--include` adds related fields and feature columns.

use lamindb_tests::both;
use serde_json::Value;

use super::Env;

both!(listings_agree_whatever_the_spelling_or_filter, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "ulabel", "Batch1"]);
    env.ok(&["create", "feature", "reads", "--dtype", "int"]);
    let f = env.write("counts.csv", b"a\n1\n");
    env.ok(&["save", f.to_str().unwrap(), "--key", "counts.csv"]);
    env.ok(&[
        "annotate",
        "--key",
        "counts.csv",
        "--ulabel",
        "Batch1",
        "--features",
        "reads=42",
    ]);
    // A run leaves its log behind as an internal artifact.
    env.ok(&["run", "--", "echo", "counts"]);
    let plain = env.json(&["list", "artifacts"]);
    assert_eq!(plain.as_array().unwrap().len(), 1, "{plain}");
    for spelling in ["Artifact", "artifact", "ARTIFACTS"] {
        assert_eq!(env.json(&["list", spelling]), plain, "{spelling}");
    }
    let found = env.json(&["search", "artifacts", "counts"]);
    assert!(
        found.as_array().unwrap().iter().all(|r| !r["kind"]
            .as_str()
            .unwrap_or_default()
            .starts_with("__lamindb")),
        "{found}"
    );
    // Filtered runs keep the run shape.
    let all = env.json(&["list", "runs"]);
    let filtered = env.json(&["list", "runs", "--filter", "status=completed"]);
    assert_eq!(all, filtered);
    assert!(filtered[0]["transform"]["key"].is_string(), "{filtered}");
    let t = env.json(&["list", "transforms", "--filter", "key=echo"]);
    assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t[0]["key"], "echo");
    // --include: related fields and one column per feature.
    let rows = env.json(&[
        "list",
        "artifacts",
        "--include",
        "features",
        "--include",
        "ulabels__name",
    ]);
    let row = &rows[0];
    assert_eq!(row["reads"], 42, "{row}");
    let labels: Vec<Value> = row["ulabels__name"].as_array().cloned().unwrap_or_default();
    assert_eq!(labels, [Value::from("Batch1")], "{row}");
    let text = env.ok(&["list", "artifacts", "--include", "ulabels__name"]);
    assert!(
        text.contains("ulabels__name") && text.contains("Batch1"),
        "{text}"
    );
});

// `lamin delete ENTITY`: a record of any registry goes to the trash, or with --permanent for
// good together with its links; what linked to it stays.
both!(records_of_any_registry_are_trashed_or_deleted, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "ulabel", "Old"]);
    env.ok(&["create", "feature", "score", "--dtype", "float"]);
    let f = env.write("a.txt", b"a");
    env.ok(&["save", f.to_str().unwrap(), "--key", "a.txt"]);
    env.ok(&[
        "annotate",
        "--key",
        "a.txt",
        "--ulabel",
        "Old",
        "--features",
        "score=0.5",
    ]);
    let uid = env.json(&["list", "ulabels", "--filter", "name=Old"])[0]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&["delete", "ulabel", "--name", "Old"]);
    assert_eq!(
        env.json(&["list", "ulabels", "--filter", "name=Old"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    env.ok(&["delete", "ulabel", "--uid", &uid, "--permanent"]);
    assert_eq!(
        env.lamin(&["describe", "ulabel", "--uid", &uid])
            .status
            .code(),
        Some(3)
    );
    // The feature goes with its values; the artifact stays.
    env.ok(&["delete", "feature", "--name", "score", "--permanent"]);
    let d = env.json(&["describe", "--key", "a.txt"]);
    assert!(
        d["features"].as_object().is_none_or(|f| f.is_empty()),
        "{d}"
    );
    assert!(d["labels"].as_array().is_none_or(|l| l.is_empty()), "{d}");
    // A run goes; what it made stays.
    env.ok(&["run", "--", "true"]);
    let run = env.json(&["list", "runs"])[0]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&["delete", "run", "--uid", &run, "--permanent"]);
    assert_eq!(env.json(&["list", "runs"]).as_array().unwrap().len(), 0);
    let missing = env.lamin(&["delete", "project", "--name", "nope"]);
    assert_eq!(missing.status.code(), Some(3));
});
