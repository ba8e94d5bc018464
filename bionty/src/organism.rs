//! Organisms: the records Gene, Protein and CellMarker rows point to, resolved by name, by
//! scientific name or from an Ensembl gene id's prefix.

use lamindb_core::db::rows::{Bind, Sql};
use lamindb_core::db::DbConnection;
use lamindb_core::{Error, Result};

use crate::entity::Entity;
use crate::ids::record_uid;
use crate::registries::ORGANISM;

/// An organism Python bionty knows without a download: common name, scientific name as
/// Ensembl spells it, NCBI Taxonomy id, and the prefix of its Ensembl gene ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownOrganism {
    /// Common name (`human`).
    pub name: &'static str,
    /// Scientific name as Ensembl's species table gives it (`Homo sapiens`).
    pub scientific_name: &'static str,
    /// `NCBITaxon:9606`.
    pub ontology_id: &'static str,
    /// Prefix of Ensembl gene ids (`ENSG`), if Ensembl annotates it.
    pub ensembl_prefix: Option<&'static str>,
}

/// The organisms of bionty's catalogue (`sources.yaml`) and Ensembl's most used species.
pub const KNOWN: &[KnownOrganism] = &[
    KnownOrganism {
        name: "human",
        scientific_name: "Homo sapiens",
        ontology_id: "NCBITaxon:9606",
        ensembl_prefix: Some("ENSG"),
    },
    KnownOrganism {
        name: "mouse",
        scientific_name: "Mus musculus",
        ontology_id: "NCBITaxon:10090",
        ensembl_prefix: Some("ENSMUSG"),
    },
    KnownOrganism {
        name: "rat",
        scientific_name: "Rattus norvegicus",
        ontology_id: "NCBITaxon:10116",
        ensembl_prefix: Some("ENSRNOG"),
    },
    KnownOrganism {
        name: "zebrafish",
        scientific_name: "Danio rerio",
        ontology_id: "NCBITaxon:7955",
        ensembl_prefix: Some("ENSDARG"),
    },
    KnownOrganism {
        name: "chicken",
        scientific_name: "Gallus gallus",
        ontology_id: "NCBITaxon:9031",
        ensembl_prefix: Some("ENSGALG"),
    },
    KnownOrganism {
        name: "pig",
        scientific_name: "Sus scrofa",
        ontology_id: "NCBITaxon:9823",
        ensembl_prefix: Some("ENSSSCG"),
    },
    KnownOrganism {
        name: "cow",
        scientific_name: "Bos taurus",
        ontology_id: "NCBITaxon:9913",
        ensembl_prefix: Some("ENSBTAG"),
    },
    KnownOrganism {
        name: "dog",
        scientific_name: "Canis lupus familiaris",
        ontology_id: "NCBITaxon:9615",
        ensembl_prefix: Some("ENSCAFG"),
    },
    KnownOrganism {
        name: "crab-eating macaque",
        scientific_name: "Macaca fascicularis",
        ontology_id: "NCBITaxon:9541",
        ensembl_prefix: Some("ENSMFAG"),
    },
    KnownOrganism {
        name: "rhesus macaque",
        scientific_name: "Macaca mulatta",
        ontology_id: "NCBITaxon:9544",
        ensembl_prefix: Some("ENSMMUG"),
    },
    KnownOrganism {
        name: "chinese hamster",
        scientific_name: "Cricetulus griseus",
        ontology_id: "NCBITaxon:10029",
        ensembl_prefix: Some("ENSCGRG"),
    },
    KnownOrganism {
        name: "fruit fly",
        scientific_name: "Drosophila melanogaster",
        ontology_id: "NCBITaxon:7227",
        ensembl_prefix: Some("FBgn"),
    },
    KnownOrganism {
        name: "saccharomyces cerevisiae",
        scientific_name: "Saccharomyces cerevisiae",
        ontology_id: "NCBITaxon:4932",
        ensembl_prefix: None,
    },
    KnownOrganism {
        name: "escherichia coli",
        scientific_name: "Escherichia coli",
        ontology_id: "NCBITaxon:562",
        ensembl_prefix: None,
    },
    KnownOrganism {
        name: "arabidopsis thaliana",
        scientific_name: "Arabidopsis thaliana",
        ontology_id: "NCBITaxon:3702",
        ensembl_prefix: None,
    },
];

fn norm(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// The known organism called `name` (common or scientific name, `NCBITaxon` id).
pub fn known(name: &str) -> Option<&'static KnownOrganism> {
    let n = norm(name);
    KNOWN.iter().find(|o| {
        norm(o.name) == n
            || norm(o.scientific_name) == n
            || o.ontology_id.eq_ignore_ascii_case(name.trim())
    })
}

