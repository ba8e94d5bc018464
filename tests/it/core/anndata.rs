//! AnnData files read natively (h5ad, zarr v2 and v3; anndata 0.7 to 0.12 layouts) and
//! validated against composite schemas slot by slot, on SQLite and Postgres with real CL
//! terms and Ensembl genes.

use std::path::{Path, PathBuf};

use lamindb_core::prelude::*;
use lamindb_curate::anndata::{AnnData, Format, Matrix};
use lamindb_curate::anndata_curator::AnnDataCurator;
use lamindb_curate::dataframe::Problem;
use lamindb_tests::{both, shared_data, TestInstance};
use polars::prelude::*;
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/anndata")
        .join(name)
}

fn strs(df: &DataFrame, col: &str, n: usize) -> Vec<Option<String>> {
    df.column(col)
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .take(n)
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// What Python anndata 0.12 reads from the same files (`read_h5ad` / `read_zarr`).
#[test]
fn pbmc68k_reads_alike_from_h5ad_and_zarr_v2_and_v3() {
    let dir = shared_data().join("anndata");
    let h5 = AnnData::open(&dir.join("pbmc68k_reduced.h5ad")).unwrap();
    assert_eq!(h5.format, Format::H5ad);
    assert_eq!((h5.n_obs(), h5.n_vars()), (700, 765));
    assert_eq!(
        names(&h5.obs.df),
        [
            "bulk_labels",
            "n_genes",
            "percent_mito",
            "n_counts",
            "S_score",
            "G2M_score",
            "phase",
            "louvain"
        ]
    );
    assert_eq!(h5.obs.categorical, ["bulk_labels", "phase", "louvain"]);
    assert_eq!(h5.obs.index[..2], ["AAAGCCTGGCTAAC-1", "AAATTCGATGCACA-1"]);
    assert_eq!(
        strs(&h5.obs.df, "bulk_labels", 3),
        [
            Some("CD14+ Monocyte".into()),
            Some("Dendritic".into()),
            Some("CD56+ NK".into())
        ]
    );
    assert_eq!(
        strs(&h5.obs.df, "n_genes", 3),
        [
            Some("1003".into()),
            Some("1080".into()),
            Some("1228".into())
        ]
    );
    assert_eq!(
        h5.obs.df.column("percent_mito").unwrap().dtype(),
        &DataType::Float32
    );
    assert_eq!(
        h5.obs.df.column("n_genes").unwrap().dtype(),
        &DataType::Int64
    );
    assert_eq!(h5.var.index[..2], ["HES4", "TNFRSF4"]);
    assert_eq!(
        h5.var.df.column("highly_variable").unwrap().dtype(),
        &DataType::Boolean
    );
    assert_eq!(
        strs(&h5.var.df, "highly_variable", 3),
        [
            Some("true".into()),
            Some("true".into()),
            Some("false".into())
        ]
    );
    assert_eq!(
        h5.x,
        Some(Matrix {
            encoding: "array".into(),
            shape: (700, 765),
            dtype: "float32".into(),
            nnz: None
        })
    );
    let keys: Vec<&str> = h5.uns.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "bulk_labels_colors",
            "louvain",
            "louvain_colors",
            "neighbors",
            "pca",
            "rank_genes_groups"
        ]
    );
    assert_eq!(h5.uns["bulk_labels_colors"][0], json!("#1f77b4"));
    for zarr in ["pbmc68k_reduced.v2.zarr", "pbmc68k_reduced.v3.zarr"] {
        let z = AnnData::open(&dir.join(zarr)).unwrap();
        assert_eq!(z.format, Format::Zarr);
        assert!(z.obs.df.equals_missing(&h5.obs.df), "{zarr}: obs differs");
        assert!(z.var.df.equals_missing(&h5.var.df), "{zarr}: var differs");
        assert_eq!(z.obs.index, h5.obs.index, "{zarr}");
        assert_eq!(z.var.index, h5.var.index, "{zarr}");
        assert_eq!(z.obs.categorical, h5.obs.categorical, "{zarr}");
        assert_eq!(z.x, h5.x, "{zarr}");
        assert_eq!(
            z.uns["bulk_labels_colors"], h5.uns["bulk_labels_colors"],
            "{zarr}"
        );
    }
}

