use diesel::prelude::*;
use lamindb_core::prelude::*;
use lamindb_tests::lamindb_testmodule as testmodule;
use lamindb_tests::{both, TestInstance};

both!(a_module_brings_its_tables_migrations_and_seed, |backend| {
    let t = TestInstance::new(backend, &[testmodule::NAME]);
    assert_eq!(
        t.inst.modules().unwrap(),
        vec!["lamindb".to_string(), "testmodule".to_string()]
    );
    assert_eq!(
        testmodule::kinds(&t.inst).unwrap(),
        testmodule::SEEDED_KINDS.to_vec()
    );
    let a = t
        .inst
        .artifacts()
        .save(NewArtifactSpec::with_key(t.file("e.txt", b"e"), "e.txt"))
        .unwrap()
        .artifact;
    let e = testmodule::create_experiment(&t.inst, "exp 1", Some(a.id)).unwrap();
    assert_eq!(e.uid.len(), 12);
    assert_eq!(testmodule::experiments(&t.inst).unwrap(), vec![e.clone()]);
    assert!(lamindb_core::module::registries().any(|r| r.table == "testmodule_experiment"));
    // Deleting an artifact clears references from module tables too.
    t.inst.artifacts().delete_permanently(&a, false).unwrap();
    assert_eq!(
        testmodule::experiments(&t.inst).unwrap()[0].artifact_id,
        None
    );
    // Python LaminDB sees the module's migration.
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N =
        diesel::sql_query("SELECT COUNT(*) AS n FROM django_migrations WHERE app = 'testmodule'")
            .get_result(&mut *t.inst.conn())
            .unwrap();
    assert_eq!(n.n, 1);
});

both!(
    opening_an_instance_with_an_unlinked_module_fails_clearly,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('ghostmodule/20260101000000')")
        .execute(&mut *t.inst.conn())
        .unwrap();
        let err = Instance::connect(&t.inst.slug()).unwrap_err();
        assert!(
            matches!(err, Error::MissingModule { ref module, .. } if module == "ghostmodule"),
            "{err}"
        );
        assert!(err.to_string().contains("ghostmodule"));
    }
);

both!(adding_a_module_needs_migrate_deploy, |backend| {
    let t = TestInstance::new(backend, &[]);
    let mut settings = t.inst.settings().clone();
    settings.modules = vec![testmodule::NAME.into()];
    let err = Instance::open(settings.clone()).unwrap_err();
    assert!(matches!(err, Error::PendingMigrations { .. }), "{err}");
    assert!(err.to_string().contains("lamin migrate deploy"), "{err}");
    let applied = Instance::migrate_deploy(&settings).unwrap();
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert!(applied[0].starts_with("testmodule/"), "{applied:?}");
    let inst = Instance::open(settings.clone()).unwrap();
    assert_eq!(
        testmodule::kinds(&inst).unwrap().len(),
        0,
        "seeds run at init only"
    );
    testmodule::create_experiment(&inst, "later", None).unwrap();
    assert!(Instance::migrate_deploy(&settings).unwrap().is_empty());
});
