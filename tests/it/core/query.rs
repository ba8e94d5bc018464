//! Registries, annotation, queries, feature filters, search: on SQLite and on Postgres.

use lamindb_core::meta::{FieldType, Via};
use lamindb_core::prelude::*;
use lamindb_core::query::search::SearchOptions;
use lamindb_core::query::{Branches, Value, Q};
use lamindb_core::records::runs::{RunSpec, TransformSpec};
use lamindb_tests::{both, TestInstance};
use serde_json::{json, Map};

fn keys(arts: &[Artifact]) -> Vec<String> {
    arts.iter().map(|a| a.key.clone().unwrap()).collect()
}

fn values(v: serde_json::Value) -> Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

both!(every_relation_and_field_exists_in_the_database, |backend| {
    let t = TestInstance::new(backend, &[]);
    let catalog = t.inst.catalog();
    for reg in catalog.registries() {
        let q = t.inst.query_registry(reg.name).unwrap();
        // Selecting every field and following every relation runs SQL naming each table and
        // column of the metadata.
        q.rows(&[]).unwrap_or_else(|e| panic!("{}: {e}", reg.name));
        for rel in catalog.relations(reg) {
            let n = q
                .clone()
                .filter(Q::new(format!("{}__id__isnull", rel.name), false))
                .count();
            assert!(n.is_ok(), "{}.{}: {:?}", reg.name, rel.name, n.err());
            if let Via::Link { .. } = rel.via {
                let n = q
                    .clone()
                    .filter(Q::new(format!("{}__uid__startswith", rel.name), "x"));
                let has_uid = catalog.by_table(rel.target).unwrap().field("uid").is_some();
                if has_uid {
                    n.count()
                        .unwrap_or_else(|e| panic!("{}.{}: {e}", reg.name, rel.name));
                }
            }
        }
        for f in reg.fields {
            if let FieldType::ForeignKey(_) = f.field_type {
                let rel = f.name.trim_end_matches("_id");
                q.clone()
                    .filter(Q::new(format!("{rel}__id__gt"), 0))
                    .count()
                    .unwrap_or_else(|e| panic!("{}.{rel}: {e}", reg.name));
            }
        }
    }
});

