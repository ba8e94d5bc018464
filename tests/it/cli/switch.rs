//! `lamin switch`, `merge`, `create/delete branch`, `update`, `get` with the standalone `lamin`:
//! the branch file Python reads, lamin-cli's messages and exit codes.

use lamindb_tests::both;
use serde_json::Value;

use super::Env;

both!(branches_are_switched_merged_and_deleted, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["settings", "dev-dir", "unset"]);
    let file = env
        .dir
        .path()
        .join("settings/.lamin/current-branch--anonymous--clitest.txt");
    let out = env.ok(&["switch", "-c", "dev"]);
    assert!(
        out.contains("created branch: dev") && out.contains("switched to dev"),
        "{out}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let (uid, name) = text.split_once('\n').unwrap();
    assert_eq!((uid.len(), name), (12, "dev"));
    assert_eq!(env.ok(&["settings", "get", "branch"]).trim(), "dev");
    assert_eq!(
        env.ok(&["describe", "branch"])
            .lines()
            .next()
            .unwrap_or_default(),
        format!("Branch: dev ({uid})")
    );
    // Status of the current branch.
    env.ok(&["update", "branch", "--status", "draft"]);
    assert_eq!(env.ok(&["get", "branch", "--status"]).trim(), "draft");
    let bad = env.lamin(&["update", "branch", "--status", "finished"]);
    assert_eq!(bad.status.code(), Some(4));
    // lamin-cli's errors, and its exit code 1.
    let out = env.lamin(&["switch", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lamin switch -c nope"));
    let out = env.lamin(&["switch", "-c", "main"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Omit -c/--create"));
    let out = env.lamin(&["merge", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Branch 'nope' not found."));
    assert_eq!(
        env.lamin(&["switch", "--space", "nowhere"]).status.code(),
        Some(1)
    );
    env.ok(&["switch", "--space", "all"]);
    // The older spellings.
    env.ok(&["switch", "branch", "main"]);
    assert_eq!(env.ok(&["settings", "get", "branch"]).trim(), "main");
    env.ok(&["switch", "--branch", "dev"]);
    env.ok(&["switch", "main"]);
    let merged = env.ok(&["merge", "dev"]);
    assert!(
        merged.contains("merged branch 'dev' into 'main'"),
        "{merged}"
    );
    assert_eq!(
        env.ok(&["get", "branch", "--name", "dev", "--status"])
            .trim(),
        "merged"
    );
    // A branch nothing references is deleted; the current one makes main current again.
    env.ok(&["create", "branch", "--name", "scratch"]);
    env.ok(&["switch", "scratch"]);
    env.ok(&["delete", "branch", "--name", "scratch"]);
    assert_eq!(env.ok(&["settings", "get", "branch"]).trim(), "main");
    // Descriptions.
    env.ok(&["create", "project", "Atlas"]);
    env.ok(&[
        "update",
        "project",
        "--name",
        "Atlas",
        "--description",
        "cell atlas",
    ]);
    assert_eq!(
        env.ok(&["get", "project", "--name", "Atlas", "--description"])
            .trim(),
        "cell atlas"
    );
    let out = env.lamin(&["update", "artifact", "--status", "draft"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("only supported for entity 'branch'"));
    let out = env.lamin(&["get", "branch", "--description"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("only supported for: artifact"));
});

both!(
    artifacts_saved_on_a_branch_are_found_everywhere,
    |backend| {
        let env = Env::new(backend);
        env.init();
        env.ok(&["create", "branch", "contrib1"]);
        env.ok(&["create", "project", "P1"]);
        let f = env.write("datafile", b"bytes");
        let out = env.ok(&[
            "save",
            f.to_str().unwrap(),
            "--key",
            "mytest",
            "--project",
            "P1",
            "--branch",
            "contrib1",
        ]);
        assert!(
            out.contains("key='mytest'")
                && out.contains("storage path: ")
                && out.contains("labeled with project: P1"),
            "{out}"
        );
        let saved = env.json(&["save", f.to_str().unwrap(), "--key", "mytest"]);
        assert_eq!(saved["status"], "existing");
        assert!(saved["branch_id"].as_i64().unwrap() > 1, "{saved}");
        let uid = saved["uid"].as_str().unwrap().to_owned();
        // By uid it is found on any branch; its version is set; by key it is deleted for good.
        env.ok(&["annotate", "--uid", &uid, "--version", "1.0"]);
        let d = env.json(&["describe", "--uid", &uid]);
        assert_eq!(d["version"], "1.0");
        let bad = env.lamin(&[
            "save",
            f.to_str().unwrap(),
            "--key",
            "x",
            "--branch",
            "nope",
        ]);
        assert_eq!(bad.status.code(), Some(3));
        env.ok(&["delete", "artifact", "--key", "mytest", "--permanent"]);
        assert_eq!(
            env.lamin(&["describe", "--uid", &uid]).status.code(),
            Some(3)
        );
    }
);

// Records are created on the current branch and seen from it and from main; main does not see
// them until the branch is merged. A new version made on a branch leaves main's latest alone.
both!(records_live_on_the_current_branch_until_merged, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["settings", "dev-dir", "unset"]);
    let f = env.write("data.txt", b"v1");
    env.ok(&["save", f.to_str().unwrap(), "--key", "data.txt"]);
    env.ok(&["switch", "-c", "dev"]);
    env.ok(&["create", "ulabel", "on-dev"]);
    std::fs::write(&f, "v2").unwrap();
    let v2 = env.json(&["save", f.to_str().unwrap(), "--key", "data.txt"]);
    assert!(v2["branch_id"].as_i64().unwrap() > 1, "{v2}");
    // On dev: the label, and v2 as the latest of the key.
    assert_eq!(
        env.json(&["list", "ulabels", "--filter", "name=on-dev"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.json(&["describe", "--key", "data.txt"])["uid"],
        v2["uid"]
    );
    // On main: neither; v1 is still main's latest.
    env.ok(&["switch", "main"]);
    assert_eq!(
        env.json(&["list", "ulabels", "--filter", "name=on-dev"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let v1 = env.json(&["describe", "--key", "data.txt"]);
    assert_ne!(v1["uid"], v2["uid"]);
    assert_eq!(v1["is_latest"], true);
    // Merged: both on main, and one latest version of the key.
    env.ok(&["merge", "dev"]);
    assert_eq!(
        env.json(&["list", "ulabels", "--filter", "name=on-dev"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.json(&["describe", "--key", "data.txt"])["uid"],
        v2["uid"]
    );
    let versions = env.json(&[
        "list",
        "artifacts",
        "--all-versions",
        "--key-prefix",
        "data",
    ]);
    let latest: Vec<&Value> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["is_latest"] == true)
        .collect();
    assert_eq!(latest.len(), 1, "{versions}");
});

// Spaces: created locally (they group records; access needs the hub), chosen per record with
// --space or for every new record with `switch --space`, and found by space in queries.
both!(records_are_created_in_the_current_space, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "space", "lab"]);
    let dup = env.lamin(&["create", "space", "LAB"]);
    assert!(
        !dup.status.success(),
        "space names are unique ignoring case"
    );
    let spaces = env.json(&["list", "spaces"]);
    assert_eq!(spaces.as_array().unwrap().len(), 2, "{spaces}");
    env.ok(&["create", "ulabel", "placed", "--space", "lab"]);
    env.ok(&["create", "ulabel", "everywhere"]);
    let space_of =
        |name: &str| env.json(&["describe", "ulabel", "--name", name])["space_id"].clone();
    assert_eq!(space_of("placed"), 2);
    assert_eq!(space_of("everywhere"), 1);
    env.ok(&["switch", "--space", "lab"]);
    env.ok(&["create", "ulabel", "later"]);
    assert_eq!(space_of("later"), 2);
    let f = env.write("in/a.csv", b"x\n1\n");
    env.ok(&["save", f.to_str().unwrap(), "--key", "a.csv"]);
    let in_lab = env.json(&["list", "artifacts", "--filter", "space__name=lab"]);
    assert_eq!(in_lab.as_array().unwrap().len(), 1, "{in_lab}");
    env.ok(&["switch", "--space", "all"]);
    let g = env.write("in/b.csv", b"x\n2\n");
    env.ok(&["save", g.to_str().unwrap(), "--key", "b.csv"]);
    let in_lab = env.json(&["list", "artifacts", "--filter", "space__name=lab"]);
    assert_eq!(in_lab.as_array().unwrap().len(), 1, "{in_lab}");
    assert!(!env
        .lamin(&["create", "ulabel", "x", "--space", "nowhere"])
        .status
        .success());
});

// Records of module registries (bionty terms, records created generically) go to the current
// branch and space as core records do.
both!(
    module_records_are_created_on_the_current_branch,
    |backend| {
        let env = Env::new(backend);
        env.init_with(&["--modules", "bionty"]);
        env.ok(&["create", "space", "lab"]);
        env.ok(&["switch", "-c", "dev"]);
        env.ok(&["switch", "--space", "lab"]);
        env.ok(&[
            "create",
            "bionty.CellType",
            "my cell",
            "--ontology-id",
            "CL:9999999",
        ]);
        let made = env.json(&["describe", "bionty.CellType", "--name", "my cell"]);
        assert_ne!(made["branch_id"], 1, "{made}");
        assert_eq!(made["branch_id"], made["created_on_id"], "{made}");
        assert_eq!(made["space_id"], 2, "{made}");
        env.ok(&["switch", "main"]);
        let out = env.lamin(&["describe", "bionty.CellType", "--name", "my cell"]);
        assert!(
            !out.status.success(),
            "not visible on main before the merge"
        );
        env.ok(&["merge", "dev"]);
        let merged = env.json(&["describe", "bionty.CellType", "--name", "my cell"]);
        assert_eq!(merged["branch_id"], 1, "{merged}");
    }
);
