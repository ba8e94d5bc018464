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
    assert!(t.inst.catalog().by_table("testmodule_experiment").is_some());
    // Deleting an artifact clears references from module tables too.
    t.inst
        .artifacts()
        .delete_permanently(&a, &PermanentDelete::default())
        .unwrap();
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
    assert!(err.to_string().contains("deploy them"), "{err}");
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

fn link_rows(t: &TestInstance, artifact_id: i32, with_feature: bool) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let cond = if with_feature {
        "IS NOT NULL"
    } else {
        "IS NULL"
    };
    let n: N = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM testmodule_artifactexperiment WHERE artifact_id = {artifact_id} AND feature_id {cond}"
    ))
    .get_result(&mut *t.inst.conn())
    .unwrap();
    n.n
}

both!(
    a_module_registry_works_wherever_a_core_registry_does,
    |backend| {
        use lamindb_core::query::Include;
        let t = TestInstance::new(backend, &[testmodule::NAME]);
        let ln = &t.inst;
        let a = t.save("a.txt", "a", "mod/a.txt");
        let b = t.save("b.txt", "b", "mod/b.txt");
        testmodule::create_experiment(ln, "exp A", None).unwrap();
        let e2 = testmodule::create_experiment(ln, "exp B", None).unwrap();
        ln.features()
            .create(NewFeature::new("experiment", "cat[testmodule.Experiment]"))
            .unwrap();

        // Annotation: a feature value and a plain label, both in the module's link table.
        let values = serde_json::json!({"experiment": "exp A"});
        ln.annotations(&a)
            .add_values(values.as_object().unwrap())
            .unwrap();
        ln.annotations(&b)
            .add_labels("testmodule.Experiment", &[e2.id.into()])
            .unwrap();
        assert_eq!(
            (link_rows(&t, a.id, true), link_rows(&t, a.id, false)),
            (1, 0)
        );
        assert_eq!(
            (link_rows(&t, b.id, true), link_rows(&t, b.id, false)),
            (0, 1)
        );
        let bad = serde_json::json!({"experiment": "exp Z"});
        let err = ln
            .annotations(&b)
            .add_values(bad.as_object().unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("exp Z"), "{err}");
        assert_eq!(
            ln.annotations(&a).get_values().unwrap()["experiment"],
            serde_json::json!("exp A")
        );

        // Queries: the host's accessor, the feature, and the module registry's reverse accessor.
        let keys = |q: Q| lamindb_tests::artifact_keys(ln, q);
        assert_eq!(keys(Q::new("experiments__name", "exp B")), ["mod/b.txt"]);
        assert_eq!(
            keys(Q::new("experiments__name__startswith", "exp")),
            ["mod/a.txt", "mod/b.txt"]
        );
        assert_eq!(keys(Q::new("experiment", "exp A")), ["mod/a.txt"]);
        assert_eq!(keys(Q::new("experiment__isnull", true)), ["mod/b.txt"]);
        let rows = ln
            .query_registry("testmodule.Experiment")
            .unwrap()
            .filter(Q::new("artifacts__key", "mod/b.txt"))
            .rows(&["name"])
            .unwrap();
        assert_eq!(rows.rows.len(), 1);
        assert_eq!(rows.rows[0][0].display(), "exp B");
        let hits = ln
            .query_registry("testmodule.experiment")
            .unwrap()
            .search("exp B", &Default::default())
            .unwrap();
        assert_eq!(hits.first().map(|h| h.id), Some(i64::from(e2.id)));

        // describe: the feature value under Features, the plain label under Labels by accessor.
        let d = ln.describe_artifact(&a).unwrap();
        assert_eq!(
            d.features,
            vec![(
                "experiment".to_string(),
                "testmodule.Experiment".to_string(),
                vec!["exp A".to_string()]
            )]
        );
        let d = ln.describe_artifact(&b).unwrap();
        assert_eq!(
            d.labels,
            vec![(
                ".experiments".to_string(),
                "testmodule.Experiment".to_string(),
                vec!["exp B".to_string()]
            )]
        );
        assert!(d.to_string().contains(".experiments"), "{d}");

        // DataFrames: the feature column and the accessor as an include.
        let df = ln
            .query::<Artifact>()
            .filter(Q::new("key__startswith", "mod/"))
            .order_by("key")
            .to_dataframe(&Include {
                related: &["experiments__name"],
                features: true,
            })
            .unwrap();
        let col = |name: &str| {
            df.column(name)
                .unwrap()
                .as_materialized_series()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(col("experiment")[0], "\"exp A\"");
        assert_eq!(col("experiment")[1], "null");
        assert!(col("experiments__name")[1].contains("exp B"), "{df}");

        // Permanent delete clears the module's link rows.
        ln.artifacts()
            .delete_permanently(&a, &PermanentDelete::default())
            .unwrap();
        assert_eq!(link_rows(&t, a.id, true), 0);
        ln.artifacts()
            .delete_permanently(&b, &PermanentDelete::default())
            .unwrap();
        assert_eq!(link_rows(&t, b.id, false), 0);
        assert_eq!(testmodule::experiments(ln).unwrap().len(), 2);
    }
);

both!(
    registries_of_modules_an_instance_lacks_are_named_clearly,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        let err = t
            .inst
            .features()
            .create(NewFeature::new("e", "cat[testmodule.Experiment]"))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::UnknownRegistry {
                    problem: lamindb_core::RegistryProblem::ModuleNotUsed,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("module 'testmodule'"), "{err}");
        let err = t.inst.query_registry("nomodule.Thing").unwrap_err();
        assert!(
            matches!(
                err,
                Error::UnknownRegistry {
                    problem: lamindb_core::RegistryProblem::ModuleNotLinked,
                    ..
                }
            ),
            "{err}"
        );
        let err = t.inst.query_registry("Nothing").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
        assert!(
            err.to_string().contains("ULabel"),
            "lists the registries: {err}"
        );
    }
);

