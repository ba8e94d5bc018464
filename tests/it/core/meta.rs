//! The registry descriptions against the real database schema (the drift guard), on SQLite and
//! Postgres, for the core, bionty, pertdb (wetlab) and the test module.

use std::collections::BTreeSet;

use lamindb_core::db::introspect::columns;
use lamindb_core::meta::{FeatureColumn, FieldType};
use lamindb_tests::lamindb_testmodule as testmodule;
use lamindb_tests::{both, TestInstance};

both!(descriptions_equal_the_database_schema, |backend| {
    let t = TestInstance::new(
        backend,
        &[
            testmodule::NAME,
            lamindb_tests::bionty::NAME,
            lamindb_tests::wetlab::NAME,
        ],
    );
    let catalog = t.inst.catalog();
    let mut conn = t.inst.conn();
    let mut registries = 0;
    for reg in catalog.registries() {
        registries += 1;
        let cols = columns(&mut conn, reg.table).unwrap();
        let in_db: BTreeSet<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        let described: BTreeSet<&str> = reg.fields.iter().map(|f| f.name).collect();
        assert_eq!(described, in_db, "fields of {}", reg.name);
        for f in reg.fields {
            let col = cols.iter().find(|c| c.name == f.name).unwrap();
            match f.field_type {
                FieldType::ForeignKey(target) => assert_eq!(
                    col.references.as_deref(),
                    Some(target),
                    "{}.{}",
                    reg.name,
                    f.name
                ),
                _ => assert!(
                    col.references.is_none()
                        || catalog
                            .by_table(col.references.as_deref().unwrap())
                            .is_none(),
                    "{}.{} references a registry but is not described as a foreign key",
                    reg.name,
                    f.name
                ),
            }
        }
        // Accessors are unique per registry and do not shadow fields.
        let mut names = BTreeSet::new();
        for rel in catalog.relations(reg) {
            assert!(names.insert(rel.name), "{}.{} twice", reg.name, rel.name);
            assert!(reg.field(rel.name).is_none(), "{}.{}", reg.name, rel.name);
            assert!(
                catalog.by_table(rel.target).is_some(),
                "{}.{}",
                reg.name,
                rel.name
            );
        }
    }
    assert!(registries > 15, "core and module registries: {registries}");
    let mut links = 0;
    for link in catalog.links() {
        links += 1;
        let cols = columns(&mut conn, link.table).unwrap();
        let col = |name: &str| cols.iter().find(|c| c.name == name);
        let refers = |name: &str| col(name).and_then(|c| c.references.clone());
        assert_eq!(
            refers(link.host_column).as_deref(),
            Some(link.host),
            "{}",
            link.table
        );
        assert_eq!(
            refers(link.value_column).as_deref(),
            Some(link.value),
            "{}",
            link.table
        );
        let ends = [link.host_column, link.value_column];
        let extra = |name: &str| !ends.contains(&name) && col(name).is_some();
        let feature = match col("feature_id") {
            Some(c) if extra("feature_id") => {
                if c.nullable {
                    FeatureColumn::Optional
                } else {
                    FeatureColumn::Required
                }
            }
            _ => FeatureColumn::Absent,
        };
        assert_eq!(link.feature, feature, "{}", link.table);
        assert_eq!(
            link.tracks.created_at,
            extra("created_at"),
            "{}",
            link.table
        );
        assert_eq!(
            link.tracks.created_by,
            extra("created_by_id"),
            "{}",
            link.table
        );
        assert_eq!(link.tracks.run, extra("run_id"), "{}", link.table);
    }
    assert!(links > 40, "links: {links}");
    assert!(catalog
        .links()
        .any(|l| l.table == "testmodule_artifactexperiment"));
});

/// Generic code paths name no table: they read the descriptions.
#[test]
fn generic_code_names_no_core_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lamindb-core/src");
    let mut files = Vec::new();
    for dir in ["annotate", "query"] {
        for e in std::fs::read_dir(src.join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.contains("\"lamindb_") && !line.contains("\\\"lamindb_"),
                "{}:{} names a core table: {line}",
                f.display(),
                i + 1
            );
        }
    }
}