both!(lookups_relations_and_combinators, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let a = t.save("a.fasta", ">a\nACGT\n", "seq/a.fasta");
    let b = t.save("b.fasta", ">b\nACGTACGT\n", "seq/b.fasta");
    let c = t.save("c.csv", "x,y\n1,2\n", "tables/C_50%.csv");
    let exp = ln.ulabels().create(NewLabel::new("My experiment")).unwrap();
    assert!(exp.created);
    let again = ln.ulabels().create(NewLabel::new("My experiment")).unwrap();
    assert!(!again.created);
    assert_eq!(again.record.id, exp.record.id);
    let proj = ln
        .projects()
        .create(NewLabel::new("Cancer atlas"))
        .unwrap()
        .record;
    ln.annotations(&a)
        .add_labels("ULabel", &[exp.record.id.into()])
        .unwrap();
    ln.annotations(&a)
        .add_labels("ULabel", &[exp.record.id.into()])
        .unwrap(); // no duplicate
    ln.annotations(&b)
        .add_labels("Project", &[proj.id.into()])
        .unwrap();
    ln.annotations(&c)
        .add_labels("Project", &[proj.id.into()])
        .unwrap();
    assert_eq!(ln.annotations(&a).labels().unwrap().len(), 1);

    let arts = |q: Q| {
        let mut v = keys(
            &ln.query::<Artifact>()
                .filter(q)
                .order_by("key")
                .all()
                .unwrap(),
        );
        v.sort();
        v
    };
    assert_eq!(
        arts(Q::new("suffix", ".fasta")),
        ["seq/a.fasta", "seq/b.fasta"]
    );
    assert_eq!(
        arts(Q::parse("key__startswith=seq/").unwrap()),
        ["seq/a.fasta", "seq/b.fasta"]
    );
    assert_eq!(
        arts(Q::parse("key__startswith=SEQ/").unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(arts(Q::parse("key__istartswith=SEQ/").unwrap()).len(), 2);
    assert_eq!(
        arts(Q::parse("key__contains=_50%").unwrap()),
        ["tables/C_50%.csv"]
    );
    assert_eq!(
        arts(Q::parse("key__contains=_5%").unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        arts(Q::parse("key__icontains=c_50").unwrap()),
        ["tables/C_50%.csv"]
    );
    assert_eq!(
        arts(Q::parse("key__endswith=.csv").unwrap()),
        ["tables/C_50%.csv"]
    );
    assert_eq!(
        arts(Q::parse("key__iexact=SEQ/A.FASTA").unwrap()),
        ["seq/a.fasta"]
    );
    assert_eq!(
        arts(Q::parse("key__in=seq/a.fasta,tables/C_50%.csv").unwrap()).len(),
        2
    );
    assert_eq!(arts(Q::new("size__gt", a.size.unwrap())), ["seq/b.fasta"]);
    assert_eq!(
        arts(
            Q::parse(&format!(
                "size__range={},{}",
                a.size.unwrap(),
                a.size.unwrap()
            ))
            .unwrap()
        ),
        ["seq/a.fasta", "tables/C_50%.csv"]
    );
    assert_eq!(arts(Q::parse("description__isnull=true").unwrap()).len(), 3);
    assert_eq!(
        arts(Q::parse("created_at__gt=2000-01-01").unwrap()).len(),
        3
    );
    assert_eq!(
        arts(Q::parse("created_at__lt=2000-01-01T00:00:00Z").unwrap()).len(),
        0
    );
    // Relations: link tables, foreign keys, aliases, two hops.
    assert_eq!(
        arts(Q::parse("ulabels__name=My experiment").unwrap()),
        ["seq/a.fasta"]
    );
    assert_eq!(
        arts(Q::parse("projects__name__icontains=cancer").unwrap()),
        ["seq/b.fasta", "tables/C_50%.csv"]
    );
    assert_eq!(
        arts(Q::new("created_by__handle", ln.user().handle.as_str())).len(),
        3
    );
    assert_eq!(
        arts(Q::new("storage__root__startswith", "/nowhere")).len(),
        0
    );
    // Combinators: or, not, exclude keeps rows without a value.
    assert_eq!(
        arts(Q::new("ulabels__name", "My experiment") | Q::new("suffix", ".csv")).len(),
        2
    );
    assert_eq!(
        arts(!Q::new("projects__name", "Cancer atlas")),
        ["seq/a.fasta"]
    );
    assert_eq!(
        keys(
            &ln.query::<Artifact>()
                .exclude(Q::new("description", "x"))
                .all()
                .unwrap()
        )
        .len(),
        3,
        "exclude keeps NULL descriptions"
    );
    // Order, limit, offset, count, exists, first, one.
    let q = ln
        .query::<Artifact>()
        .filter(Q::new("key__startswith", "seq/"));
    assert_eq!(
        keys(&q.clone().order_by("-key").all().unwrap()),
        ["seq/b.fasta", "seq/a.fasta"]
    );
    assert_eq!(
        keys(&q.clone().order_by("key").offset(1).all().unwrap()),
        ["seq/b.fasta"]
    );
    assert_eq!(q.count().unwrap(), 2);
    assert_eq!(q.clone().limit(1).count().unwrap(), 1);
    assert!(q.exists().unwrap());
    assert_eq!(q.first().unwrap().unwrap().id, a.id);
    assert_eq!(q.one().unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(
        q.clone()
            .filter(Q::new("suffix", ".csv"))
            .one_or_none()
            .unwrap(),
        None
    );
    assert_eq!(
        ln.query::<Artifact>()
            .get(Q::new("key", "seq/b.fasta"))
            .unwrap()
            .id,
        b.id
    );
    // Bind parameters: quotes and SQL in values are data.
    assert_eq!(arts(Q::new("key", "x' OR '1'='1")).len(), 0);
    assert_eq!(
        arts(Q::new(
            "key__contains",
            "'; DROP TABLE lamindb_artifact; --"
        ))
        .len(),
        0
    );
    assert_eq!(ln.query::<Artifact>().count().unwrap(), 3);
    // Default branch scoping: trash is hidden unless the filter names uid/id/hash or a branch.
    ln.artifacts().trash(&c).unwrap();
    assert_eq!(arts(Q::new("suffix", ".csv")).len(), 0);
    assert_eq!(arts(Q::new("uid", c.uid.as_str())).len(), 1);
    assert_eq!(arts(Q::new("branch_id", -1)).len(), 1);
    assert_eq!(arts(Q::new("branch__name", "trash")).len(), 1);
    assert_eq!(
        ln.query::<Artifact>()
            .branches(Branches::All)
            .count()
            .unwrap(),
        3
    );
    assert_eq!(
        ln.query::<Artifact>()
            .branches(Branches::Only(-1))
            .count()
            .unwrap(),
        1
    );
    // Errors name what was wrong and what is valid.
    let err = ln
        .query::<Artifact>()
        .filter(Q::new("colour", "red"))
        .count()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(
        err.to_string().contains("unknown field 'colour'") && err.to_string().contains("ulabels"),
        "{err}"
    );
    let err = ln
        .query::<Artifact>()
        .filter(Q::new("key__like", "x"))
        .count()
        .unwrap_err();
    assert!(
        err.to_string().contains("not a lookup") && err.to_string().contains("icontains"),
        "{err}"
    );
    let err = ln
        .query::<Artifact>()
        .filter(Q::new("size__gt", "big"))
        .count()
        .unwrap_err();
    assert!(err.to_string().contains("expects an integer"), "{err}");
    let err = ln
        .query::<Artifact>()
        .filter(Q::new("size__icontains", "1"))
        .count()
        .unwrap_err();
    assert!(err.to_string().contains("does not apply"), "{err}");
    // A relation compared with text means its name field (Python users write it so).
    let root = ln.storage().root.clone();
    let by_name = ln
        .query::<Artifact>()
        .filter(Q::new("storage", root.as_str()))
        .count()
        .unwrap();
    let by_root = ln
        .query::<Artifact>()
        .filter(Q::new("storage__root", root.as_str()))
        .count()
        .unwrap();
    assert!(by_name > 0);
    assert_eq!(by_name, by_root);
    let err = ln.query_registry("Nope").unwrap_err();
    assert!(err.to_string().contains("ULabel"), "{err}");
});

both!(runs_transforms_and_users, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let (tr, _) = ln
        .transforms()
        .resolve(&TransformSpec::new(
            "pipelines/align.py",
            TransformKind::Script,
        ))
        .unwrap();
    let run = ln.runs().start(&tr, &RunSpec::default()).unwrap();
    let p = t.file("out.txt", b"out");
    let mut spec = NewArtifactSpec::with_key(p, "out.txt");
    spec.run = RunLink::Id(run.id);
    let out = ln.artifacts().save(spec).unwrap().artifact;
    let _other = t.save("o.txt", "other", "other.txt");
    let by = |q: Q| keys(&ln.query::<Artifact>().filter(q).all().unwrap());
    assert_eq!(
        by(Q::new("run__transform__key", "pipelines/align.py")),
        ["out.txt"]
    );
    assert_eq!(
        by(Q::new("transform__key", "pipelines/align.py")),
        ["out.txt"]
    );
    assert_eq!(by(Q::new("run__isnull", true)), ["other.txt"]);
    let runs = ln
        .query::<Run>()
        .filter(Q::new("output_artifacts__key", "out.txt"))
        .all()
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, run.id);
    let transforms = ln
        .query::<Transform>()
        .filter(Q::new("runs__output_artifacts__id", out.id))
        .all()
        .unwrap();
    assert_eq!(transforms[0].id, tr.id);
    assert_eq!(
        ln.query::<Run>()
            .filter(Q::new("status", -1))
            .count()
            .unwrap(),
        1
    );
    assert_eq!(
        ln.query::<User>()
            .filter(Q::new("created_artifacts__key", "out.txt"))
            .count()
            .unwrap(),
        1
    );
});

both!(feature_values_on_artifacts, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let f = ln.features();
    f.create(NewFeature::new("n_cells", "int")).unwrap();
    f.create(NewFeature::new("gc_content", "float")).unwrap();
    f.create(NewFeature::new("assay", "str")).unwrap();
    f.create(NewFeature::new("is_public", "bool")).unwrap();
    f.create(NewFeature::new("collected", "date")).unwrap();
    f.create(NewFeature::new("tags", "list[str]")).unwrap();
    f.create(NewFeature::new("extra", "dict")).unwrap();
    f.create(NewFeature::new("cell_type", "cat[ULabel]"))
        .unwrap();
    // Same name: returned; same name and another dtype: refused.
    assert!(!f.create(NewFeature::new("n_cells", "int")).unwrap().created);
    let err = f.create(NewFeature::new("n_cells", "str")).unwrap_err();
    assert!(
        err.to_string().contains("already exists with dtype int"),
        "{err}"
    );
    assert!(f.create(NewFeature::new("bad", "integer")).is_err());
    ln.ulabels().create(NewLabel::new("T cell")).unwrap();
    ln.ulabels().create(NewLabel::new("B cell")).unwrap();

    let a = t.save("a.txt", "a", "a.txt");
    let b = t.save("b.txt", "b", "b.txt");
    let c = t.save("c.txt", "c", "c.txt");
    ln.annotations(&a)
        .add_values(&values(json!({
            "n_cells": 1000, "gc_content": 0.55, "assay": "scRNA-seq", "is_public": true,
            "collected": "2024-03-01", "tags": ["x", "y"], "extra": {"k": 1},
            "cell_type": ["T cell", "B cell"]
        })))
        .unwrap();
    ln.annotations(&b)
        .add_values(&values(json!({"n_cells": 50, "gc_content": 1, "assay": "bulk RNA-seq", "is_public": false, "cell_type": "T cell"})))
        .unwrap();
    let got = ln.annotations(&a).get_values().unwrap();
    assert_eq!(got["n_cells"], json!(1000));
    assert_eq!(got["gc_content"], json!(0.55));
    assert_eq!(got["tags"], json!(["x", "y"]));
    assert_eq!(got["extra"], json!({"k": 1}));
    assert_eq!(got["cell_type"], json!(["B cell", "T cell"]));
    assert_eq!(
        ln.annotations(&b).get_values().unwrap()["gc_content"],
        json!(1.0)
    );
    // Shared JsonValue rows: the same value of a feature is stored once.
    ln.annotations(&c)
        .add_values(&values(json!({"n_cells": 50})))
        .unwrap();
    let n50 = ln
        .query_registry("JsonValue")
        .unwrap()
        .filter(Q::new("feature__name", "n_cells"))
        .count()
        .unwrap();
    assert_eq!(n50, 2, "1000 and 50");

    // Errors: unknown names and wrong types are reported together; nothing is stored.
    let err = ln
        .annotations(&c)
        .add_values(&values(
            json!({"n_cells": 3, "unknown_one": 1, "other": "x"}),
        ))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("'unknown_one', 'other'") || msg.contains("'other', 'unknown_one'"),
        "{msg}"
    );
    assert!(
        matches!(&err, Error::UnknownFeatures { features } if features.contains(&("unknown_one".to_string(), "int".to_string()))),
        "{err:?}"
    );
    let err = ln
        .annotations(&c)
        .add_values(&values(json!({"gc_content": 0.3, "n_cells": "many", "cell_type": "NK cell", "collected": "01.03.2024"})))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("'n_cells' (int)=\"many\": expected an integer, got str"),
        "{msg}"
    );
    assert!(
        msg.contains("'NK cell'") && msg.contains("not validated"),
        "{msg}"
    );
    assert!(msg.contains("'collected' (date)"), "{msg}");
    assert_eq!(
        ln.annotations(&c).get_values().unwrap().len(),
        1,
        "gc_content was not stored"
    );

    // Filters on feature values.
    let by = |q: Q| {
        let mut k = keys(&ln.query::<Artifact>().filter(q).all().unwrap());
        k.sort();
        k
    };
    assert_eq!(by(Q::new("n_cells__gt", 100)), ["a.txt"]);
    assert_eq!(by(Q::parse("n_cells__lte=50").unwrap()), ["b.txt", "c.txt"]);
    assert_eq!(by(Q::new("n_cells", 50)), ["b.txt", "c.txt"]);
    assert_eq!(by(Q::new("gc_content__gte", 0.9)), ["b.txt"]);
    assert_eq!(by(Q::new("assay", "scRNA-seq")), ["a.txt"]);
    assert_eq!(by(Q::new("assay__contains", "rna")), ["a.txt", "b.txt"]);
    assert_eq!(by(Q::new("is_public", true)), ["a.txt"]);
    assert_eq!(by(Q::parse("is_public=false").unwrap()), ["b.txt"]);
    assert_eq!(by(Q::new("collected__gt", "2024-01-01")), ["a.txt"]);
    assert_eq!(by(Q::new("assay__isnull", true)), ["c.txt"]);
    assert_eq!(by(Q::new("cell_type", "T cell")), ["a.txt", "b.txt"]);
    assert_eq!(by(Q::new("cell_type", "B cell")), ["a.txt"]);
    assert_eq!(by(Q::new("cell_type__isnull", true)), ["c.txt"]);
    assert_eq!(
        by(Q::new("key__startswith", "a") & Q::new("n_cells__gt", 10)),
        ["a.txt"]
    );
    assert_eq!(by(!Q::new("n_cells__gt", 100)), ["b.txt", "c.txt"]);
    let err = ln
        .query::<Artifact>()
        .filter(Q::new("cell_type", "NK cell"))
        .count()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let err = ln
        .query::<Artifact>()
        .filter(Q::new("n_cells__gt", "lots"))
        .count()
        .unwrap_err();
    assert!(err.to_string().contains("expects a number"), "{err}");

    // Removing and replacing values.
    ln.annotations(&a)
        .remove_values("cell_type", Some(&json!("B cell")))
        .unwrap();
    assert_eq!(
        ln.annotations(&a).get_values().unwrap()["cell_type"],
        json!("T cell")
    );
    ln.annotations(&a).remove_values("n_cells", None).unwrap();
    assert!(!ln
        .annotations(&a)
        .get_values()
        .unwrap()
        .contains_key("n_cells"));
    ln.annotations(&b)
        .set_values(&values(json!({"n_cells": 7})))
        .unwrap();
    assert_eq!(
        ln.annotations(&b).get_values().unwrap()["n_cells"],
        json!(7)
    );
});