#[test]
fn anndata_0_7_and_0_11_files_read() {
    let dir = shared_data().join("anndata");
    // anndata 0.7.8: LZF chunks, categories in `__categories`, uint8 columns, sparse X.
    let old = AnnData::open(&dir.join("anndata-0.7.8-fixture.h5ad")).unwrap();
    assert_eq!((old.n_obs(), old.n_vars()), (30, 20));
    assert_eq!(
        names(&old.obs.df),
        ["obs_cat", "cat_ordered", "int64", "float64", "uint8"]
    );
    assert_eq!(old.obs.categorical, ["obs_cat", "cat_ordered"]);
    assert_eq!(old.obs.index[..2], ["cell0", "cell1"]);
    assert_eq!(
        strs(&old.obs.df, "obs_cat", 3),
        [Some("h".into()), Some("A".into()), Some("Z".into())]
    );
    assert_eq!(
        strs(&old.obs.df, "int64", 3),
        [Some("-16".into()), Some("-15".into()), Some("0".into())]
    );
    assert_eq!(
        strs(&old.obs.df, "uint8", 3),
        [Some("73".into()), Some("59".into()), Some("209".into())]
    );
    assert_eq!(
        strs(&old.var.df, "var_cat", 3),
        [Some("h".into()), Some("B".into()), Some("V".into())]
    );
    assert_eq!(
        old.x,
        Some(Matrix {
            encoding: "csr_matrix".into(),
            shape: (30, 20),
            dtype: "float32".into(),
            nnz: Some(239)
        })
    );
    assert!(old.uns.contains_key("nested") && old.uns.contains_key("O_recarray"));
    let obsm: Vec<(&str, &[u64])> = old
        .obsm
        .iter()
        .map(|(k, s)| (k.as_str(), s.as_slice()))
        .collect();
    assert_eq!(
        obsm,
        [
            ("array", &[30, 50][..]),
            ("df", &[30, 5][..]),
            ("sparse", &[30, 100][..])
        ]
    );
    // anndata 0.11.4: no X, no columns.
    let new = AnnData::open(&dir.join("anndata-0.11.4-fixture.h5ad")).unwrap();
    assert_eq!((new.n_obs(), new.n_vars(), new.obs.df.width()), (10, 20, 0));
    assert_eq!(new.x, None);
}

#[test]
fn mini_immuno_reads_alike_in_every_format() {
    let h5 = AnnData::open(&fixture("mini_immuno.h5ad")).unwrap();
    assert_eq!(h5.obs.index, ["sample1", "sample2", "sample3"]);
    assert_eq!(
        h5.var.index,
        ["ENSG00000153563", "ENSG00000010610", "ENSG00000170458"]
    );
    // A nullable string column keeps its null.
    assert_eq!(
        strs(&h5.obs.df, "donor", 3),
        [Some("D0001".into()), Some("D0002".into()), None]
    );
    assert_eq!(h5.uns["temperature"], json!(21.6));
    assert_eq!(h5.uns["study"]["n_donors"], json!(2));
    for zarr in ["mini_immuno.v2.zarr", "mini_immuno.v3.zarr"] {
        let z = AnnData::open(&fixture(zarr)).unwrap();
        assert!(z.obs.df.equals_missing(&h5.obs.df), "{zarr}");
        assert_eq!(z.var.index, h5.var.index, "{zarr}");
        assert_eq!(z.uns, h5.uns, "{zarr}");
        assert_eq!(z.x, h5.x, "{zarr}");
    }
}

#[test]
fn a_damaged_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("mini_immuno.h5ad")).unwrap();
    let cut = dir.path().join("cut.h5ad");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let e = AnnData::open(&cut).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("cut.h5ad"), "{e}");
    let text = dir.path().join("text.h5ad");
    std::fs::write(&text, "not hdf5").unwrap();
    let e = AnnData::open(&text).unwrap_err();
    assert!(e.to_string().contains("cannot read"), "{e}");
}

