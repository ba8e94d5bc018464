//! Curation: validating a 1,000,000 × 10 DataFrame against a Schema of features, as the
//! reference peer's bench d does (floats, ints, a `cat[ULabel]` and a `cat[Record[type]]`
//! column of 20 values each, a high- and a low-cardinality string column), then saving it.
//!
//! `cargo bench -p lamindb-tests --bench curate`; Python's side: `tests/scripts/peer-curate-bench.sh`.
//! Figures are recorded in BENCHMARKS.md.

use std::time::Instant;

use lamindb_core::prelude::*;
use lamindb_curate::dataframe::DataFrameCurator;
use lamindb_tests::{median, Backend, TestInstance};
use polars::prelude::*;
use rand::{Rng, SeedableRng};

const NROWS: usize = 1_000_000;

fn frame(seed: u64) -> DataFrame {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let ucats: Vec<String> = (0..20).map(|j| format!("u{j:02}")).collect();
    let rcats: Vec<String> = (0..20).map(|j| format!("r{j:02}")).collect();
    let f =
        |rng: &mut rand::rngs::StdRng| (0..NROWS).map(|_| rng.random::<f64>()).collect::<Vec<_>>();
    let i = |rng: &mut rand::rngs::StdRng, hi: i64| {
        (0..NROWS)
            .map(|_| rng.random_range(0..hi))
            .collect::<Vec<_>>()
    };
    let f0 = f(&mut rng);
    let f1 = f(&mut rng);
    let f2 = f(&mut rng);
    let i0 = i(&mut rng, 1000);
    let i1 = i(&mut rng, 10);
    let i2 = i(&mut rng, 1 << 40);
    let cu: Vec<&str> = (0..NROWS)
        .map(|_| ucats[rng.random_range(0..20)].as_str())
        .collect();
    let cr: Vec<&str> = (0..NROWS)
        .map(|_| rcats[rng.random_range(0..20)].as_str())
        .collect();
    let hi: Vec<String> = (0..NROWS)
        .map(|_| format!("id_{:x}", rng.random::<u64>() >> 2))
        .collect();
    let lo: Vec<String> = (0..NROWS)
        .map(|_| format!("grp_{}", rng.random_range(0..100)))
        .collect();
    df!(
        "f0" => f0, "f1" => f1, "f2" => f2, "i0" => i0, "i1" => i1, "i2" => i2,
        "cat_ulabel" => cu, "cat_record" => cr, "s_hi" => hi, "s_lo" => lo
    )
    .unwrap()
}

fn main() {
    let t = TestInstance::new(Backend::Sqlite, &[]);
    let ln = &t.inst;
    for j in 0..20 {
        ln.ulabels()
            .create(NewLabel::new(format!("u{j:02}")))
            .unwrap();
    }
    let mut ty = NewLabel::new("BenchConditions");
    ty.is_type = true;
    let ty = ln.records().create(ty).unwrap().record;
    for j in 0..20 {
        let mut r = NewLabel::new(format!("r{j:02}"));
        r.type_id = Some(ty.id);
        ln.records().create(r).unwrap();
    }
    let mut feats = Vec::new();
    for (n, d) in [
        ("f0", "float"),
        ("f1", "float"),
        ("f2", "float"),
        ("i0", "int"),
        ("i1", "int"),
        ("i2", "int"),
        ("cat_ulabel", "cat[ULabel]"),
        ("cat_record", "cat[Record[BenchConditions]]"),
        ("s_hi", "str"),
        ("s_lo", "str"),
    ] {
        feats.push(ln.features().create(NewFeature::new(n, d)).unwrap().record);
    }
    ln.schemas()
        .create(NewSchema::of_features(feats).named("bench_df_schema"))
        .unwrap();

    let (mut init, mut validate, mut save) = (Vec::new(), Vec::new(), Vec::new());
    let mut data_mib = 0.0;
    for r in 0..3u64 {
        let df = frame(r);
        data_mib = df.estimated_size() as f64 / f64::from(1 << 20);
        let start = Instant::now();
        let mut curator = DataFrameCurator::new(ln, df, "bench_df_schema").unwrap();
        init.push(start.elapsed());
        let start = Instant::now();
        let report = curator.validate().unwrap();
        validate.push(start.elapsed());
        assert!(report.is_valid(), "{report}");
        // Save: the parquet file written, then saved, annotated and linked.
        let start = Instant::now();
        let path = t.dir.path().join(format!("df_{r}.parquet"));
        let mut df = curator.dataframe().unwrap().clone();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        curator
            .save_artifact(NewArtifactSpec::with_key(
                &path,
                format!("bench/df_{r}.parquet"),
            ))
            .unwrap();
        save.push(start.elapsed());
    }
    let ms = |v: Vec<std::time::Duration>| median(v).as_secs_f64() * 1e3;
    println!("DataFrameCurator::new        {:>8.1} ms", ms(init));
    println!("validate (1,000,000 × 10)    {:>8.1} ms", ms(validate));
    println!(
        "save_artifact (parquet write, save, annotate) {:>8.1} ms",
        ms(save)
    );
    if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
        if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM")) {
            println!(
                "peak RSS                     {} (the DataFrame: {data_mib:.0} MiB)",
                l.trim_start_matches("VmHWM:").trim()
            );
        }
    }
    files(ln, t.dir.path(), data_mib);
}

/// A `/proc/self/status` figure in KiB.
fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Validating parquet files of 1,000,000 and 10,000,000 rows (the frame above, written in
/// batches of a million rows): time and the peak RSS of validation alone (the high-water
/// mark is reset through `/proc/self/clear_refs` before each run).
fn files(ln: &Instance, dir: &std::path::Path, data_mib: f64) {
    let mut paths = Vec::new();
    for batches in [1u64, 10] {
        let path = dir.join(format!("rows_{batches}m.parquet"));
        let first = frame(100);
        let file = std::fs::File::create(&path).unwrap();
        let mut w = ParquetWriter::new(file).batched(first.schema()).unwrap();
        w.write_batch(&first).unwrap();
        drop(first);
        for b in 1..batches {
            w.write_batch(&frame(100 + b)).unwrap();
        }
        w.finish().unwrap();
        paths.push((batches, path));
    }
    for (batches, path) in &paths {
        std::fs::write("/proc/self/clear_refs", "5").unwrap();
        let before = status_kib("VmRSS");
        let start = Instant::now();
        let report = DataFrameCurator::from_path(ln, path, "bench_df_schema")
            .unwrap()
            .validate()
            .unwrap();
        let took = start.elapsed();
        assert!(report.is_valid(), "{report}");
        let peak = status_kib("VmHWM");
        println!(
            "validate {batches:>2},000,000-row parquet file ({:.0} MB): {:>8.1} ms, peak RSS {:.0} MiB ({:.0} MiB above the {:.0} MiB before; the 1M-row frame in memory: {data_mib:.0} MiB)",
            std::fs::metadata(path).unwrap().len() as f64 / 1e6,
            took.as_secs_f64() * 1e3,
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / 1024.0,
            before as f64 / 1024.0,
        );
    }
}