both!(feature_values_on_runs_and_records, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    ln.features()
        .create(NewFeature::new("learning_rate", "float"))
        .unwrap();
    ln.features()
        .create(NewFeature::new("donor_age", "int"))
        .unwrap();
    let sheet = ln
        .records()
        .create(NewLabel::new("Donors").as_type())
        .unwrap()
        .record;
    ln.features()
        .create(NewFeature::new(
            "donor",
            format!("cat[Record[{}]]", sheet.uid),
        ))
        .unwrap();
    let d1 = ln
        .records()
        .create(NewLabel::new("D1").of_type(sheet.id))
        .unwrap()
        .record;
    let d2 = ln
        .records()
        .create(NewLabel::new("D2").of_type(sheet.id))
        .unwrap()
        .record;
    let (tr, _) = ln
        .transforms()
        .resolve(&TransformSpec::new("train.py", TransformKind::Script))
        .unwrap();
    let r1 = ln.runs().start(&tr, &RunSpec::default()).unwrap();
    let r2 = ln.runs().start(&tr, &RunSpec::default()).unwrap();
    ln.annotations(&r1)
        .add_values(&values(json!({"learning_rate": 0.01, "donor": "D1"})))
        .unwrap();
    ln.annotations(&r2)
        .add_values(&values(json!({"learning_rate": 0.1})))
        .unwrap();
    let ids = |q: Q| ln.query::<Run>().filter(q).ids().unwrap();
    assert_eq!(ids(Q::new("learning_rate__lt", 0.05)), [r1.id]);
    assert_eq!(ids(Q::new("donor", "D1")), [r1.id]);
    assert_eq!(
        ln.annotations(&r1).get_values().unwrap()["donor"],
        json!("D1")
    );
    // Records: values in lamindb_recordjson; filters by them.
    ln.annotations(&d1)
        .add_values(&values(json!({"donor_age": 40})))
        .unwrap();
    ln.annotations(&d2)
        .add_values(&values(json!({"donor_age": 70})))
        .unwrap();
    let err = ln
        .annotations(&d2)
        .add_values(&values(json!({"donor_age": 71})))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    ln.annotations(&d2)
        .set_values(&values(json!({"donor_age": 71})))
        .unwrap();
    let old: Vec<_> = ln
        .query::<Record>()
        .filter(Q::new("donor_age__gt", 50) & Q::new("type__name", "Donors"))
        .all()
        .unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].id, d2.id);
    assert_eq!(
        ln.annotations(&d2).get_values().unwrap()["donor_age"],
        json!(71)
    );
    // A record outside the sheet is not a valid value of the sheet-typed feature.
    ln.records().create(NewLabel::new("D3")).unwrap();
    let err = ln
        .annotations(&r2)
        .add_values(&values(json!({"donor": "D3"})))
        .unwrap_err();
    assert!(err.to_string().contains("'D3'"), "{err}");
});