/// CL terms and the Ensembl rows of the fixture's genes (from the shared human gene table),
/// the ULabels and the obs features of the seed README's AnnData flow.
/// Imports the rows of the shared human gene table (no header: ensembl_gene_id, symbol,
/// ncbi id, length, biotype) whose ids are `ids`.
fn import_genes(t: &TestInstance, ids: &[&str]) {
    use std::io::{BufRead, Write};
    let genes = t.dir.path().join("genes_homo_sapiens.csv");
    let mut out = std::fs::File::create(&genes).unwrap();
    let gz = std::fs::File::open(shared_data().join("genes/genes_homo_sapiens.csv.gz")).unwrap();
    for line in std::io::BufReader::new(flate2::read::GzDecoder::new(gz)).lines() {
        let line = line.unwrap();
        if ids.iter().any(|g| line.starts_with(g)) {
            writeln!(out, "{line}").unwrap();
        }
    }
    drop(out);
    let mut opts = bionty::ImportOptions::new(bionty::Entity::Gene);
    opts.input = Some(bionty::Input::File(genes));
    bionty::import_source(&t.inst, &opts).unwrap();
}

fn setup(backend: lamindb_tests::Backend) -> TestInstance {
    let t = TestInstance::new(backend, &[lamindb_tests::bionty::NAME]);
    let mut opts = bionty::ImportOptions::new(bionty::Entity::CellType);
    opts.input = Some(bionty::Input::File(shared_data().join("ontologies/cl.obo")));
    bionty::import_source(&t.inst, &opts).unwrap();
    import_genes(
        &t,
        &["ENSG00000153563", "ENSG00000010610", "ENSG00000170458"],
    );
    let ids = t
        .inst
        .query_registry("bionty.Gene")
        .unwrap()
        .rows(&["ensembl_gene_id"])
        .unwrap()
        .rows
        .iter()
        .map(|r| r[0].display())
        .collect::<Vec<_>>();
    for g in ["ENSG00000153563", "ENSG00000010610", "ENSG00000170458"] {
        assert!(ids.iter().any(|i| i == g), "{g} not imported: {ids:?}");
    }
    for l in ["DMSO", "IFNG"] {
        t.inst.ulabels().create(NewLabel::new(l)).unwrap();
    }
    for (name, dtype) in [
        ("perturbation", "cat[ULabel]"),
        ("cell_type_by_expert", "cat[bionty.CellType]"),
        ("cell_type_by_model", "cat[bionty.CellType]"),
        ("treatment_time_h", "int"),
        ("sample_note", "str"),
    ] {
        t.inst
            .features()
            .create(NewFeature::new(name, dtype))
            .unwrap();
    }
    t
}

both!(the_seed_anndata_flow_validates_and_saves, |backend| {
    let t = setup(backend);
    let mut reports = Vec::new();
    for file in [
        "mini_immuno.h5ad",
        "mini_immuno.v2.zarr",
        "mini_immuno.v3.zarr",
    ] {
        let adata = AnnData::open(&fixture(file)).unwrap();
        let curator =
            AnnDataCurator::new(&t.inst, adata, "ensembl_gene_ids_and_valid_features_in_obs")
                .unwrap();
        let report = curator.validate().unwrap();
        assert!(report.is_valid(), "{file}: {report}");
        reports.push(serde_json::to_value(&report).unwrap());
    }
    assert!(reports.windows(2).all(|w| w[0] == w[1]), "{reports:?}");
    // The built-in schemas, with Python's uids.
    let schema = t
        .inst
        .schemas()
        .get("anndata_ensembl_gene_ids_and_valid_features_in_obs")
        .unwrap();
    assert_eq!(schema.uid, "0000000000000002");
    let slots: Vec<(String, String)> = t
        .inst
        .schemas()
        .slots(&schema)
        .unwrap()
        .into_iter()
        .map(|(s, c)| (s, c.uid))
        .collect();
    assert!(
        slots.contains(&("obs".into(), "0000000000000000".into())),
        "{slots:?}"
    );
    assert!(
        slots.contains(&("var.T".into(), "0000000000000001".into())),
        "{slots:?}"
    );

    let adata = AnnData::open(&fixture("mini_immuno.h5ad")).unwrap();
    let curator = AnnDataCurator::new(&t.inst, adata, "0000000000000002").unwrap();
    let saved = curator
        .save_artifact(NewArtifactSpec {
            path: fixture("mini_immuno.h5ad"),
            key: Some("examples/mini_immuno.h5ad".into()),
            ..Default::default()
        })
        .unwrap();
    let a = &saved.saved.artifact;
    assert_eq!(a.otype.as_deref(), Some("AnnData"));
    assert_eq!(a.kind.as_deref(), Some("dataset"));
    assert_eq!(a.n_observations, Some(3));
    assert_eq!(a.schema_id, Some(schema.id));
    assert_eq!(saved.labels.get("perturbation"), Some(&2));
    assert_eq!(saved.labels.get("cell_type_by_expert"), Some(&2));
    let sets: Vec<&str> = saved.feature_sets.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(sets, ["obs", "var.T"]);
    let var_set = &saved.feature_sets[1].1;
    assert_eq!(
        var_set.itype.as_deref(),
        Some("bionty.Gene.ensembl_gene_id")
    );
    assert_eq!(var_set.n_members, Some(3));
    // Its members are the genes (bionty_schemagene), as Python links them.
    let mut q = lamindb_core::db::rows::Sql::default();
    q.push("SELECT COUNT(*) AS i0 FROM bionty_schemagene WHERE schema_id = ")
        .bind(lamindb_core::db::rows::Bind::Int(var_set.id.into()));
    assert_eq!(q.load_ints(&mut t.inst.conn()).unwrap()[0], 3);
    // describe: Python's "Dataset features" tree, one entry per slot.
    let text = t.inst.describe_artifact(a).unwrap().to_string();
    assert!(text.contains("obs (5)"), "{text}");
    assert!(
        text.contains("var.T (3 bionty.Gene.ensembl_gene_id)"),
        "{text}"
    );
    // The genes of var.T are listed by symbol, as Python lists them.
    assert!(text.contains("CD8A") && text.contains("CD14"), "{text}");
    assert!(text.contains(".cell_types"), "{text}");
    // Labels are queryable through their registries.
    let found = t
        .inst
        .query::<Artifact>()
        .filter(Q::new("cell_types__name", "B cell"))
        .count()
        .unwrap();
    assert_eq!(found, 1);
    let found = t
        .inst
        .query::<Artifact>()
        .filter(Q::new("ulabels__name", "IFNG"))
        .count()
        .unwrap();
    assert_eq!(found, 1);
});

