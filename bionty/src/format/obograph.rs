//! OBO Graphs JSON (`*.json` as the OBO Foundry publishes it next to OWL and OBO).

use serde::Deserialize;

use super::{normalise_version, obsolete_name, FormatError, Row, Table};

#[derive(Deserialize)]
struct Doc {
    graphs: Vec<Graph>,
}

#[derive(Deserialize)]
struct Graph {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    nodes: Vec<Node>,
    #[serde(default)]
    edges: Vec<Edge>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    definition: Option<Value>,
    #[serde(default)]
    synonyms: Vec<Synonym>,
    #[serde(default)]
    deprecated: bool,
}

#[derive(Deserialize)]
struct Value {
    val: String,
}

#[derive(Deserialize)]
struct Synonym {
    pred: String,
    val: String,
}

#[derive(Deserialize)]
struct Node {
    id: String,
    #[serde(default)]
    lbl: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Edge {
    sub: String,
    pred: String,
    obj: String,
}

/// The CURIE of an OBO PURL (`http://purl.obolibrary.org/obo/CL_0000084` → `CL:0000084`); other
/// ids are kept.
pub fn curie(iri: &str) -> String {
    match iri.strip_prefix("http://purl.obolibrary.org/obo/") {
        Some(local) => local.replacen('_', ":", 1),
        None => iri.to_owned(),
    }
}

/// Whether `pred` is the relation `rel` (`part_of` is `BFO_0000050` in OBO Graphs).
fn is_rel(pred: &str, rel: &str) -> bool {
    let short = match rel {
        "part_of" => "BFO_0000050",
        other => other,
    };
    pred == rel || pred.ends_with(&format!("/{short}")) || pred == short
}

/// Reads the live classes of an OBO Graphs JSON document.
pub fn read(bytes: &[u8], include_rel: Option<&str>) -> Result<Table, FormatError> {
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| FormatError::new(e.line(), format!("not an OBO Graphs JSON document: {e}")))?;
    let mut table = Table::default();
    for graph in doc.graphs {
        if table.version.is_none() {
            table.version = graph
                .meta
                .as_ref()
                .and_then(|m| m.version.as_deref())
                .map(normalise_version);
        }
        let mut index = std::collections::HashMap::new();
        for node in graph.nodes {
            if node.kind.as_deref().is_some_and(|k| k != "CLASS") {
                continue;
            }
            let meta = node.meta.unwrap_or_default();
            let name = node.lbl.unwrap_or_default();
            if meta.deprecated || obsolete_name(&name) {
                table.obsolete += 1;
                continue;
            }
            if name.is_empty() {
                continue;
            }
            let id = curie(&node.id);
            index.insert(node.id.clone(), table.rows.len());
            table.rows.push(Row {
                id: Some(id),
                name,
                description: meta.definition.map(|d| d.val).filter(|d| !d.is_empty()),
                synonyms: meta
                    .synonyms
                    .into_iter()
                    .filter(|s| s.pred == "hasExactSynonym")
                    .map(|s| s.val)
                    .collect(),
                parents: Vec::new(),
                extra: Vec::new(),
            });
        }
        for e in graph.edges {
            let wanted = e.pred == "is_a" || include_rel.is_some_and(|r| is_rel(&e.pred, r));
            if let (true, Some(&i)) = (wanted, index.get(&e.sub)) {
                let parent = curie(&e.obj);
                if !table.rows[i].parents.contains(&parent) {
                    table.rows[i].parents.push(parent);
                }
            }
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_classes_edges_and_synonyms() {
        let json = br#"{"graphs":[{"meta":{"version":"http://purl.obolibrary.org/obo/cl/releases/2026-03-26/cl.json"},
          "nodes":[
            {"id":"http://purl.obolibrary.org/obo/CL_0000084","lbl":"T cell","type":"CLASS",
             "meta":{"definition":{"val":"A lymphocyte."},"synonyms":[{"pred":"hasExactSynonym","val":"T-cell"},{"pred":"hasRelatedSynonym","val":"x"}]}},
            {"id":"http://purl.obolibrary.org/obo/CL_0000542","lbl":"lymphocyte","type":"CLASS"},
            {"id":"http://purl.obolibrary.org/obo/CL_1","lbl":"obsolete x","type":"CLASS","meta":{"deprecated":true}},
            {"id":"http://purl.obolibrary.org/obo/RO_1","lbl":"rel","type":"PROPERTY"}],
          "edges":[{"sub":"http://purl.obolibrary.org/obo/CL_0000084","pred":"is_a","obj":"http://purl.obolibrary.org/obo/CL_0000542"},
                   {"sub":"http://purl.obolibrary.org/obo/CL_0000084","pred":"http://purl.obolibrary.org/obo/BFO_0000050","obj":"http://purl.obolibrary.org/obo/UBERON_1"}]}]}"#;
        let t = read(json, None).unwrap();
        assert_eq!(t.version.as_deref(), Some("2026-03-26"));
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.obsolete, 1);
        assert_eq!(t.rows[0].id.as_deref(), Some("CL:0000084"));
        assert_eq!(t.rows[0].synonyms, ["T-cell"]);
        assert_eq!(t.rows[0].parents, ["CL:0000542"]);
        let t = read(json, Some("part_of")).unwrap();
        assert_eq!(t.rows[0].parents, ["CL:0000542", "UBERON:1"]);
        assert!(read(b"{\"graphs\": [", None).is_err());
    }
}