both!(search_lookup_and_bulk_save, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    for name in [
        "p53 pathway",
        "TP53",
        "xp53",
        "p5",
        "p53",
        "p53|tumor protein",
        "p53.1",
    ] {
        ln.ulabels().create(NewLabel::new(name)).unwrap();
    }
    ln.ulabels()
        .create(NewLabel::new("foo").description("related to p53 stuff"))
        .unwrap();
    let hits = ln
        .query::<ULabel>()
        .search_records("p53", &SearchOptions::default())
        .unwrap();
    let names: Vec<&str> = hits.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "p53",
            "p53|tumor protein",
            "p53.1",
            "p53 pathway",
            "foo",
            "TP53",
            "xp53"
        ]
    );
    let few = ln
        .query::<ULabel>()
        .search(
            "P53",
            &SearchOptions {
                limit: 2,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(few.len(), 2);
    assert_eq!(few[0].rank, 423);
    let keys = ln.query::<ULabel>().lookup(None).unwrap();
    assert!(keys.contains_key("p53_tumor_protein") && keys.contains_key("p53_1"));
    // Bulk: thousands of labels in one transaction.
    let specs: Vec<NewLabel> = (0..5000)
        .map(|i| NewLabel::new(format!("bulk-{i}")))
        .collect();
    let ids = ln.ulabels().save_all(&specs).unwrap();
    assert_eq!(ids.len(), 5000);
    assert_eq!(
        ln.query::<ULabel>()
            .filter(Q::new("name__startswith", "bulk-"))
            .count()
            .unwrap(),
        5000
    );
    let bad = vec![NewLabel::new("fine"), NewLabel::new(" ")];
    assert!(ln.ulabels().save_all(&bad).is_err());
    assert_eq!(
        ln.query::<ULabel>()
            .filter(Q::new("name", "fine"))
            .count()
            .unwrap(),
        0,
        "nothing half-saved"
    );
    // Parents.
    let parent = ln.ulabels().get("p53").unwrap();
    let child = ln.ulabels().get("p53.1").unwrap();
    ln.ulabels().add_parent(child.id, parent.id).unwrap();
    ln.ulabels().add_parent(child.id, parent.id).unwrap();
    let kids = ln
        .query::<ULabel>()
        .filter(Q::new("parents__name", "p53"))
        .all()
        .unwrap();
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0].id, child.id);
    let _ = Value::Null;
});

