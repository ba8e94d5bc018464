//! bionty: importing real ontologies and gene tables, validating values, walking hierarchies.
//!
//! `cargo bench -p lamindb-tests --bench bionty` (SQLite); set `LAMINDB_BENCH_PG=1` to also run
//! on the local Postgres server. Python's side is `../shared/peer` bench f. Figures are
//! recorded in BENCHMARKS.md.

use std::time::{Duration, Instant};

use bionty::{import_source, Entity, ImportOptions, Input};
use lamindb_core::query::hierarchy::Walk;
use lamindb_curate::values::Vocabulary;
use lamindb_tests::{median, shared_data, Backend, TestInstance};

fn import_once(backend: Backend, entity: Entity, file: &str) -> (Duration, usize, usize) {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let mut opts = ImportOptions::new(entity);
    opts.input = Some(Input::File(shared_data().join(file)));
    let start = Instant::now();
    let r = import_source(&t.inst, &opts).expect("import");
    (start.elapsed(), r.inserted, r.parent_links)
}

fn import_median(backend: Backend, entity: Entity, file: &str, runs: usize) -> String {
    let mut times = Vec::new();
    let mut last = (0, 0);
    for _ in 0..runs {
        let (d, n, l) = import_once(backend, entity, file);
        times.push(d);
        last = (n, l);
    }
    format!(
        "{:>9.1} ms  ({} records, {} parent links, median of {runs})",
        median(times).as_secs_f64() * 1e3,
        last.0,
        last.1
    )
}

/// Reading a file into records without a database (median of `runs`).
fn read_median(entity: Entity, file: &str, source: &str, runs: usize) -> String {
    let path = shared_data().join(file);
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let start = Instant::now();
        n = bionty::import::read_table(entity, &path, source)
            .unwrap()
            .rows
            .len();
        times.push(start.elapsed());
    }
    format!(
        "{:>9.1} ms  ({n} records)",
        median(times).as_secs_f64() * 1e3
    )
}

fn main() {
    println!(
        "read cl.obo                   {}",
        read_median(Entity::CellType, "ontologies/cl.obo", "cl", 5)
    );
    println!(
        "read mondo.obo.gz             {}",
        read_median(Entity::Disease, "ontologies/mondo.obo.gz", "mondo", 3)
    );
    println!(
        "read human genes (csv.gz)     {}",
        read_median(
            Entity::Gene,
            "genes/genes_homo_sapiens.csv.gz",
            "ensembl",
            3
        )
    );
    let mut backends = vec![Backend::Sqlite];
    if std::env::var_os("LAMINDB_BENCH_PG").is_some() {
        backends.push(Backend::Postgres);
    }
    for b in backends {
        println!("== {b:?}");
        println!(
            "import CL (cl.obo)            {}",
            import_median(b, Entity::CellType, "ontologies/cl.obo", 5)
        );
        println!(
            "import MONDO (mondo.obo.gz)   {}",
            import_median(b, Entity::Disease, "ontologies/mondo.obo.gz", 3)
        );
        println!(
            "import human genes (csv.gz)   {}",
            import_median(b, Entity::Gene, "genes/genes_homo_sapiens.csv.gz", 3)
        );

        let t = TestInstance::new(b, &[bionty::NAME]);
        let mut opts = ImportOptions::new(Entity::CellType);
        opts.input = Some(Input::File(shared_data().join("ontologies/cl.obo")));
        import_source(&t.inst, &opts).unwrap();
        let q = t.inst.query_registry("bionty.CellType").unwrap();
        let start = Instant::now();
        let vocab = Vocabulary::load(&q, None).unwrap();
        let load = start.elapsed();
        let names: Vec<String> = q
            .rows(&["name"])
            .unwrap()
            .rows
            .iter()
            .map(|r| r[0].display())
            .collect();
        // 1,000,000 values as a dataset column has them: many repeats, some not validating.
        let values: Vec<String> = (0..1_000_000)
            .map(|i| {
                if i % 100 == 0 {
                    format!("unknown cell {}", i % 1000)
                } else {
                    names[i % names.len()].clone()
                }
            })
            .collect();
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let ok = vocab.validate(&values);
            times.push(start.elapsed());
            assert_eq!(ok.iter().filter(|v| !**v).count(), 10_000);
        }
        println!(
            "validate 1,000,000 values     {:>9.1} ms  (+ {:.1} ms to load {} names and synonyms; median of 5)",
            median(times).as_secs_f64() * 1e3,
            load.as_secs_f64() * 1e3,
            vocab.len()
        );
        let tcell = bionty::records::find(&t.inst, Entity::CellType, "CL:0000084").unwrap();
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..200 {
            let start = Instant::now();
            let r = t
                .inst
                .hierarchy(Entity::CellType.meta(), tcell, Walk::Up, None)
                .unwrap();
            times.push(start.elapsed());
            n = r.nodes.len();
        }
        println!(
            "ancestors of T cell           {:>9.3} ms  ({n} ancestors with their edges; median of 200)",
            median(times).as_secs_f64() * 1e3
        );
    }
}