both!(
    an_invalid_anndata_reports_every_slot_and_saves_nothing,
    |backend| {
        let t = setup(backend);
        // obs requires both cell type columns; var.T allows no unknown genes.
        let ln = &t.inst;
        let obs_features: Vec<_> = ["perturbation", "cell_type_by_expert", "cell_type_by_model"]
            .iter()
            .map(|f| ln.features().get(f).unwrap())
            .collect();
        let obs = ln
            .schemas()
            .create(NewSchema::of_features(obs_features).named("immuno_obs"))
            .unwrap()
            .record;
        let mut genes = NewSchema {
            itype: Some("bionty.Gene.ensembl_gene_id".into()),
            ..Default::default()
        }
        .named("known_genes");
        genes.maximal_set = true;
        let genes = ln.schemas().create(genes).unwrap().record;
        let composite = NewSchema {
            otype: Some("AnnData".into()),
            slots: vec![("obs".into(), obs), ("var.T".into(), genes)],
            ..Default::default()
        }
        .named("immuno");
        ln.schemas().create(composite).unwrap();

        let path = fixture("mini_immuno_invalid.h5ad");
        let mut curator = AnnDataCurator::new(ln, AnnData::open(&path).unwrap(), "immuno").unwrap();
        let report = curator.validate().unwrap();
        assert!(!report.is_valid());
        let obs = &report.slots[0];
        assert_eq!(obs.slot, "obs");
        let p = &obs.report.problems;
        assert!(
            p.contains(&Problem::MissingColumn {
                feature: "cell_type_by_model".into(),
                dtype: "cat[bionty.CellType]".into()
            }),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| matches!(x, Problem::NonValidated { column, values, .. }
            if column == "perturbation" && values == &vec![("IFNJ".to_owned(), 1)])),
            "{p:?}"
        );
        assert!(p.iter().any(|x| matches!(x, Problem::NonValidated { column, synonyms, .. }
            if column == "cell_type_by_expert" && synonyms.get("B lymphocyte").map(String::as_str) == Some("B cell"))), "{p:?}");
        let var = &report.slots[1];
        assert_eq!(var.slot, "var.T");
        assert!(
            var.report
                .problems
                .iter()
                .any(|x| matches!(x, Problem::NonValidated { values, .. }
            if values == &vec![("ENSG99999999999".to_owned(), 1)])),
            "{:?}",
            var.report
        );
        let text = report.to_string();
        assert!(
            text.contains("[obs]") && text.contains("[var.T]") && text.contains("IFNJ"),
            "{text}"
        );

        // Nothing is saved from an invalid dataset.
        let before = ln.query::<Artifact>().count().unwrap();
        let e = curator
            .save_artifact(NewArtifactSpec {
                path: path.clone(),
                key: Some("bad.h5ad".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.to_string().contains("nothing was saved"), "{e}");
        assert_eq!(ln.query::<Artifact>().count().unwrap(), before);

        // Standardizing the synonym fixes that column, in memory.
        let mapping = curator
            .standardize(Some("obs:cell_type_by_expert"))
            .unwrap();
        assert_eq!(mapping["cell_type_by_expert"]["B lymphocyte"], "B cell");
        let report = curator.validate().unwrap();
        assert!(!report.slots[0].report.problems.iter().any(
            |x| matches!(x, Problem::NonValidated { column, .. } if column == "cell_type_by_expert")
        ));

        // With the built-in schema (not a maximal set), the unknown gene is a note, not a failure.
        let lenient = AnnDataCurator::new(
            ln,
            AnnData::open(&path).unwrap(),
            "anndata_ensembl_gene_ids_and_valid_features_in_obs",
        )
        .unwrap()
        .validate()
        .unwrap();
        let var = &lenient.slots[1].report;
        assert!(var.is_valid(), "{var}");
        assert!(var.notes[0].contains("1 of 3 var names"), "{:?}", var.notes);

        // A DataFrame schema is refused with the reason.
        let e = AnnDataCurator::new(ln, AnnData::open(&path).unwrap(), "immuno_obs")
            .err()
            .unwrap();
        assert!(e.to_string().contains("otype must be 'AnnData'"), "{e}");
    }
);

// The CELLxGENE schema: what `cellxgene-schema validate` 7.1.0 says about the two fixtures
// (recorded by `make_cellxgene.py` in `cellxgene_expected.json`), lamin says too.
both!(
    cellxgene_rules_report_what_cellxgene_schema_reports,
    |backend| {
        let t = TestInstance::new(backend, &[lamindb_tests::bionty::NAME]);
        let ont = shared_data().join("ontologies");
        for (entity, file) in [
            (bionty::Entity::CellType, "cl.obo"),
            (bionty::Entity::Tissue, "uberon.obo.gz"),
            (bionty::Entity::ExperimentalFactor, "efo.obo.gz"),
            (bionty::Entity::Phenotype, "pato.obo"),
            (bionty::Entity::DevelopmentalStage, "hsapdv.obo"),
            (bionty::Entity::Ethnicity, "hancestro.obo"),
            (bionty::Entity::Organism, "ncbitaxon-subset.obo"),
        ] {
            let mut opts = bionty::ImportOptions::new(entity);
            opts.input = Some(bionty::Input::File(ont.join(file)));
            bionty::import_source(&t.inst, &opts).unwrap();
        }
        // The fixture's genes, as rows of the shared human gene table.
        import_genes(
            &t,
            &[
                "ENSG00000153563",
                "ENSG00000010610",
                "ENSG00000170458",
                "ENSG00000139618",
            ],
        );

        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture("cellxgene_expected.json")).unwrap(),
        )
        .unwrap();
        for file in ["cellxgene_valid.h5ad", "cellxgene_invalid.h5ad"] {
            let adata = AnnData::open(&fixture(file)).unwrap();
            let report = AnnDataCurator::new(&t.inst, adata, "cellxgene")
                .unwrap()
                .validate()
                .unwrap();
            let rules = report
                .slots
                .iter()
                .find(|s| s.slot == "cellxgene")
                .expect("the CELLxGENE rules run");
            let got: Vec<String> = rules
                .report
                .problems
                .iter()
                .map(|p| match p {
                    Problem::Rule { message } => message.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            let want: Vec<String> = expected[file]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().trim_start_matches("ERROR: ").to_owned())
                .collect();
            assert_eq!(got, want, "{file}");
            assert_eq!(report.is_valid(), want.is_empty(), "{file}: {report}");
        }
        let schema = t.inst.schemas().get("cellxgene").unwrap();
        let slots: Vec<String> = t
            .inst
            .schemas()
            .slots(&schema)
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(slots, ["obs", "var.T", "uns"]);
    }
);