both!(describe_uses_a_bounded_number_of_queries, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let a = t.save("a.txt", "a", "data/a.txt");
    let (plain, n_plain) =
        lamindb_core::annotate::describe::count_queries(ln, || ln.describe_artifact(&a).unwrap());
    assert!(plain.features.is_empty() && plain.labels.is_empty());
    // Many annotations of many kinds must not add queries.
    for i in 0..20 {
        ln.features()
            .create(NewFeature::new(format!("f{i}"), "int"))
            .unwrap();
        let l = ln
            .ulabels()
            .create(NewLabel::new(format!("label {i}")))
            .unwrap()
            .record;
        ln.annotations(&a)
            .add_labels("ULabel", &[l.id.into()])
            .unwrap();
        ln.annotations(&a)
            .add_values(&values(json!({ format!("f{i}"): i })))
            .unwrap();
    }
    ln.features()
        .create(NewFeature::new("kind_of", "cat[Project]"))
        .unwrap();
    ln.projects().create(NewLabel::new("P1")).unwrap();
    ln.annotations(&a)
        .add_values(&values(json!({"kind_of": "P1"})))
        .unwrap();
    let (d, n) =
        lamindb_core::annotate::describe::count_queries(ln, || ln.describe_artifact(&a).unwrap());
    assert!(n <= 6, "describe took {n} queries");
    assert_eq!(n, n_plain, "annotations must not add queries");
    assert_eq!(d.features.len(), 21);
    assert_eq!(d.features[0].0, "kind_of", "categorical features first");
    assert_eq!(d.features[0].1, "Project");
    let by_accessor = |acc: &str| d.labels.iter().find(|l| l.0 == acc).map(|l| l.2.clone());
    assert_eq!(by_accessor(".ulabels").unwrap().len(), 20);
    // Labels linked through a categorical feature are listed too, as Python does.
    assert_eq!(by_accessor(".projects").unwrap(), ["P1"]);
    let text = d.to_string();
    assert!(text.starts_with("Artifact: data/a.txt (0000)"), "{text}");
    assert!(
        text.contains("└── Labels") && text.contains(".ulabels"),
        "{text}"
    );
    assert!(
        text.contains("f7                  int                      7"),
        "{text}"
    );
});