both!(
    an_explicit_module_set_replaces_the_linked_modules,
    |backend| {
        use lamindb_core::ModuleSet;
        use lamindb_tests::Store;
        let err = TestInstance::build(
            backend,
            Store::Local,
            &[testmodule::NAME],
            &ModuleSet::core(),
        )
        .err()
        .expect("testmodule is not in the set");
        assert!(
            matches!(err, Error::MissingModule { ref module, .. } if module == testmodule::NAME),
            "{err}"
        );
        let set = ModuleSet::core().with(&testmodule::MODULE);
        let t = TestInstance::build(backend, Store::Local, &[testmodule::NAME], &set).unwrap();
        assert_eq!(t.inst.catalog().modules(), ["lamindb", testmodule::NAME]);
        assert!(t.inst.catalog().find("testmodule.Experiment").is_some());
        let plain = TestInstance::build(backend, Store::Local, &[], &set).unwrap();
        assert!(plain.inst.catalog().find("testmodule.Experiment").is_none());
    }
);

/// Version 1 and version 2 of one module (`upg`): v2 adds a column with a default to its
/// registry and a new registry (`tests/upgrade-module/v1`, `…/v2`).
mod upgrade {
    use diesel_migrations::{embed_migrations, EmbeddedMigrations};
    use lamindb_core::meta::{FieldMeta, FieldType, Module, RegistryMeta};

    const fn field(name: &'static str, field_type: FieldType) -> FieldMeta {
        FieldMeta {
            name,
            field_type,
            max_len: None,
            default: None,
        }
    }

    const fn registry(
        name: &'static str,
        table: &'static str,
        fields: &'static [FieldMeta],
    ) -> RegistryMeta {
        RegistryMeta {
            name,
            table,
            name_field: Some("name"),
            uid_len: Some(12),
            fields,
            reverse_keys: &[],
            links: &[],
            aliases: &[],
            values: None,
            value_names: &[],
        }
    }

    static THING_V1: RegistryMeta = registry(
        "upg.Thing",
        "upg_thing",
        &[
            field("id", FieldType::Int),
            field("uid", FieldType::Text),
            field("name", FieldType::Text),
        ],
    );
    static THING_V2: RegistryMeta = registry(
        "upg.Thing",
        "upg_thing",
        &[
            field("id", FieldType::Int),
            field("uid", FieldType::Text),
            field("name", FieldType::Text),
            FieldMeta {
                name: "colour",
                field_type: FieldType::Text,
                max_len: Some(32),
                default: Some("'grey'"),
            },
        ],
    );
    static BOX_V2: RegistryMeta = registry(
        "upg.Box",
        "upg_box",
        &[
            field("id", FieldType::Int),
            field("uid", FieldType::Text),
            field("name", FieldType::Text),
            field("thing_id", FieldType::ForeignKey("upg_thing")),
        ],
    );

