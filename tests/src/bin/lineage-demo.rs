//! A Rust program that tracks itself: it reads one artifact and writes two, so that its run,
//! inputs and outputs show up in the instance's lineage.
//!
//! ```text
//! lineage-demo <input-key> <output-prefix> [--fail] [--panic]
//! ```
//!
//! The instance is the current one (`LAMIN_INSTANCE`, a `.lamin/` marker, or the last connected
//! instance). `--fail` returns an error before finishing and `--panic` panics, to show that both
//! leave the run recorded as errored.

use std::process::ExitCode;

use lamindb_core::prelude::*;
use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let [input_key, prefix, ..] = args else {
        return Err(Error::Validation(
            "usage: lineage-demo <input-key> <output-prefix> [--fail] [--panic]".into(),
        ));
    };
    let ln = Instance::current()?;
    let run = ln.track(
        TrackOptions::program(lamindb_core::program!())
            .params(json!({"input": input_key, "prefix": prefix, "threshold": 0.5})),
    )?;
    let input = ln.artifacts().get_by_key(input_key)?;
    let text = std::fs::read_to_string(ln.artifacts().cache(&input)?)
        .map_err(|e| Error::Validation(format!("cannot read the input: {e}")))?;
    run.log(&format!(
        "read {} lines from {input_key}",
        text.lines().count()
    ))?;

    let dir = tempfile::tempdir().map_err(|e| Error::Validation(e.to_string()))?;
    let upper = dir.path().join("upper.txt");
    let counts = dir.path().join("counts.json");
    std::fs::write(&upper, text.to_uppercase()).map_err(|e| Error::io(&upper, e))?;
    let n = json!({"lines": text.lines().count(), "bytes": text.len()});
    std::fs::write(&counts, n.to_string()).map_err(|e| Error::io(&counts, e))?;

    if args.iter().any(|a| a == "--panic") {
        panic!("lineage-demo was asked to panic");
    }
    ln.artifacts().save(NewArtifactSpec::with_key(
        &upper,
        format!("{prefix}/upper.txt"),
    ))?;
    if args.iter().any(|a| a == "--fail") {
        return Err(Error::Validation("lineage-demo was asked to fail".into()));
    }
    ln.artifacts().save(NewArtifactSpec::with_key(
        &counts,
        format!("{prefix}/counts.json"),
    ))?;
    run.finish()?;
    Ok(())
}
