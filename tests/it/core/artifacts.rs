//! The artifact life cycle: saving, deduplication, versions, folders, trash, bulk saves and
//! interrupted saves, on every storage kind (local folder, `memory://`, the S3-protocol test
//! server) with SQLite and Postgres.

use lamindb_core::prelude::*;
use lamindb_tests::{both, each_store, stored_objects, Store, TestInstance};

each_store!(save_copies_into_dot_lamindb, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let src = t.file("hello.txt", b"hello\n");
    let saved = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(&src, "data/hello.txt"))
        .unwrap();
    let a = &saved.artifact;
    assert_eq!(saved.status, SaveStatus::Created);
    assert_eq!(a.uid.len(), 20);
    assert!(a.uid.ends_with("0000"));
    assert_eq!(a.suffix, ".txt");
    assert_eq!(a.hash.as_deref(), Some("sZRqySSS0jR8YjW00mERhA"));
    assert_eq!(a.hash_type.as_deref(), Some("md5"));
    assert_eq!(a.size, Some(6));
    assert!(a.key_is_virtual && !a.overwrite_versions && a.is_latest);
    assert!(a.aux.is_none(), "storage flag cleared after the copy");
    assert_eq!(a.storage_key(), format!(".lamindb/{}.txt", a.uid));
    assert_eq!(
        stored_objects(t.inst.storage_root()),
        [format!("{}.txt", a.uid)]
    );
    if store == Store::Local {
        assert_eq!(
            t.inst.artifacts().path(a).unwrap(),
            t.root().join(".lamindb").join(format!("{}.txt", a.uid))
        );
    }
    let path = t.inst.artifacts().cache(a).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"hello\n");
    // Unknown suffixes are stored without extension.
    let odd = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(t.file("d.xyz", b"?"), "d.xyz"))
        .unwrap();
    assert_eq!(odd.artifact.suffix, "");
    assert_eq!(
        odd.artifact.storage_key(),
        format!(".lamindb/{}", odd.artifact.uid)
    );
    // Compressed formats keep both suffixes.
    let gz = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(
            t.file("t.csv.gz", b"z"),
            "t.csv.gz",
        ))
        .unwrap();
    assert_eq!(gz.artifact.suffix, ".csv.gz");
});

each_store!(invalid_input_writes_nothing, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let src = t.file("a.csv", b"x,y\n1,2\n");
    for (key, needle) in [
        ("/etc/a.csv", "absolute"),
        ("../a.csv", "'..'"),
        ("x/.lamindb/a.csv", ".lamindb"),
        ("a\\b.csv", "backslash"),
        ("a.txt", "must match"),
    ] {
        let err = t
            .inst
            .artifacts()
            .save(NewArtifactSpec::with_key(&src, key))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{key}: {err}");
        assert!(err.to_string().contains(needle), "{key}: {err}");
    }
    let err = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: src.clone(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("pass one of key, description or run"),
        "{err}"
    );
    let missing = t.inst.artifacts().save(NewArtifactSpec::with_key(
        t.dir.path().join("nope.csv"),
        "nope.csv",
    ));
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(t
        .inst
        .artifacts()
        .list(&ListOptions {
            all_versions: true,
            ..Default::default()
        })
        .unwrap()
        .is_empty());
    assert!(stored_objects(t.inst.storage_root()).is_empty());
});

each_store!(same_content_is_deduplicated, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let one = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(t.file("a.txt", b"same"), "a.txt"))
        .unwrap();
    let two = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: t.file("b.txt", b"same"),
            description: Some("new words".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(two.status, SaveStatus::Existing);
    assert_eq!(two.artifact.uid, one.artifact.uid);
    // As in Python LaminDB, the passed description overwrites the stored one.
    assert_eq!(
        t.inst
            .artifacts()
            .get(&one.artifact.uid)
            .unwrap()
            .description
            .as_deref(),
        Some("new words")
    );
    // Empty files never deduplicate.
    let e1 = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(t.file("e1.txt", b""), "e1.txt"))
        .unwrap();
    let e2 = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(t.file("e2.txt", b""), "e2.txt"))
        .unwrap();
    assert_ne!(e1.artifact.uid, e2.artifact.uid);
    assert_eq!(e2.status, SaveStatus::Created);
    // skip_hash_lookup forces a new artifact.
    let forced = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            skip_hash_lookup: true,
            ..NewArtifactSpec::with_key(t.file("c.txt", b"same"), "c.txt")
        })
        .unwrap();
    assert_eq!(forced.status, SaveStatus::Created);
});

