//! Query benchmarks, side by side with Python LaminDB's bench c (`../shared/peer`): get by key,
//! filter → 1000 rows to a DataFrame, filters on feature values, 1000 rows with feature columns,
//! annotating with two values, and bulk label inserts.
//!
//! `cargo bench -p lamindb-tests --bench query` (SQLite); `LAMINDB_BENCH_PG=1` adds Postgres.

use std::time::{Duration, Instant};

use lamindb_core::prelude::*;
use lamindb_core::query::Include;
use lamindb_tests::{median, per_item, Backend, TestInstance};
use serde_json::json;

const N: usize = 1000;

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> Duration {
    std::hint::black_box(f()); // warm-up
    median(
        (0..reps)
            .map(|_| {
                let s = Instant::now();
                std::hint::black_box(f());
                s.elapsed()
            })
            .collect(),
    )
}

fn fmt(d: Duration) -> String {
    per_item(d, 1)
}

fn run(backend: Backend) {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let specs: Vec<NewArtifactSpec> = (0..N)
        .map(|i| {
            let mut content = format!("bench file {i} ").into_bytes();
            content.resize(1024, b'x');
            NewArtifactSpec::with_key(
                t.file(&format!("in/{i}.txt"), &content),
                format!("bench/r0/f{i:04}.txt"),
            )
        })
        .collect();
    ln.artifacts().save_many(specs).unwrap();
    let prefix = Q::new("key__startswith", "bench/r0/");
    let q = ln.query::<Artifact>().filter(prefix.clone());

    let q1 = time(50, || {
        let df = q.to_dataframe(&Include::default()).unwrap();
        assert_eq!(df.height(), N);
    });
    let q2 = time(200, || {
        ln.query::<Artifact>()
            .get(Q::new("key", "bench/r0/f0500.txt"))
            .unwrap()
    });

    ln.features()
        .create(NewFeature::new("bench_n", "int"))
        .unwrap();
    ln.features()
        .create(NewFeature::new("bench_tag", "str"))
        .unwrap();
    let arts = q.clone().order_by("key").all().unwrap();
    let start = Instant::now();
    for (i, a) in arts.iter().enumerate() {
        let v = json!({"bench_n": i, "bench_tag": format!("t{}", i % 10)});
        ln.annotations(a)
            .add_values(v.as_object().unwrap())
            .unwrap();
    }
    let annotate = start.elapsed() / N as u32;
    // 2000 link rows written one artifact at a time: on Postgres, autovacuum would analyze them
    // within a minute; until then plans assume empty tables (see `Instance::analyze`).
    ln.analyze().unwrap();

    let thr = (N as f64 * 0.9) as i64;
    let q3 = time(50, || {
        let df = q
            .clone()
            .filter(Q::new("bench_n__gt", thr))
            .to_dataframe(&Include::default())
            .unwrap();
        assert_eq!(df.height(), N - thr as usize - 1);
    });
    let q4 = time(50, || {
        let df = q
            .clone()
            .filter(Q::new("bench_tag", "t3"))
            .to_dataframe(&Include::default())
            .unwrap();
        assert_eq!(df.height(), N / 10);
    });
    let q6 = time(20, || {
        let df = q
            .to_dataframe(&Include {
                related: &[],
                features: true,
            })
            .unwrap();
        assert_eq!(df.height(), N);
    });
    let labels: Vec<NewLabel> = (0..100_000)
        .map(|i| NewLabel::new(format!("label {i}")))
        .collect();
    let start = Instant::now();
    ln.ulabels().save_all(&labels).unwrap();
    let bulk = start.elapsed();

    println!("{backend:?}:");
    println!(
        "  q1 filter(key__startswith) → DataFrame, {N} rows   {}",
        fmt(q1)
    );
    println!(
        "  q2 get(key=…) per call                           {}",
        fmt(q2)
    );
    println!(
        "  annotate: add_values (2 values) per artifact     {}",
        fmt(annotate)
    );
    println!(
        "  q3 filter(bench_n__gt={thr}) → DataFrame           {}",
        fmt(q3)
    );
    println!(
        "  q4 filter(bench_tag='t3') → DataFrame            {}",
        fmt(q4)
    );
    println!(
        "  q6 {N} rows with feature columns                 {}",
        fmt(q6)
    );
    println!(
        "  bulk insert 100,000 ULabels                      {} ({:.0} rows/s)",
        fmt(bulk),
        100_000.0 / bulk.as_secs_f64()
    );
}

fn main() {
    run(Backend::Sqlite);
    if std::env::var_os("LAMINDB_BENCH_PG").is_some() {
        run(Backend::Postgres);
    }
}
