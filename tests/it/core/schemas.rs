//! Schema records: definitions found again by Python LaminDB's hash, members in order, index
//! and optional features, types, composites and clear errors; on SQLite and on Postgres.

use diesel::prelude::*;
use lamindb_core::db::schema::{lamindb_artifact, lamindb_feature, lamindb_schema};
use lamindb_core::prelude::*;
use lamindb_tests::{both, TestInstance};

fn feature(t: &TestInstance, name: &str, dtype: &str) -> Feature {
    t.inst
        .features()
        .create(NewFeature::new(name, dtype))
        .unwrap()
        .record
}

fn names(fs: &[Feature]) -> Vec<&str> {
    fs.iter().map(|f| f.name.as_str()).collect()
}

fn schema_count(t: &TestInstance) -> i64 {
    lamindb_schema::table
        .count()
        .get_result(&mut *t.inst.conn())
        .unwrap()
}

both!(same_definition_same_schema, |backend| {
    let t = TestInstance::new(backend, &[]);
    let schemas = t.inst.schemas();
    let a = feature(&t, "a", "int");
    let b = feature(&t, "b", "str");
    let c = feature(&t, "c", "float");

    let first = schemas
        .create(NewSchema::of_features([a.clone(), b.clone()]).named("panel"))
        .unwrap();
    assert!(first.created);
    let s = first.record;
    assert_eq!(s.uid.len(), 16);
    assert_eq!(s.n_members, Some(2));
    assert_eq!(s.itype.as_deref(), Some("Feature"));
    assert_eq!(s.dtype, None);
    assert_eq!(s.flexible, Some(false));
    assert_eq!(s.coerce, None);
    assert!(s.minimal_set && !s.ordered_set && !s.maximal_set && !s.is_type);
    assert_eq!(s.hash.as_ref().map(String::len), Some(22));
    assert_eq!(names(&schemas.members(&s).unwrap()), ["a", "b"]);

    // Unordered sets are the same in any order; a new name is stored on the found schema.
    let again = schemas
        .create(NewSchema::of_features([b.clone(), a.clone()]).named("panel v2"))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.record.id, s.id);
    assert_eq!(again.record.name.as_deref(), Some("panel v2"));
    assert_eq!(schema_count(&t), 1);

    // Ordered sets keep their order; the order is part of the definition.
    let ordered = |fs: Vec<Feature>| NewSchema {
        ordered_set: true,
        ..NewSchema::of_features(fs)
    };
    let ba = schemas.create(ordered(vec![b.clone(), a.clone()])).unwrap();
    let ab = schemas.create(ordered(vec![a.clone(), b.clone()])).unwrap();
    assert!(ba.created && ab.created);
    assert_ne!(ba.record.hash, ab.record.hash);
    assert_eq!(names(&schemas.members(&ba.record).unwrap()), ["b", "a"]);

    // Index and optional features.
    let indexed = schemas
        .create(NewSchema {
            index: Some(c.clone()),
            features: vec![a.clone().into(), SchemaMember::optional(b.clone())],
            ..Default::default()
        })
        .unwrap()
        .record;
    assert_eq!(indexed.n_members, Some(3));
    assert_eq!(names(&schemas.members(&indexed).unwrap()), ["c", "a", "b"]);
    assert_eq!(schemas.index(&indexed).unwrap().unwrap().id, c.id);
    assert_eq!(names(&schemas.optionals(&indexed).unwrap()), ["b"]);
    assert_ne!(indexed.hash, s.hash);

    // Options that change validation change the definition.
    let coerced = schemas
        .create(NewSchema {
            coerce: true,
            ..NewSchema::of_features([a.clone(), b.clone()])
        })
        .unwrap();
    assert!(coerced.created);
    assert_eq!(coerced.record.coerce, Some(true));

    // Schemas are queryable through their features.
    let with_c = t
        .inst
        .query::<Schema>()
        .filter(Q::new("features__name", "c"))
        .all()
        .unwrap();
    assert_eq!(
        with_c.iter().map(|s| s.id).collect::<Vec<_>>(),
        [indexed.id]
    );
    assert_eq!(schemas.get("panel v2").unwrap().id, s.id);
    assert_eq!(schemas.get(&s.uid).unwrap().id, s.id);
    assert_eq!(schemas.get("nope").unwrap_err().kind(), ErrorKind::NotFound);
});