#[test]
fn filter_strings_never_panic_and_errors_are_validation() {
    use proptest::prelude::*;
    let t = TestInstance::new(lamindb_tests::Backend::Sqlite, &[]);
    let ln = &t.inst;
    t.save("a.txt", "a", "a.txt");
    let field = prop::sample::select(vec![
        "key",
        "size",
        "uid",
        "ulabels__name",
        "run__transform__key",
        "created_at",
        "is_latest",
        "storage__root",
        "branch",
        "nope",
        "key__name",
        "",
        "__",
        "projects",
    ]);
    let lookup = prop::sample::select(vec![
        "",
        "__exact",
        "__icontains",
        "__gt",
        "__in",
        "__isnull",
        "__range",
        "__bogus",
        "__startswith",
    ]);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(300));
    runner
        .run(&(field, lookup, ".{0,12}"), |(f, l, v)| {
            let expr = format!("{f}{l}={v}");
            match Q::parse(&expr) {
                Ok(q) => match ln.query::<Artifact>().filter(q).count() {
                    Ok(n) => prop_assert!(n <= 1),
                    Err(e) => prop_assert!(
                        matches!(e.kind(), ErrorKind::Validation | ErrorKind::NotFound),
                        "{expr}: {e}"
                    ),
                },
                Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Validation),
            }
            Ok(())
        })
        .unwrap();
}

