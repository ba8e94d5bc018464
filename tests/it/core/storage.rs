//! The artifact life cycle on every storage kind — a local folder, an in-process `memory://`
//! store and a real S3-protocol server (s3s-fs, started by `tests/scripts/ensure-s3.sh`) — with
//! SQLite and Postgres.

use lamindb_core::prelude::*;
use lamindb_tests::{each_store, Backend, Store, TestInstance};

fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

each_store!(save_cache_version_and_delete, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let arts = t.inst.artifacts();
    let root = t.inst.storage_root();
    assert_eq!(root.is_local(), store == Store::Local);
    let f = t.file("a.txt", b"hello\n");
    let v1 = arts
        .save(NewArtifactSpec::with_key(&f, "d/a.txt"))
        .unwrap()
        .artifact;
    let key1 = v1.storage_key();
    assert!(root.exists(&key1).unwrap());
    assert_eq!(root.stat(&key1).unwrap().unwrap().size, 6);
    if store != Store::Local {
        assert!(root.url_of(&key1).contains("://"), "{}", root.url_of(&key1));
        assert!(arts.path(&v1).is_err(), "cloud objects have no local path");
    }
    assert_eq!(read(&arts.cache(&v1).unwrap()), b"hello\n");

    // Same content: the existing artifact. New content: a new version next to the old one.
    let again = arts.save(NewArtifactSpec::with_key(&f, "d/a.txt")).unwrap();
    assert_eq!(again.status, SaveStatus::Existing);
    std::fs::write(&f, b"hello, version 2\n").unwrap();
    let v2 = arts.save(NewArtifactSpec::with_key(&f, "d/a.txt")).unwrap();
    assert_eq!(v2.status, SaveStatus::NewVersion);
    let v2 = v2.artifact;
    assert_eq!(v2.stem_uid(), v1.stem_uid());
    assert_eq!(read(&arts.cache(&v2).unwrap()), b"hello, version 2\n");
    assert_eq!(read(&arts.cache(&v1).unwrap()), b"hello\n");

    // Permanent delete removes the stored object; the other version becomes the latest.
    arts.delete_permanently(&v2, &PermanentDelete::default())
        .unwrap();
    assert!(!root.exists(&v2.storage_key()).unwrap());
    assert!(root.exists(&key1).unwrap());
    assert!(arts.get_by_key("d/a.txt").unwrap().is_latest);
});

each_store!(folders_round_trip, |backend, store| {
    let t = TestInstance::on(backend, store, &[]);
    let arts = t.inst.artifacts();
    t.file("fold/x.txt", b"1\n");
    t.file("fold/sub/y.csv", b"a,b\n2,3\n");
    let src = t.dir.path().join("inputs").join("fold");
    let a = arts
        .save(NewArtifactSpec::with_key(&src, "d/fold"))
        .unwrap()
        .artifact;
    assert_eq!(a.n_files, Some(2));
    assert_eq!(a.hash_type.as_deref(), Some("md5-d"));
    assert_eq!(a.hash, Some(lamindb_storage::hash_dir(&src).unwrap().hash));
    let root = t.inst.storage_root();
    let listed: Vec<String> = root
        .list(&a.storage_key())
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(listed, ["sub/y.csv", "x.txt"]);
    let copy = arts.cache(&a).unwrap();
    assert_eq!(read(&copy.join("x.txt")), b"1\n");
    assert_eq!(read(&copy.join("sub").join("y.csv")), b"a,b\n2,3\n");
    assert_eq!(
        lamindb_storage::hash_dir(&copy).unwrap().hash,
        a.hash.clone().unwrap()
    );
    arts.delete_permanently(&a, &PermanentDelete::default())
        .unwrap();
    // (Listing rather than `exists`: s3s-fs answers a HEAD on the emptied folder's path with a
    // 500 where S3 answers 404.)
    assert!(root.list(&a.storage_key()).unwrap().is_empty());
});

each_store!(
    cache_refreshes_changed_and_damaged_copies,
    |backend, store| {
        if store == Store::Local {
            return; // local artifacts are read in place, there is no cached copy
        }
        let t = TestInstance::on(backend, store, &[]);
        let arts = t.inst.artifacts();
        let f = t.file("c.txt", b"original\n");
        let a = arts
            .save(NewArtifactSpec::with_key(&f, "c.txt"))
            .unwrap()
            .artifact;
        let cached = arts.cache(&a).unwrap();
        assert!(cached.starts_with(lamindb_core::instance::settings::cache_dir()));
        // A damaged copy of the same size is fetched again.
        std::fs::write(&cached, b"damaged!\n").unwrap();
        assert_eq!(read(&arts.cache(&a).unwrap()), b"original\n");
        // A deleted copy is fetched again.
        std::fs::remove_file(&cached).unwrap();
        assert_eq!(read(&arts.cache(&a).unwrap()), b"original\n");
        // A changed remote object (another size) is fetched again.
        let other = t.file("other.txt", b"changed remotely\n");
        t.inst.storage_root().put(&other, &a.storage_key()).unwrap();
        assert_eq!(read(&arts.cache(&a).unwrap()), b"changed remotely\n");
    }
);

