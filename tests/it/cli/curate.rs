//! `lamin validate PATH --schema NAME` with the standalone `lamin`.

use lamindb_tests::{both, shared_data};

use super::Env;

/// An instance for the mini_immuno AnnData fixtures: CL imported, ulabels DMSO and IFNG, the
/// feature `perturbation` (`cat[ULabel]`) and `cell_types` as `cat[bionty.CellType]` features.
fn immuno_env(backend: lamindb_tests::Backend, cell_types: &[&str]) -> Env {
    let env = Env::new(backend);
    env.init_with(&["--modules", "bionty"]);
    let cl = shared_data().join("ontologies/cl.obo");
    env.ok(&[
        "bionty",
        "import",
        "CellType",
        "--file",
        cl.to_str().unwrap(),
    ]);
    for l in ["DMSO", "IFNG"] {
        env.ok(&["create", "ulabel", l]);
    }
    env.ok(&[
        "create",
        "feature",
        "perturbation",
        "--dtype",
        "cat[ULabel]",
    ]);
    for f in cell_types {
        env.ok(&["create", "feature", f, "--dtype", "cat[bionty.CellType]"]);
    }
    env
}

both!(validate_reports_every_problem_and_standardizes, |backend| {
    let env = Env::new(backend);
    env.init_with(&["--modules", "bionty"]);
    let cl = shared_data().join("ontologies/cl.obo");
    env.ok(&[
        "bionty",
        "import",
        "CellType",
        "--file",
        cl.to_str().unwrap(),
    ]);
    env.ok(&[
        "create",
        "feature",
        "cell_type",
        "--dtype",
        "cat[bionty.CellType]",
    ]);
    env.ok(&["create", "feature", "n_genes", "--dtype", "int"]);
    env.ok(&["create", "feature", "donor", "--dtype", "cat[ULabel]"]);
    env.ok(&["create", "ulabel", "D1"]);
    env.ok(&[
        "create",
        "schema",
        "cells",
        "--features",
        "cell_type,n_genes,donor",
        "--maximal-set",
    ]);
    let bad = env.write(
        "cells.csv",
        b"cell_type,n_genes,donor,extra\nT cell,10,D1,x\nt cell,12,D1,y\nT-cell,7,D9,z\n",
    );
    let out = env.lamin(&[
        "--json",
        "validate",
        bad.to_str().unwrap(),
        "--schema",
        "cells",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["valid"], false);
    let kinds: Vec<&str> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["problem"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["non_validated", "non_validated", "extra_column"],
        "{r}"
    );
    let text = String::from_utf8_lossy(
        &env.lamin(&["validate", bad.to_str().unwrap(), "--schema", "cells"])
            .stdout,
    )
    .into_owned();
    assert!(
        text.contains("\"t cell\" → \"T cell\"")
            && text.contains("1 term not validated in feature 'donor': 'D9' (1)")
            && text.contains("--add-new donor"),
        "{text}"
    );
    // --standardize writes the fixed copy; what remains is the unknown donor and the extra column.
    let fixed = env.dir.path().join("fixed.csv");
    let out = env.lamin(&[
        "--json",
        "validate",
        bad.to_str().unwrap(),
        "--schema",
        "cells",
        "--standardize",
        fixed.to_str().unwrap(),
    ]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["standardized"]["cell_type"]["T-cell"], "T cell", "{r}");
    assert_eq!(r["problems"].as_array().unwrap().len(), 2, "{r}");
    let written = std::fs::read_to_string(&fixed).unwrap();
    assert_eq!(written.matches("T cell").count(), 3, "{written}");
    // --add-new creates the missing donor; then only the extra column is left.
    let out = env.lamin(&[
        "--json",
        "validate",
        fixed.to_str().unwrap(),
        "--schema",
        "cells",
        "--add-new",
        "donor",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["added"]["donor"], 1, "{r}");
    assert_eq!(r["problems"].as_array().unwrap().len(), 1, "{r}");
    // A valid file exits 0.
    let good = env.write(
        "good.csv",
        b"cell_type,n_genes,donor\nT cell,10,D1\nneuron,3,D1\n",
    );
    let out = env.lamin(&["validate", good.to_str().unwrap(), "--schema", "cells"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Unknown schema: not found; unsupported file: invalid input.
    let out = env.lamin(&["validate", good.to_str().unwrap(), "--schema", "nope"]);
    assert_eq!(out.status.code(), Some(3));
    let txt = env.write("x.txt", b"a");
    let out = env.lamin(&["validate", txt.to_str().unwrap(), "--schema", "cells"]);
    assert_ne!(out.status.code(), Some(0));
});

both!(save_with_a_schema_saves_only_valid_files, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "feature", "donor", "--dtype", "cat[ULabel]"]);
    env.ok(&["create", "ulabel", "D1"]);
    env.ok(&["create", "schema", "donors", "--features", "donor"]);
    let bad = env.write("bad.csv", b"donor\nD1\nD7\n");
    let out = env.lamin(&[
        "save",
        bad.to_str().unwrap(),
        "--key",
        "d/bad.csv",
        "--schema",
        "donors",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'D7'"));
    let listed = env.json(&["list", "artifacts"]);
    assert_eq!(
        listed.as_array().unwrap().len(),
        0,
        "nothing saved: {listed}"
    );
    let good = env.write("good.csv", b"donor\nD1\nD1\n");
    let saved = env.json(&[
        "save",
        good.to_str().unwrap(),
        "--key",
        "d/good.csv",
        "--schema",
        "donors",
    ]);
    assert_eq!(saved["kind"], "dataset");
    assert_eq!(saved["labels"]["donor"], 1);
    let described = env.ok(&["describe", "--key", "d/good.csv"]);
    assert!(
        described.contains("schema: donors") && described.contains("n_observations: 2"),
        "{described}"
    );
    assert!(
        described.contains("Dataset features") && described.contains("columns (1)"),
        "{described}"
    );
    let found = env.json(&["list", "artifacts", "--filter", "donor=D1"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
});

// The seed README's AnnData flow through the CLI: h5ad and zarr validate alike against the
// built-in schema; an invalid copy is reported per slot and not saved; a valid one is saved
// with its labels and feature sets.
both!(anndata_files_validate_and_save_per_slot, |backend| {
    let env = immuno_env(backend, &["cell_type_by_expert"]);
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/anndata");
    let schema = "ensembl_gene_ids_and_valid_features_in_obs";
    let mut reports = Vec::new();
    for f in [
        "mini_immuno.h5ad",
        "mini_immuno.v2.zarr",
        "mini_immuno.v3.zarr",
    ] {
        let path = fixtures.join(f);
        let r = env.json(&["validate", path.to_str().unwrap(), "--schema", schema]);
        assert_eq!(r["valid"], true, "{f}: {r}");
        assert_eq!(
            (r["n_obs"].as_u64(), r["n_vars"].as_u64()),
            (Some(3), Some(3))
        );
        reports.push(r);
    }
    assert!(reports.windows(2).all(|w| w[0] == w[1]), "{reports:?}");

    let bad = fixtures.join("mini_immuno_invalid.h5ad");
    let out = env.lamin(&[
        "--json",
        "validate",
        bad.to_str().unwrap(),
        "--schema",
        schema,
    ]);
    assert_eq!(out.status.code(), Some(4));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obs = &r["slots"][0];
    assert_eq!(obs["slot"], "obs");
    let cols: Vec<&str> = obs["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["column"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["perturbation", "cell_type_by_expert"], "{r}");
    assert_eq!(r["slots"][1]["slot"], "var.T");
    let out = env.lamin(&[
        "save",
        bad.to_str().unwrap(),
        "--key",
        "bad.h5ad",
        "--schema",
        schema,
    ]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[obs]") && err.contains("IFNJ"), "{err}");
    assert_eq!(
        env.json(&["list", "artifacts"]).as_array().unwrap().len(),
        0
    );
    let good = fixtures.join("mini_immuno.v3.zarr");
    let saved = env.json(&[
        "save",
        good.to_str().unwrap(),
        "--key",
        "examples/mini_immuno.zarr",
        "--schema",
        schema,
    ]);
    assert_eq!(saved["kind"], "dataset");
    assert_eq!(saved["labels"]["perturbation"], 2);
    assert!(saved["feature_sets"]["obs"].is_string(), "{saved}");
    let described = env.ok(&["describe", "--key", "examples/mini_immuno.zarr"]);
    assert!(
        described.contains("otype: AnnData") && described.contains("n_observations: 3"),
        "{described}"
    );
    assert!(described.contains("obs (2)"), "{described}");
    let found = env.json(&["list", "artifacts", "--filter", "perturbation=IFNG"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    // The built-in schemas, described and listed with their members.
    let d = env.ok(&[
        "describe",
        "schema",
        "anndata_ensembl_gene_ids_and_valid_features_in_obs",
    ]);
    assert!(
        d.contains("(0000000000000002)")
            && d.contains("obs: valid_features (0000000000000000)")
            && d.contains("var.T: valid_ensembl_gene_ids (0000000000000001)")
            && d.contains("itype: bionty.Gene.ensembl_gene_id"),
        "{d}"
    );
    let j = env.json(&["describe", "schema", "--name", "valid_ensembl_gene_ids"]);
    assert_eq!(j["uid"], "0000000000000001");
    let listed = env.ok(&["list", "schemas"]);
    assert!(
        listed.contains("obs: valid_features, var.T: valid_ensembl_gene_ids")
            && listed.contains("perturbation, cell_type_by_expert"),
        "{listed}"
    );
    let out = env.lamin(&["describe", "schema", "no_such_schema"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_schema"));
});

// `lamin save --features` stores feature values with the artifact; unknown features are refused
// before anything is saved.
both!(save_with_feature_values, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "feature", "temperature", "--dtype", "float"]);
    let f = env.write("t.csv", b"a\n1\n");
    let out = env.lamin(&[
        "save",
        f.to_str().unwrap(),
        "--key",
        "t.csv",
        "--features",
        "humidity=3",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("humidity"));
    assert_eq!(
        env.json(&["list", "artifacts"]).as_array().unwrap().len(),
        0
    );
    let saved = env.json(&[
        "save",
        f.to_str().unwrap(),
        "--key",
        "t.csv",
        "--features",
        "temperature=21.6",
    ]);
    let described = env.json(&["describe", "--key", "t.csv"]);
    assert_eq!(saved["key"], "t.csv");
    assert!(
        described["features"].to_string().contains("21.6"),
        "{described}"
    );
});

// `--standardize OUT` on an AnnData writes a copy of the file or folder with the standardized
// obs values — two categories that became one merged, a string column rewritten — and
// validates that copy; the source is untouched and X is carried over.
both!(standardize_writes_a_copy_of_an_anndata, |backend| {
    let env = immuno_env(backend, &["cell_type_by_expert", "cell_type_by_model"]);
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/anndata");
    let schema = "ensembl_gene_ids_and_valid_features_in_obs";
    for (src, out) in [
        ("mini_immuno_synonyms.h5ad", "std.h5ad"),
        ("mini_immuno_synonyms.v2.zarr", "std.v2.zarr"),
        ("mini_immuno_synonyms.v3.zarr", "std.v3.zarr"),
    ] {
        let src = fixtures.join(src);
        let out = env.dir.path().join(out);
        let before = env.lamin(&["validate", src.to_str().unwrap(), "--schema", schema]);
        assert_eq!(before.status.code(), Some(4), "{}", out.display());
        let r = env.json(&[
            "validate",
            src.to_str().unwrap(),
            "--schema",
            schema,
            "--standardize",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r["valid"], true, "{r}");
        assert_eq!(
            r["standardized"]["obs:cell_type_by_expert"]["B lymphocyte"], "B cell",
            "{r}"
        );
        assert_eq!(
            r["standardized"]["obs:cell_type_by_model"]["T-cell"],
            "T cell"
        );
        // The copy alone validates, and reads as the source with the values replaced.
        let again = env.json(&["validate", out.to_str().unwrap(), "--schema", schema]);
        assert_eq!(again["valid"], true, "{again}");
        let a = lamindb_curate::anndata::AnnData::open(&out).unwrap();
        let s = lamindb_curate::anndata::AnnData::open(&src).unwrap();
        let col = |ad: &lamindb_curate::anndata::AnnData, c: &str| -> Vec<Option<String>> {
            ad.obs
                .df
                .column(c)
                .unwrap()
                .as_materialized_series()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_owned))
                .collect()
        };
        let some = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert_eq!(
            col(&a, "cell_type_by_expert"),
            some(&["B cell", "B cell", "CD8-positive, alpha-beta T cell"])
        );
        assert_eq!(
            col(&a, "cell_type_by_model"),
            some(&["B cell", "T cell", "T cell"])
        );
        assert_eq!(
            col(&s, "cell_type_by_model"),
            some(&["B cell", "T-cell", "T cell"])
        );
        assert!(a
            .obs
            .categorical
            .contains(&"cell_type_by_expert".to_owned()));
        assert_eq!(
            (a.x.clone(), a.obs.index.clone(), a.uns.clone()),
            (s.x.clone(), s.obs.index.clone(), s.uns.clone())
        );
        assert_eq!(col(&a, "donor"), col(&s, "donor"));
        // An existing path is not overwritten.
        let twice = env.lamin(&[
            "validate",
            src.to_str().unwrap(),
            "--schema",
            schema,
            "--standardize",
            out.to_str().unwrap(),
        ]);
        assert_ne!(twice.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&twice.stderr).contains("exists"));
        // Nothing half-written is left beside it.
        let stray: Vec<_> = std::fs::read_dir(env.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
});