// AnnData and parquet files in a bucket are validated through the cache (h5ad, zarr folder).
#[test]
fn cloud_datasets_validate_through_the_cache() {
    let t = setup(lamindb_tests::Backend::Sqlite);
    let prefix = format!(
        "curate{}",
        lamindb_core::util::uid::random(8).to_lowercase()
    );
    let url = format!("s3://{}/{prefix}", lamindb_tests::S3_BUCKET);
    let bucket = lamindb_storage::StorageRoot::parse(&url).unwrap();
    bucket
        .put(&fixture("mini_immuno.h5ad"), "mini_immuno.h5ad")
        .unwrap();
    bucket
        .put(&fixture("mini_immuno.v3.zarr"), "mini_immuno.zarr")
        .unwrap();
    for name in ["mini_immuno.h5ad", "mini_immuno.zarr"] {
        let remote = PathBuf::from(format!("{url}/{name}"));
        let local = lamindb_curate::curator::localize(&remote).unwrap();
        assert!(
            local.starts_with(lamindb_core::instance::settings::cache_dir()),
            "{}",
            local.display()
        );
        let curator = lamindb_curate::Curator::open(
            &t.inst,
            &remote,
            "ensembl_gene_ids_and_valid_features_in_obs",
        )
        .unwrap();
        let report = curator.validate().unwrap();
        assert!(report.is_valid(), "{name}: {report}");
    }
}

