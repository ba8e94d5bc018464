//! bionty's preprocessed parquet tables (`df_<organism>__<source>__<version>__<Entity>.parquet`,
//! what Python bionty caches after converting a source): ontologies with `ontology_id`, `name`,
//! `definition`, `synonyms` (`|`-joined) and `parents` (a list), and Ensembl gene tables with
//! `ensembl_gene_id` (or `stable_id`), `symbol`, `ncbi_gene_id`, `biotype`, `description`,
//! `synonyms`.

use std::path::Path;

use polars::prelude::*;

use super::genes::{GeneFields, Genes};
use super::{FormatError, Row, Table};

fn err(e: impl std::fmt::Display) -> FormatError {
    FormatError::new(0, format!("not a bionty parquet table: {e}"))
}

/// The text values of column `name`, if the table has it.
fn texts(df: &DataFrame, name: &str) -> Result<Option<Vec<Option<String>>>, FormatError> {
    let Ok(col) = df.column(name) else {
        return Ok(None);
    };
    let s = col
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(err)?;
    Ok(Some(
        s.str()
            .map_err(err)?
            .iter()
            .map(|v| v.map(str::to_owned).filter(|v| !v.is_empty()))
            .collect(),
    ))
}

/// The lists of column `name` (a list of strings per row), if the table has it.
fn lists(df: &DataFrame, name: &str) -> Result<Option<Vec<Vec<String>>>, FormatError> {
    let Ok(col) = df.column(name) else {
        return Ok(None);
    };
    let list = col.as_materialized_series().list().map_err(err)?;
    let mut out = Vec::with_capacity(list.len());
    for item in list.amortized_iter() {
        let mut row = Vec::new();
        if let Some(s) = item {
            let s = s.as_ref().cast(&DataType::String).map_err(err)?;
            row.extend(s.str().map_err(err)?.iter().flatten().map(str::to_owned));
        }
        out.push(row);
    }
    Ok(Some(out))
}

/// Reads a bionty parquet table.
pub fn read(path: &Path) -> Result<Table, FormatError> {
    let file =
        std::fs::File::open(path).map_err(|e| FormatError::new(0, format!("cannot open: {e}")))?;
    let df = ParquetReader::new(file).finish().map_err(err)?;
    let col = |name: &str| texts(&df, name);
    if let Some(ids) = col("ensembl_gene_id")?.or(col("stable_id")?) {
        let (symbol, biotype, ncbi, desc, syn) = (
            col("symbol")?,
            col("biotype")?,
            col("ncbi_gene_id")?.or(col("ncbi_gene_ids")?),
            col("description")?,
            col("synonyms")?,
        );
        let stable = col("stable_id")?;
        let at = |c: &Option<Vec<Option<String>>>, i: usize| c.as_ref().and_then(|v| v[i].clone());
        let mut genes = Genes::default();
        for (i, id) in ids.iter().enumerate() {
            let Some(id) = id.clone().or_else(|| at(&stable, i)) else {
                continue;
            };
            genes.push(GeneFields {
                id,
                symbol: at(&symbol, i),
                biotype: at(&biotype, i),
                ncbi: at(&ncbi, i),
                description: at(&desc, i),
                synonyms: at(&syn, i),
            });
        }
        return Ok(genes.table);
    }
    let Some(ids) = col("ontology_id")? else {
        return Err(err("it has neither ontology_id nor ensembl_gene_id"));
    };
    let names = col("name")?.ok_or_else(|| err("it has no name column"))?;
    let defs = col("definition")?.or(col("description")?);
    let syns = col("synonyms")?;
    let parents = lists(&df, "parents")?;
    let mut table = Table::default();
    for (i, (id, name)) in ids.iter().zip(&names).enumerate() {
        let (Some(id), Some(name)) = (id.clone(), name.clone()) else {
            continue;
        };
        if super::obsolete_name(&name) {
            table.obsolete += 1;
            continue;
        }
        table.rows.push(Row {
            id: Some(id),
            name,
            description: defs.as_ref().and_then(|d| d[i].clone()),
            synonyms: syns
                .as_ref()
                .and_then(|s| s[i].clone())
                .map(|s| s.split('|').map(str::to_owned).collect())
                .unwrap_or_default(),
            parents: parents.as_ref().map(|p| p[i].clone()).unwrap_or_default(),
            extra: Vec::new(),
        });
    }
    Ok(table)
}