both!(hashes_are_python_lamindbs, |backend| {
    let t = TestInstance::new(backend, &[]);
    // Give two features the uids of the Python test vectors.
    let mut fx = feature(&t, "fx", "int");
    let mut fy = feature(&t, "fy", "str");
    for (f, uid) in [(&mut fx, "AAAAAAAAAAAA"), (&mut fy, "BBBBBBBBBBBB")] {
        diesel::update(lamindb_feature::table.find(f.id))
            .set(lamindb_feature::uid.eq(uid))
            .execute(&mut *t.inst.conn())
            .unwrap();
        f.uid = uid.into();
    }
    let schemas = t.inst.schemas();
    let hash = |spec: NewSchema| schemas.create(spec).unwrap().record.hash.unwrap();
    // Computed with Python LaminDB 2.12.1: `ln.Schema([fx, fy]).hash` and so on.
    assert_eq!(
        hash(NewSchema::of_features([fx.clone(), fy.clone()])),
        "cbI0hmtM_lF6sJ5Ff2lAxw"
    );
    assert_eq!(
        hash(NewSchema {
            ordered_set: true,
            ..NewSchema::of_features([fy.clone(), fx.clone()])
        }),
        "OyY7X4BUXcePLmMDS7spFQ"
    );
    assert_eq!(
        hash(NewSchema {
            features: vec![fx.clone().into(), SchemaMember::optional(fy.clone())],
            ..Default::default()
        }),
        "EQqqSPM6h-PRLZMjdwOuLg"
    );
    let indexed = schemas
        .create(NewSchema {
            index: Some(fx.clone()),
            ..NewSchema::of_features([fy.clone()])
        })
        .unwrap()
        .record;
    assert_eq!(indexed.hash.as_deref(), Some("aCl3mk8moctXCtn5QUCdOg"));
    assert_eq!(
        indexed.aux.unwrap().0,
        serde_json::json!({"af": {"3": "AAAAAAAAAAAA"}})
    );
    // `Schema(itype=Feature)` has Python's fixed uid.
    let any = schemas
        .create(NewSchema {
            itype: Some("Feature".into()),
            ..Default::default()
        })
        .unwrap()
        .record;
    assert_eq!(any.hash.as_deref(), Some("kMi7B_N88uu-YnbTLDU-DA"));
    assert_eq!(any.uid, "0000000000000000");
    assert_eq!((any.flexible, any.n_members), (Some(true), None));
    let ulabels = schemas
        .create(NewSchema {
            itype: Some("ULabel".into()),
            ..Default::default()
        })
        .unwrap()
        .record;
    assert_eq!(ulabels.dtype.as_deref(), Some("num"));
    assert_eq!(ulabels.hash.as_deref(), Some("nD7tGEx2yGvydIJsRBIu9A"));
});

