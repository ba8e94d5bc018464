//! Collections: made from saved artifacts, identified by the hash of their members, versioned
//! by key, read as one table (eagerly and lazily, local and S3), linked to the runs that read
//! them, trashed and deleted without touching their members.

use lamindb_core::prelude::*;
use lamindb_core::records::collections::NewCollectionSpec;
use lamindb_core::TrackOptions;
use lamindb_tests::{both, Backend, Store, TestInstance};
use polars::prelude::*;

/// Saves a parquet file of `df` under `key`.
fn save_parquet(t: &TestInstance, key: &str, mut df: DataFrame) -> Artifact {
    let path = t.dir.path().join("inputs").join(key.replace('/', "_"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    t.inst
        .artifacts()
        .save(NewArtifactSpec::with_key(path, key))
        .unwrap()
        .artifact
}

/// Three parquet datasets with partly different columns.
fn three(t: &TestInstance) -> Vec<Artifact> {
    vec![
        save_parquet(
            t,
            "batch/a.parquet",
            df!("cell" => ["c1", "c2"], "score" => [1.0, 7.0], "donor" => ["d1", "d1"]).unwrap(),
        ),
        save_parquet(
            t,
            "batch/b.parquet",
            df!("cell" => ["c3", "c4"], "score" => [9.0, 2.0], "donor" => ["d2", "d2"]).unwrap(),
        ),
        save_parquet(
            t,
            "batch/c.parquet",
            df!("cell" => ["c5"], "score" => [8.0], "plate" => [3i64]).unwrap(),
        ),
    ]
}

fn collection_lifecycle(backend: Backend, store: Store) {
    let t = TestInstance::on(backend, store, &[]);
    let ln = &t.inst;
    let arts = three(&t);
    let cols = ln.collections();
    let made = cols
        .create(NewCollectionSpec::new("batches", arts[..2].to_vec()))
        .unwrap();
    assert!(made.created);
    let v1 = made.record;
    assert_eq!(&v1.uid[16..], "0000");
    assert!(v1.is_latest);
    let hashes: Vec<String> = arts[..2].iter().map(|a| a.hash.clone().unwrap()).collect();
    assert_eq!(
        v1.hash.as_deref(),
        Some(lamindb_storage::hash_set(&hashes).as_str())
    );
    // The same members in another order, under any key, are the same collection.
    let again = cols
        .create(NewCollectionSpec::new(
            "other",
            vec![arts[1].clone(), arts[0].clone()],
        ))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.record.uid, v1.uid);

    // Appending makes the next version; the first stops being the latest.
    let v2 = cols.append(&v1, arts[2].clone()).unwrap().record;
    assert_eq!(&v2.uid[..16], &v1.uid[..16]);
    assert_eq!(&v2.uid[16..], "0001");
    assert!(!cols.get(&v1.uid).unwrap().is_latest);
    assert_eq!(cols.get_by_key("batches").unwrap().uid, v2.uid);
    assert_eq!(cols.get(&v1.uid[..16]).unwrap().uid, v2.uid);
    let member_keys: Vec<String> = cols
        .members(&v2)
        .unwrap()
        .into_iter()
        .map(|a| a.key.unwrap())
        .collect();
    assert_eq!(
        member_keys,
        ["batch/a.parquet", "batch/b.parquet", "batch/c.parquet"]
    );
    assert_eq!(cols.cache(&v2).unwrap().len(), 3);

    // Eager: one DataFrame, columns joined as an outer join.
    let df = cols.load(&v2).unwrap();
    assert_eq!(df.height(), 5);
    assert_eq!(
        df.get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>(),
        ["cell", "score", "donor", "plate"]
    );
    assert_eq!(df.column("plate").unwrap().null_count(), 4);

    // Lazy: a filter and a projection over the members where they are stored.
    let frame = cols.open(&v2).unwrap();
    let schema = frame.clone().collect_schema().unwrap();
    let cond = lamindb_core::records::collections::filter_expr(
        &lamindb_core::query::Q::parse("score__gt=5").unwrap(),
        &schema,
    )
    .unwrap();
    let hits = frame.filter(cond).select([col("cell")]).collect().unwrap();
    let mut cells: Vec<String> = hits
        .column("cell")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|c| c.unwrap().to_owned())
        .collect();
    cells.sort();
    assert_eq!(cells, ["c2", "c3", "c5"]);
    // A filter naming no column of the collection is refused by name.
    let err = lamindb_core::records::collections::filter_expr(
        &lamindb_core::query::Q::parse("scor__gt=5").unwrap(),
        &schema,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no column 'scor'"), "{err}");

    // Trash: the previous version is the latest again; members stay.
    cols.trash(&v2).unwrap();
    assert_eq!(cols.get_by_key("batches").unwrap().uid, v1.uid);
    cols.restore(&cols.get(&v2.uid).unwrap()).unwrap();
    assert_eq!(cols.get_by_key("batches").unwrap().uid, v2.uid);
    cols.delete_permanently(&v2).unwrap();
    assert!(cols.get(&v2.uid).is_err());
    assert_eq!(cols.get_by_key("batches").unwrap().uid, v1.uid);
    for a in &arts {
        ln.artifacts().get(&a.uid).unwrap();
    }
}

both!(
    collections_are_versioned_sets_read_as_one_table,
    |backend| {
        collection_lifecycle(backend, Store::Local);
    }
);

both!(collections_on_s3_are_scanned_in_place, |backend| {
    collection_lifecycle(backend, Store::S3);
});

both!(non_tables_and_trashed_members_are_refused, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let txt = t.save("n.txt", "notes", "notes.txt");
    let c = ln
        .collections()
        .create(NewCollectionSpec::new("mixed", vec![txt.clone()]))
        .unwrap()
        .record;
    let err = match ln.collections().open(&c) {
        Ok(_) => panic!("a text member was opened as a table"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("'notes.txt'") && err.contains("parquet"),
        "{err}"
    );
    let err = ln.collections().load(&c).unwrap_err().to_string();
    assert!(err.contains("'.txt'"), "{err}");
    assert!(ln
        .collections()
        .create(NewCollectionSpec::new("empty", vec![]))
        .is_err());
    let trashed = ln
        .artifacts()
        .trash(&t.save("m.txt", "more", "m.txt"))
        .unwrap();
    let err = ln
        .collections()
        .create(NewCollectionSpec::new("t", vec![trashed]))
        .unwrap_err();
    assert_eq!(err.kind(), lamindb_core::ErrorKind::InTrash);
    let n: i64 = ln
        .query_registry("Collection")
        .unwrap()
        .branches(lamindb_core::query::Branches::All)
        .count()
        .unwrap();
    assert_eq!(n, 1, "refused collections leave no rows");
});

both!(a_run_that_loads_a_collection_has_it_as_input, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let arts = three(&t);
    let c = ln
        .collections()
        .create(NewCollectionSpec::new("batches", arts))
        .unwrap()
        .record;
    let guard = ln
        .track(TrackOptions {
            key: Some("reader".into()),
            source_code: Some("read the batches".into()),
            ..Default::default()
        })
        .unwrap();
    ln.collections().load(&c).unwrap();
    let _scan = ln.collections().open(&c).unwrap();
    let run = guard.finish().unwrap();
    let read: Vec<String> = ln
        .collections()
        .inputs_of(&run)
        .unwrap()
        .into_iter()
        .map(|c| c.uid)
        .collect();
    assert_eq!(read, std::slice::from_ref(&c.uid));
    // Members are read through the collection, not as inputs of their own.
    assert!(ln.runs().inputs(&run).unwrap().is_empty());
    // A collection the run makes is its output, not its input.
    let guard = ln
        .track(TrackOptions {
            key: Some("maker".into()),
            source_code: Some("make".into()),
            ..Default::default()
        })
        .unwrap();
    let made = ln
        .collections()
        .create(NewCollectionSpec::new(
            "made",
            ln.collections().members(&c).unwrap()[..1].to_vec(),
        ))
        .unwrap()
        .record;
    ln.collections().cache(&made).unwrap();
    let run = guard.finish().unwrap();
    assert_eq!(made.run_id, Some(run.id));
    assert!(ln.collections().inputs_of(&run).unwrap().is_empty());
});