    const V1_SQLITE: EmbeddedMigrations = embed_migrations!("upgrade-module/v1/sqlite");
    const V1_POSTGRES: EmbeddedMigrations = embed_migrations!("upgrade-module/v1/postgres");
    const V2_SQLITE: EmbeddedMigrations = embed_migrations!("upgrade-module/v2/sqlite");
    const V2_POSTGRES: EmbeddedMigrations = embed_migrations!("upgrade-module/v2/postgres");
    // Version 3: two more migrations, the second of which fails.
    const V3_SQLITE: EmbeddedMigrations = embed_migrations!("upgrade-module/v3/sqlite");
    const V3_POSTGRES: EmbeddedMigrations = embed_migrations!("upgrade-module/v3/postgres");

    const V1_REGISTRIES: &[&RegistryMeta] = &[&THING_V1];
    const V2_REGISTRIES: &[&RegistryMeta] = &[&THING_V2, &BOX_V2];

    /// The module `upg`: one version of its migrations (1–3) with some declarations.
    pub struct Upg {
        migrations: u8,
        registries: &'static [&'static RegistryMeta],
    }

    impl Module for Upg {
        fn name(&self) -> &'static str {
            "upg"
        }
        fn sqlite_migrations(&self) -> EmbeddedMigrations {
            match self.migrations {
                1 => V1_SQLITE,
                2 => V2_SQLITE,
                _ => V3_SQLITE,
            }
        }
        fn postgres_migrations(&self) -> EmbeddedMigrations {
            match self.migrations {
                1 => V1_POSTGRES,
                2 => V2_POSTGRES,
                _ => V3_POSTGRES,
            }
        }
        fn registries(&self) -> &'static [&'static RegistryMeta] {
            self.registries
        }
    }

    pub static MODULE_V1: Upg = Upg {
        migrations: 1,
        registries: V1_REGISTRIES,
    };
    pub static MODULE_V2: Upg = Upg {
        migrations: 2,
        registries: V2_REGISTRIES,
    };
    /// Version 2's declarations before its migration was written.
    pub static UNDEPLOYED: Upg = Upg {
        migrations: 1,
        registries: V2_REGISTRIES,
    };
    /// Version 1's declarations on version 2's migrations: a column was removed.
    pub static SHRUNK: Upg = Upg {
        migrations: 2,
        registries: &[&THING_V1, &BOX_V2],
    };
    /// Version 3's migrations, whose last one fails.
    pub static BROKEN: Upg = Upg {
        migrations: 3,
        registries: V2_REGISTRIES,
    };
}

both!(
    a_new_module_version_upgrades_with_migrate_deploy,
    |backend| {
        use lamindb_core::db::rows::{Bind, Sql};
        let v1 = lamindb_core::ModuleSet::core().with(&upgrade::MODULE_V1);
        let v2 = lamindb_core::ModuleSet::core().with(&upgrade::MODULE_V2);
        let t = TestInstance::build(backend, lamindb_tests::Store::Local, &["upg"], &v1).unwrap();
        let mut sql = Sql::default();
        sql.push("INSERT INTO upg_thing (uid, name) VALUES (")
            .bind(Bind::Text("thing0000001".into()))
            .push(", ")
            .bind(Bind::Text("first thing".into()))
            .push(")");
        sql.execute(&mut t.inst.conn()).unwrap();
        let settings = t.inst.settings().clone();
        // A program with version 2 refuses the instance until its migrations are deployed…
        let err = Instance::open_with(settings.clone(), &v2).unwrap_err();
        assert!(matches!(err, Error::PendingMigrations { .. }), "{err}");
        assert!(err.to_string().contains("upg/"), "{err}");
        // … which applies exactly the new one; the data survives with the new column's default.
        let applied = Instance::migrate_deploy_with(&settings, &v2).unwrap();
        assert_eq!(applied.len(), 1, "{applied:?}");
        assert!(applied[0].starts_with("upg/"), "{applied:?}");
        let inst = Instance::open_with(settings.clone(), &v2).unwrap();
        let rows = inst
            .query_registry("upg.Thing")
            .unwrap()
            .rows(&["name", "colour"])
            .unwrap();
        assert_eq!(rows.rows.len(), 1);
        assert_eq!(rows.rows[0][0].display(), "first thing");
        assert_eq!(rows.rows[0][1].display(), "grey");
        assert_eq!(inst.query_registry("upg.Box").unwrap().count().unwrap(), 0);
        assert!(Instance::migrate_deploy_with(&settings, &v2)
            .unwrap()
            .is_empty());
    }
);

