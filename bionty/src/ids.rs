//! Deterministic uids, computed exactly as Python bionty's `bionty/uids.py` does, so that the
//! same term gets the same uid in every instance, Rust- or Python-made.

use lamindb_core::util::uid::md5_uid;

use crate::entity::Entity;

/// The uid of a record: the first 14 base62 characters of the md5 of its source identifier
/// (`ontology_id`, a gene's `ensembl_gene_id` or else `stable_id`, a protein's `uniprotkb_id`),
/// or, without one, of its name followed by its organism's name (organism only for registries
/// that require one; cell markers always take this route).
pub fn record_uid(
    entity: Entity,
    id: Option<&str>,
    stable_id: Option<&str>,
    name: &str,
    organism: Option<&str>,
) -> String {
    let id = if entity == Entity::CellMarker {
        None
    } else {
        id.filter(|s| !s.is_empty())
    };
    let stable = (entity == Entity::Gene)
        .then_some(stable_id)
        .flatten()
        .filter(|s| !s.is_empty());
    let key = match id.or(stable) {
        Some(k) => k.to_owned(),
        None if entity.needs_organism() => format!("{name}{}", organism.unwrap_or_default()),
        None => name.to_owned(),
    };
    md5_uid(&key, 14)
}

/// The uid of a `bionty.Source` row: 8 characters from entity, name, organism and version.
pub fn source_uid(entity: &str, name: &str, organism: &str, version: &str) -> String {
    md5_uid(&format!("{entity}{name}{organism}{version}"), 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_from_python_bionty() {
        assert_eq!(
            record_uid(Entity::CellType, Some("CL:0000084"), None, "T cell", None),
            "22LvKd01YyNA1a"
        );
        assert_eq!(
            source_uid("bionty.CellType", "cl", "all", "2025-12-17"),
            "6Z0wRdof"
        );
        // Cell markers hash name + organism even when given an id.
        assert_eq!(
            record_uid(Entity::CellMarker, Some("x"), None, "CD4", Some("human")),
            md5_uid("CD4human", 14)
        );
        // Genes fall back to stable_id, then symbol + organism.
        assert_eq!(
            record_uid(Entity::Gene, None, Some("ERCC-00002"), "E", Some("human")),
            md5_uid("ERCC-00002", 14)
        );
        assert_eq!(
            record_uid(Entity::Gene, None, None, "E", Some("human")),
            md5_uid("Ehuman", 14)
        );
    }
}
