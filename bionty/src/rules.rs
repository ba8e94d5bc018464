//! Python bionty's rules for turning a source table into records (`bionty/base/_ontology.py`
//! `to_df` and `PublicOntology.to_dataframe`), applied to whatever format the table came from.

use crate::entity::Entity;
use crate::format::{Row, Table};

/// The id prefixes of the terms an ontology source contributes to an entity
/// (`bionty/base/entities/*.py`, `include_id_prefixes`); `None` keeps every term.
pub fn id_prefixes(entity: Entity, source: &str) -> Option<&'static [&'static str]> {
    Some(match (entity, source) {
        (Entity::CellType, "cl") => &["CL:"],
        (Entity::Tissue, "uberon") => &["UBERON:"],
        (Entity::Disease, "mondo") => &["MONDO:"],
        (Entity::DevelopmentalStage, "hsapdv") => &["HsapDv:"],
        (Entity::DevelopmentalStage, "mmusdv") => &["MmusDv:"],
        (Entity::Ethnicity, "hancestro") => &["HANCESTRO:"],
        (Entity::ExperimentalFactor, "efo") => &["EFO:"],
        (Entity::Phenotype, "hp") => &["HP:"],
        (Entity::Phenotype, "mp") => &["MP:"],
        (Entity::Phenotype, "zp") => &["ZP:"],
        (Entity::Phenotype, "pato") => &["PATO:"],
        (Entity::CellLine, "clo") => &["CLO:"],
        _ => return None,
    })
}

/// Python's `str.title()`: a cased character after a cased one is lower-cased, any other cased
/// character upper-cased. bionty stores definitions this way ("A Cell That …").
pub fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        let cased = c.is_lowercase() || c.is_uppercase();
        if cased {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
        } else {
            out.push(c);
        }
        prev_cased = cased;
    }
    out
}

/// Applies the rules to the rows of an ontology source: ids with `_` written as `:`, only terms
/// (and parents) with the source's prefixes, then only terms of the source's own CURIE prefix
/// when there are any, definitions title-cased, duplicated synonyms dropped.
pub fn apply(entity: Entity, source: &str, table: &mut Table) {
    if !entity.is_ontology() {
        return;
    }
    let norm = |id: &str| id.replace('_', ":");
    for row in &mut table.rows {
        row.id = row.id.as_deref().map(norm);
        for p in &mut row.parents {
            *p = norm(p);
        }
        row.description = row.description.as_deref().map(python_title);
        let mut seen = std::collections::HashSet::new();
        row.synonyms.retain(|s| seen.insert(s.clone()));
    }
    if let Some(prefixes) = id_prefixes(entity, source) {
        let keep = |id: &str| prefixes.iter().any(|p| id.starts_with(p));
        table.rows.retain(|r| r.id.as_deref().is_some_and(keep));
        for row in &mut table.rows {
            row.parents.retain(|p| keep(p));
        }
    }
    let own = format!("{}:", source.to_ascii_uppercase());
    let is_own = |r: &Row| {
        r.id.as_deref()
            .is_some_and(|id| id.to_ascii_uppercase().starts_with(&own))
    };
    if table.rows.iter().any(is_own) {
        table.rows.retain(is_own);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_as_python() {
        assert_eq!(
            python_title("A T cell's CD4+ x-ray 3d"),
            "A T Cell'S Cd4+ X-Ray 3D"
        );
    }

    #[test]
    fn prefixes_filter_terms_and_parents() {
        let mut t = Table {
            rows: vec![
                Row {
                    id: Some("HANCESTRO_0004".into()),
                    name: "a".into(),
                    parents: vec!["AfPO:1".into(), "HANCESTRO:0001".into()],
                    ..Row::default()
                },
                Row {
                    id: Some("AfPO:1".into()),
                    name: "b".into(),
                    ..Row::default()
                },
            ],
            ..Table::default()
        };
        apply(Entity::Ethnicity, "hancestro", &mut t);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].id.as_deref(), Some("HANCESTRO:0004"));
        assert_eq!(t.rows[0].parents, ["HANCESTRO:0001"]);
    }
}