#[test]
fn multipart_upload_of_a_large_file() {
    let t = TestInstance::on(Backend::Sqlite, Store::S3, &[]);
    let size = lamindb_storage::remote::MULTIPART_THRESHOLD as usize + (40 << 20);
    let path = t.dir.path().join("big.bin");
    let mut data = vec![0u8; size];
    for (i, b) in data.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    std::fs::write(&path, &data).unwrap();
    drop(data);
    let a = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(&path, "big.bin"))
        .unwrap()
        .artifact;
    assert_eq!(a.size, Some(size as i64));
    assert_eq!(a.hash_type.as_deref(), Some("sha1-fl"));
    let stat = t
        .inst
        .storage_root()
        .stat(&a.storage_key())
        .unwrap()
        .unwrap();
    assert_eq!(stat.size, size as u64);
    let copy = t.inst.artifacts().cache(&a).unwrap();
    assert_eq!(
        lamindb_storage::hash_file(&copy).unwrap().hash,
        a.hash.clone().unwrap()
    );
}

#[test]
fn read_only_and_unknown_storage_is_refused() {
    lamindb_tests::isolate_settings();
    let err = Instance::init(&InitOptions {
        storage: "https://example.org/data".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("read-only"), "{err}");
    let err = Instance::init(&InitOptions {
        storage: "ftp://example.org/data".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("unknown scheme"), "{err}");
}

each_store!(cloud_objects_register_in_place, |backend, store| {
    if store == Store::Local {
        return; // local in-place registration is covered by the artifact suite
    }
    let t = TestInstance::on(backend, store, &[]);
    let root = t.inst.storage_root();
    // Objects put there by someone else: one file, one folder.
    let f = t.file("raw.txt", b"hello\n");
    root.put(&f, "incoming/raw.txt").unwrap();
    t.file("runs/a.txt", b"a\n");
    t.file("runs/b/c.txt", b"c\n");
    root.put(&t.dir.path().join("inputs").join("runs"), "incoming/runs")
        .unwrap();
    let url = root.url_of("incoming/raw.txt");
    let a = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: url.clone().into(),
            description: Some("registered in place".into()),
            ..Default::default()
        })
        .unwrap()
        .artifact;
    assert_eq!(a.key.as_deref(), Some("incoming/raw.txt"));
    assert!(!a.key_is_virtual, "the object stays where it is");
    assert_eq!(a.storage_key(), "incoming/raw.txt");
    assert_eq!(a.size, Some(6));
    assert_eq!(a.suffix, ".txt");
    if store == Store::S3 {
        // From the ETag alone, equal to hashing the bytes.
        assert_eq!(a.hash_type.as_deref(), Some("md5"));
        assert_eq!(
            a.hash.as_deref(),
            Some(lamindb_storage::hash_string("hello\n").as_str())
        );
    }
    assert_eq!(read(&t.inst.artifacts().cache(&a).unwrap()), b"hello\n");
    // Registering again returns the same artifact.
    let again = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: url.into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(again.status, SaveStatus::Existing);

    let folder = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: root.url_of("incoming/runs").into(),
            ..Default::default()
        })
        .unwrap()
        .artifact;
    assert_eq!(folder.n_files, Some(2));
    assert_eq!(folder.size, Some(4));
    assert_eq!(folder.hash_type.as_deref(), Some("md5-d"));
    let copy = t.inst.artifacts().cache(&folder).unwrap();
    assert_eq!(read(&copy.join("b").join("c.txt")), b"c\n");
    if store == Store::S3 {
        // From the files' ETags, combined as Python combines its per-file md5s: the same hash
        // as the folder's bytes hashed here.
        assert_eq!(
            folder.hash,
            Some(lamindb_storage::hash_dir(&copy).unwrap().hash)
        );
    }

    // Objects outside the storage and missing objects are refused with a reason.
    let err = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: "s3://some-other-bucket/x.txt".into(),
            description: Some("x".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("NoSuchBucket"), "{err}");
    assert_eq!(
        t.inst.storages().list().unwrap().len(),
        1,
        "no storage record for a bucket that was not found"
    );
    let err = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: root.url_of("incoming/missing.txt").into(),
            description: Some("x".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
});

