//! `import_source`: a whole public source into an entity's registry in one transaction, in
//! bulk, idempotently; and single records with their ancestors.

use std::collections::HashMap;
use std::path::PathBuf;

use lamindb_core::db::rows::{Bind, Cell, Sql};
use lamindb_core::db::sql_types::UtcTime;
use lamindb_core::db::DbConnection;
use lamindb_core::{Error, Instance, Result};
use serde::Serialize;

use crate::entity::Entity;
use crate::fetch::{local_file, md5_file, Input};
use crate::format::{self, Format, Row, Table};
use crate::ids::record_uid;
use crate::organism;
use crate::rules;
use crate::sources::{self, Source, SourceQuery};

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The registry.
    pub entity: Entity,
    /// Source name (`cl`); the entity's default source when `None`.
    pub source: Option<String>,
    /// Source version; the file's own version (or the source's) when `None`.
    pub version: Option<String>,
    /// Organism (`human`); for genes also inferred from Ensembl ids.
    pub organism: Option<String>,
    /// The file or URL; the source's URL when `None`.
    pub input: Option<Input>,
    /// Update records that exist already (same uid) to this source's names, definitions and
    /// synonyms, and make this source the default.
    pub update_records: bool,
}

impl ImportOptions {
    /// Options to import `entity` from its default source.
    pub fn new(entity: Entity) -> Self {
        ImportOptions {
            entity,
            source: None,
            version: None,
            organism: None,
            input: None,
            update_records: false,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The registry (`bionty.CellType`).
    pub entity: String,
    /// The source row the records belong to.
    pub source: Source,
    /// The local file read.
    pub file: PathBuf,
    /// Live records in the file.
    pub read: usize,
    /// Obsolete terms skipped.
    pub obsolete: usize,
    /// Records created.
    pub inserted: usize,
    /// Existing records updated (with `update_records`).
    pub updated: usize,
    /// Parent links created.
    pub parent_links: usize,
    /// Parent references to terms that are neither in the file nor in the registry.
    pub unknown_parents: usize,
}

/// Reads the table of a source file, choosing the reader by name (or, for names that say
/// nothing, by the entity: genes are tables, the rest ontologies).
pub fn read_table(entity: Entity, path: &std::path::Path, source_name: &str) -> Result<Table> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.to_ascii_lowercase().contains(".owl") {
        return Err(Error::Unsupported(format!(
            "{} is OWL, which lamindb-rs does not read; use the source's OBO or OBO Graphs JSON file",
            path.display()
        )));
    }
    let fmt = Format::of_name(name).unwrap_or(if entity.is_ontology() {
        Format::Obo
    } else {
        Format::GeneTable
    });
    if fmt == Format::GeneTable && entity != Entity::Gene {
        return Err(Error::Unsupported(format!(
            "{}: tables are read for bionty.Gene only; {entity} imports OBO or OBO Graphs JSON",
            path.display()
        )));
    }
    let mut table = format::read_file(path, fmt, entity.include_rel())
        .map_err(|e| Error::Validation(format!("{}: {e}; nothing was imported", path.display())))?;
    rules::apply(entity, source_name, &mut table);
    Ok(table)
}

/// Imports a whole source into its registry.
pub fn import_source(inst: &Instance, opts: &ImportOptions) -> Result<ImportReport> {
    let entity = opts.entity;
    inst.catalog().registry(entity.name())?;
    let user = inst.user().id;
    let run_id = inst.current_run()?.map(|r| r.id);
    // The catalogue row the import starts from, for the source name and the default URL.
    let base = {
        let mut conn = inst.conn();
        let found = sources::list(
            &mut conn,
            &SourceQuery {
                entity: Some(entity.name()),
                organism: opts
                    .organism
                    .as_deref()
                    .filter(|_| !entity.needs_organism()),
                name: opts.source.as_deref(),
                version: None,
            },
        )?;
        let organism_match = |s: &&Source| {
            opts.organism
                .as_deref()
                .is_none_or(|o| organism::known(o).map_or(o, |k| k.name) == s.organism)
        };
        found
            .iter()
            .filter(organism_match)
            .find(|s| s.currently_used)
            .or(found.iter().find(organism_match))
            .cloned()
    };
    let source_name = opts
        .source
        .clone()
        .or_else(|| base.as_ref().map(|s| s.name.clone()))
        .ok_or_else(|| Error::NotFound(format!("{entity} has no source; pass the source name")))?;
    let input = match (&opts.input, &base) {
        (Some(i), _) => i.clone(),
        (None, Some(b)) if b.url.as_deref().is_some_and(|u| !u.is_empty()) => Input::Url(
            crate::fetch::obo_variant(b.url.as_deref().unwrap_or_default()),
        ),
        _ => {
            return Err(Error::NotFound(format!(
                "source {source_name} of {entity} has no URL; pass a file"
            )))
        }
    };
    let path = local_file(Some(inst), &input)?;
    let table = read_table(entity, &path, &source_name)?;
    if table.rows.is_empty() {
        return Err(Error::Validation(format!(
            "{} holds no live {entity} records of source {source_name}; nothing was imported",
            input.describe()
        )));
    }
    let md5 = md5_file(&path)?;
    let version = opts
        .version
        .clone()
        .or_else(|| opts.input.as_ref().and(table.version.clone()))
        .or_else(|| base.as_ref().map(|b| b.version.clone()));
    let organism_name = match (&opts.organism, entity.needs_organism()) {
        (Some(o), _) => Some(o.clone()),
        (None, true) => Some(
            organism::infer_from_ids(table.rows.iter().filter_map(|r| r.id.as_deref()))?
                .name
                .to_owned(),
        ),
        (None, false) => None,
    };
    let report = {
        let mut conn = inst.conn();
        // Every key is resolved in the transaction: the source and organism rows, the user, the
        // run.
        conn.write_resolved_keys(|c| {
            let organism = match (&organism_name, entity.needs_organism()) {
                (Some(o), true) => Some(organism::get_or_create(c, o, user)?),
                _ => None,
            };
            let source_organism = match (&organism, &base) {
                (Some((_, name)), _) => Some(name.clone()),
                (None, Some(b)) => Some(b.organism.clone()),
                (None, None) => None,
            };
            let source = sources::resolve(
                c,
                entity,
                source_organism.as_deref(),
                Some(&source_name),
                version.as_deref(),
                user,
            )?;
            let before = count(c, entity)?;
            let affected = insert_rows(
                c,
                entity,
                &table.rows,
                &Owner {
                    source_id: Some(source.id),
                    organism: organism.as_ref(),
                    created_by: user,
                    run_id,
                    place: (inst.branch_id(), inst.space_id()),
                },
                opts.update_records,
            )?;
            let inserted = (count(c, entity)? - before) as usize;
            let (parent_links, unknown_parents) = link_parents(c, entity, &table.rows)?;
            sources::set_in_db(c, &source)?;
            set_md5(c, &source, &md5)?;
            if opts.update_records {
                sources::make_default(c, &source)?;
            }
            let source = sources::list(
                c,
                &SourceQuery {
                    entity: Some(&source.entity),
                    organism: Some(&source.organism),
                    name: Some(&source.name),
                    version: Some(&source.version),
                },
            )?
            .remove(0);
            Ok(ImportReport {
                entity: entity.name().to_owned(),
                source,
                file: path.clone(),
                read: table.rows.len(),
                obsolete: table.obsolete,
                inserted,
                updated: affected.saturating_sub(inserted),
                parent_links,
                unknown_parents,
            })
        })?
    };
    // Planner statistics for the grown tables: hierarchy walks use the link table's indexes.
    let mut tables = vec![entity.meta().table];
    tables.extend(entity.parents_table().map(|(t, _, _)| t));
    inst.analyze_tables(&tables)?;
    Ok(report)
}

/// Who and what new records belong to.
pub(crate) struct Owner<'a> {
    pub source_id: Option<i64>,
    pub organism: Option<&'a (i64, String)>,
    pub created_by: i32,
    pub run_id: Option<i64>,
    /// The branch and space new records go to (the instance's current ones).
    pub place: (i32, i16),
}