both!(collections_are_nodes_of_lineage_graphs, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let raw = t.save("raw.txt", "raw", "raw.txt");
    let track = |key: &str| {
        ln.track(TrackOptions {
            key: Some(key.into()),
            source_code: Some(key.into()),
            ..Default::default()
        })
        .unwrap()
    };
    // Run 1 reads raw.txt and makes a collection; run 2 reads the collection and makes out.txt.
    let g1 = track("make");
    ln.artifacts().cache(&raw).unwrap();
    let part = t.save("part.txt", "part", "part.txt");
    let c = ln
        .collections()
        .create(NewCollectionSpec::new("parts", vec![part]))
        .unwrap()
        .record;
    let run1 = g1.finish().unwrap();
    let g2 = track("use");
    ln.collections().cache(&c).unwrap();
    let out = t.save("out.txt", "out", "out.txt");
    let run2 = g2.finish().unwrap();

    let col = format!("collection_{}", c.uid);
    let up = ln
        .lineage(&out, lamindb_core::Direction::Upstream, None)
        .unwrap();
    let edges: Vec<(String, String)> = up.edges.clone();
    for e in [
        (format!("artifact_{}", raw.uid), format!("run_{}", run1.uid)),
        (format!("run_{}", run1.uid), col.clone()),
        (col.clone(), format!("run_{}", run2.uid)),
        (format!("run_{}", run2.uid), format!("artifact_{}", out.uid)),
    ] {
        assert!(edges.contains(&e), "{e:?} missing from {edges:?}");
    }
    assert_eq!(up.node(&col).unwrap().kind, "collection");
    assert_eq!(up.node(&col).unwrap().label, "parts");
    let down = ln
        .collection_lineage(&c, lamindb_core::Direction::Downstream, None)
        .unwrap();
    assert_eq!(down.focus, col);
    assert!(down.node(&format!("artifact_{}", out.uid)).is_some());
    assert!(down.node(&format!("artifact_{}", raw.uid)).is_none());
    // One hop: the run that read the collection, not what it made.
    let near = ln
        .collection_lineage(&c, lamindb_core::Direction::Downstream, Some(1))
        .unwrap();
    assert!(near.node(&format!("run_{}", run2.uid)).is_some());
});
