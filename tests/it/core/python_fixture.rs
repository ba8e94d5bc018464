//! Reading an instance that Python LaminDB 2.12.1 made (see tests/fixtures/python-instance).

use std::path::{Path, PathBuf};

use lamindb_core::prelude::*;
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-instance")
}

/// Copies the fixture storage into a temporary folder and unpacks its database.
fn unpack() -> (tempfile::TempDir, PathBuf, Value) {
    let (tmp, storage) = lamindb_tests::unpack_python_fixture("python-instance");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap(),
    )
    .unwrap();
    (tmp, storage, expected)
}

#[test]
fn opens_a_python_made_instance_and_reads_its_artifacts() {
    let (_tmp, storage, expected) = unpack();
    let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
    assert_eq!(inst.slug(), expected["instance"]["slug"].as_str().unwrap());
    assert_eq!(inst.uid(), expected["instance"]["uid"].as_str().unwrap());
    assert_eq!(
        inst.storage().uid,
        expected["storage"]["uid"].as_str().unwrap()
    );
    let rows = expected["artifacts"].as_array().unwrap();
    assert!(rows.len() >= 5);
    for row in rows {
        let uid = row["uid"].as_str().unwrap();
        let a = inst.artifacts().get(uid).unwrap();
        assert_eq!(a.key.as_deref(), row["key"].as_str());
        assert_eq!(a.hash.as_deref(), row["hash"].as_str());
        assert_eq!(a.suffix, row["suffix"].as_str().unwrap());
        assert_eq!(a.size, row["size"].as_i64());
        assert_eq!(a.branch_id as i64, row["branch_id"].as_i64().unwrap());
        assert_eq!(
            a.storage_key(),
            row["storage_path"].as_str().unwrap(),
            "{uid}"
        );
        if a.branch_id == 1 && (a.is_latest || !a.overwrite_versions) {
            let path = inst.artifacts().path(&a).unwrap();
            let h = lamindb_storage::hash_path(&path).unwrap();
            assert_eq!(
                Some(h.hash.as_str()),
                row["hash"].as_str(),
                "content of {uid} matches its hash"
            );
        }
    }
    // Default listing hides the trashed artifact, as in Python.
    let listed = inst
        .artifacts()
        .list(&ListOptions {
            all_versions: true,
            ..Default::default()
        })
        .unwrap();
    // Listing leaves out the trash and run bookkeeping (environments, logs), as Python does.
    let hidden = rows
        .iter()
        .filter(|r| {
            r["branch_id"].as_i64() == Some(-1)
                || r["kind"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("__lamindb"))
        })
        .count();
    assert!(
        hidden >= 3,
        "the fixture has a trashed artifact, a log and an environment"
    );
    assert_eq!(listed.len(), rows.len() - hidden);
    // Versions of the same key share a stem and exactly one is the latest.
    let hello = inst.artifacts().get_by_key("data/hello.txt").unwrap();
    let versions = inst.artifacts().versions(&hello).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions.iter().filter(|v| v.is_latest).count(), 1);
    assert_eq!(versions[0].uid, hello.uid);
}

#[test]
fn writes_into_a_python_made_instance() {
    let (tmp, storage, _) = unpack();
    let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
    let src = tmp.path().join("new.txt");
    std::fs::write(&src, b"written by lamindb-rs").unwrap();
    let v = inst
        .artifacts()
        .save(NewArtifactSpec::with_key(&src, "data/hello.txt"))
        .unwrap();
    assert_eq!(v.status, SaveStatus::NewVersion);
    assert!(v.artifact.uid.ends_with("0002"), "{}", v.artifact.uid);
    assert_eq!(
        std::fs::read(inst.artifacts().path(&v.artifact).unwrap()).unwrap(),
        b"written by lamindb-rs"
    );
}

