//! Schema modules loaded by the prebuilt `lamin` from libraries (`--module-path`,
//! `LAMIN_MODULE_PATH`): the `dynlab` test module (tests/dynmodule) used like a linked one.

use lamindb_tests::{both, module_dir};

use super::Env;

both!(a_module_library_works_without_rebuilding_lamin, |backend| {
    let env = Env::new(backend);
    let dir = module_dir("LAMINDB_TEST_MODULES");
    let dir = dir.to_str().unwrap();
    env.init_with(&["--module-path", dir, "--modules", "dynlab"]);
    let m = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--module-path".to_string(), dir.to_string()];
        all.extend(args.iter().map(|s| s.to_string()));
        all
    };
    let ok = |args: &[&str]| {
        let a = m(args);
        env.ok(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // The module's migration ran (it seeds two plates); its registry is listed and searched.
    let plates = ok(&["--json", "list", "dynlab.plate"]);
    let plates: serde_json::Value = serde_json::from_str(&plates).unwrap();
    assert_eq!(plates.as_array().unwrap().len(), 2, "{plates}");
    // Feature, annotation, filter and describe through the module's link table.
    ok(&["create", "feature", "plate", "--dtype", "cat[dynlab.Plate]"]);
    let data = env.write("reads.csv", b"well,count\nA1,3\n");
    ok(&["save", data.to_str().unwrap(), "--key", "screens/reads.csv"]);
    ok(&[
        "annotate",
        "--key",
        "screens/reads.csv",
        "--features",
        "plate=plate 2",
    ]);
    let found = ok(&[
        "--json",
        "list",
        "artifacts",
        "--filter",
        "plates__wells=384",
    ]);
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let d = ok(&["describe", "--key", "screens/reads.csv"]);
    assert!(d.contains("dynlab.Plate") && d.contains("plate 2"), "{d}");
    // Records of the module's registry through the generic verb.
    let made = ok(&[
        "--json",
        "create",
        "dynlab.Plate",
        "plate 3",
        "--set",
        "wells=24",
    ]);
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made["created"], true);
    let bad = env.lamin(
        &m(&["create", "dynlab.Plate", "plate 4", "--set", "wells=many"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(bad.status.code(), Some(4));
    // LAMIN_MODULE_PATH works as the option does.
    let out = env.lamin_with(&["list", "dynlab.plate"], &[("LAMIN_MODULE_PATH", dir)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The module's second version: refused until deployed, then its new column is there and
    // the data is kept; its declarations and migrations agree.
    let v2 = module_dir("LAMINDB_TEST_MODULES_V2");
    let v2 = v2.to_str().unwrap();
    let with_v2 = |args: &[&str]| {
        let mut all = vec!["--module-path", v2];
        all.extend_from_slice(args);
        env.lamin(&all)
    };
    let out = with_v2(&["list", "dynlab.plate"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("add_barcode") && err.contains("migrate deploy"),
        "{err}"
    );
    let out = with_v2(&["migrate", "deploy"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("dynlab/"));
    let out = with_v2(&["create", "dynlab.Plate", "plate 5", "--set", "barcode=BC5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = with_v2(&["--json", "list", "dynlab.plate", "--filter", "barcode=BC5"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    let out = with_v2(&["--json", "list", "dynlab.plate"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4, "{rows}");
    let out = with_v2(&[
        "migrate",
        "create",
        "--module",
        "dynlab",
        "--dir",
        env.dir.path().to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing to write"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without the library, the instance names the missing module and how to load it.
    let out = env.lamin(&["list", "artifacts"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dynlab") && err.contains("--module-path"),
        "{err}"
    );
});

#[test]
fn a_library_of_another_abi_version_is_refused_first() {
    let env = Env::new(lamindb_tests::Backend::Sqlite);
    let bad = module_dir("LAMINDB_TEST_BAD_MODULES");
    let out = env.lamin(&["--module-path", bad.to_str().unwrap(), "info"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ABI version") && err.contains("rebuild"),
        "{err}"
    );
    // A folder with something that is no module library at all.
    let junk = env.write("junk/libjunk.so", b"not a library");
    let out = env.lamin(&[
        "--module-path",
        junk.parent().unwrap().to_str().unwrap(),
        "info",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("libjunk.so"));
}
