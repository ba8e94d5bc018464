//! Single records: found by id, name or uid; created by hand with parents (custom terms); or
//! taken from a source with all their ancestors (`from_source`).

use std::collections::{BTreeSet, HashMap};

use lamindb_core::db::rows::{Bind, Sql};
use lamindb_core::query::Q;
use lamindb_core::{Error, Instance, Result};
use serde::Serialize;

use crate::entity::Entity;
use crate::fetch::local_file;
use crate::format::Row;
use crate::ids::record_uid;
use crate::import::{
    ids_by_source_id, insert_links, insert_rows, read_table, ImportOptions, Owner,
};
use crate::organism;
use crate::sources;

/// The id of the record `term` names: by the entity's source identifier (`CL:0000084`), its
/// name, or its uid.
pub fn find(inst: &Instance, entity: Entity, term: &str) -> Result<i64> {
    let fields = [entity.id_field(), entity.name_field(), "uid"];
    for field in fields {
        if entity.meta().field(field).is_none() {
            continue;
        }
        let ids = inst
            .query_registry(entity.name())?
            .filter(Q::new(field, term))
            .ids()?;
        match ids[..] {
            [id] => return Ok(id),
            [] => {}
            _ => {
                return Err(Error::Conflict(format!(
                    "{} {entity} records have {field} '{term}'; name one by its uid",
                    ids.len()
                )))
            }
        }
    }
    Err(Error::NotFound(format!(
        "no {entity} record has {} '{term}'",
        fields.join(", name or ")
    )))
}

/// A record made by hand.
#[derive(Debug, Clone, Default)]
pub struct NewTerm {
    /// Name (a gene's symbol).
    pub name: String,
    /// Source identifier (`ontology_id`, …), if any.
    pub id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Synonyms.
    pub synonyms: Vec<String>,
    /// Parents, each by identifier, name or uid.
    pub parents: Vec<String>,
    /// Organism, for genes, proteins and cell markers.
    pub organism: Option<String>,
}

/// What [`create_term`] did.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    /// Id.
    pub id: i64,
    /// uid (Python's, from the identifier or the name).
    pub uid: String,
    /// Whether the record is new (else it existed with the same uid).
    pub created: bool,
    /// Parent links made.
    pub parent_links: usize,
}

/// Creates a record (a custom term) with its parents, or returns the existing one with the
/// same uid.
pub fn create_term(inst: &Instance, entity: Entity, term: &NewTerm) -> Result<Created> {
    inst.catalog().registry(entity.name())?;
    if term.name.trim().is_empty() {
        return Err(Error::Validation(format!("a {entity} record needs a name")));
    }
    if !term.parents.is_empty() && !entity.has_parents() {
        return Err(Error::Validation(format!(
            "{entity} records have no parents"
        )));
    }
    let parents: Vec<i64> = term
        .parents
        .iter()
        .map(|p| find(inst, entity, p))
        .collect::<Result<_>>()?;
    let user = inst.user().id;
    let run_id = inst.current_run()?.map(|r| r.id);
    let mut conn = inst.conn();
    conn.write(|c| {
        let organism = match (&term.organism, entity.needs_organism()) {
            (Some(o), true) => Some(organism::get_or_create(c, o, user)?),
            (None, true) => {
                return Err(Error::Validation(format!(
                    "{entity} records belong to an organism; pass one"
                )))
            }
            _ => None,
        };
        let row = Row {
            id: term.id.clone(),
            name: term.name.clone(),
            description: term.description.clone(),
            synonyms: term.synonyms.clone(),
            parents: Vec::new(),
            extra: Vec::new(),
        };
        let owner = Owner {
            source_id: None,
            organism: organism.as_ref(),
            created_by: user,
            run_id,
            place: (inst.branch_id(), inst.space_id()),
        };
        let created = insert_rows(c, entity, std::slice::from_ref(&row), &owner, false)? > 0;
        let uid = record_uid(
            entity,
            term.id.as_deref(),
            None,
            &term.name,
            organism.as_ref().map(|(_, n)| n.as_str()),
        );
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT CAST(id AS BIGINT) AS i0 FROM \"{}\" WHERE uid = ",
            entity.meta().table
        ))
        .bind(Bind::Text(uid.clone()));
        let id = *sql.load_ints(c)?.first().ok_or_else(|| {
            Error::Conflict(format!(
                "a {entity} record with the same name or identifier but another uid exists"
            ))
        })?;
        let pairs: Vec<(i64, i64)> = parents.iter().map(|p| (id, *p)).collect();
        let parent_links = if pairs.is_empty() {
            0
        } else {
            insert_links(c, entity, &pairs)?
        };
        Ok(Created {
            id,
            uid,
            created,
            parent_links,
        })
    })
}