each_store!(same_key_new_content_is_a_new_version, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let arts = t.inst.artifacts();
    let v1 = arts
        .save(NewArtifactSpec::with_key(
            t.file("v.txt", b"1"),
            "data/v.txt",
        ))
        .unwrap()
        .artifact;
    let v2 = arts
        .save(NewArtifactSpec::with_key(
            t.file("v.txt", b"2"),
            "data/v.txt",
        ))
        .unwrap();
    assert_eq!(v2.status, SaveStatus::NewVersion);
    let v2 = v2.artifact;
    assert_eq!(v2.stem_uid(), v1.stem_uid());
    assert_eq!(&v2.uid[16..], "0001");
    let v3 = arts
        .save(NewArtifactSpec::with_key(
            t.file("v.txt", b"3"),
            "data/v.txt",
        ))
        .unwrap()
        .artifact;
    assert_eq!(&v3.uid[16..], "0002");
    let versions = arts.versions(&v1).unwrap();
    assert_eq!(
        versions.iter().map(|a| a.uid.as_str()).collect::<Vec<_>>(),
        vec![&v3.uid, &v2.uid, &v1.uid]
    );
    assert_eq!(versions.iter().filter(|a| a.is_latest).count(), 1);
    assert_eq!(arts.get_by_key("data/v.txt").unwrap().uid, v3.uid);
    // A prefix up to the stem finds the latest version; a full uid finds exactly that one.
    assert_eq!(arts.get(v1.stem_uid()).unwrap().uid, v3.uid);
    assert_eq!(arts.get(&v1.stem_uid()[..6]).unwrap().uid, v3.uid);
    assert_eq!(arts.get(&v1.uid).unwrap().uid, v1.uid);
    assert_eq!(
        arts.get("zzzzzzzzzzzz").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        arts.get("bad uid!").unwrap_err().kind(),
        ErrorKind::Validation
    );
    // Old versions keep their own objects.
    assert_eq!(std::fs::read(arts.cache(&v1).unwrap()).unwrap(), b"1");
    assert_eq!(std::fs::read(arts.cache(&v3).unwrap()).unwrap(), b"3");
});

each_store!(
    folders_share_one_object_across_versions,
    |backend, store| {
        let t = TestInstance::on(backend, store, &[]);
        let arts = t.inst.artifacts();
        t.file("folder/a", b"1");
        t.file("folder/b/c", b"2");
        let folder = t.dir.path().join("inputs/folder");
        let v1 = arts
            .save(NewArtifactSpec::with_key(&folder, "data/folder"))
            .unwrap()
            .artifact;
        assert_eq!(v1.hash.as_deref(), Some("Rk5agZt409Ql9aNASmbGlg"));
        assert_eq!(v1.hash_type.as_deref(), Some("md5-d"));
        assert_eq!(
            (v1.n_files, v1.size, v1.suffix.as_str()),
            (Some(2), Some(2), "")
        );
        assert!(v1.overwrite_versions);
        assert_eq!(v1.storage_key(), format!(".lamindb/{}", v1.stem_uid()));
        t.file("folder/d", b"3");
        let v2 = arts
            .save(NewArtifactSpec::with_key(&folder, "data/folder"))
            .unwrap()
            .artifact;
        assert_eq!(v2.storage_key(), v1.storage_key());
        let path = arts.cache(&v2).unwrap();
        assert_eq!(std::fs::read(path.join("d")).unwrap(), b"3");
        let old = arts.get(&v1.uid).unwrap();
        assert_eq!(arts.cache(&old).unwrap_err().kind(), ErrorKind::Conflict);
        // Permanently deleting the latest folder version removes all versions and the object.
        arts.delete_permanently(&v2, &PermanentDelete::default())
            .unwrap();
        assert!(arts
            .list(&ListOptions {
                all_versions: true,
                ..Default::default()
            })
            .unwrap()
            .is_empty());
        assert!(t
            .inst
            .storage_root()
            .list(&v2.storage_key())
            .unwrap()
            .is_empty());
        assert!(stored_objects(t.inst.storage_root()).is_empty());
    }
);

