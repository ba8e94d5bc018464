//! A query across many datasets: three parquet files are saved as artifacts, grouped into one
//! collection, and queried as one lazily scanned table. The filter and the column selection are
//! pushed into each file's scan, so on S3 only the byte ranges of the needed columns (and the
//! row groups whose statistics can match) are fetched — no file is downloaded whole.
//!
//! Run it inside an instance (`lamin init --storage ./mydata`, or an `s3://` root):
//!
//! ```sh
//! cargo run -p lamindb-core --features dataframe --example collection_query
//! ```

use lamindb_core::prelude::*;
use lamindb_core::query::Q;
use lamindb_core::records::collections::filter_expr;
use polars::prelude::*;

fn main() -> Result<()> {
    let ln = Instance::current()?;
    let dir = std::env::temp_dir().join(format!("lamindb-collection-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let fail = |e: PolarsError| Error::Validation(e.to_string());

    // Three batches of measurements, each its own dataset.
    let mut members = Vec::new();
    for (batch, scores) in [[0.2, 0.9, 0.4], [0.8, 0.1, 0.95], [0.5, 0.7, 0.3]]
        .iter()
        .enumerate()
    {
        let mut df = df!(
            "cell" => (0..3).map(|i| format!("b{batch}-c{i}")).collect::<Vec<_>>(),
            "score" => scores.to_vec(),
            "batch" => [batch as i64; 3],
        )
        .map_err(fail)?;
        let path = dir.join(format!("batch{batch}.parquet"));
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        ParquetWriter::new(file).finish(&mut df).map_err(fail)?;
        let key = format!("examples/batches/batch{batch}.parquet");
        members.push(
            ln.artifacts()
                .save(NewArtifactSpec::with_key(&path, key))?
                .artifact,
        );
    }
    let collection = ln
        .collections()
        .create(NewCollectionSpec::new("examples/batches", members))?
        .record;

    // One table over all members, narrowed where the data lives.
    let frame = ln.collections().open(&collection)?;
    let schema = frame.clone().collect_schema().map_err(fail)?;
    let high = filter_expr(&Q::parse("score__gt=0.6")?, &schema)?;
    let hits = frame
        .filter(high)
        .select([col("cell"), col("score")])
        .collect()
        .map_err(fail)?;
    println!("cells scoring above 0.6 in collection {}:", collection.key);
    let cells = hits
        .column("cell")
        .map_err(fail)?
        .str()
        .map_err(fail)?
        .clone();
    let scores = hits
        .column("score")
        .map_err(fail)?
        .f64()
        .map_err(fail)?
        .clone();
    for (cell, score) in cells.iter().zip(scores.iter()) {
        println!(
            "  {}  {}",
            cell.unwrap_or_default(),
            score.unwrap_or_default()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
