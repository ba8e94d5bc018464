//! The pertdb (wetlab) module: Python's tables, the `wetlab` alias, enumerated types, and its
//! registries used like any other (features, filters, describe, validation with synonyms).

use lamindb_core::prelude::*;
use lamindb_curate::values::Vocabulary;
use lamindb_tests::{both, TestInstance};

both!(pertdb_registries_work_like_any_other, |backend| {
    // `wetlab` is accepted for `pertdb`; stored is Python's name.
    let t = TestInstance::new(backend, &["bionty", "wetlab"]);
    let ln = &t.inst;
    assert!(ln.modules().unwrap().contains(&"pertdb".to_string()));
    assert_eq!(ln.settings().modules, ["bionty", "pertdb"]);
    let mut sql = lamindb_core::db::rows::Sql::default();
    sql.push("SELECT COUNT(*) AS i0 FROM django_migrations WHERE app = 'pertdb'");
    assert_eq!(sql.load_ints(&mut ln.conn()).unwrap(), [2]);

    let fields = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let dex = wetlab::create(
        ln,
        "wetlab.Compound",
        "dexamethasone",
        &fields(&[
            ("ontology_id", "CHEMBL384467"),
            ("synonyms", "Decadron|dex"),
        ]),
    )
    .unwrap();
    assert_eq!(
        dex.uid,
        lamindb_core::util::uid::md5_uid("CHEMBL384467", 14)
    );
    let again = wetlab::create(
        ln,
        "pertdb.compound",
        "dexamethasone",
        &fields(&[("ontology_id", "CHEMBL384467")]),
    )
    .unwrap();
    assert_eq!((again.id, again.created), (dex.id, false));
    wetlab::create(ln, "pertdb.Compound", "aspirin", &[]).unwrap();
    // Enumerated types: bad values are refused with the valid ones.
    let err = wetlab::create(
        ln,
        "pertdb.GeneticPerturbation",
        "sgCD4",
        &fields(&[("type", "CRISPR")]),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("CRISPRi") && err.to_string().contains("'CRISPR'"),
        "{err}"
    );
    wetlab::create(
        ln,
        "pertdb.GeneticPerturbation",
        "sgCD4",
        &fields(&[("type", "CRISPRi"), ("on_target_score", "0.9")]),
    )
    .unwrap();
    let err =
        wetlab::create(ln, "pertdb.Biologic", "IL-2", &fields(&[("type", "drug")])).unwrap_err();
    assert!(err.to_string().contains("cytokine"), "{err}");
    let err =
        wetlab::create(ln, "pertdb.Compound", "x", &fields(&[("colour", "red")])).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
    let err = wetlab::create(
        ln,
        "pertdb.GeneticPerturbation",
        "y",
        &fields(&[("on_target_score", "high")]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("number"), "{err}");

    // A categorical feature: written as Python writes it, used for annotation and filters.
    let f = ln
        .features()
        .create(NewFeature::new("compound", "cat[wetlab.Compound]"))
        .unwrap()
        .record;
    assert_eq!(f.dtype.as_deref(), Some("cat[pertdb.Compound]"));
    let a = t.save("plate.csv", "well,compound\nA1,dex\n", "screens/plate.csv");
    let values = serde_json::json!({"compound": "dexamethasone"});
    ln.annotations(&a)
        .add_values(values.as_object().unwrap())
        .unwrap();
    assert_eq!(
        lamindb_tests::artifact_keys(ln, Q::new("compounds__name", "dexamethasone")),
        ["screens/plate.csv"]
    );
    let d = ln.describe_artifact(&a).unwrap().to_string();
    assert!(
        d.contains("compound") && d.contains("pertdb.Compound") && d.contains("dexamethasone"),
        "{d}"
    );
    // Curating a column of compound names: synonyms map to the registry's names.
    let q = ln.query_registry("wetlab.Compound").unwrap();
    let v = Vocabulary::load(&q, None).unwrap();
    let (std, mapping) = v.standardize(&["Decadron", "aspirin", "unknown"], false);
    assert_eq!(std, ["dexamethasone", "aspirin", "unknown"]);
    assert_eq!(mapping.len(), 1);
    assert_eq!(v.validate(&["dexamethasone", "Decadron"]), [true, false]);
    // The same for a DataFrame column against a schema.
    ln.schemas()
        .create(NewSchema::of_features([f]).named("plate"))
        .unwrap();
    let df = polars::df!("compound" => ["Decadron", "aspirin", "aspirin"]).unwrap();
    let mut curator = lamindb_curate::dataframe::DataFrameCurator::new(ln, df, "plate").unwrap();
    let report = curator.validate().unwrap();
    assert!(
        matches!(&report.problems[..], [lamindb_curate::dataframe::Problem::NonValidated { synonyms, .. }]
            if synonyms.get("Decadron").map(String::as_str) == Some("dexamethasone")),
        "{report}"
    );
    curator.standardize(None).unwrap();
    assert!(curator.validate().unwrap().is_valid());
});

#[test]
fn pertdb_needs_bionty() {
    lamindb_tests::isolate_settings();
    let err = TestInstance::build(
        lamindb_tests::Backend::Sqlite,
        lamindb_tests::Store::Local,
        &["pertdb"],
        &lamindb_core::ModuleSet::linked(),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("needs module 'bionty'"), "{err}");
}

#[test]
fn a_python_made_pertdb_instance_opens_with_its_records() {
    let (_tmp, storage) = lamindb_tests::unpack_python_fixture("python-pertdb");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-pertdb");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
    let modules = inst.modules().unwrap();
    assert!(modules.contains(&"pertdb".to_string()) && modules.contains(&"bionty".to_string()));
    for rec in expected["records"].as_array().unwrap() {
        let reg = rec["registry"].as_str().unwrap();
        let uid = rec["uid"].as_str().unwrap();
        let rows = inst
            .query_registry(reg)
            .unwrap()
            .filter(Q::new("uid", uid))
            .rows(&["name"])
            .unwrap();
        assert_eq!(rows.rows.len(), 1, "{reg} {uid}");
        assert_eq!(rows.rows[0][0].display(), rec["name"].as_str().unwrap());
        // The uid Rust gives the same fields.
        let key = rec["ontology_id"]
            .as_str()
            .unwrap_or(rec["name"].as_str().unwrap());
        assert_eq!(lamindb_core::util::uid::md5_uid(key, 14), uid);
    }
    let key = expected["artifact"]["key"].as_str().unwrap();
    assert_eq!(
        lamindb_tests::artifact_keys(&inst, Q::new("compound", "dexamethasone")),
        [key]
    );
    assert_eq!(
        lamindb_tests::artifact_keys(&inst, Q::new("compounds__ontology_id", "CHEMBL384467")),
        [key]
    );
}

#[test]
fn modules_are_ordered_by_their_dependencies() {
    // Listed dependent first, installed dependency first.
    let t = TestInstance::new(lamindb_tests::Backend::Sqlite, &["pertdb", "bionty"]);
    let cat: Vec<&str> = t.inst.catalog().modules().to_vec();
    let pos = |m: &str| cat.iter().position(|x| *x == m).unwrap();
    assert!(pos("bionty") < pos("pertdb"), "{cat:?}");
}