both!(migrate_create_writes_what_the_declarations_add, |backend| {
    use diesel::connection::SimpleConnection;
    use lamindb_core::db::introspect::columns;
    use lamindb_core::instance::plan::{plan_migration, Change};
    let undeployed = lamindb_core::ModuleSet::core().with(&upgrade::UNDEPLOYED);
    let plan = plan_migration("upg", &undeployed, false).unwrap();
    assert_eq!(
        plan.changes,
        [
            Change::AddColumn {
                table: "upg_thing".into(),
                column: "colour".into()
            },
            Change::AddTable {
                table: "upg_box".into()
            },
        ]
    );
    // The planned SQL, run on an instance of version 1, gives the declared schema.
    let v1 = lamindb_core::ModuleSet::core().with(&upgrade::MODULE_V1);
    let t = TestInstance::build(backend, lamindb_tests::Store::Local, &["upg"], &v1).unwrap();
    let mut sql = lamindb_core::db::rows::Sql::default();
    sql.push("INSERT INTO upg_thing (uid, name) VALUES ('thing0000001', 'old thing')");
    sql.execute(&mut t.inst.conn()).unwrap();
    assert!(
        plan.sqlite_up
            .contains("\"colour\" varchar(32) NOT NULL DEFAULT 'grey'"),
        "{}",
        plan.sqlite_up
    );
    assert!(
        plan.postgres_up
            .contains("colour character varying(32) NOT NULL DEFAULT 'grey'"),
        "{}",
        plan.postgres_up
    );
    let up = match backend {
        lamindb_tests::Backend::Sqlite => &plan.sqlite_up,
        lamindb_tests::Backend::Postgres => &plan.postgres_up,
    };
    t.inst.conn().batch_execute(up).unwrap();
    // The existing row got the declared default.
    let mut q = lamindb_core::db::rows::Sql::default();
    q.push("SELECT colour AS t0 FROM upg_thing");
    let colours = q.load(&mut t.inst.conn()).unwrap();
    assert_eq!(colours.len(), 1);
    assert_eq!(colours[0].0[0].display(), "grey");
    for meta in lamindb_core::meta::Module::registries(&upgrade::UNDEPLOYED) {
        let cols: Vec<String> = columns(&mut t.inst.conn(), meta.table)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        let declared: Vec<&str> = meta.fields.iter().map(|f| f.name).collect();
        assert_eq!(cols, declared, "{}", meta.table);
    }
    let down = match backend {
        lamindb_tests::Backend::Sqlite => &plan.sqlite_down,
        lamindb_tests::Backend::Postgres => &plan.postgres_down,
    };
    t.inst.conn().batch_execute(down).unwrap();
    assert!(columns(&mut t.inst.conn(), "upg_box").unwrap().is_empty());
    // Matching declarations plan nothing; removed columns are refused unless allowed.
    let v2 = lamindb_core::ModuleSet::core().with(&upgrade::MODULE_V2);
    assert!(plan_migration("upg", &v2, false).unwrap().is_empty());
    let shrunk = lamindb_core::ModuleSet::core().with(&upgrade::SHRUNK);
    let err = plan_migration("upg", &shrunk, false).unwrap_err();
    assert!(
        err.to_string().contains("upg_thing.colour")
            && err.to_string().contains("nothing was written"),
        "{err}"
    );
    let allowed = plan_migration("upg", &shrunk, true).unwrap();
    assert!(
        allowed.sqlite_up.contains("DROP COLUMN \"colour\""),
        "{}",
        allowed.sqlite_up
    );
});

both!(
    a_failing_migration_undoes_its_modules_whole_deploy,
    |backend| {
        use lamindb_core::db::introspect::columns;
        let v1 = lamindb_core::ModuleSet::core().with(&upgrade::MODULE_V1);
        let broken = lamindb_core::ModuleSet::core().with(&upgrade::BROKEN);
        let t = TestInstance::build(backend, lamindb_tests::Store::Local, &["upg"], &v1).unwrap();
        let settings = t.inst.settings().clone();
        let err = Instance::migrate_deploy_with(&settings, &broken).unwrap_err();
        assert!(err.to_string().contains("upg_no_such_table"), "{err}");
        // Neither version 2's nor the good first migration of version 3 stayed.
        let mut conn = t.inst.conn();
        assert!(columns(&mut conn, "upg_box").unwrap().is_empty());
        let thing: Vec<String> = columns(&mut conn, "upg_thing")
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(thing, ["id", "uid", "name"]);
        drop(conn);
        let pending = Instance::open_with(settings, &broken).unwrap_err();
        assert!(pending.to_string().contains("upg/"), "{pending}");
    }
);
