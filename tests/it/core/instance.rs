use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use lamindb_core::prelude::*;
use lamindb_tests::{both, Backend, TestInstance};

#[derive(QueryableByName, Debug, PartialEq)]
struct Branch {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    uid: String,
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(inst: &Instance, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<N>(&mut *inst.conn())
        .unwrap()
        .n
}

both!(init_seeds_rows_and_marker, |backend| {
    let t = TestInstance::new(backend, &[]);
    let inst = &t.inst;
    let branches: Vec<Branch> =
        diesel::sql_query("SELECT id, name, uid FROM lamindb_branch ORDER BY id")
            .load(&mut *inst.conn())
            .unwrap();
    let got: Vec<(i32, &str, &str)> = branches
        .iter()
        .map(|b| (b.id, b.name.as_str(), b.uid.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (-1, "trash", "tttttttttttt"),
            (0, "archive", "aaaaaaaaaaaa"),
            (1, "main", "mmmmmmmmmmmm")
        ]
    );
    assert_eq!(
        count(
            inst,
            "SELECT COUNT(*) AS n FROM lamindb_space WHERE id = 1 AND name = 'all'"
        ),
        1
    );
    assert_eq!(inst.user().uid, "00000000");
    assert_eq!(inst.user().handle, "anonymous");
    assert_eq!(inst.storage().instance_uid.as_deref(), Some(inst.uid()));
    assert_eq!(inst.storage().kind, "local");
    assert_eq!(inst.storage().uid.len(), 12);
    // Python LaminDB decides what is migrated from django_migrations.
    assert_eq!(
        count(inst, "SELECT COUNT(*) AS n FROM django_migrations WHERE app = 'lamindb' AND name = '0193_v2_9_part_2'"),
        1
    );
    let marker = std::fs::read_to_string(t.root().join(".lamindb/storage_uid.txt")).unwrap();
    let lines: Vec<&str> = marker.lines().collect();
    assert_eq!(lines[0], inst.storage().uid);
    assert_eq!(lines[1], "creation info:");
    assert_eq!(lines[2], format!("instance_slug={}", inst.slug()));
    assert_eq!(
        lines[3],
        format!("instance_id={}", inst.settings().id.simple())
    );
    assert_eq!(lines[4], format!("instance_uid={}", inst.uid()));
    assert!(!marker.ends_with('\n'));
    assert_eq!(
        inst.uid(),
        lamindb_core::util::uid::instance_uid(&lamindb_core::util::uid::instance_id(
            "anonymous",
            &inst.settings().name
        ))
    );
    // The settings file is where Python LaminDB looks for it.
    let env = lamindb_core::instance::settings::settings_dir().join(inst.settings().file_name());
    let text = std::fs::read_to_string(env).unwrap();
    assert!(
        text.contains(&format!(
            "lamindb_instance_storage_root={}\n",
            t.root().display()
        )),
        "{text}"
    );
});

both!(
    init_refuses_existing_and_leaves_nothing_on_failure,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        let again = Instance::init(&InitOptions {
            storage: t.root().to_string_lossy().into_owned(),
            db: t.pg.as_ref().map(|p| p.url.clone()),
            name: Some("again".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(again.kind(), ErrorKind::AlreadyExists, "{again}");

        // An unknown module fails before anything is created.
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("s");
        let err = Instance::init(&InitOptions {
            storage: storage.to_string_lossy().into_owned(),
            modules: vec!["nosuchmodule".into()],
            name: Some("x".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("nosuchmodule"), "{err}");
        assert!(!storage.join(".lamindb/lamin.db").exists());
        assert!(!storage.join(".lamindb/storage_uid.txt").exists());
    }
);

both!(several_instances_in_one_process, |backend| {
    let a = TestInstance::new(backend, &[]);
    let b = TestInstance::new(backend, &[]);
    a.inst
        .artifacts()
        .save(NewArtifactSpec::with_key(a.file("x.txt", b"a"), "x.txt"))
        .unwrap();
    assert_eq!(
        a.inst
            .artifacts()
            .list(&ListOptions::default())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        b.inst
            .artifacts()
            .list(&ListOptions::default())
            .unwrap()
            .len(),
        0
    );
    // Re-open by storage folder / slug works while the first handle is alive.
    let again = Instance::connect(&a.inst.slug()).unwrap();
    assert_eq!(
        again
            .artifacts()
            .get_by_key("x.txt")
            .unwrap()
            .hash
            .as_deref(),
        Some("DMF1ucDxtqgxw5niaXcmYQ")
    );
});

#[test]
fn mistyped_postgres_url_is_rejected_not_turned_into_a_file() {
    lamindb_tests::isolate_settings();
    let dir = tempfile::tempdir().unwrap();
    let err = Instance::init(&InitOptions {
        storage: dir.path().join("s").to_string_lossy().into_owned(),
        db: Some("postgress://postgres@127.0.0.1/x".into()),
        name: Some("typo".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("unsupported database URL"),
        "{err}"
    );
    assert!(!dir.path().join("postgress:").exists());
}

#[test]
fn unreachable_instance_names_are_reported() {
    lamindb_tests::isolate_settings();
    let err = Instance::connect("nobody/nothing-here").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("nobody/nothing-here"), "{err}");
}

#[allow(dead_code)]
fn _backend_is_used(_: Backend) {}
