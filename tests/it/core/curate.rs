//! DataFrames against Schemas (lamindb-curate): every failure in one report, categorical values
//! against core and bionty registries with synonyms, standardize, coerce; on real CL terms.

use lamindb_core::prelude::*;
use lamindb_core::util::progress::{ProgressSink, ProgressTask, Unit};
use lamindb_curate::dataframe::{read_table, DataFrameCurator, Problem};
use lamindb_tests::{both, shared_data, TestInstance};
use polars::prelude::*;

/// Records the progress tasks started and their updates: `("<label> <unit>", total)`, then
/// `("set", done)`.
#[derive(Default)]
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<(String, u64)>>>);

struct RecordedTask(std::sync::Arc<std::sync::Mutex<Vec<(String, u64)>>>);

impl ProgressTask for RecordedTask {
    fn set(&self, done: u64) {
        self.0.lock().unwrap().push(("set".into(), done));
    }
}

impl ProgressSink for Recorder {
    fn start(&self, label: &str, total: u64, unit: Unit) -> Box<dyn ProgressTask> {
        self.0
            .lock()
            .unwrap()
            .push((format!("{label} {unit:?}"), total));
        Box::new(RecordedTask(self.0.clone()))
    }
}

fn setup(backend: lamindb_tests::Backend) -> TestInstance {
    let t = TestInstance::new(backend, &[lamindb_tests::bionty::NAME]);
    let mut opts = bionty::ImportOptions::new(bionty::Entity::CellType);
    opts.input = Some(bionty::Input::File(shared_data().join("ontologies/cl.obo")));
    bionty::import_source(&t.inst, &opts).unwrap();
    let ln = &t.inst;
    for l in ["D1", "D2"] {
        ln.ulabels().create(NewLabel::new(l)).unwrap();
    }
    let mut feats = Vec::new();
    for (name, dtype) in [
        ("cell_type", "cat[bionty.CellType]"),
        ("n_genes", "int"),
        ("donor", "cat[ULabel]"),
    ] {
        feats.push(
            ln.features()
                .create(NewFeature::new(name, dtype))
                .unwrap()
                .record,
        );
    }
    let mut score = NewFeature::new("score", "float");
    score.nullable = Some(false);
    feats.push(ln.features().create(score).unwrap().record);
    let mut spec = NewSchema::of_features(feats).named("cells");
    spec.maximal_set = true;
    ln.schemas().create(spec).unwrap();
    t
}