// A standardized copy of real files: values mapped, two categories merged into one, and all
// else as read from the source; anndata 0.7's object-referenced categories are refused.
#[test]
fn standardized_copies_of_real_files() {
    use lamindb_curate::anndata::edit::write_standardized;
    use std::collections::BTreeMap;
    let dir = shared_data().join("anndata");
    let out_dir = tempfile::tempdir().unwrap();
    let map = |pairs: &[(&str, &str, &str)]| {
        let mut m: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (k, from, to) in pairs {
            m.entry(k.to_string())
                .or_default()
                .insert(from.to_string(), to.to_string());
        }
        m
    };
    for (src, out) in [
        ("pbmc68k_reduced.h5ad", "p.h5ad"),
        ("pbmc68k_reduced.v2.zarr", "p.v2.zarr"),
        ("pbmc68k_reduced.v3.zarr", "p.v3.zarr"),
    ] {
        let src = dir.join(src);
        let before = AnnData::open(&src).unwrap();
        let (column, from, to) = ("louvain", "1", "0");
        let out = out_dir.path().join(out);
        write_standardized(&src, &out, &map(&[(&format!("obs:{column}"), from, to)])).unwrap();
        let after = AnnData::open(&out).unwrap();
        let n = before.n_obs();
        let old = strs(&before.obs.df, column, n);
        let new = strs(&after.obs.df, column, n);
        let expected: Vec<Option<String>> = old
            .iter()
            .map(|v| {
                v.as_ref()
                    .map(|v| if v == from { to.to_owned() } else { v.clone() })
            })
            .collect();
        assert_eq!(new, expected, "{}", src.display());
        assert!(
            old.contains(&Some(from.to_owned())),
            "{}: the test maps a present value",
            src.display()
        );
        for c in before.obs.df.get_column_names() {
            if c.as_str() != column {
                assert_eq!(
                    before.obs.df.column(c).unwrap(),
                    after.obs.df.column(c).unwrap(),
                    "{}: {c}",
                    src.display()
                );
            }
        }
        assert_eq!(
            (
                &before.x,
                &before.obs.index,
                &before.var.df,
                &before.uns,
                &before.obsm
            ),
            (
                &after.x,
                &after.obs.index,
                &after.var.df,
                &after.uns,
                &after.obsm
            ),
            "{}",
            src.display()
        );
    }
    // anndata 0.7: categories named by an object reference are not rewritten; nothing is left.
    let out = out_dir.path().join("old.h5ad");
    let e = write_standardized(
        &dir.join("anndata-0.7.8-fixture.h5ad"),
        &out,
        &map(&[("obs:obs_cat", "A", "h")]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("anndata >= 0.8"), "{e}");
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 3);
    // A column the file lacks is named.
    let e = write_standardized(
        &dir.join("pbmc68k_reduced.h5ad"),
        &out,
        &map(&[("obs:no_such", "a", "b")]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("no column 'no_such'"), "{e}");
    // uns values are not written into the file.
    let e = write_standardized(
        &dir.join("pbmc68k_reduced.h5ad"),
        &out,
        &map(&[("uns:title", "a", "b")]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("uns:title"), "{e}");
}
