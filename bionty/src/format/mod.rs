//! Readers of public source files into rows of a registry: OBO 1.4, OBO Graphs JSON, bionty's
//! parquet tables and Ensembl gene tables.
//!
//! Every reader applies Python bionty's rules for what becomes a record (see
//! `bionty/base/_ontology.py`): obsolete terms are skipped, synonyms are the exact ones joined
//! with `|`, the definition becomes `description`, and parents are the direct `is_a`
//! superclasses plus the objects of the entity's `include_rel` relation.

pub mod genes;
pub mod obo;
pub mod obograph;
#[cfg(feature = "parquet")]
pub mod parquet;

use std::io::{BufRead, BufReader, Read};

/// One record read from a source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// The identifier the source gives the record (`CL:0000084`, `ENSG00000010610`), stored in
    /// the entity's id field.
    pub id: Option<String>,
    /// The name (`T cell`; a gene's symbol).
    pub name: String,
    /// The definition.
    pub description: Option<String>,
    /// Exact synonyms.
    pub synonyms: Vec<String>,
    /// Identifiers of the direct parents.
    pub parents: Vec<String>,
    /// Other columns of the entity's table (`biotype`, `stable_id`, …).
    pub extra: Vec<(&'static str, String)>,
}

/// The records of one source file.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The version the file states (`data-version`), if any, without a leading `v`.
    pub version: Option<String>,
    /// The ontology name the file states (`ontology: cl`), if any.
    pub ontology: Option<String>,
    /// Live records in file order.
    pub rows: Vec<Row>,
    /// How many obsolete terms were skipped.
    pub obsolete: usize,
}

/// A malformed source file: what is wrong and where.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FormatError {
    /// 1-based line number (0 when the whole file is at fault).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl FormatError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        FormatError {
            line,
            message: message.into(),
        }
    }
}

/// Wraps `reader` in a gzip decoder when its first bytes are the gzip magic number, so that
/// `.obo` and `.obo.gz` read the same.
pub fn maybe_gunzip<'a>(reader: impl Read + 'a) -> std::io::Result<Box<dyn BufRead + 'a>> {
    let mut buf = BufReader::with_capacity(1 << 16, reader);
    let head = buf.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(buf),
        )))
    } else {
        Ok(Box::new(buf))
    }
}

/// A version as sources write it, normalised as bionty stores versions: the segment after
/// `releases/` of a version IRI (`…/cl/releases/2026-03-26/cl.json`), else the last path segment
/// (`releases/2016-04-15`), without a leading `v` before a digit (`v2026-03-26`).
pub fn normalise_version(v: &str) -> String {
    let segments: Vec<&str> = v.trim().split('/').filter(|s| !s.is_empty()).collect();
    let last = segments
        .iter()
        .position(|s| *s == "releases")
        .and_then(|i| segments.get(i + 1))
        .or(segments.last())
        .copied()
        .unwrap_or_default();
    match last.strip_prefix('v') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_owned(),
        _ => last.to_owned(),
    }
}

/// Whether a term is obsolete by Python bionty's rule (its name starts with "obsolete").
pub(crate) fn obsolete_name(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("obsolete")
}

/// The kinds of source files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OBO 1.4.
    Obo,
    /// OBO Graphs JSON.
    ObographJson,
    /// A gene table (CSV or TSV).
    GeneTable,
    /// A bionty parquet table (ontology or genes).
    Parquet,
}

impl Format {
    /// The format of a file by its name (`.gz` looked through).
    pub fn of_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let base = lower.strip_suffix(".gz").unwrap_or(&lower);
        match base.rsplit('.').next()? {
            "obo" => Some(Format::Obo),
            "json" => Some(Format::ObographJson),
            "csv" | "tsv" | "txt" => Some(Format::GeneTable),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// Reads a source file in `format`.
pub fn read_file(
    path: &std::path::Path,
    format: Format,
    include_rel: Option<&str>,
) -> Result<Table, FormatError> {
    let open = || -> Result<Box<dyn BufRead>, FormatError> {
        let f = std::fs::File::open(path)
            .map_err(|e| FormatError::new(0, format!("cannot open: {e}")))?;
        maybe_gunzip(f).map_err(|e| FormatError::new(0, format!("cannot read: {e}")))
    };
    match format {
        Format::Obo => obo::read(
            open()?,
            &obo::OboOptions {
                include_rel: include_rel.map(str::to_owned),
            },
        ),
        Format::ObographJson => {
            let mut bytes = Vec::new();
            open()?
                .read_to_end(&mut bytes)
                .map_err(|e| FormatError::new(0, format!("cannot read: {e}")))?;
            obograph::read(&bytes, include_rel)
        }
        Format::GeneTable => genes::read(open()?),
        #[cfg(feature = "parquet")]
        Format::Parquet => parquet::read(path),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => Err(FormatError::new(
            0,
            "this build reads no parquet (bionty's `parquet` feature is off); use the source's OBO file",
        )),
    }
}