both!(dataframes_with_related_fields_and_features, |backend| {
    use lamindb_core::query::Include;
    use polars::prelude::*;
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    ln.features().create(NewFeature::new("n", "int")).unwrap();
    ln.features()
        .create(NewFeature::new("tissue", "cat[ULabel]"))
        .unwrap();
    ln.ulabels().create(NewLabel::new("lung")).unwrap();
    ln.ulabels().create(NewLabel::new("liver")).unwrap();
    let mut arts = Vec::new();
    for i in 0..30 {
        let a = t.save(
            &format!("f{i}.txt"),
            &format!("{i}"),
            &format!("df/f{i:02}.txt"),
        );
        ln.annotations(&a)
            .add_values(&values(json!({"n": i})))
            .unwrap();
        arts.push(a);
    }
    ln.annotations(&arts[0])
        .add_values(&values(json!({"tissue": ["lung", "liver"]})))
        .unwrap();
    ln.annotations(&arts[1])
        .add_labels("ULabel", &[ln.ulabels().get("lung").unwrap().id.into()])
        .unwrap();
    let q = ln
        .query::<Artifact>()
        .filter(Q::new("key__startswith", "df/"));
    let df = q.to_dataframe(&Include::default()).unwrap();
    assert_eq!(df.height(), 30);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(&names[..3], ["uid", "id", "key"]);
    assert!(names.contains(&"created_at".to_string()) && names.contains(&"storage_id".to_string()));
    assert!(!names
        .iter()
        .any(|n| n.starts_with('_') || n == "updated_at"));
    assert_eq!(
        df.column("id").unwrap().i64().unwrap().get(0),
        Some(i64::from(arts[29].id)),
        "newest first"
    );
    assert!(matches!(
        df.column("created_at").unwrap().dtype(),
        DataType::Datetime(_, _)
    ));

    let df = q
        .clone()
        .order_by("key")
        .to_dataframe(&Include {
            related: &["created_by__handle", "ulabels__name"],
            features: true,
        })
        .unwrap();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "uid",
            "id",
            "key",
            "created_by__handle",
            "ulabels__name",
            "n",
            "tissue"
        ]
    );
    assert_eq!(
        df.column("created_by__handle")
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some(ln.user().handle.as_str())
    );
    assert_eq!(df.column("n").unwrap().i64().unwrap().get(5), Some(5));
    let tissue = df
        .column("tissue")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(0)
        .unwrap();
    let tissue: Vec<Option<&str>> = tissue.str().unwrap().iter().collect();
    assert_eq!(tissue, [Some("liver"), Some("lung")]);
    let ul = df
        .column("ulabels__name")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(1)
        .unwrap();
    assert_eq!(ul.str().unwrap().get(0), Some("lung"));
    let err = q
        .to_dataframe(&Include {
            related: &["ulabels__name__x"],
            features: false,
        })
        .unwrap_err();
    assert!(err.to_string().contains("one relation"), "{err}");
});