both!(
    every_failure_is_reported_and_synonyms_standardize,
    |backend| {
        let t = setup(backend);
        let df = df!(
            "cell_type" => ["T cell", "t cell", "T-cell", "neuron", "T cell"],
            "n_genes" => ["10", "12", "ten", "5", "7"],
            "donor" => ["D1", "D2", "D3", "D1", "D3"],
            "extra" => ["a", "b", "c", "d", "e"]
        )
        .unwrap();
        let mut curator = DataFrameCurator::new(&t.inst, df, "cells").unwrap();
        let report = curator.validate().unwrap();
        assert!(!report.is_valid());
        assert_eq!(report.n_rows, 5);
        let p = &report.problems;
        assert!(
            p.contains(&Problem::MissingColumn {
                feature: "score".into(),
                dtype: "float".into()
            }),
            "{p:?}"
        );
        assert!(
            p.contains(&Problem::ExtraColumn {
                column: "extra".into()
            }),
            "{p:?}"
        );
        assert!(
        p.iter().any(|x| matches!(x, Problem::Dtype { column, coercible: false, .. } if column == "n_genes")),
        "{p:?}"
    );
        let cell = p
            .iter()
            .find_map(|x| match x {
                Problem::NonValidated {
                    column,
                    values,
                    synonyms,
                    ..
                } if column == "cell_type" => Some((values.clone(), synonyms.clone())),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            cell.0,
            [("T-cell".to_string(), 1), ("t cell".to_string(), 1)]
        );
        assert_eq!(cell.1.get("T-cell").map(String::as_str), Some("T cell"));
        let donor = p
            .iter()
            .find_map(|x| match x {
                Problem::NonValidated { column, values, .. } if column == "donor" => {
                    Some(values.clone())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(donor, [("D3".to_string(), 2)], "counts per value");
        assert_eq!(p.len(), 5, "{p:?}");
        let text = report.to_string();
        assert!(
            text.contains("\"T-cell\" → \"T cell\"")
                && text.contains("column 'score' not in dataframe"),
            "{text}"
        );
        // standardize rewrites synonyms in place; what remains is what it cannot fix.
        let mapping = curator.standardize(Some("cell_type")).unwrap();
        assert_eq!(mapping["cell_type"].len(), 2);
        let after = curator.validate().unwrap();
        assert!(!after
            .problems
            .iter()
            .any(|x| matches!(x, Problem::NonValidated { column, .. } if column == "cell_type")));
        assert_eq!(after.problems.len(), 4);
        // add_new_from creates the missing donor label; bionty terms are refused.
        assert_eq!(curator.add_new_from("donor").unwrap(), 1);
        let err = curator.add_new_from("cell_type").unwrap_err();
        assert!(err.to_string().contains("bionty.CellType"), "{err}");
        let after = curator.validate().unwrap();
        assert!(!after
            .problems
            .iter()
            .any(|x| matches!(x, Problem::NonValidated { column, .. } if column == "donor")));
        assert_eq!(after.problems.len(), 3);
        assert!(t
            .inst
            .ulabels()
            .query()
            .filter(Q::new("name", "D3"))
            .exists()
            .unwrap());
    }
);

both!(valid_files_validate_and_coerce_converts, |backend| {
    let t = setup(backend);
    let mut df = df!(
        "cell_type" => ["T cell", "neuron"],
        "n_genes" => [10i64, 12],
        "donor" => ["D1", "D2"],
        "score" => [0.5f64, 0.7]
    )
    .unwrap();
    let report = DataFrameCurator::new(&t.inst, df.clone(), "cells")
        .unwrap()
        .validate()
        .unwrap();
    assert!(report.is_valid(), "{report}");
    // The same from parquet and from csv.gz.
    let pq = t.dir.path().join("cells.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();
    let csv = t.dir.path().join("cells.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap())
        .finish(&mut df)
        .unwrap();
    for path in [&pq, &csv] {
        let r = DataFrameCurator::new(&t.inst, read_table(path).unwrap(), "cells")
            .unwrap()
            .validate()
            .unwrap();
        assert!(r.is_valid(), "{}: {r}", path.display());
    }
    // Nulls in a feature that is not nullable.
    let nulls = df!(
        "cell_type" => ["T cell", "neuron"],
        "n_genes" => [10i64, 12],
        "donor" => ["D1", "D2"],
        "score" => [Some(0.5f64), None]
    )
    .unwrap();
    let r = DataFrameCurator::new(&t.inst, nulls, "cells")
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(
        r.problems,
        [Problem::Nulls {
            column: "score".into(),
            count: 1
        }]
    );
    // Strings that are numbers: a dtype problem that coerce resolves.
    let strings = df!(
        "cell_type" => ["T cell"],
        "n_genes" => ["10"],
        "donor" => ["D1"],
        "score" => [0.5f64]
    )
    .unwrap();
    let r = DataFrameCurator::new(&t.inst, strings.clone(), "cells")
        .unwrap()
        .validate()
        .unwrap();
    assert!(
        matches!(
            &r.problems[..],
            [Problem::Dtype {
                coercible: true,
                ..
            }]
        ),
        "{:?}",
        r.problems
    );
    let mut coerced = NewFeature::new("n_genes2", "int");
    coerced.coerce = Some(true);
    let f = t.inst.features().create(coerced).unwrap().record;
    t.inst
        .schemas()
        .create(NewSchema::of_features([f]).named("coerced"))
        .unwrap();
    let s2 = df!("n_genes2" => ["10", "11"]).unwrap();
    let r = DataFrameCurator::new(&t.inst, s2, "coerced")
        .unwrap()
        .validate()
        .unwrap();
    assert!(r.is_valid(), "{r}");
    assert!(DataFrameCurator::new(&t.inst, strings, "no such schema").is_err());
});

both!(
    saving_with_a_schema_validates_first_and_annotates,
    |backend| {
        let t = setup(backend);
        let ln = &t.inst;
        let mut bad = df!(
            "cell_type" => ["t cell"],
            "n_genes" => [3i64],
            "donor" => ["D1"],
            "score" => [0.1f64]
        )
        .unwrap();
        let bad_path = t.dir.path().join("bad.parquet");
        ParquetWriter::new(std::fs::File::create(&bad_path).unwrap())
            .finish(&mut bad)
            .unwrap();
        let curator = DataFrameCurator::new(ln, read_table(&bad_path).unwrap(), "cells").unwrap();
        let err = curator
            .save_artifact(NewArtifactSpec::with_key(&bad_path, "data/bad.parquet"))
            .unwrap_err();
        assert!(err.to_string().contains("nothing was saved"), "{err}");
        assert!(ln.artifacts().get_by_key("data/bad.parquet").is_err());

        let mut good = df!(
            "cell_type" => ["T cell", "neuron", "T cell"],
            "n_genes" => [3i64, 4, 5],
            "donor" => ["D1", "D2", "D1"],
            "score" => [0.1f64, 0.2, 0.3]
        )
        .unwrap();
        let path = t.dir.path().join("good.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut good)
            .unwrap();
        let curator = DataFrameCurator::new(ln, read_table(&path).unwrap(), "cells").unwrap();
        let saved = curator
            .save_artifact(NewArtifactSpec::with_key(&path, "data/good.parquet"))
            .unwrap();
        let a = &saved.saved.artifact;
        let schema = ln.schemas().get("cells").unwrap();
        assert_eq!(a.schema_id, Some(schema.id));
        assert_eq!(a.kind.as_deref(), Some("dataset"));
        assert_eq!(a.otype.as_deref(), Some("DataFrame"));
        assert_eq!(a.n_observations, Some(3));
        assert_eq!(saved.labels["cell_type"], 2);
        // Labels carry their feature: the feature filter and the accessor both find the artifact.
        assert_eq!(
            lamindb_tests::artifact_keys(ln, Q::new("cell_type", "neuron")),
            ["data/good.parquet"]
        );
        assert_eq!(
            lamindb_tests::artifact_keys(ln, Q::new("ulabels__name", "D2")),
            ["data/good.parquet"]
        );
        // The validated columns' feature set, linked with slot `columns` (the same schema here).
        assert_eq!(saved.feature_set.id, schema.id);
        let mut q = lamindb_core::db::rows::Sql::default();
        q.push("SELECT slot AS t0 FROM lamindb_artifactschema WHERE artifact_id = ")
            .bind(lamindb_core::db::rows::Bind::Int(a.id.into()));
        let slots = q.load(&mut ln.conn()).unwrap();
        assert_eq!(slots.len(), 1);
        assert_eq!(slots[0].0[0].display(), "columns");
        // describe: the feature set under "Dataset features", its categorical values with it.
        let d = ln.describe_artifact(a).unwrap();
        assert_eq!(d.dataset_features.len(), 1);
        let (slot, feats) = (&d.dataset_features[0].slot, &d.dataset_features[0].features);
        assert_eq!(slot, "columns");
        let names: Vec<&str> = feats.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["cell_type", "n_genes", "donor", "score"]);
        assert_eq!(feats[0].2, ["T cell", "neuron"]);
        assert!(d.features.is_empty(), "{:?}", d.features);
        let text = d.to_string();
        assert!(
            text.contains("Dataset features") && text.contains("columns (4)"),
            "{text}"
        );
        assert!(text.contains(".cell_types"), "{text}");
    }
);

both!(
    valid_features_validates_the_columns_that_are_features,
    |backend| {
        // The seed README's DataFrame flow.
        let t = TestInstance::new(backend, &[]);
        let ln = &t.inst;
        for (name, dtype) in [
            ("gc_content", "float"),
            ("experiment_note", "str"),
            ("experiment_date", "date"),
        ] {
            ln.features().create(NewFeature::new(name, dtype)).unwrap();
        }
        let df = df!(
            "gc_content" => [0.55f64, 0.54],
            "experiment_note" => ["Looks great", "Ok"],
            "experiment_date" => ["2024-12-01", "2024-12-02"],
            "not_a_feature" => [1i64, 2]
        )
        .unwrap();
        let r = DataFrameCurator::new(ln, df, "valid_features")
            .unwrap()
            .validate()
            .unwrap();
        // Dates written as text are a dtype problem that coerce would fix; the unknown column is
        // not the schema's business.
        assert!(
            matches!(&r.problems[..], [Problem::Dtype { column, coercible: true, .. }] if column == "experiment_date"),
            "{r}"
        );
        let schema = ln.schemas().get("valid_features").unwrap();
        assert_eq!(schema.uid, "0000000000000000", "Python's fixed uid");
        assert_eq!(schema.itype.as_deref(), Some("Feature"));
        let df = df!(
            "gc_content" => ["high"],
            "experiment_note" => ["x"]
        )
        .unwrap();
        let r = DataFrameCurator::new(ln, df, "valid_features")
            .unwrap()
            .validate()
            .unwrap();
        assert!(
            matches!(&r.problems[..], [Problem::Dtype { column, coercible: false, .. }] if column == "gc_content"),
            "{r}"
        );
    }
);

both!(
    a_parquet_file_is_validated_in_slices_like_in_memory,
    |backend| {
        let t = setup(backend);
        // More rows than one slice (262,144): the failures sit in the second slice.
        let n = 300_000;
        let cell: Vec<&str> = (0..n)
            .map(|i| match i {
                290_000 => "no such cell",
                290_001 => "t cell",
                _ => "T cell",
            })
            .collect();
        let genes: Vec<Option<i64>> = (0..n as i64).map(|i| (i != 299_999).then_some(i)).collect();
        let score: Vec<Option<f64>> = (0..n).map(|i| (i % 100_000 != 7).then_some(0.5)).collect();
        let donor: Vec<&str> = (0..n)
            .map(|i| if i == 280_000 { "D9" } else { "D1" })
            .collect();
        let mut df = df!(
            "cell_type" => cell, "n_genes" => genes, "donor" => donor, "score" => score
        )
        .unwrap();
        let path = t.dir.path().join("big.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let in_memory = DataFrameCurator::new(&t.inst, df, "cells")
            .unwrap()
            .validate()
            .unwrap();
        // Progress is reported slice by slice, as a front end draws it.
        let sink = std::sync::Arc::new(Recorder::default());
        t.inst.set_progress(sink.clone());
        let sliced = DataFrameCurator::from_path(&t.inst, &path, "cells")
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&sliced).unwrap(),
            serde_json::to_value(&in_memory).unwrap()
        );
        let events = sink.0.lock().unwrap().clone();
        assert_eq!(
            events[0],
            (format!("validating {:?}", Unit::Values), 4 * n as u64)
        );
        let sets: Vec<u64> = events[1..].iter().map(|e| e.1).collect();
        assert_eq!(sets.len(), 8, "two slices of four columns: {sets:?}");
        assert!(sets.windows(2).all(|w| w[0] < w[1]), "{sets:?}");
        assert_eq!(sets.last(), Some(&(4 * n as u64)));
        assert_eq!(sliced.n_rows, n);
        let p = &sliced.problems;
        assert!(
            p.contains(&Problem::Nulls {
                column: "score".into(),
                count: 3
            }),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| matches!(x, Problem::NonValidated { column, values, .. }
                if column == "cell_type" && values.len() == 2)),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| matches!(x, Problem::NonValidated { column, values, .. }
                if column == "donor" && values == &vec![("D9".to_owned(), 1)])),
            "{p:?}"
        );
    }
);

both!(source_filters_scope_categorical_validation, |backend| {
    let t = setup(backend);
    // The source the terms were imported from (others of that name are catalogue rows).
    let source = |entity: &str, name: &str| {
        t.inst
            .query_registry("bionty.Source")
            .unwrap()
            .filter(Q::new("entity", entity) & Q::new("name", name))
            .order_by("-in_db")
            .rows(&["uid"])
            .unwrap()
            .rows[0][0]
            .display()
    };
    let cl = source("bionty.CellType", "cl");
    let other = source("bionty.Tissue", "uberon");
    for (name, uid) in [("ct_cl", &cl), ("ct_other", &other)] {
        t.inst
            .features()
            .create(NewFeature::new(
                name,
                format!("cat[bionty.CellType[source__uid='{uid}']]"),
            ))
            .unwrap();
    }
    let df = df!("ct_cl" => ["T cell"], "ct_other" => ["T cell"]).unwrap();
    let r = DataFrameCurator::new(&t.inst, df, "valid_features")
        .unwrap()
        .validate()
        .unwrap();
    // Only the feature whose source has the term fails to validate it.
    let failing: Vec<&str> = r
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::NonValidated { column, .. } => Some(column.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(failing, ["ct_other"], "{r}");
});

both!(list_features_validate_each_element, |backend| {
    let t = setup(backend);
    t.inst
        .features()
        .create(NewFeature::new("cell_types", "list[cat[bionty.CellType]]"))
        .unwrap();
    let lists = Series::new(
        "cell_types".into(),
        [
            Series::new("".into(), ["T cell", "B cell"]),
            Series::new("".into(), ["no such cell"]),
            Series::new("".into(), ["T cell"]),
        ],
    );
    let df = DataFrame::new(3, vec![lists.into_column()]).unwrap();
    let r = DataFrameCurator::new(&t.inst, df, "valid_features")
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(r.problems.len(), 1, "{r}");
    assert!(
        matches!(&r.problems[0], Problem::NonValidated { column, values, .. }
            if column == "cell_types" && values == &vec![("no such cell".to_owned(), 1)]),
        "{r}"
    );
    // A column of plain strings is no list.
    let df = df!("cell_types" => ["T cell"]).unwrap();
    let r = DataFrameCurator::new(&t.inst, df, "valid_features")
        .unwrap()
        .validate()
        .unwrap();
    assert!(
        matches!(&r.problems[0], Problem::Dtype { column, .. } if column == "cell_types"),
        "{r}"
    );
});

both!(a_dataframe_saves_as_a_dataset_artifact, |backend| {
    let t = setup(backend);
    let df = df!(
        "cell_type" => ["T cell", "B cell"],
        "n_genes" => [10i64, 12],
        "donor" => ["D1", "D2"],
        "score" => [0.5, 0.7]
    )
    .unwrap();
    // Without a schema: a dataset with its otype and rows.
    let s = lamindb_curate::dataframe::save_dataframe(&t.inst, &df, "plain.parquet", None).unwrap();
    let a = &s.artifact;
    assert_eq!(
        (
            a.suffix.as_str(),
            a.otype.as_deref(),
            a.kind.as_deref(),
            a.n_observations,
            a.schema_id
        ),
        (
            ".parquet",
            Some("DataFrame"),
            Some("dataset"),
            Some(2),
            None
        )
    );
    // With one: validated and annotated; an invalid frame saves nothing.
    let s = lamindb_curate::dataframe::save_dataframe(&t.inst, &df, "cells.parquet", Some("cells"))
        .unwrap();
    assert!(s.artifact.schema_id.is_some());
    let bad =
        df!("cell_type" => ["nope"], "n_genes" => [1i64], "donor" => ["D1"], "score" => [0.1])
            .unwrap();
    let before = t.inst.query::<Artifact>().count().unwrap();
    let e = lamindb_curate::dataframe::save_dataframe(&t.inst, &bad, "bad.csv", Some("cells"))
        .unwrap_err();
    assert!(e.to_string().contains("nothing was saved"), "{e}");
    assert_eq!(t.inst.query::<Artifact>().count().unwrap(), before);
});

both!(external_features_validate_and_save_as_values, |backend| {
    let t = setup(backend);
    let ln = &t.inst;
    let f = |n: &str, d: &str| ln.features().create(NewFeature::new(n, d)).unwrap().record;
    let ext = ln
        .schemas()
        .create(
            NewSchema::of_features([f("temperature", "float"), f("experiment_date", "date")])
                .named("ext"),
        )
        .unwrap()
        .record;
    let mut spec = NewSchema::of_features([ln.features().get("donor").unwrap()]).named("with_ext");
    spec.slots = vec![("__external__".into(), ext)];
    spec.otype = Some("DataFrame".into());
    ln.schemas().create(spec).unwrap();
    let df = || df!("donor" => ["D1", "D2"]).unwrap();
    let values = |v: serde_json::Value| v.as_object().unwrap().clone();

    let r = DataFrameCurator::new(ln, df(), "with_ext")
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(
        r.problems,
        [Problem::Rule {
            message: "External features slot is defined in schema but no external features were provided.".into()
        }]
    );
    let r = DataFrameCurator::new(ln, df(), "with_ext")
        .unwrap()
        .with_external(values(serde_json::json!({"temperature": "warm"})))
        .validate()
        .unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| matches!(p, Problem::Dtype { column, .. } if column == "temperature")),
        "{r}"
    );
    assert!(
        r.problems.iter().any(
            |p| matches!(p, Problem::MissingColumn { feature, .. } if feature == "experiment_date")
        ),
        "{r}"
    );

    let good = values(serde_json::json!({"temperature": 21.6, "experiment_date": "2024-12-01"}));
    let curator = DataFrameCurator::new(ln, df(), "with_ext")
        .unwrap()
        .with_external(good);
    assert!(curator.validate().unwrap().is_valid());
    let path = t.dir.path().join("ext.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df())
        .unwrap();
    let saved = curator
        .save_artifact(NewArtifactSpec::with_key(&path, "ext.parquet"))
        .unwrap();
    let got = ln.annotations(&saved.saved.artifact).get_values().unwrap();
    assert_eq!(got["temperature"], serde_json::json!(21.6), "{got:?}");
    assert_eq!(
        got["experiment_date"],
        serde_json::json!("2024-12-01"),
        "{got:?}"
    );
});

both!(ordered_sets_and_suffixes_are_enforced, |backend| {
    let t = setup(backend);
    let ln = &t.inst;
    let feats: Vec<_> = ["n_genes", "score"]
        .iter()
        .map(|f| ln.features().get(f).unwrap())
        .collect();
    let mut spec = NewSchema::of_features(feats).named("ordered");
    spec.ordered_set = true;
    spec.suffix = Some(".parquet".into());
    ln.schemas().create(spec).unwrap();
    let swapped = df!("score" => [0.5], "n_genes" => [3i64]).unwrap();
    let r = DataFrameCurator::new(ln, swapped, "ordered")
        .unwrap()
        .validate()
        .unwrap();
    assert!(
        matches!(&r.problems[..], [Problem::Rule { message }] if message.starts_with("column 'score' out-of-order")),
        "{r}"
    );
    let mut good = df!("n_genes" => [3i64], "score" => [0.5]).unwrap();
    let curator = DataFrameCurator::new(ln, good.clone(), "ordered").unwrap();
    assert!(curator.validate().unwrap().is_valid());
    assert!(curator.non_validated().unwrap().is_empty());
    // The schema takes parquet files only.
    let csv = t.dir.path().join("good.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap())
        .finish(&mut good)
        .unwrap();
    let before = ln.query::<Artifact>().count().unwrap();
    let e = curator
        .save_artifact(NewArtifactSpec::with_key(&csv, "good.csv"))
        .unwrap_err();
    assert!(
        e.to_string().contains("requires the suffix '.parquet'"),
        "{e}"
    );
    assert_eq!(ln.query::<Artifact>().count().unwrap(), before);
    // non_validated: the values per categorical feature that no record has.
    let df = df!("cell_type" => ["T cell", "nope"], "donor" => ["D1", "D7"]).unwrap();
    let nv = DataFrameCurator::new(ln, df, "cells")
        .unwrap()
        .non_validated()
        .unwrap();
    assert_eq!(nv["cell_type"], ["nope"]);
    assert_eq!(nv["donor"], ["D7"]);
});

both!(standardize_adds_missing_columns_with_defaults, |backend| {
    let t = setup(backend);
    let ln = &t.inst;
    let mut batch = NewFeature::new("batch", "str");
    batch.default_value = Some(serde_json::json!("b1"));
    let batch = ln.features().create(batch).unwrap().record;
    let note = ln
        .features()
        .create(NewFeature::new("note", "str"))
        .unwrap()
        .record;
    let n_genes = ln.features().get("n_genes").unwrap();
    ln.schemas()
        .create(NewSchema::of_features([n_genes.clone(), batch.clone(), note]).named("defaults"))
        .unwrap();
    let df = df!("n_genes" => [1i64, 2], "batch" => [None, Some("b2")]).unwrap();
    let mut c = DataFrameCurator::new(ln, df, "defaults").unwrap();
    let before = c.validate().unwrap();
    assert!(
        before.problems.contains(&Problem::MissingColumn {
            feature: "note".into(),
            dtype: "str".into()
        }),
        "{before}"
    );
    c.standardize(None).unwrap();
    assert!(c.validate().unwrap().is_valid());
    let df = c.dataframe().unwrap();
    let batch_values: Vec<Option<&str>> =
        df.column("batch").unwrap().str().unwrap().iter().collect();
    assert_eq!(batch_values, [Some("b1"), Some("b2")]);
    assert_eq!(df.column("note").unwrap().null_count(), 2);
    // A required feature without a default cannot be made up.
    let mut must = NewFeature::new("must", "int");
    must.nullable = Some(false);
    let must = ln.features().create(must).unwrap().record;
    ln.schemas()
        .create(NewSchema::of_features([n_genes, must]).named("strict"))
        .unwrap();
    let mut c = DataFrameCurator::new(ln, df!("n_genes" => [1i64]).unwrap(), "strict").unwrap();
    let e = c.standardize(None).unwrap_err();
    assert!(
        e.to_string().contains(
            "Missing column must cannot be added because is not nullable and has no default value"
        ),
        "{e}"
    );
});

// A pandas-written parquet file keeps DataFrame.attrs; `attrs` slots validate them.
both!(attrs_slots_validate_pandas_attrs, |backend| {
    let t = setup(backend);
    let ln = &t.inst;
    let f = |n: &str, d: &str| ln.features().create(NewFeature::new(n, d)).unwrap().record;
    let top = ln
        .schemas()
        .create(NewSchema::of_features([f("temperature", "float")]).named("attrs_top"))
        .unwrap()
        .record;
    let nested = ln
        .schemas()
        .create(NewSchema::of_features([f("n_donors", "int")]).named("attrs_study"))
        .unwrap()
        .record;
    let mut spec =
        NewSchema::of_features([ln.features().get("donor").unwrap()]).named("with_attrs");
    spec.slots = vec![("attrs".into(), top), ("attrs:study".into(), nested)];
    spec.otype = Some("DataFrame".into());
    ln.schemas().create(spec).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/curate");
    let good = DataFrameCurator::from_path(ln, &dir.join("attrs.parquet"), "with_attrs")
        .unwrap()
        .validate()
        .unwrap();
    assert!(good.is_valid(), "{good}");
    let bad = DataFrameCurator::from_path(ln, &dir.join("attrs_bad.parquet"), "with_attrs")
        .unwrap()
        .validate()
        .unwrap();
    assert!(
        bad.problems
            .iter()
            .any(|p| matches!(p, Problem::Dtype { column, .. } if column == "temperature")),
        "{bad}"
    );
    assert!(
        bad.problems
            .iter()
            .any(|p| matches!(p, Problem::Rule { message } if message.contains("attrs:study"))),
        "{bad}"
    );
    // Saved with a feature set per slot.
    let saved = DataFrameCurator::from_path(ln, &dir.join("attrs.parquet"), "with_attrs")
        .unwrap()
        .save_artifact(NewArtifactSpec::with_key(
            dir.join("attrs.parquet"),
            "attrs.parquet",
        ))
        .unwrap();
    let mut q = lamindb_core::db::rows::Sql::default();
    q.push("SELECT slot AS t0 FROM lamindb_artifactschema WHERE artifact_id = ")
        .bind(lamindb_core::db::rows::Bind::Int(
            saved.saved.artifact.id.into(),
        ))
        .push(" ORDER BY slot");
    let slots: Vec<String> = q
        .load(&mut ln.conn())
        .unwrap()
        .iter()
        .map(|r| r.0[0].display())
        .collect();
    assert_eq!(slots, ["attrs", "attrs:study", "columns"]);
});

// pandas stores a DataFrame's index in parquet as a column its metadata names: it is no
// column to the schema, and a schema's index feature validates it, as Python's curator does.
both!(pandas_index_is_the_index_not_a_column, |backend| {
    let t = setup(backend);
    let ln = &t.inst;
    let n_genes = ln.features().get("n_genes").unwrap();
    let mut strict = NewSchema::of_features([n_genes.clone()]).named("genes_only");
    strict.maximal_set = true;
    ln.schemas().create(strict).unwrap();
    let sample = ln
        .features()
        .create(NewFeature::new("sample_id", "str"))
        .unwrap()
        .record;
    let mut indexed = NewSchema::of_features([n_genes]).named("indexed");
    indexed.index = Some(sample);
    indexed.maximal_set = true;
    ln.schemas().create(indexed).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/curate");
    let report = |file: &str, schema: &str| {
        DataFrameCurator::from_path(ln, &dir.join(file), schema)
            .unwrap()
            .validate()
            .unwrap()
    };
    // An unnamed and a named index are no extra columns of a maximal set.
    for file in ["index_unnamed.parquet", "index_named.parquet"] {
        let r = report(file, "genes_only");
        assert!(r.is_valid(), "{file}: {r}");
    }
    // The index feature reads the index, whatever pandas named it.
    let r = report("index_named.parquet", "indexed");
    assert!(r.is_valid(), "{r}");
    let r = report("index_int.parquet", "indexed");
    assert!(
        r.problems.iter().any(
            |p| matches!(p, Problem::Dtype { column, found, .. } if column == "sample_id" && found.starts_with("i64"))
        ),
        "{r}"
    );
    // Without a pandas index there is nothing to read it from.
    let csv = t.dir.path().join("no_index.csv");
    std::fs::write(&csv, "n_genes\n3\n").unwrap();
    let r = DataFrameCurator::from_path(ln, &csv, "indexed")
        .unwrap()
        .validate()
        .unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| matches!(p, Problem::MissingColumn { feature, .. } if feature == "sample_id")),
        "{r}"
    );
});