#[test]
fn reads_the_lineage_python_recorded() {
    let (_tmp, storage, expected) = unpack();
    let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
    let lin = &expected["lineage"];
    let uid = |v: &Value| v.as_str().unwrap().to_owned();
    let run = inst.runs().get(lin["run"].as_str().unwrap()).unwrap();
    assert_eq!(
        i64::from(run.status_code),
        lin["status_code"].as_i64().unwrap()
    );
    assert_eq!(run.status(), Some(RunStatus::Completed));
    assert_eq!(run.params.as_ref().unwrap().0, lin["params"]);
    let tr = inst.transforms().by_id(run.transform_id).unwrap();
    assert_eq!(tr.uid, uid(&lin["transform_uid"]));
    assert_eq!(tr.key, uid(&lin["transform_key"]));
    assert_eq!(tr.kind, uid(&lin["transform_kind"]));
    assert!(tr.source_code.as_deref().unwrap().contains("ln.track("));
    let inputs: Vec<String> = inst
        .runs()
        .inputs(&run)
        .unwrap()
        .into_iter()
        .map(|a| a.uid)
        .collect();
    let expected_inputs: Vec<String> = lin["inputs"].as_array().unwrap().iter().map(uid).collect();
    assert_eq!(inputs, expected_inputs);
    let outputs: Vec<String> = inst
        .runs()
        .outputs(&run)
        .unwrap()
        .into_iter()
        .map(|a| a.uid)
        .collect();
    let expected_outputs: Vec<String> =
        lin["outputs"].as_array().unwrap().iter().map(uid).collect();
    assert_eq!(outputs, expected_outputs);
    let report = inst.artifacts().by_id(run.report_id.unwrap()).unwrap();
    assert_eq!(report.uid, uid(&lin["report"]));
    assert_eq!(report.kind.as_deref(), Some("__lamindb_run__"));

    // The graph of the derived artifact: hello v2 → run → derived.
    let derived = inst.artifacts().get_by_key("data/derived.txt").unwrap();
    let g = inst
        .lineage(&derived, lamindb_core::Direction::Both, None)
        .unwrap();
    let run_node = format!("run_{}", run.uid);
    let edges: Vec<(String, String)> = vec![
        (format!("artifact_{}", expected_inputs[0]), run_node.clone()),
        (run_node, format!("artifact_{}", derived.uid)),
    ];
    assert_eq!(g.edges, edges);

    // A Rust run in the same instance reads what Python made and nests nothing unexpected.
    let (rust_run, n) = inst
        .flow(FunctionSpec::new("rust::reader"), |r| {
            let p = inst.artifacts().cache(&derived)?;
            Ok::<_, Error>((r.run().clone(), std::fs::read_to_string(p).unwrap().len()))
        })
        .unwrap();
    assert!(n > 0);
    assert_eq!(inst.runs().inputs(&rust_run).unwrap(), vec![derived]);
}