both!(
    files_inside_the_storage_root_are_registered_in_place,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        let inside = t.root().join("raw/run1.csv");
        std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
        std::fs::write(&inside, b"a,b\n").unwrap();
        let a = t
            .inst
            .artifacts()
            .save(NewArtifactSpec {
                path: inside.clone(),
                description: Some("in place".into()),
                ..Default::default()
            })
            .unwrap()
            .artifact;
        assert_eq!(a.key.as_deref(), Some("raw/run1.csv"));
        assert!(!a.key_is_virtual);
        assert_eq!(t.inst.artifacts().path(&a).unwrap(), inside);
        assert!(
            stored_objects(t.inst.storage_root()).is_empty(),
            "nothing was copied"
        );
        // Real-key data is kept on permanent delete unless asked for.
        assert_eq!(
            t.inst
                .artifacts()
                .delete_permanently(&a, &PermanentDelete::default())
                .unwrap(),
            None
        );
        assert!(inside.exists());
        let err = t
            .inst
            .artifacts()
            .save(NewArtifactSpec::with_key(
                t.root().join(".lamindb/storage_uid.txt"),
                "x.txt",
            ))
            .unwrap_err();
        assert!(err.to_string().contains(".lamindb"), "{err}");
    }
);

each_store!(trash_restore_and_permanent_delete, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let root = t.inst.storage_root();
    let arts = t.inst.artifacts();
    let v1 = arts
        .save(NewArtifactSpec::with_key(t.file("k.txt", b"1"), "k.txt"))
        .unwrap()
        .artifact;
    let v2 = arts
        .save(NewArtifactSpec::with_key(t.file("k.txt", b"2"), "k.txt"))
        .unwrap()
        .artifact;
    let trashed = arts.trash(&v2).unwrap();
    assert_eq!(trashed.branch_id, -1);
    assert!(
        arts.cache(&trashed).is_ok(),
        "data stays while in the trash"
    );
    // The previous version is promoted and queries no longer see the trashed one.
    assert_eq!(arts.get_by_key("k.txt").unwrap().uid, v1.uid);
    assert!(arts.get_by_key("k.txt").unwrap().is_latest);
    assert_eq!(
        arts.list(&ListOptions {
            trash: true,
            ..Default::default()
        })
        .unwrap()[0]
            .uid,
        v2.uid
    );
    assert_eq!(
        arts.trash(&trashed).unwrap_err().kind(),
        ErrorKind::Conflict
    );
    // Restoring the newer version makes it the latest again.
    let restored = arts.restore(&trashed).unwrap();
    assert!(restored.is_latest && restored.branch_id == 1);
    assert!(!arts.get(&v1.uid).unwrap().is_latest);
    // Permanent delete removes row and object and promotes the remaining version.
    assert!(root.exists(&restored.storage_key()).unwrap());
    assert_eq!(
        arts.delete_permanently(&restored, &PermanentDelete::default())
            .unwrap(),
        Some(restored.storage_key())
    );
    assert!(!root.exists(&restored.storage_key()).unwrap());
    assert!(root.exists(&v1.storage_key()).unwrap());
    assert_eq!(
        arts.get(&restored.uid).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(arts.get(&v1.uid).unwrap().is_latest);
});

