//! Curation of an AnnData: 100,000 cells × 2,000 genes, sparse X (CSR float32, 5 % dense),
//! categorical obs columns `cell_type` (20 bionty.CellType terms) and `donor` (10 ULabels),
//! var index of gene symbols against `bionty.Gene.symbol` — the reference peer's bench e.
//!
//! The AnnData is written as zarr v3 (anndata's encoding) with zarrs, so the benchmark needs
//! no Python; `LAMINDB_BENCH_ANNDATA=PATH` benchmarks an existing `.h5ad`/`.zarr` of the same
//! shape instead (e.g. the one bench e saves). Timed: reading + curator construction,
//! `validate()`, `save_artifact()` (copy into storage, hash, annotate, feature sets).
//!
//! `cargo bench -p lamindb-tests --bench anndata`; Python's side:
//! `tests/scripts/peer-curate-bench.sh anndata`. Figures in BENCHMARKS.md.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use lamindb_core::prelude::*;
use lamindb_curate::anndata::AnnData;
use lamindb_curate::anndata_curator::AnnDataCurator;
use lamindb_tests::{median, Backend, TestInstance};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use zarrs::array::builder::ArrayBuilderFillValue;
use zarrs::array::{data_type, ArrayBuilder, DataType};
use zarrs::filesystem::FilesystemStore;
use zarrs::group::GroupBuilder;

const NCELLS: usize = 100_000;
const NGENES: usize = 2_000;

