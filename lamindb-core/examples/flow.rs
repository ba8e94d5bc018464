//! A flow of three steps, each a nested run: `make` writes a table, `double` reads it and writes
//! a doubled copy, `summarize` reads that and writes a summary. Afterwards the lineage of the
//! summary is printed as a Mermaid chart.
//!
//! Run it inside an instance (`lamin init --storage ./mydata` first):
//!
//! ```sh
//! cargo run -p lamindb-core --example flow
//! ```

use lamindb_core::prelude::*;
use lamindb_core::Direction;
use serde_json::json;

fn main() -> Result<()> {
    let ln = Instance::current()?;
    let dir = std::env::temp_dir().join(format!("lamindb-flow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;

    // A step reads `input` (if any), transforms its text and saves the result under `output`.
    let step = |name: &str, input: Option<&str>, output: &str, f: fn(&str) -> String| {
        ln.step(
            FunctionSpec::new(format!("example::{name}")).params(json!({"output": output})),
            |run| {
                let text = match input {
                    Some(key) => {
                        let artifact = ln.artifacts().get_by_key(key)?;
                        let path = ln.artifacts().cache(&artifact)?; // an input of this step
                        std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?
                    }
                    None => String::new(),
                };
                run.log(&format!("{name}: {} bytes in", text.len()))?;
                let path = dir.join(format!("{name}.csv"));
                std::fs::write(&path, f(&text)).map_err(|e| Error::io(&path, e))?;
                // An output of this step.
                Ok::<_, Error>(
                    ln.artifacts()
                        .save(NewArtifactSpec::with_key(&path, output))?
                        .artifact,
                )
            },
        )
    };

    let summary = ln.flow(
        FunctionSpec::new("example::pipeline").params(json!({"rows": 3})),
        |_flow| {
            step("make", None, "example/table.csv", |_| "x\n1\n2\n3\n".into())?;
            step(
                "double",
                Some("example/table.csv"),
                "example/doubled.csv",
                |t| {
                    t.lines()
                        .map(|l| {
                            l.parse::<i64>()
                                .map(|v| (2 * v).to_string())
                                .unwrap_or(l.into())
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            )?;
            step(
                "summarize",
                Some("example/doubled.csv"),
                "example/summary.csv",
                |t| {
                    let sum: i64 = t.lines().filter_map(|l| l.parse::<i64>().ok()).sum();
                    format!("sum\n{sum}\n")
                },
            )
        },
    )?;
    println!(
        "{}",
        ln.lineage(&summary, Direction::Upstream, None)?
            .to_mermaid()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
