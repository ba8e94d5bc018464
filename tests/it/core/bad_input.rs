//! Bad input gets a clear error of the right kind and writes nothing: on SQLite and Postgres.

use lamindb_core::prelude::*;
use lamindb_core::query::search::SearchOptions;
use lamindb_core::records::runs::{RunSpec, TransformSpec};
use lamindb_tests::{both, TestInstance};

fn count(t: &TestInstance) -> i64 {
    t.inst
        .query::<Artifact>()
        .branches(Branches::All)
        .count()
        .unwrap()
}

both!(bad_keys_names_and_values_are_refused, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let f = t.file("f.txt", b"f");
    for key in ["a\nb.txt", "tab\there.txt", "esc\u{1b}[31m.txt"] {
        let e = ln
            .artifacts()
            .save(NewArtifactSpec::with_key(&f, key))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        assert!(e.to_string().contains("control character"), "{e}");
    }
    let long = format!("{}.txt", "k".repeat(1100));
    let e = ln
        .artifacts()
        .save(NewArtifactSpec::with_key(&f, long))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("at most 1024"), "{e}");
    assert_eq!(count(&t), 0);

    let e = ln
        .ulabels()
        .create(NewLabel::new("x".repeat(200)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("at most 150"), "{e}");
    let e = ln
        .features()
        .create(NewFeature::new("y".repeat(200), "int"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert_eq!(ln.query::<ULabel>().count().unwrap(), 0);

    ln.features()
        .create(NewFeature::new("note", "str"))
        .unwrap();
    let a = t.save("a.txt", "a", "a.txt");
    let v = serde_json::json!({"note": "nul\u{0}inside"});
    let e = ln
        .annotations(&a)
        .add_values(v.as_object().unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("NUL"), "{e}");
    assert!(ln.annotations(&a).get_values().unwrap().is_empty());
});

both!(
    the_same_empty_file_under_one_key_is_one_artifact,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        let empty = t.file("empty.txt", b"");
        let first = t
            .inst
            .artifacts()
            .save(NewArtifactSpec::with_key(&empty, "e.txt"))
            .unwrap();
        let again = t
            .inst
            .artifacts()
            .save(NewArtifactSpec::with_key(&empty, "e.txt"))
            .unwrap();
        assert_eq!(again.status, SaveStatus::Existing);
        assert_eq!(again.artifact.uid, first.artifact.uid);
        // Under another key an empty file is its own artifact, as before.
        let other = t
            .inst
            .artifacts()
            .save(NewArtifactSpec::with_key(&empty, "other.txt"))
            .unwrap();
        assert_eq!(other.status, SaveStatus::Created);
    }
);

both!(long_in_lists_and_long_patterns, |backend| {
    let t = TestInstance::new(backend, &[]);
    let a = t.save("a.txt", "a", "keys/a.txt");
    let mut ids: Vec<i64> = (1_000_000..1_040_000).collect();
    ids.push(a.id.into());
    let n = t
        .inst
        .query::<Artifact>()
        .filter(Q::new("id__in", ids))
        .count()
        .unwrap();
    assert_eq!(n, 1);
    let mut keys: Vec<String> = (0..40_000).map(|i| format!("keys/{i}.txt")).collect();
    keys.push("keys/a.txt".into());
    let n = t
        .inst
        .query::<Artifact>()
        .filter(Q::new("key__in", keys))
        .count()
        .unwrap();
    assert_eq!(n, 1);
    let huge = "z".repeat(100_000);
    let e = t
        .inst
        .query_registry("ULabel")
        .unwrap()
        .search(&huge, &SearchOptions::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    let e = t
        .inst
        .query::<Artifact>()
        .filter(Q::new("key__contains", huge.as_str()))
        .count()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
});

both!(deleting_a_run_input_for_good_needs_force, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let a = t.save("in.txt", "in", "in.txt");
    let (tr, _) = ln
        .transforms()
        .resolve(&TransformSpec::new("reader.py", TransformKind::Script))
        .unwrap();
    let run = ln.runs().start(&tr, &RunSpec::default()).unwrap();
    ln.runs().add_input(&run, &a).unwrap();
    let e = ln
        .artifacts()
        .delete_permanently(&a, &PermanentDelete::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.to_string().contains("input of 1 run"), "{e}");
    assert_eq!(ln.runs().inputs(&run).unwrap().len(), 1);
    ln.artifacts()
        .delete_permanently(
            &a,
            &PermanentDelete {
                force: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(ln.runs().inputs(&run).unwrap().is_empty());
});

#[cfg(unix)]
both!(folders_with_unfollowed_links_are_refused, |backend| {
    let t = TestInstance::new(backend, &[]);
    let outside = t.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("x.txt"), b"x").unwrap();
    let folder = t.dir.path().join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.txt"), b"a").unwrap();
    std::os::unix::fs::symlink(&outside, folder.join("linked")).unwrap();
    let e = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(&folder, "folder"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("symbolic link"), "{e}");
    std::fs::remove_file(folder.join("linked")).unwrap();
    std::os::unix::fs::symlink(folder.join("gone.txt"), folder.join("dangling")).unwrap();
    let e = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(&folder, "folder"))
        .unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    // A link to a file is followed.
    std::fs::remove_file(folder.join("dangling")).unwrap();
    std::os::unix::fs::symlink(outside.join("x.txt"), folder.join("x.txt")).unwrap();
    let saved = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(&folder, "folder"))
        .unwrap();
    assert_eq!(saved.artifact.n_files, Some(2));
    assert_eq!(count(&t), 1);
});
