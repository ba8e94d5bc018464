//! `lamin save A B C --key-prefix P`: many files in one process and one batch.

use lamindb_tests::both;

use super::Env;

both!(many_paths_save_in_one_batch_under_a_prefix, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "project", "Bulk"]);
    let paths: Vec<String> = (0..50)
        .map(|i| {
            env.write(&format!("in/f{i:02}.txt"), format!("file {i}").as_bytes())
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["save"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--key-prefix", "batch/", "--project", "Bulk"]);
    let saved = env.json(&args);
    let rows = saved.as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().all(|r| r["status"] == "created"));
    assert_eq!(rows[7]["key"], "batch/f07.txt");
    let listed = env.json(&[
        "list",
        "artifacts",
        "--key-prefix",
        "batch/",
        "--limit",
        "100",
    ]);
    assert_eq!(listed.as_array().unwrap().len(), 50);
    let labelled = env.json(&[
        "list",
        "artifacts",
        "--filter",
        "projects__name=Bulk",
        "--limit",
        "100",
    ]);
    assert_eq!(labelled.as_array().unwrap().len(), 50);
    // Again: the same content is the same artifacts.
    let again = env.json(&args);
    assert!(again
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "existing"));
    // A missing file fails the whole batch before anything is written.
    let new = env.write("in/new.txt", b"new");
    let out = env.lamin(&[
        "save",
        new.to_str().unwrap(),
        env.dir.path().join("in/missing.txt").to_str().unwrap(),
        "--key-prefix",
        "other",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let other = env.json(&["list", "artifacts", "--key-prefix", "other/"]);
    assert_eq!(other.as_array().unwrap().len(), 0);
    // Several paths need a prefix; two paths of one name under one prefix are refused.
    let out = env.lamin(&["save", &paths[0], &paths[1]]);
    assert_eq!(out.status.code(), Some(4));
    let twin = env.write("elsewhere/f00.txt", b"twin");
    let out = env.lamin(&[
        "save",
        &paths[0],
        twin.to_str().unwrap(),
        "--key-prefix",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("x/f00.txt"));
});

both!(save_puts_an_artifact_in_a_space_with_labels, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "ulabel", "raw"]);
    let f = env.write("a.csv", b"x\n1\n");
    let saved = env.json(&[
        "save",
        f.to_str().unwrap(),
        "--key",
        "a.csv",
        "--space",
        "all",
        "--ulabel",
        "raw",
    ]);
    let found = env.json(&["list", "artifacts", "--filter", "ulabels__name=raw"]);
    assert_eq!(found[0]["uid"], saved["uid"]);
    // Unknown spaces and labels are refused before anything is saved.
    let g = env.write("b.csv", b"x\n2\n");
    assert_eq!(
        env.lamin(&[
            "save",
            g.to_str().unwrap(),
            "--key",
            "b.csv",
            "--space",
            "nowhere"
        ])
        .status
        .code(),
        Some(3)
    );
    assert_eq!(
        env.lamin(&[
            "save",
            g.to_str().unwrap(),
            "--key",
            "b.csv",
            "--ulabel",
            "nolabel"
        ])
        .status
        .code(),
        Some(3)
    );
    assert_eq!(
        env.json(&["list", "artifacts"]).as_array().unwrap().len(),
        1
    );
});