fn attrs(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn group(store: &Arc<FilesystemStore>, path: &str, a: Value) {
    let mut g = GroupBuilder::new().build(store.clone(), path).unwrap();
    *g.attributes_mut() = attrs(a);
    g.store_metadata().unwrap();
}

fn array<T: zarrs::array::Element>(
    store: &Arc<FilesystemStore>,
    path: &str,
    dtype: DataType,
    fill: impl Into<ArrayBuilderFillValue>,
    values: Vec<T>,
    a: Value,
) {
    let n = values.len() as u64;
    let mut arr = ArrayBuilder::new(vec![n], vec![n.clamp(1, 1 << 22)], dtype, fill)
        .build(store.clone(), path)
        .unwrap();
    *arr.attributes_mut() = attrs(a);
    arr.store_metadata().unwrap();
    arr.store_array_subset(&arr.subset_all(), values).unwrap();
}

/// Writes the AnnData of bench e as zarr v3 in anndata's encoding.
fn write_anndata(dir: &Path, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let store = Arc::new(FilesystemStore::new(dir).unwrap());
    let enc = |t: &str, v: &str| json!({"encoding-type": t, "encoding-version": v});
    group(&store, "/", enc("anndata", "0.1.0"));
    group(
        &store,
        "/obs",
        json!({"_index": "_index", "column-order": ["cell_type", "donor"],
               "encoding-type": "dataframe", "encoding-version": "0.2.0"}),
    );
    let cells: Vec<String> = (0..NCELLS).map(|i| format!("cell{i}")).collect();
    let sa = enc("string-array", "0.2.0");
    array(
        &store,
        "/obs/_index",
        data_type::string(),
        "",
        cells,
        sa.clone(),
    );
    for (col, prefix, n) in [("cell_type", "celltype_", 20), ("donor", "donor_", 10)] {
        let mut cat = enc("categorical", "0.2.0");
        cat["ordered"] = json!(false);
        group(&store, &format!("/obs/{col}"), cat);
        let cats: Vec<String> = (0..n)
            .map(|j| {
                if col == "cell_type" {
                    format!("{prefix}{j:02}")
                } else {
                    format!("{prefix}{j}")
                }
            })
            .collect();
        let codes: Vec<i8> = (0..NCELLS).map(|_| rng.random_range(0..n as i8)).collect();
        let arr = enc("array", "0.2.0");
        array(
            &store,
            &format!("/obs/{col}/codes"),
            data_type::int8(),
            0i8,
            codes,
            arr,
        );
        let p = format!("/obs/{col}/categories");
        array(&store, &p, data_type::string(), "", cats, sa.clone());
    }
    group(
        &store,
        "/var",
        json!({"_index": "_index", "column-order": [],
               "encoding-type": "dataframe", "encoding-version": "0.2.0"}),
    );
    let genes: Vec<String> = (0..NGENES).map(|j| format!("GENE{j:05}")).collect();
    array(&store, "/var/_index", data_type::string(), "", genes, sa);
    let mut x = enc("csr_matrix", "0.1.0");
    x["shape"] = json!([NCELLS, NGENES]);
    group(&store, "/X", x);
    let k = NGENES / 20;
    let mut indices = Vec::with_capacity(NCELLS * k);
    for _ in 0..NCELLS {
        let base: i32 = rng.random_range(0..20);
        indices.extend((0..k as i32).map(|j| base + 20 * j));
    }
    let data: Vec<f32> = (0..NCELLS * k)
        .map(|_| rng.random::<f32>() * 10.0)
        .collect();
    let indptr: Vec<i64> = (0..=NCELLS as i64).map(|i| i * k as i64).collect();
    let arr = enc("array", "0.2.0");
    array(
        &store,
        "/X/data",
        data_type::float32(),
        0f32,
        data,
        arr.clone(),
    );
    array(
        &store,
        "/X/indices",
        data_type::int32(),
        0i32,
        indices,
        arr.clone(),
    );
    array(&store, "/X/indptr", data_type::int64(), 0i64, indptr, arr);
    for g in ["/uns", "/layers", "/obsm", "/obsp", "/varm", "/varp"] {
        group(&store, g, enc("dict", "0.1.0"));
    }
}

fn main() {
    let t = TestInstance::new(Backend::Sqlite, &[lamindb_tests::bionty::NAME]);
    let ln = &t.inst;
    // Registries: 20 cell types, 10 donors, 2,000 human genes (by symbol), the schema.
    for j in 0..20 {
        bionty::records::create_term(
            ln,
            bionty::Entity::CellType,
            &bionty::records::NewTerm {
                name: format!("celltype_{j:02}"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    for j in 0..10 {
        ln.ulabels()
            .create(NewLabel::new(format!("donor_{j}")))
            .unwrap();
    }
    let genes = t.dir.path().join("genes.csv");
    let rows: Vec<String> = (0..NGENES)
        .map(|j| format!("ENSG9{j:010},GENE{j:05},{j},1000,protein_coding"))
        .collect();
    std::fs::write(&genes, rows.join("\n")).unwrap();
    let mut opts = bionty::ImportOptions::new(bionty::Entity::Gene);
    opts.input = Some(bionty::Input::File(genes));
    bionty::import_source(ln, &opts).unwrap();
    let feats = vec![
        ln.features()
            .create(NewFeature::new("cell_type", "cat[bionty.CellType]"))
            .unwrap()
            .record,
        ln.features()
            .create(NewFeature::new("donor", "cat[ULabel]"))
            .unwrap()
            .record,
    ];
    let obs = ln
        .schemas()
        .create(NewSchema::of_features(feats).named("bench_obs_schema"))
        .unwrap()
        .record;
    let var = ln
        .schemas()
        .create(
            NewSchema {
                itype: Some("bionty.Gene.symbol".into()),
                ..Default::default()
            }
            .named("bench_var_schema"),
        )
        .unwrap()
        .record;
    ln.schemas()
        .create(
            NewSchema {
                otype: Some("AnnData".into()),
                slots: vec![("obs".into(), obs), ("var.T".into(), var)],
                ..Default::default()
            }
            .named("bench_ad_schema"),
        )
        .unwrap();

    let given = std::env::var_os("LAMINDB_BENCH_ANNDATA").map(std::path::PathBuf::from);
    let (mut open, mut validate, mut save) = (Vec::new(), Vec::new(), Vec::new());
    let mut size = 0u64;
    for r in 0..3u64 {
        let path = match &given {
            Some(p) => p.clone(),
            None => {
                let p = t.dir.path().join(format!("adata_{r}.zarr"));
                write_anndata(&p, r);
                p
            }
        };
        let start = Instant::now();
        let adata = AnnData::open(&path).unwrap();
        let curator = AnnDataCurator::new(ln, adata, "bench_ad_schema").unwrap();
        open.push(start.elapsed());
        let start = Instant::now();
        let report = curator.validate().unwrap();
        validate.push(start.elapsed());
        assert!(report.is_valid(), "{report}");
        let start = Instant::now();
        let suffix = if path.is_dir() { "zarr" } else { "h5ad" };
        let saved = curator
            .save_artifact(NewArtifactSpec::with_key(
                &path,
                format!("bench/adata_{r}.{suffix}"),
            ))
            .unwrap();
        save.push(start.elapsed());
        size = saved.saved.artifact.size.unwrap_or_default() as u64;
        assert_eq!(saved.feature_sets.len(), 2);
    }
    let ms = |v: Vec<std::time::Duration>| median(v).as_secs_f64() * 1e3;
    println!(
        "AnnData {NCELLS} × {NGENES} ({:.1} MB{})",
        size as f64 / 1e6,
        given
            .as_ref()
            .map_or(", zarr v3 written by the bench".to_owned(), |p| format!(
                ", {}",
                p.display()
            ))
    );
    println!("read obs/var + AnnDataCurator::new {:>8.1} ms", ms(open));
    println!(
        "validate()                         {:>8.1} ms",
        ms(validate)
    );
    println!("save_artifact()                    {:>8.1} ms", ms(save));
    if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
        if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM")) {
            println!("peak RSS {}", l.trim_start_matches("VmHWM:").trim());
        }
    }
}