lamindb_tests::both!(several_storage_locations, |backend| {
    let t = TestInstance::on(backend, Store::Local, &[]);
    let storages = t.inst.storages();
    assert_eq!(storages.list().unwrap().len(), 1);
    // A managed S3 location next to the local default.
    let prefix = format!("extra{}", lamindb_core::util::uid::random(8).to_lowercase());
    let s3_root = format!("s3://{}/{prefix}", lamindb_tests::S3_BUCKET);
    let extra = storages.add(&s3_root, false, Some("team bucket")).unwrap();
    assert!(storages.is_managed(&extra));
    assert_eq!(extra.kind, "s3");
    let root = t.inst.root_of(extra.id).unwrap();
    assert!(root.exists(".lamindb/storage_uid.txt").unwrap());
    let again = storages.add(&s3_root, false, None).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::AlreadyExists);

    let f = t.file("x.txt", b"into s3\n");
    let a = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            storage: Some(s3_root.clone()),
            ..NewArtifactSpec::with_key(&f, "x.txt")
        })
        .unwrap()
        .artifact;
    assert_eq!(a.storage_id, extra.id);
    assert!(root.exists(&a.storage_key()).unwrap());
    assert_eq!(read(&t.inst.artifacts().cache(&a).unwrap()), b"into s3\n");

    // An object elsewhere in the bucket: its bucket becomes a read-only storage.
    let outside = lamindb_storage::StorageRoot::parse(&format!(
        "s3://{}/shared{prefix}",
        lamindb_tests::S3_BUCKET
    ))
    .unwrap();
    let g = t.file("g.txt", b"shared data\n");
    outside.put(&g, "g.txt").unwrap();
    let shared = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: outside.url_of("g.txt").into(),
            description: Some("shared".into()),
            ..Default::default()
        })
        .unwrap()
        .artifact;
    let bucket = storages.by_id(shared.storage_id).unwrap();
    assert_eq!(bucket.root, format!("s3://{}", lamindb_tests::S3_BUCKET));
    assert!(!storages.is_managed(&bucket), "instance_uid is NULL");
    assert_eq!(bucket.instance_uid, None);
    assert_eq!(
        shared.key.as_deref(),
        Some(format!("shared{prefix}/g.txt").as_str())
    );
    // Saving into it is refused; deleting the artifact keeps the data.
    let err = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            storage: Some(bucket.root.clone()),
            ..NewArtifactSpec::with_key(&f, "y.txt")
        })
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    let deleted = t
        .inst
        .artifacts()
        .delete_permanently(
            &shared,
            &PermanentDelete {
                delete_data: true,
                force: false,
            },
        )
        .unwrap();
    assert_eq!(deleted, None);
    assert!(
        outside.exists("g.txt").unwrap(),
        "read-only data is never deleted"
    );
    // Managed data is.
    assert!(t
        .inst
        .artifacts()
        .delete_permanently(&a, &PermanentDelete::default())
        .unwrap()
        .is_some());
    assert!(!root.exists(&a.storage_key()).unwrap());
    // A location another instance manages can only be added read-only.
    let other = TestInstance::on(backend, Store::S3, &[]);
    let managed_elsewhere = other.inst.storage_root().as_str().to_owned();
    let err = storages.add(&managed_elsewhere, false, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    storages.add(&managed_elsewhere, true, None).unwrap();
});