/// What [`from_source`] did.
#[derive(Debug, Clone, Serialize)]
pub struct FromSource {
    /// For each value, the id of its record.
    pub records: Vec<(String, i64)>,
    /// Records added (the matches and their ancestors that were missing).
    pub added: usize,
    /// Parent links added.
    pub parent_links: usize,
}

/// Adds the records that `values` name in a source (by identifier, name, case-insensitive name
/// or synonym), with all their ancestors and the links between them, in one transaction.
/// Values that exist already are returned as they are; values the source lacks are an error
/// that names them.
pub fn from_source(inst: &Instance, opts: &ImportOptions, values: &[String]) -> Result<FromSource> {
    let entity = opts.entity;
    let input = opts
        .input
        .clone()
        .ok_or_else(|| Error::Validation("from_source needs the source file or URL".into()))?;
    let source_name = sources::name_or_default(&mut inst.conn(), entity, opts.source.as_deref())?;
    let path = local_file(Some(inst), &input)?;
    let table = read_table(entity, &path, &source_name)?;
    let by_id: HashMap<&str, usize> = table
        .rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.id.as_deref().map(|k| (k, i)))
        .collect();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, r) in table.rows.iter().enumerate() {
        by_name.entry(r.name.clone()).or_insert(i);
    }
    for (i, r) in table.rows.iter().enumerate() {
        by_name.entry(r.name.to_lowercase()).or_insert(i);
        for s in &r.synonyms {
            by_name.entry(s.to_lowercase()).or_insert(i);
        }
    }
    let mut matched = Vec::new();
    let mut missing = Vec::new();
    for v in values {
        let hit = by_id
            .get(v.as_str())
            .or_else(|| by_name.get(v))
            .or_else(|| by_name.get(&v.to_lowercase()));
        match hit {
            Some(i) => matched.push((v.clone(), *i)),
            None => missing.push(format!("'{v}'")),
        }
    }
    if !missing.is_empty() {
        return Err(Error::NotFound(format!(
            "no {entity} term in {} matches {}",
            input.describe(),
            missing.join(", ")
        )));
    }
    // The matches and their ancestors within the source.
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    let mut stack: Vec<usize> = matched.iter().map(|(_, i)| *i).collect();
    while let Some(i) = stack.pop() {
        if keep.insert(i) {
            for p in &table.rows[i].parents {
                if let Some(&j) = by_id.get(p.as_str()) {
                    stack.push(j);
                }
            }
        }
    }
    let rows: Vec<Row> = keep.iter().map(|i| table.rows[*i].clone()).collect();
    let user = inst.user().id;
    let run_id = inst.current_run()?.map(|r| r.id);
    let version = opts.version.clone().or(table.version.clone());
    let mut conn = inst.conn();
    conn.write(|c| {
        let organism = match (&opts.organism, entity.needs_organism()) {
            (Some(o), true) => Some(organism::get_or_create(c, o, user)?),
            (None, true) => {
                let o = organism::infer_from_ids(rows.iter().filter_map(|r| r.id.as_deref()))?;
                Some(organism::get_or_create(c, o.name, user)?)
            }
            _ => None,
        };
        let source = sources::resolve(
            c,
            entity,
            organism.as_ref().map(|(_, n)| n.as_str()),
            Some(&source_name),
            version.as_deref(),
            user,
        )?;
        let owner = Owner {
            source_id: Some(source.id),
            organism: organism.as_ref(),
            created_by: user,
            run_id,
            place: (inst.branch_id(), inst.space_id()),
        };
        let added = insert_rows(c, entity, &rows, &owner, false)?;
        let (parent_links, _) = crate::import::link_parents(c, entity, &rows)?;
        let ids = ids_by_source_id(c, entity)?;
        let records = matched
            .iter()
            .filter_map(|(v, i)| {
                let key = table.rows[*i].id.as_deref()?;
                ids.get(key).map(|id| (v.clone(), *id))
            })
            .collect();
        Ok(FromSource {
            records,
            added,
            parent_links,
        })
    })
}