both!(filters_written_the_python_way, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let a = t.save("a.fasta", &"A".repeat(2_000_000), "seq/a.fasta");
    t.save("b.txt", "b", "seq/b.txt");
    let exp = ln
        .ulabels()
        .create(NewLabel::new("My experiment"))
        .unwrap()
        .record;
    ln.annotations(&a)
        .add_labels("ULabel", &[exp.id.into()])
        .unwrap();
    let keys = |exprs: &[&str]| {
        let q = Q::And(exprs.iter().map(|e| Q::parse(e).unwrap()).collect());
        lamindb_tests::artifact_keys(ln, q)
    };
    assert_eq!(keys(&["suffix='.fasta'"]), ["seq/a.fasta"]);
    assert_eq!(keys(&["suffix=\".fasta\""]), ["seq/a.fasta"]);
    assert_eq!(keys(&["ulabels=My experiment"]), ["seq/a.fasta"]);
    assert_eq!(keys(&["size__gt=1e6"]), ["seq/a.fasta"]);
    assert_eq!(keys(&["size__gt=1.5MB"]), ["seq/a.fasta"]);
    assert_eq!(keys(&["size__lt=1KiB"]), ["seq/b.txt"]);
    assert_eq!(
        keys(&["created_by=anonymous", "key__startswith='seq/'"]),
        ["seq/a.fasta", "seq/b.txt"]
    );

    // Run status by name.
    let (tr, _) = ln
        .transforms()
        .resolve(&TransformSpec::new("s.py", TransformKind::Script))
        .unwrap();
    let run = ln.runs().start(&tr, &RunSpec::default()).unwrap();
    ln.runs().finish(&run, RunStatus::Errored, None).unwrap();
    let errored = ln
        .query_registry("Run")
        .unwrap()
        .filter(Q::parse("status=errored").unwrap())
        .count()
        .unwrap();
    assert_eq!(errored, 1);
    let by_run = ln
        .query_registry("Run")
        .unwrap()
        .filter(Q::parse("status__in=completed,errored").unwrap())
        .count()
        .unwrap();
    assert_eq!(by_run, 1);

    // A misspelt field gets a suggestion and no private fields.
    let err = ln
        .query::<Artifact>()
        .filter(Q::parse("sufix=.fasta").unwrap())
        .count()
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("did you mean 'suffix'"), "{msg}");
    assert!(!msg.contains("_hash_type"), "{msg}");
});

both!(categorical_types_by_name_are_stored_by_uid, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let sample = ln
        .records()
        .create(NewLabel {
            is_type: true,
            ..NewLabel::new("Sample")
        })
        .unwrap()
        .record;
    ln.records()
        .create(NewLabel {
            type_id: Some(sample.id),
            ..NewLabel::new("P53mutant1")
        })
        .unwrap();
    let f = ln
        .features()
        .create(NewFeature::new("sample", "cat[Record[Sample]]"))
        .unwrap()
        .record;
    assert_eq!(
        f.dtype.as_deref(),
        Some(format!("cat[Record[{}]]", sample.uid).as_str())
    );
    // The same definition by uid is the same feature.
    let again = ln
        .features()
        .create(NewFeature::new(
            "sample",
            format!("cat[Record[{}]]", sample.uid),
        ))
        .unwrap();
    assert!(!again.created);
    let a = t.save("a.txt", "a", "a.txt");
    ln.annotations(&a)
        .add_values(json!({"sample": "P53mutant1"}).as_object().unwrap())
        .unwrap();
    assert_eq!(
        ln.annotations(&a).get_values().unwrap()["sample"],
        json!("P53mutant1")
    );
    let err = ln
        .features()
        .create(NewFeature::new("other", "cat[Record[Nope]]"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("Record type"), "{err}");
});