fn count(c: &mut DbConnection, entity: Entity) -> Result<i64> {
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT COUNT(*) AS i0 FROM \"{}\"",
        entity.meta().table
    ));
    Ok(sql.load_ints(c)?.first().copied().unwrap_or(0))
}

fn set_md5(c: &mut DbConnection, source: &Source, md5: &str) -> Result<()> {
    let mut sql = Sql::default();
    sql.push(&format!(
        "UPDATE \"{}\" SET md5 = ",
        crate::registries::SOURCE.table
    ))
    .bind(Bind::Text(md5.to_owned()))
    .push(" WHERE id = ")
    .bind(Bind::Int(source.id));
    sql.execute(c)?;
    Ok(())
}

/// Rows per INSERT statement: SQLite takes at most 32766 parameters per statement.
const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` (skipping those that exist, or updating them with `update`); returns the
/// number of rows the statements touched.
pub(crate) fn insert_rows(
    c: &mut DbConnection,
    entity: Entity,
    rows: &[Row],
    owner: &Owner<'_>,
    update: bool,
) -> Result<usize> {
    let meta = entity.meta();
    let id_field = meta
        .field(entity.id_field())
        .map(|f| f.name)
        .filter(|f| *f != entity.name_field());
    let mut extras: Vec<&'static str> = Vec::new();
    for r in rows {
        for (k, _) in &r.extra {
            if !extras.contains(k) && meta.field(k).is_some() {
                extras.push(k);
            }
        }
    }
    let mut columns: Vec<&str> = vec!["uid", entity.name_field()];
    columns.extend(id_field);
    columns.extend([
        "synonyms",
        "description",
        "source_id",
        "created_by_id",
        "run_id",
        "created_at",
        "updated_at",
    ]);
    let placed = ["branch_id", "created_on_id", "space_id"]
        .iter()
        .all(|c| meta.field(c).is_some());
    if placed {
        columns.extend(["branch_id", "created_on_id", "space_id"]);
    }
    if owner.organism.is_some() {
        columns.push("organism_id");
    }
    columns.extend(extras.iter().copied());
    let organism_name = owner.organism.map(|(_, n)| n.as_str());
    let per_statement = (MAX_PARAMS / columns.len()).max(1);
    let head = format!(
        "INSERT INTO \"{}\" ({}) VALUES ",
        meta.table,
        columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let tail = if update {
        let set: Vec<String> = [entity.name_field(), "synonyms", "description", "source_id"]
            .iter()
            .chain(extras.iter())
            .map(|c| format!("\"{c}\" = excluded.\"{c}\""))
            .collect();
        format!(
            " ON CONFLICT (uid) DO UPDATE SET {}, updated_at = excluded.updated_at",
            set.join(", ")
        )
    } else {
        " ON CONFLICT DO NOTHING".to_owned()
    };
    let mut touched = 0;
    let (dialect, now) = (c.dialect(), UtcTime::now());
    // Rows in uid order: the uid index (the busiest unique check) then grows at its end.
    let mut keyed: Vec<(String, &Row)> = rows
        .iter()
        .map(|r| {
            let stable = r
                .extra
                .iter()
                .find(|(n, _)| *n == "stable_id")
                .map(|(_, v)| v.as_str());
            (
                record_uid(entity, r.id.as_deref(), stable, &r.name, organism_name),
                r,
            )
        })
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for chunk in keyed.chunks(per_statement) {
        let mut sql = Sql::default();
        sql.push(&head);
        for (i, (uid, r)) in chunk.iter().enumerate() {
            let extra = |k: &str| {
                r.extra
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.clone())
            };
            meta.check_len(entity.name_field(), &r.name).map_err(|e| {
                Error::Validation(format!(
                    "{} ({}): {e}",
                    r.name,
                    r.id.as_deref().unwrap_or("no id")
                ))
            })?;
            let uid = uid.clone();
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(Bind::Text(uid));
            sql.push(", ")
                .bind_opt((!r.name.is_empty()).then(|| Bind::Text(r.name.clone())));
            if id_field.is_some() {
                sql.push(", ").bind_opt(r.id.clone().map(Bind::Text));
            }
            let synonyms = (!r.synonyms.is_empty()).then(|| Bind::Text(r.synonyms.join("|")));
            sql.push(", ").bind_opt(synonyms);
            sql.push(", ")
                .bind_opt(r.description.clone().map(Bind::Text));
            sql.push(", ").bind_opt(owner.source_id.map(Bind::Int));
            sql.push(", ").bind(Bind::Int(owner.created_by.into()));
            sql.push(", ").bind_opt(owner.run_id.map(Bind::Int));
            // One timestamp for the import, bound, rather than the columns' per-row defaults
            // (SQLite evaluates `STRFTIME(…, 'NOW')` twice per row).
            sql.push(", ").bind_time(dialect, now);
            sql.push(", ").bind_time(dialect, now);
            if placed {
                let (branch, space) = owner.place;
                sql.push(", ")
                    .bind(Bind::Int(branch.into()))
                    .push(", ")
                    .bind(Bind::Int(branch.into()))
                    .push(", ")
                    .bind(Bind::Int(space.into()));
            }
            if let Some((id, _)) = owner.organism {
                sql.push(", ").bind(Bind::Int(*id));
            }
            for k in &extras {
                sql.push(", ").bind_opt(extra(k).map(Bind::Text));
            }
            sql.push(")");
        }
        sql.push(&tail);
        touched += sql.execute(c)?;
    }
    Ok(touched)
}

/// The ids of an entity's records by their source identifier.
pub(crate) fn ids_by_source_id(
    c: &mut DbConnection,
    entity: Entity,
) -> Result<HashMap<String, i64>> {
    let field = entity.id_field();
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT CAST(id AS BIGINT) AS i0, \"{field}\" AS t1 FROM \"{}\" WHERE \"{field}\" IS NOT NULL",
        entity.meta().table
    ));
    Ok(sql
        .load(c)?
        .into_iter()
        .filter_map(|r| match (&r.0[0], &r.0[1]) {
            (Cell::Int(id), Cell::Text(k)) => Some((k.clone(), *id)),
            _ => None,
        })
        .collect())
}

/// Links each row to its parents that are in the registry; returns (links created, parent
/// references that resolve to no record).
pub(crate) fn link_parents(
    c: &mut DbConnection,
    entity: Entity,
    rows: &[Row],
) -> Result<(usize, usize)> {
    if !entity.has_parents() || rows.iter().all(|r| r.parents.is_empty()) {
        return Ok((0, 0));
    }
    let ids = ids_by_source_id(c, entity)?;
    let mut pairs: Vec<(i64, i64)> = Vec::new();
    let mut unknown = 0;
    for r in rows {
        let Some(child) = r.id.as_deref().and_then(|k| ids.get(k)) else {
            continue;
        };
        for p in &r.parents {
            match ids.get(p) {
                Some(parent) => pairs.push((*child, *parent)),
                None => unknown += 1,
            }
        }
    }
    Ok((insert_links(c, entity, &pairs)?, unknown))
}

/// Inserts hierarchy links `(child id, parent id)` that do not exist yet; returns how many.
pub(crate) fn insert_links(
    c: &mut DbConnection,
    entity: Entity,
    pairs: &[(i64, i64)],
) -> Result<usize> {
    let Some((table, child_col, parent_col)) = entity.parents_table() else {
        return Err(Error::Validation(format!(
            "{entity} records have no parents"
        )));
    };
    let mut created = 0;
    for chunk in pairs.chunks(MAX_PARAMS / 2) {
        let mut sql = Sql::default();
        sql.push(&format!(
            "INSERT INTO \"{table}\" (\"{child_col}\", \"{parent_col}\") VALUES "
        ));
        for (i, (child, parent)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(Bind::Int(*child))
                .push(", ")
                .bind(Bind::Int(*parent))
                .push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING");
        created += sql.execute(c)?;
    }
    Ok(created)
}