#[test]
fn http_files_register_in_place_read_only() {
    let t = TestInstance::on(Backend::Sqlite, Store::Local, &[]);
    let server = lamindb_tests::HttpFiles::start();
    std::fs::create_dir_all(server.dir.path().join("data")).unwrap();
    std::fs::write(server.dir.path().join("data/ref.fa"), b">chr1\nACGT\n").unwrap();
    let url = format!("{}/data/ref.fa", server.url);
    let a = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: url.clone().into(),
            description: Some("reference".into()),
            ..Default::default()
        })
        .unwrap()
        .artifact;
    // Hashed from the server's ETag without downloading, as Python LaminDB does for HTTP.
    assert_eq!(a.hash_type.as_deref(), Some("md5-etag"));
    assert_eq!(a.size, Some(11));
    assert_eq!(a.suffix, ".fa");
    let st = t.inst.storages().by_id(a.storage_id).unwrap();
    assert_eq!(st.root, server.url);
    assert!(!t.inst.storages().is_managed(&st));
    assert_eq!(
        read(&t.inst.artifacts().cache(&a).unwrap()),
        b">chr1\nACGT\n"
    );
    // Read-only: it cannot be the target of a save, and deleting keeps the file.
    let err = t
        .inst
        .storages()
        .add(&format!("{}/other", server.url), false, None)
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(
        t.inst
            .artifacts()
            .delete_permanently(
                &a,
                &PermanentDelete {
                    delete_data: true,
                    force: false
                }
            )
            .unwrap(),
        None
    );
    assert!(server.dir.path().join("data/ref.fa").exists());
    // A missing file is a clear error.
    let err = t
        .inst
        .artifacts()
        .save(NewArtifactSpec {
            path: format!("{}/data/missing.fa", server.url).into(),
            description: Some("x".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

// gs:// on a real GCS emulator (fake-gcs-server, started by ensure-gcs.sh; objects seeded
// through its JSON upload, since it refuses the XML-API writes object_store makes): files and
// folders registered in place with Python's md5 hashes, listed, cached, a collection of them
// read, and the bucket registered read-only — all without credentials (anonymous requests).
lamindb_tests::both!(gcs_objects_are_registered_in_place_and_cached, |backend| {
    let t = TestInstance::on(backend, Store::Local, &[]);
    let prefix = format!("g{}", lamindb_core::util::uid::random(10).to_lowercase());
    let bucket = lamindb_tests::GCS_BUCKET;
    lamindb_tests::gcs_upload(&format!("{prefix}/hello.txt"), b"hello\n");
    lamindb_tests::gcs_upload(&format!("{prefix}/run/a.csv"), b"x\n1\n");
    lamindb_tests::gcs_upload(&format!("{prefix}/run/b.csv"), b"x\n2\n");
    let arts = t.inst.artifacts();
    let file = arts
        .save(NewArtifactSpec {
            path: format!("gs://{bucket}/{prefix}/hello.txt").into(),
            description: Some("greeting".into()),
            ..Default::default()
        })
        .unwrap()
        .artifact;
    // The md5 Python LaminDB reads from md5Hash, without downloading anything.
    assert_eq!(
        file.hash.as_deref(),
        Some(lamindb_storage::hash_string("hello\n").as_str())
    );
    assert_eq!(file.hash_type.as_deref(), Some("md5"));
    assert_eq!(file.size, Some(6));
    assert_eq!(
        file.key.as_deref(),
        Some(format!("{prefix}/hello.txt").as_str())
    );
    let storage = t.inst.storages().by_id(file.storage_id).unwrap();
    assert_eq!(storage.root, format!("gs://{bucket}"));
    assert_eq!(storage.kind, "gs");
    assert!(!t.inst.storages().is_managed(&storage));
    assert_eq!(read(&arts.cache(&file).unwrap()), b"hello\n");

    let folder = arts
        .save(NewArtifactSpec {
            path: format!("gs://{bucket}/{prefix}/run").into(),
            description: Some("a run's folder".into()),
            ..Default::default()
        })
        .unwrap()
        .artifact;
    assert_eq!(folder.n_files, Some(2));
    assert_eq!(folder.size, Some(8));
    let root = t.inst.root_of(folder.storage_id).unwrap();
    let listed: Vec<String> = root
        .list(&format!("{prefix}/run"))
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(listed, ["a.csv", "b.csv"]);
    let dir = arts.cache(&folder).unwrap();
    assert_eq!(read(&dir.join("b.csv")), b"x\n2\n");
    assert_eq!(folder.hash_type.as_deref(), Some("md5-d"));
    assert_eq!(
        folder.hash,
        Some(lamindb_storage::hash_dir(&dir).unwrap().hash)
    );
    // The same object again is the same artifact.
    let again = arts
        .save(NewArtifactSpec {
            path: format!("gs://{bucket}/{prefix}/hello.txt").into(),
            description: Some("greeting".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(again.artifact.uid, file.uid);
    // Writing into the registered bucket is refused (it is not this instance's).
    let f = t.file("w.txt", b"w");
    let err = arts
        .save(NewArtifactSpec {
            storage: Some(storage.root.clone()),
            ..NewArtifactSpec::with_key(&f, "w.txt")
        })
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    // A missing object is a clear error and leaves no row.
    let err = arts
        .save(NewArtifactSpec {
            path: format!("gs://{bucket}/{prefix}/missing.txt").into(),
            description: Some("nothing".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
});