both!(types_composites_and_redefinition, |backend| {
    let t = TestInstance::new(backend, &[]);
    let schemas = t.inst.schemas();
    let a = feature(&t, "a", "int");
    let b = feature(&t, "b", "str");

    // Types are found by name and hold schemas.
    let panels = schemas.create(NewSchema::type_named("Panels")).unwrap();
    assert!(panels.created);
    let panels = panels.record;
    assert!(panels.is_type && panels.hash.is_none());
    assert_eq!(panels.dtype.as_deref(), Some("num"));
    assert!(
        !schemas
            .create(NewSchema::type_named("Panels"))
            .unwrap()
            .created
    );
    let typed = schemas
        .create(NewSchema {
            type_id: Some(panels.id),
            ..NewSchema::of_features([a.clone()]).named("typed")
        })
        .unwrap()
        .record;
    assert_eq!(typed.type_id, Some(panels.id));

    // Composites list their components by slot, in the order given.
    let obs = schemas
        .create(NewSchema::of_features([a.clone(), b.clone()]).named("obs"))
        .unwrap()
        .record;
    let var = schemas
        .create(NewSchema {
            itype: Some("Feature".into()),
            ..Default::default()
        })
        .unwrap()
        .record;
    let composite = schemas
        .create(NewSchema {
            name: Some("anndata".into()),
            otype: Some("AnnData".into()),
            slots: vec![("obs".into(), obs.clone()), ("var.T".into(), var.clone())],
            ..Default::default()
        })
        .unwrap()
        .record;
    assert_eq!(
        (composite.itype.as_deref(), composite.dtype.as_deref()),
        (None, Some("num"))
    );
    let slots = schemas.slots(&composite).unwrap();
    assert_eq!(
        slots
            .iter()
            .map(|(k, s)| (k.as_str(), s.id))
            .collect::<Vec<_>>(),
        [("obs", obs.id), ("var.T", var.id)]
    );
    assert!(schemas.members(&composite).unwrap().is_empty());

    // A known name with a new definition is redefined in place, as in Python ...
    let redefined = schemas
        .create(NewSchema::of_features([b.clone()]).named("typed"))
        .unwrap();
    assert!(!redefined.created);
    assert_eq!(redefined.record.id, typed.id);
    assert_eq!(redefined.record.n_members, Some(1));
    assert_ne!(redefined.record.hash, typed.hash);
    assert_eq!(names(&schemas.members(&redefined.record).unwrap()), ["b"]);
    // ... unless datasets were validated with it.
    let art = t.save("x.txt", "x", "x.txt");
    diesel::update(lamindb_artifact::table.find(art.id))
        .set(lamindb_artifact::schema_id.eq(Some(typed.id)))
        .execute(&mut *t.inst.conn())
        .unwrap();
    let validated = t.inst.artifacts().get(&art.uid).unwrap();
    let described = t.inst.describe_artifact(&validated).unwrap().to_string();
    assert!(described.contains("schema: typed"), "{described}");
    let err = schemas
        .create(NewSchema::of_features([a.clone()]).named("typed"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(err.to_string().contains("another name"), "{err}");
    assert_eq!(
        names(&schemas.members(&schemas.get("typed").unwrap()).unwrap()),
        ["b"]
    );
    // The components of a composite are in use too.
    let err = schemas
        .create(NewSchema {
            ordered_set: true,
            ..NewSchema::of_features([b.clone()]).named("obs")
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
});

both!(bad_definitions_write_nothing, |backend| {
    let t = TestInstance::new(backend, &[]);
    let schemas = t.inst.schemas();
    let a = feature(&t, "a", "int");
    let plain = schemas
        .create(NewSchema::of_features([a.clone()]))
        .unwrap()
        .record;
    let before = schema_count(&t);
    let cases: Vec<(NewSchema, &str)> = vec![
        (
            NewSchema::default(),
            "Please pass features or slots or itype",
        ),
        (
            NewSchema {
                index: Some(a.clone()),
                ..NewSchema::of_features([a.clone()])
            },
            "listed twice",
        ),
        (
            NewSchema {
                suffix: Some(".foo".into()),
                ..NewSchema::of_features([a.clone()])
            },
            "Invalid suffix '.foo'",
        ),
        (
            NewSchema {
                slots: vec![("obs".into(), plain.clone())],
                ..Default::default()
            },
            "otype",
        ),
        (
            NewSchema {
                is_type: true,
                ..Default::default()
            },
            "needs a name",
        ),
        (
            NewSchema {
                type_id: Some(plain.id),
                ..NewSchema::of_features([a.clone()]).named("x")
            },
            "is_type=True",
        ),
        (
            NewSchema {
                itype: Some("ULabel".into()),
                ..NewSchema::of_features([a.clone()])
            },
            "itype 'ULabel'",
        ),
        (
            NewSchema {
                itype: Some("Gadget".into()),
                ..Default::default()
            },
            "Gadget",
        ),
        (
            NewSchema::of_features([Feature {
                id: a.id,
                uid: "zzzzzzzzzzzz".into(),
                ..a.clone()
            }]),
            "validated features",
        ),
    ];
    for (spec, needle) in cases {
        let err = schemas.create(spec).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{needle}: {err}");
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    }
    assert_eq!(schema_count(&t), before);
});