/// The schemas Python defined are found again when the same definitions are made here: same
/// hash, same row, same members in the same order.
#[test]
fn finds_python_made_schemas_by_their_definition() {
    let (_tmp, storage, expected) = unpack();
    let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
    let py = &expected["schemas"];
    let f = |name: &str| inst.features().get(name).unwrap();
    let (temperature, donor, sample_id) = (f("temperature"), f("donor"), f("sample_id"));
    let schemas = inst.schemas();
    let named = |spec: NewSchema, key: &str| NewSchema {
        name: py[key]["name"].as_str().map(str::to_owned),
        ..spec
    };
    let any_feature = NewSchema {
        itype: Some("Feature".into()),
        ..Default::default()
    };
    let plain = schemas.get(py["plain"]["uid"].as_str().unwrap()).unwrap();
    let specs: Vec<(&str, NewSchema)> = vec![
        (
            "plain",
            NewSchema::of_features([temperature.clone(), donor.clone()]),
        ),
        (
            "ordered",
            NewSchema {
                ordered_set: true,
                ..NewSchema::of_features([donor.clone(), temperature.clone()])
            },
        ),
        (
            "optional",
            NewSchema {
                features: vec![
                    temperature.clone().into(),
                    SchemaMember::optional(donor.clone()),
                ],
                ..Default::default()
            },
        ),
        (
            "indexed",
            NewSchema {
                index: Some(sample_id.clone()),
                ..NewSchema::of_features([temperature.clone()])
            },
        ),
        (
            "options",
            NewSchema {
                flexible: Some(true),
                coerce: true,
                minimal_set: false,
                maximal_set: true,
                ..NewSchema::of_features([temperature.clone(), donor.clone()])
            },
        ),
        (
            "suffix",
            NewSchema {
                suffix: Some(".parquet".into()),
                otype: Some("DataFrame".into()),
                ..NewSchema::of_features([temperature.clone()])
            },
        ),
        ("any_feature", any_feature.clone()),
        (
            "ulabels",
            NewSchema {
                itype: Some("ULabel".into()),
                ..Default::default()
            },
        ),
        (
            "composite",
            NewSchema {
                otype: Some("AnnData".into()),
                slots: vec![
                    ("obs".into(), plain.clone()),
                    (
                        "var.T".into(),
                        schemas.create(any_feature.clone()).unwrap().record,
                    ),
                ],
                ..Default::default()
            },
        ),
        ("type", NewSchema::type_named("Panels")),
    ];
    for (key, spec) in specs {
        let want = &py[key];
        let got = schemas.create(named(spec, key)).unwrap();
        assert!(!got.created, "{key}: Python's schema is found again");
        let s = got.record;
        assert_eq!(s.uid, want["uid"].as_str().unwrap(), "{key}");
        assert_eq!(s.hash.as_deref(), want["hash"].as_str(), "{key}");
        assert_eq!(s.itype.as_deref(), want["itype"].as_str(), "{key}");
        assert_eq!(s.dtype.as_deref(), want["dtype"].as_str(), "{key}");
        assert_eq!(s.flexible, want["flexible"].as_bool(), "{key}");
        assert_eq!(s.coerce, want["coerce"].as_bool(), "{key}");
        assert_eq!(
            s.n_members.map(i64::from),
            want["n_members"].as_i64(),
            "{key}"
        );
        let members: Vec<String> = schemas
            .members(&s)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            serde_json::json!(members),
            want["members"],
            "{key}: members in Python's order"
        );
        let optional: Vec<String> = schemas
            .optionals(&s)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(serde_json::json!(optional), want["optional"], "{key}");
        let index = schemas.index(&s).unwrap().map(|f| f.name);
        assert_eq!(serde_json::json!(index), want["index"], "{key}");
        let slots: Vec<(String, String)> = schemas
            .slots(&s)
            .unwrap()
            .into_iter()
            .map(|(k, c)| (k, c.uid))
            .collect();
        assert_eq!(serde_json::json!(slots), want["slots"], "{key}");
    }
}

/// The journal mode in a SQLite file's header: 1 rollback journal, 2 WAL.
fn journal_mode_byte(db: &Path) -> u8 {
    let bytes = std::fs::read(db).unwrap();
    bytes[18]
}

#[test]
fn a_python_made_instance_keeps_its_journal_mode() {
    let (_tmp, storage, _) = unpack();
    let db = storage.join(".lamindb/lamin.db");
    let before = journal_mode_byte(&db);
    assert_eq!(before, 1, "the fixture uses a rollback journal");
    {
        let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
        let f = storage.parent().unwrap().join("new.txt");
        std::fs::write(&f, b"written by lamindb-rs").unwrap();
        inst.artifacts()
            .save(NewArtifactSpec::with_key(&f, "from-rust/new.txt"))
            .unwrap();
    }
    assert_eq!(journal_mode_byte(&db), before);
    assert!(!storage.join(".lamindb/lamin.db-wal").exists());
}

#[test]
fn lamin_db_alone_is_complete_after_close() {
    use diesel::prelude::*;
    let t = lamindb_tests::TestInstance::new(lamindb_tests::Backend::Sqlite, &[]);
    let db = t.root().join(".lamindb/lamin.db");
    t.save("a.txt", "a", "a.txt");
    let lamindb_tests::TestInstance { inst, dir, .. } = t;
    assert_eq!(journal_mode_byte(&db), 2, "instances made here use WAL");
    drop(inst);
    // Copy the database file alone, as Python does when it uploads lamin.db.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    let mut conn = diesel::SqliteConnection::establish(copy.to_str().unwrap()).unwrap();
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT COUNT(*) AS n FROM lamindb_artifact WHERE key = 'a.txt'")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(n.n, 1);
}
