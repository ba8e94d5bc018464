//! Storage benchmarks: hashing, saving (copy or upload) and caching (download) a 1 GiB file, and a
//! folder of 1000 small files, on a local root and on the local S3-protocol server.
//!
//! ```sh
//! tests/scripts/ensure-s3.sh && cargo bench -p lamindb-tests --bench storage
//! ```

use std::io::Write;
use std::time::{Duration, Instant};

use lamindb_core::prelude::*;
use lamindb_tests::{Backend, Store, TestInstance};

const GIB: usize = 1 << 30;

fn mib_s(bytes: usize, d: Duration) -> String {
    format!(
        "{:.0} MiB/s",
        bytes as f64 / (1 << 20) as f64 / d.as_secs_f64()
    )
}

fn big_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("big.bin");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut block = vec![0u8; 1 << 20];
    for i in 0..(GIB >> 20) {
        for (j, b) in block.iter_mut().enumerate() {
            *b = ((i * 31 + j) % 251) as u8;
        }
        f.write_all(&block).unwrap();
    }
    f.flush().unwrap();
    path
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let v = f();
    (v, start.elapsed())
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let big = big_file(scratch.path());
    let (_, d) = timed(|| lamindb_storage::hash_file(&big).unwrap());
    println!(
        "hash 1 GiB (sha1-fl: first and last 50 MiB): {:.1} ms",
        d.as_secs_f64() * 1e3
    );
    let md5_part = scratch.path().join("50mib.bin");
    std::fs::write(&md5_part, &std::fs::read(&big).unwrap()[..50 << 20]).unwrap();
    let (_, d) = timed(|| lamindb_storage::hash_file(&md5_part).unwrap());
    println!("md5 of 50 MiB: {}", mib_s(50 << 20, d));

    for store in [Store::Local, Store::S3] {
        let t = TestInstance::on(Backend::Sqlite, store, &[]);
        let arts = t.inst.artifacts();
        let (saved, d) = timed(|| {
            arts.save(NewArtifactSpec::with_key(&big, "big.bin"))
                .unwrap()
        });
        println!(
            "{store:?}: save 1 GiB (hash + {}): {}",
            if store == Store::Local {
                "copy"
            } else {
                "multipart upload"
            },
            mib_s(GIB, d)
        );
        if store != Store::Local {
            let (_, d) = timed(|| arts.cache(&saved.artifact).unwrap());
            println!("{store:?}: cache 1 GiB (download): {}", mib_s(GIB, d));
        }

        let folder = t.dir.path().join("many");
        for i in 0..1000 {
            let p = folder.join(format!("d{}/f{i}.txt", i % 10));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let mut content = format!("file {i} ").into_bytes();
            content.resize(1024, b'x');
            std::fs::write(&p, content).unwrap();
        }
        let (_, d) = timed(|| lamindb_storage::hash_dir(&folder).unwrap());
        println!(
            "{store:?}: hash a folder of 1000 × 1 KiB files: {:.1} ms",
            d.as_secs_f64() * 1e3
        );
        let (a, d) = timed(|| {
            arts.save(NewArtifactSpec::with_key(&folder, "many"))
                .unwrap()
                .artifact
        });
        println!(
            "{store:?}: save that folder: {:.1} ms",
            d.as_secs_f64() * 1e3
        );
        if store != Store::Local {
            let (_, d) = timed(|| arts.cache(&a).unwrap());
            println!(
                "{store:?}: cache that folder (download): {:.1} ms",
                d.as_secs_f64() * 1e3
            );
            let (_, d) = timed(|| arts.cache(&a).unwrap());
            println!(
                "{store:?}: cache that folder again (up to date): {:.1} ms",
                d.as_secs_f64() * 1e3
            );
        }
    }
}
