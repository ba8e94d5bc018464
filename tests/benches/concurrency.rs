//! Concurrent writers: 200 files of 1 KB saved by 1 process and by 8 processes at once (each a
//! separate OS process opening the same instance, as pipeline steps do), in saves per second.
//!
//! `cargo bench -p lamindb-tests --bench concurrency` (SQLite); set `LAMINDB_BENCH_PG=1` to also
//! run on the local Postgres server. Figures are recorded in BENCHMARKS.md.

use std::process::Command;
use std::time::Instant;

use lamindb_core::prelude::*;
use lamindb_tests::{Backend, TestInstance};

const FILES: usize = 200;

/// A worker process: opens the instance and saves its files one by one.
fn worker(slug: &str, dir: &str, from: usize, to: usize) {
    let ln = Instance::connect(slug).expect("open the instance");
    for i in from..to {
        let path = std::path::Path::new(dir).join(format!("{i}.txt"));
        ln.artifacts()
            .save(NewArtifactSpec::with_key(path, format!("c/{i}.txt")))
            .expect("save");
    }
}

fn run(backend: Backend, writers: usize) -> f64 {
    let t = TestInstance::new(backend, &[]);
    let dir = t.dir.path().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..FILES {
        let mut content = format!("file {i} ").into_bytes();
        content.resize(1024, b'x');
        std::fs::write(dir.join(format!("{i}.txt")), content).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let per = FILES / writers;
    let start = Instant::now();
    let children: Vec<_> = (0..writers)
        .map(|w| {
            Command::new(&exe)
                .args([
                    "--worker",
                    &t.inst.slug(),
                    dir.to_str().unwrap(),
                    &(w * per).to_string(),
                    &((w + 1) * per).to_string(),
                ])
                .env("LAMIN_SETTINGS_DIR", lamindb_tests::isolate_settings())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer failed");
    }
    let secs = start.elapsed().as_secs_f64();
    let n = t
        .inst
        .query::<Artifact>()
        .filter(Q::new("key__startswith", "c/"))
        .count()
        .unwrap();
    assert_eq!(n as usize, FILES);
    FILES as f64 / secs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--worker") {
        let a = &args[i + 1..];
        worker(&a[0], &a[1], a[2].parse().unwrap(), a[3].parse().unwrap());
        return;
    }
    let mut backends = vec![Backend::Sqlite];
    if std::env::var_os("LAMINDB_BENCH_PG").is_some() {
        backends.push(Backend::Postgres);
    }
    for b in backends {
        let one = run(b, 1);
        let eight = run(b, 8);
        println!(
            "{:<9} 1 writer: {one:>7.0} saves/s   8 writers: {eight:>7.0} saves/s",
            format!("{b:?}")
        );
    }
}