/// The organism whose Ensembl gene ids start like `id` (the longest matching prefix wins:
/// `ENSMUSG` before `ENSG`… which do not overlap, but `ENSG` must not match `ENSGALG`).
pub fn infer_from_ensembl_id(id: &str) -> Option<&'static KnownOrganism> {
    KNOWN
        .iter()
        .filter(|o| {
            o.ensembl_prefix.is_some_and(|p| {
                id.strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            })
        })
        .max_by_key(|o| o.ensembl_prefix.map(str::len))
}

/// The organism most of `ids` belong to by their Ensembl prefix, with an error naming the ids
/// that disagree or cannot be told.
pub fn infer_from_ids<'a>(
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<&'static KnownOrganism> {
    let mut found: Option<&'static KnownOrganism> = None;
    for id in ids {
        let Some(o) = infer_from_ensembl_id(id) else {
            continue;
        };
        match found {
            Some(f) if f.name != o.name => {
                return Err(Error::Validation(format!(
                    "the genes belong to several organisms ({} and {}); pass the organism",
                    f.name, o.name
                )))
            }
            _ => found = Some(o),
        }
    }
    found.ok_or_else(|| {
        Error::Validation(
            "cannot tell the organism from the gene ids (no Ensembl ids of a known species); pass the organism"
                .into(),
        )
    })
}

/// The id of the organism record called `name` (by name or scientific name), created from the
/// known organisms when missing.
pub fn get_or_create(
    conn: &mut DbConnection,
    name: &str,
    created_by_id: i32,
) -> Result<(i64, String)> {
    let lookup = |conn: &mut DbConnection, n: &str| -> Result<Option<(i64, String)>> {
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT CAST(id AS BIGINT) AS i0, name AS t1 FROM \"{}\" WHERE name = ",
            ORGANISM.table
        ))
        .bind(Bind::Text(n.to_owned()))
        .push(" OR scientific_name = ")
        .bind(Bind::Text(n.to_owned()))
        .push(" ORDER BY id LIMIT 1");
        Ok(sql.load(conn)?.first().map(|r| {
            (
                r.0[0].as_i64().unwrap_or_default(),
                r.0[1].as_str().unwrap_or_default().to_owned(),
            )
        }))
    };
    if let Some(found) = lookup(conn, name.trim())? {
        return Ok(found);
    }
    let Some(k) = known(name) else {
        return Err(Error::NotFound(format!(
            "unknown organism '{name}'; create it in bionty.Organism first or use one of: {}",
            KNOWN.iter().map(|o| o.name).collect::<Vec<_>>().join(", ")
        )));
    };
    if let Some(found) = lookup(conn, k.name)? {
        return Ok(found);
    }
    // An organism imported from NCBITaxon is named by its scientific name ("Homo sapiens"
    // with no scientific_name): the same record by its ontology id.
    let mut by_id = Sql::default();
    by_id
        .push(&format!(
            "SELECT CAST(id AS BIGINT) AS i0 FROM \"{}\" WHERE ontology_id = ",
            ORGANISM.table
        ))
        .bind(Bind::Text(k.ontology_id.into()))
        .push(" ORDER BY id LIMIT 1");
    if let Some(r) = by_id.load(conn)?.first() {
        // Sources name organisms by bionty's common name.
        return Ok((r.0[0].as_i64().unwrap_or_default(), k.name.to_owned()));
    }
    let mut sql = Sql::default();
    sql.push(&format!(
        "INSERT INTO \"{}\" (uid, name, ontology_id, scientific_name, created_by_id) VALUES (",
        ORGANISM.table
    ))
    .bind(Bind::Text(record_uid(
        Entity::Organism,
        Some(k.ontology_id),
        None,
        k.name,
        None,
    )))
    .push(", ")
    .bind(Bind::Text(k.name.into()))
    .push(", ")
    .bind(Bind::Text(k.ontology_id.into()))
    .push(", ")
    .bind(Bind::Text(k.scientific_name.into()))
    .push(", ")
    .bind(Bind::Int(created_by_id.into()))
    .push(") ON CONFLICT DO NOTHING");
    sql.execute(conn)?;
    lookup(conn, k.name)?
        .ok_or_else(|| Error::Conflict(format!("organism '{}' could not be created", k.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(
            infer_from_ensembl_id("ENSG00000010610").unwrap().name,
            "human"
        );
        assert_eq!(
            infer_from_ensembl_id("ENSMUSG00000023274").unwrap().name,
            "mouse"
        );
        assert_eq!(
            infer_from_ensembl_id("ENSGALG00000000003").unwrap().name,
            "chicken"
        );
        assert!(infer_from_ensembl_id("ERCC-00002").is_none());
        assert!(infer_from_ids(["ENSG1", "ENSMUSG1"]).is_err());
        assert_eq!(known("Homo sapiens").unwrap().name, "human");
    }
}