each_store!(bulk_save_in_two_transactions, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let root = t.inst.storage_root();
    let specs: Vec<NewArtifactSpec> = (0..50)
        .map(|i| {
            NewArtifactSpec::with_key(
                t.file(&format!("b{i}.txt"), format!("content {i}").as_bytes()),
                format!("bulk/b{i}.txt"),
            )
        })
        .collect();
    let mut with_dup = specs.clone();
    with_dup.push(NewArtifactSpec::with_key(
        t.file("dup.txt", b"content 7"),
        "bulk/dup.txt",
    ));
    let saved = t.inst.artifacts().save_many(with_dup).unwrap();
    assert_eq!(saved.len(), 51);
    assert_eq!(
        saved
            .iter()
            .filter(|s| s.status == SaveStatus::Created)
            .count(),
        50
    );
    assert_eq!(saved[50].status, SaveStatus::Existing);
    assert_eq!(saved[50].artifact.uid, saved[7].artifact.uid);
    for s in &saved[..50] {
        assert!(!s.artifact.write_pending());
        assert!(root.exists(&s.artifact.storage_key()).unwrap());
    }
    let listed = t
        .inst
        .artifacts()
        .list(&ListOptions {
            key_prefix: Some("bulk/".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.len(), 50);
    // A key prefix with LIKE wildcards is matched literally.
    let none = t
        .inst
        .artifacts()
        .list(&ListOptions {
            key_prefix: Some("bul%".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(none.is_empty());
    // A batch with one bad item writes nothing.
    let bad = vec![
        NewArtifactSpec::with_key(t.file("ok.txt", b"fresh"), "ok.txt"),
        NewArtifactSpec::with_key(t.file("bad.txt", b"x"), "/abs.txt"),
    ];
    assert!(t.inst.artifacts().save_many(bad).is_err());
    assert!(t.inst.artifacts().get_by_key("ok.txt").is_err());
    assert_eq!(stored_objects(root).len(), 50);
});

each_store!(
    an_interrupted_save_is_cleaned_up_by_the_next_write,
    |backend, store| {
        use diesel::prelude::*;
        let t = TestInstance::on(backend, store, &[]);
        let root = t.inst.storage_root();
        let arts = t.inst.artifacts();
        let v1 = arts
            .save(NewArtifactSpec::with_key(t.file("p.txt", b"1"), "p.txt"))
            .unwrap()
            .artifact;
        let v2 = arts
            .save(NewArtifactSpec::with_key(t.file("p.txt", b"2"), "p.txt"))
            .unwrap()
            .artifact;
        // Make v2 look like a save whose process died mid-copy: flag set, partial object on disk.
        let aux = lamindb_core::db::sql_types::JsonData(
            serde_json::json!({"so": 1, "so_by": "this-host-is-gone:1"}),
        );
        diesel::update(lamindb_core::db::schema::lamindb_artifact::table.find(v2.id))
            .set(lamindb_core::db::schema::lamindb_artifact::aux.eq(aux))
            .execute(&mut *t.inst.conn())
            .unwrap();
        // Locally a killed copy leaves a partial file; an object store shows nothing until a
        // (multipart) upload completes.
        let partial = lamindb_storage::StorageRoot::partial_key(&v2.storage_key());
        root.delete(&v2.storage_key()).unwrap();
        if store == Store::Local {
            root.put(&t.file("half", b"2-half"), &partial).unwrap();
            assert!(root.exists(&partial).unwrap());
        }
        // Another machine's pending write is left alone ...
        let fresh = Instance::connect(&t.inst.slug()).unwrap();
        assert_eq!(fresh.artifacts().recover().unwrap(), 0);
        // ... one from this machine whose process is gone is undone.
        let aux = lamindb_core::db::sql_types::JsonData(
            serde_json::json!({"so": 1, "so_by": format!("{}:999999999", gethostname())}),
        );
        diesel::update(lamindb_core::db::schema::lamindb_artifact::table.find(v2.id))
            .set(lamindb_core::db::schema::lamindb_artifact::aux.eq(aux))
            .execute(&mut *t.inst.conn())
            .unwrap();
        let fresh = Instance::connect(&t.inst.slug()).unwrap();
        assert_eq!(fresh.artifacts().recover().unwrap(), 1);
        assert_eq!(
            fresh.artifacts().get(&v2.uid).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert!(
            fresh.artifacts().get(&v1.uid).unwrap().is_latest,
            "the previous version is the latest again"
        );
        assert!(!root.exists(&partial).unwrap());
        assert_eq!(stored_objects(root), [format!("{}.txt", v1.uid)]);
    }
);

fn gethostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}
