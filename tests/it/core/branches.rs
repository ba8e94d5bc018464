//! Branches: create, merge (every branch-aware table moved in one transaction, one latest
//! version per family), protected deletion, status.

use lamindb_core::prelude::*;
use lamindb_core::records::branches::BranchStatus;
use lamindb_tests::{both, TestInstance};

fn branch_of(t: &TestInstance, table: &str, id: i64) -> i64 {
    let mut q = lamindb_core::db::rows::Sql::default();
    q.push(&format!(
        "SELECT CAST(branch_id AS BIGINT) AS i0 FROM \"{table}\" WHERE id = "
    ))
    .bind(lamindb_core::db::rows::Bind::Int(id));
    q.load_ints(&mut t.inst.conn()).unwrap()[0]
}

both!(
    merging_moves_records_and_keeps_one_latest_version,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        let ln = &t.inst;
        let branches = ln.branches();
        let dev = branches.create("dev", Some("work in progress")).unwrap();
        assert_eq!(dev.uid.len(), 12);
        assert_eq!(dev.status, Some(BranchStatus::Standalone));
        let e = branches.create("dev", None).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");

        // A label and a new artifact version made on dev.
        let label = ln.ulabels().create(NewLabel::new("on-dev")).unwrap().record;
        branches
            .place("lamindb_ulabel", label.id.into(), &dev)
            .unwrap();
        let path = t.dir.path().join("x.txt");
        std::fs::write(&path, "v1").unwrap();
        let v1 = ln
            .artifacts()
            .save(NewArtifactSpec::with_key(&path, "x.txt"))
            .unwrap()
            .artifact;
        std::fs::write(&path, "v2").unwrap();
        let v2 = ln
            .artifacts()
            .save(NewArtifactSpec::with_key(&path, "x.txt"))
            .unwrap()
            .artifact;
        branches
            .place("lamindb_artifact", v2.id.into(), &dev)
            .unwrap();
        // On main, v1 is the latest of its branch again (as it would be had v2 been made on dev).
        let mut u = lamindb_core::db::rows::Sql::default();
        u.push("UPDATE lamindb_artifact SET is_latest = ")
            .bind(lamindb_core::db::rows::Bind::Bool(true))
            .push(" WHERE id = ")
            .bind(lamindb_core::db::rows::Bind::Int(v1.id.into()));
        u.execute(&mut ln.conn()).unwrap();

        let main = branches.get("main").unwrap();
        let merged = branches.merge(&dev, &main).unwrap();
        let tables: Vec<&str> = merged.moved.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tables, ["lamindb_artifact", "lamindb_ulabel"], "{merged:?}");
        assert_eq!(merged.demoted, 1);
        assert_eq!(branch_of(&t, "lamindb_ulabel", label.id.into()), 1);
        let latest: Vec<Artifact> = ln
            .query::<Artifact>()
            .filter(Q::new("key", "x.txt"))
            .all()
            .unwrap()
            .into_iter()
            .filter(|a| a.is_latest)
            .collect();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].uid, v2.uid);
        assert_eq!(
            branches.get("dev").unwrap().status,
            Some(BranchStatus::Merged)
        );

        // The label was created on dev: dev cannot be deleted; a fresh branch can.
        let e = branches.delete(&branches.get("dev").unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protected);
        assert!(e.to_string().contains("created_on_id"), "{e}");
        let tmp = branches.create("tmp", None).unwrap();
        branches.set_status(&tmp, BranchStatus::Review).unwrap();
        assert_eq!(
            branches.get(&tmp.uid).unwrap().status,
            Some(BranchStatus::Review)
        );
        branches.delete(&tmp).unwrap();
        assert!(branches.find("tmp").unwrap().is_none());
        assert!(branches.delete(&main).is_err(), "main is built in");
        assert!(branches.space("all").is_ok());
    }
);
