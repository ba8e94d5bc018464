//! Lineage benchmarks: the overhead of `lamin run -- true` over running `true`, and the lineage
//! query of the last artifact of a chain of 10,000 runs.
//!
//! Build the CLI first, then run the bench (SQLite; `LAMINDB_BENCH_PG=1` adds Postgres):
//!
//! ```sh
//! cargo build --release -p lamin-cli && cargo bench -p lamindb-tests --bench lineage
//! ```

use std::process::Command;
use std::time::{Duration, Instant};

use lamindb_core::lineage::Direction;
use lamindb_core::prelude::*;
use lamindb_core::records::runs::{RunSpec, TransformSpec};
use lamindb_tests::{lamin_bin, median, Backend, PgDatabase, TestInstance};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn time_command(cmd: &mut dyn FnMut() -> Command, n: usize) -> Duration {
    let samples = (0..n)
        .map(|_| {
            let start = Instant::now();
            let out = cmd().output().expect("run command");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn run_overhead(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pg = (backend == Backend::Postgres).then(PgDatabase::create);
    let lamin = lamin_bin();
    let base = |program: &std::path::Path| {
        let mut c = Command::new(program);
        c.current_dir(dir.path())
            .env("LAMIN_SETTINGS_DIR", dir.path().join("settings"))
            .env("LAMIN_CACHE_DIR", dir.path().join("cache"))
            .env_remove("LAMIN_INSTANCE")
            .env_remove("LAMIN_RUN_UID")
            .env_remove("LAMIN_INITIATED_BY_RUN_UID");
        c
    };
    let storage = dir.path().join("storage");
    let mut init = base(&lamin);
    init.args(["init", "--storage", storage.to_str().unwrap()]);
    if let Some(p) = &pg {
        init.args(["--db", &p.url]);
    }
    assert!(init.output().unwrap().status.success());
    let n = 30;
    let direct = time_command(
        &mut || {
            let mut c = Command::new("true");
            c.current_dir(dir.path());
            c
        },
        n,
    );
    let tracked = time_command(
        &mut || {
            let mut c = base(&lamin);
            c.args(["run", "--", "true"]);
            c
        },
        n,
    );
    let info = time_command(
        &mut || {
            let mut c = base(&lamin);
            c.arg("info");
            c
        },
        n,
    );
    println!(
        "{backend:?}: `true` {} | `lamin run -- true` {} | overhead {} | (`lamin info` {}) — medians of {n}",
        ms(direct),
        ms(tracked),
        ms(tracked.saturating_sub(direct)),
        ms(info)
    );
}

fn lineage_chain(backend: Backend, runs: usize) {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let build = Instant::now();
    let (tr, _) = ln
        .transforms()
        .resolve(&TransformSpec::new("chain-step", TransformKind::Pipeline))
        .unwrap();
    let mut run_rows = Vec::with_capacity(runs);
    for _ in 0..runs {
        run_rows.push(ln.runs().start(&tr, &RunSpec::default()).unwrap());
    }
    // Artifact i is made by run i-1 (artifact 0 by no run) and read by run i.
    let specs: Vec<NewArtifactSpec> = (0..=runs)
        .map(|i| NewArtifactSpec {
            run: if i == 0 {
                RunLink::Untracked
            } else {
                RunLink::Id(run_rows[i - 1].id)
            },
            ..NewArtifactSpec::with_key(
                t.file(&format!("c/{i}.txt"), format!("{i}").as_bytes()),
                format!("chain/{i}.txt"),
            )
        })
        .collect();
    let arts: Vec<Artifact> = ln
        .artifacts()
        .save_many(specs)
        .unwrap()
        .into_iter()
        .map(|s| s.artifact)
        .collect();
    for (i, run) in run_rows.iter().enumerate() {
        ln.runs().add_input(run, &arts[i]).unwrap();
    }
    let built = build.elapsed();
    let last = arts.last().unwrap();
    let mut full = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let g = ln.lineage(last, Direction::Upstream, None).unwrap();
        full.push(start.elapsed());
        assert_eq!(g.nodes.len(), 2 * runs + 1);
        assert_eq!(g.edges.len(), 2 * runs);
    }
    let mut near = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let g = ln.lineage(last, Direction::Upstream, Some(10)).unwrap();
        near.push(start.elapsed());
        assert_eq!(g.nodes.len(), 21);
    }
    let first = &arts[0];
    let start = Instant::now();
    let g = ln.lineage(first, Direction::Downstream, None).unwrap();
    let down = start.elapsed();
    assert_eq!(g.edges.len(), 2 * runs);
    println!(
        "{backend:?}: chain of {runs} runs (built in {:.1} s): full upstream graph {} (median of 5), downstream {}, depth 10 {} (median of 20)",
        built.as_secs_f64(),
        ms(median(full)),
        ms(down),
        ms(median(near))
    );
}

fn main() {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var_os("LAMINDB_BENCH_PG").is_some() {
        backends.push(Backend::Postgres);
    }
    for b in backends {
        run_overhead(b);
        lineage_chain(b, 10_000);
    }
}
