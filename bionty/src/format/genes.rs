//! Gene tables: the headerless Ensembl CSV that CELLxGENE ships
//! (`ensembl_gene_id,symbol,gene_version,length,biotype`) and CSV/TSV files with a header that
//! names bionty's Gene columns (`ensembl_gene_id`, `symbol`, `ncbi_gene_id(s)`, `biotype`,
//! `description`, `synonyms`).

use std::io::BufRead;

use super::{FormatError, Row, Table};

/// Whether `id` is an Ensembl gene id (`ENSG…`, `ENSMUSG…`); other ids (ERCC spike-ins, …) are
/// stored as `stable_id`, as Python bionty does.
pub fn is_ensembl_id(id: &str) -> bool {
    id.starts_with("ENS")
}

/// Reads a gene table.
pub fn read(reader: impl BufRead) -> Result<Table, FormatError> {
    let mut buf = reader;
    let first = {
        let head = buf
            .fill_buf()
            .map_err(|e| FormatError::new(1, format!("cannot read: {e}")))?;
        String::from_utf8_lossy(&head[..head.len().min(4096)]).into_owned()
    };
    let first_line = first.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') {
        b'\t'
    } else {
        b','
    };
    let has_header = first_line
        .split([',', '\t'])
        .any(|c| c.trim() == "ensembl_gene_id" || c.trim() == "symbol");
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(has_header)
        .flexible(false)
        .from_reader(buf);
    // Column positions: from the header, or the CELLxGENE layout.
    let (id_col, symbol_col, biotype_col, ncbi_col, desc_col, syn_col) = if has_header {
        let h = rdr
            .headers()
            .map_err(|e| FormatError::new(1, e.to_string()))?
            .clone();
        let pos = |names: &[&str]| h.iter().position(|c| names.contains(&c.trim()));
        let Some(id) = pos(&["ensembl_gene_id", "stable_id"]) else {
            return Err(FormatError::new(
                1,
                "the header has no ensembl_gene_id column",
            ));
        };
        (
            id,
            pos(&["symbol"]),
            pos(&["biotype"]),
            pos(&["ncbi_gene_id", "ncbi_gene_ids"]),
            pos(&["description"]),
            pos(&["synonyms"]),
        )
    } else {
        (0, Some(1), Some(4), None, None, None)
    };
    let mut genes = Genes::default();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 1 + usize::from(has_header);
        let rec = rec.map_err(|e| FormatError::new(line, e.to_string()))?;
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let Some(id) = get(Some(id_col)) else {
            return Err(FormatError::new(line, "a row has no gene id"));
        };
        genes.push(GeneFields {
            id,
            symbol: get(symbol_col),
            biotype: get(biotype_col),
            ncbi: get(ncbi_col),
            description: get(desc_col),
            synonyms: get(syn_col),
        });
    }
    Ok(genes.table)
}

/// One row of a gene table.
pub(crate) struct GeneFields {
    pub id: String,
    pub symbol: Option<String>,
    pub biotype: Option<String>,
    pub ncbi: Option<String>,
    pub description: Option<String>,
    pub synonyms: Option<String>,
}

/// Gene rows, one per gene id: tables with one row per (gene, NCBI id) are aggregated into
/// `ncbi_gene_ids` (`|`-joined) as Python bionty does; the first row's other columns win.
#[derive(Default)]
pub(crate) struct Genes {
    pub table: Table,
    index: std::collections::HashMap<String, usize>,
}

impl Genes {
    pub fn push(&mut self, g: GeneFields) {
        if let Some(&at) = self.index.get(&g.id) {
            if let Some(ncbi) = g.ncbi {
                let row: &mut Row = &mut self.table.rows[at];
                match row.extra.iter_mut().find(|(k, _)| *k == "ncbi_gene_ids") {
                    Some((_, v)) if !v.split('|').any(|x| x == ncbi) => {
                        v.push('|');
                        v.push_str(&ncbi);
                    }
                    Some(_) => {}
                    None => row.extra.push(("ncbi_gene_ids", ncbi)),
                }
            }
            return;
        }
        let mut extra = Vec::new();
        if let Some(b) = g.biotype {
            extra.push(("biotype", b));
        }
        if let Some(n) = g.ncbi {
            extra.push(("ncbi_gene_ids", n));
        }
        let ensembl = if is_ensembl_id(&g.id) {
            Some(g.id.clone())
        } else {
            extra.push(("stable_id", g.id.clone()));
            None
        };
        self.index.insert(g.id, self.table.rows.len());
        self.table.rows.push(Row {
            id: ensembl,
            name: g.symbol.unwrap_or_default(),
            description: g.description,
            synonyms: g
                .synonyms
                .map(|s| s.split('|').map(str::to_owned).collect())
                .unwrap_or_default(),
            parents: Vec::new(),
            extra,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cellxgene_layout_and_stable_ids() {
        let t = read(
            "ENSG00000223972,DDX11L1,6,632,transcribed_unprocessed_pseudogene\nERCC-00002,ERCC-00002 (spike-in control),1,1061,synthetic\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].id.as_deref(), Some("ENSG00000223972"));
        assert_eq!(t.rows[0].name, "DDX11L1");
        assert_eq!(
            t.rows[0].extra,
            [("biotype", "transcribed_unprocessed_pseudogene".to_owned())]
        );
        assert_eq!(t.rows[1].id, None);
        assert!(t.rows[1]
            .extra
            .contains(&("stable_id", "ERCC-00002".to_owned())));
    }

    #[test]
    fn header_and_ncbi_aggregation() {
        let t = read(
            "ensembl_gene_id\tsymbol\tncbi_gene_id\tbiotype\nENSG1\tA\t1\tprotein_coding\nENSG1\tA\t2\tprotein_coding\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(t.rows.len(), 1);
        assert!(t.rows[0]
            .extra
            .contains(&("ncbi_gene_ids", "1|2".to_owned())));
        assert_eq!(read("a,b\nc\n".as_bytes()).unwrap_err().line, 2);
    }
}
