//! A program that links the `mylab` module: it creates an instance that uses it, annotates an
//! artifact with a sample through a `cat[mylab.Sample]` feature, and finds the artifact by it.
//!
//! `cargo run -p mylab -- /tmp/mylab-demo`

use lamindb_core::prelude::*;
use serde_json::json;

// Naming the crate links its module registration.
use mylab as _;

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mylab-demo".to_owned());
    let ln = Instance::init(&InitOptions {
        storage: dir.clone(),
        modules: vec![mylab::NAME.into()],
        ..Default::default()
    })?;
    mylab::create_sample(&ln, "patient 7 biopsy", Some("lung"))?;
    ln.features()
        .create(NewFeature::new("sample", "cat[mylab.Sample]"))?;
    let file = std::path::Path::new(&dir).join("counts.csv");
    std::fs::write(&file, "gene,count\nCD4,12\n").expect("write the example file");
    let saved = ln
        .artifacts()
        .save(NewArtifactSpec::with_key(file, "counts.csv"))?;
    ln.annotations(&saved.artifact).add_values(
        json!({"sample": "patient 7 biopsy"})
            .as_object()
            .expect("an object"),
    )?;
    let found = ln
        .query::<Artifact>()
        .filter(Q::new("samples__tissue_kind", "lung"))
        .all()?;
    println!("{}", ln.describe_artifact(&found[0])?);
    Ok(())
}
