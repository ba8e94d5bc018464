//! Artifact benchmarks: save 1000 × 1 KB files one by one, the same in bulk, and get by key.
//!
//! `cargo bench -p lamindb-tests --bench artifacts` (SQLite); set `LAMINDB_BENCH_PG=1` to also run
//! on the local Postgres server. Figures are recorded in BENCHMARKS.md.

use std::time::Instant;

use lamindb_core::prelude::*;
use lamindb_tests::{per_item, Backend, TestInstance};

const N: usize = 1000;

fn files(t: &TestInstance, tag: &str) -> Vec<std::path::PathBuf> {
    (0..N)
        .map(|i| {
            let mut content = format!("{tag} file {i} ").into_bytes();
            content.resize(1024, b'x');
            t.file(&format!("{tag}/{i}.txt"), &content)
        })
        .collect()
}

fn run(backend: Backend) {
    let t = TestInstance::new(backend, &[]);
    let arts = t.inst.artifacts();

    let one = files(&t, "one");
    let start = Instant::now();
    for (i, f) in one.iter().enumerate() {
        arts.save(NewArtifactSpec::with_key(f, format!("one/{i}.txt")))
            .unwrap();
    }
    let single = start.elapsed();

    let bulk_files = files(&t, "bulk");
    let specs: Vec<NewArtifactSpec> = bulk_files
        .iter()
        .enumerate()
        .map(|(i, f)| NewArtifactSpec::with_key(f, format!("bulk/{i}.txt")))
        .collect();
    let start = Instant::now();
    let saved = arts.save_many(specs).unwrap();
    let bulk = start.elapsed();
    assert_eq!(saved.len(), N);

    let rounds = 5;
    let start = Instant::now();
    for _ in 0..rounds {
        for i in 0..N {
            let a = arts.get_by_key(&format!("one/{i}.txt")).unwrap();
            std::hint::black_box(a);
        }
    }
    let get = start.elapsed();

    println!(
        "{:<9} save one by one: {:>9}/file   save bulk: {:>9}/file   get by key: {:>9}",
        format!("{backend:?}"),
        per_item(single, N),
        per_item(bulk, N),
        per_item(get, N * rounds)
    );
}

fn main() {
    run(Backend::Sqlite);
    if std::env::var_os("LAMINDB_BENCH_PG").is_some() {
        run(Backend::Postgres);
    }
}
