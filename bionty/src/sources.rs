//! `bionty.Source`: the versions of public sources an entity's records come from, seeded from
//! bionty's `sources.yaml` as Python LaminDB seeds them at `lamin init`.

use lamindb_core::db::rows::{Bind, Cell, Sql};
use lamindb_core::db::DbConnection;
use lamindb_core::{Error, Result};
use serde::Serialize;

use crate::entity::Entity;
use crate::ids::source_uid;
use crate::registries::SOURCE;

/// bionty 2.5.2's catalogue of public sources (`bionty/base/sources.yaml`).
pub const SOURCES_YAML: &str = include_str!("../sources.yaml");

/// One source version as `sources.yaml` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceSpec {
    /// Entity as stored: `bionty.CellType` for registries, the bare class (`Drug`) otherwise.
    pub entity: String,
    /// Short name (`cl`).
    pub name: String,
    /// Organism (`all`, `human`, …).
    pub organism: String,
    /// Latest version.
    pub version: String,
    /// URL of the source file, version filled in.
    pub url: String,
    /// Long name (`Cell Ontology`).
    pub description: String,
    /// Website.
    pub source_website: String,
    /// Whether it is the default source of its entity and organism (the first one listed).
    pub currently_used: bool,
}

/// A YAML scalar as Python's `str()` prints what PyYAML read: `2.0` stays `2.0`.
fn scalar(v: &serde_yaml_ng::Value) -> String {
    match v {
        serde_yaml_ng::Value::String(s) => s.clone(),
        serde_yaml_ng::Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 => format!("{f:.1}"),
            _ => n.to_string(),
        },
        serde_yaml_ng::Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

/// Parses a `sources.yaml` into one row per entity, source and organism, in file order, as
/// `bionty.base.dev._handle_sources.parse_sources_yaml` does.
pub fn parse_sources_yaml(text: &str) -> Result<Vec<SourceSpec>> {
    use serde_yaml_ng::Value;
    let bad = |e: String| Error::Validation(format!("sources.yaml: {e}"));
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| bad(e.to_string()))?;
    let Value::Mapping(entities) = doc else {
        return Err(bad("the top level is not a mapping".into()));
    };
    let registries: Vec<&str> = Entity::ALL.iter().map(|e| e.class()).collect();
    let mut out: Vec<SourceSpec> = Vec::new();
    for (entity, sources) in &entities {
        let entity = scalar(entity);
        if entity == "version" {
            continue;
        }
        let Value::Mapping(sources) = sources else {
            return Err(bad(format!("entity {entity} is not a mapping")));
        };
        let stored = if registries.contains(&entity.as_str()) {
            format!("bionty.{entity}")
        } else {
            entity.clone()
        };
        for (source, organisms) in sources {
            let source = scalar(source);
            let Value::Mapping(organisms) = organisms else {
                return Err(bad(format!("{entity}.{source} is not a mapping")));
            };
            let text_of = |k: &str| organisms.get(k).map(scalar).unwrap_or_default();
            let (description, website) = (text_of("name"), text_of("website"));
            for (organism, versions) in organisms {
                let organism = scalar(organism);
                if organism == "name" || organism == "website" {
                    continue;
                }
                let version = versions.get("latest-version").map(scalar).ok_or_else(|| {
                    bad(format!(
                        "{entity}.{source}.{organism} has no latest-version"
                    ))
                })?;
                let url = versions
                    .get("url")
                    .map(scalar)
                    .unwrap_or_default()
                    .replace("{version}", &version);
                let currently_used = !out
                    .iter()
                    .any(|s| s.entity == stored && s.organism == organism);
                out.push(SourceSpec {
                    entity: stored.clone(),
                    name: source.clone(),
                    organism,
                    version,
                    url,
                    description: description.clone(),
                    source_website: website.clone(),
                    currently_used,
                });
            }
        }
    }
    Ok(out)
}

/// Inserts the sources of `sources.yaml` that are missing (by entity, name, organism and
/// version); returns how many were added.
pub fn seed(conn: &mut DbConnection, created_by_id: i32) -> Result<usize> {
    let mut added = 0;
    for s in parse_sources_yaml(SOURCES_YAML)? {
        let mut sql = Sql::default();
        sql.push(&format!(
            "INSERT INTO \"{}\" (uid, entity, organism, name, version, in_db, currently_used, \
             description, url, source_website, created_by_id) VALUES (",
            SOURCE.table
        ));
        let uid = source_uid(&s.entity, &s.name, &s.organism, &s.version);
        for (i, v) in [uid, s.entity, s.organism, s.name, s.version]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Bind::Text(v));
        }
        sql.push(", ").bind(Bind::Bool(false));
        sql.push(", ").bind(Bind::Bool(s.currently_used));
        for v in [s.description, s.url, s.source_website] {
            sql.push(", ").bind(Bind::Text(v));
        }
        sql.push(", ")
            .bind(Bind::Int(created_by_id.into()))
            .push(") ON CONFLICT DO NOTHING");
        added += sql.execute(conn)?;
    }
    Ok(added)
}

/// A `bionty.Source` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Id.
    pub id: i64,
    /// uid (8 characters).
    pub uid: String,
    /// Entity (`bionty.CellType`).
    pub entity: String,
    /// Organism.
    pub organism: String,
    /// Short name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Whether the whole source was imported.
    pub in_db: bool,
    /// Whether it is the default for its entity and organism.
    pub currently_used: bool,
    /// Long name.
    pub description: Option<String>,
    /// URL of the source file.
    pub url: Option<String>,
}

const COLUMNS: &str =
    "CAST(id AS BIGINT) AS i0, uid AS t1, entity AS t2, organism AS t3, name AS t4, \
     version AS t5, in_db AS b6, currently_used AS b7, description AS t8, url AS t9";

fn text(c: &Cell) -> String {
    c.as_str().unwrap_or_default().to_owned()
}

fn from_cells(c: &[Cell]) -> Source {
    Source {
        id: c[0].as_i64().unwrap_or_default(),
        uid: text(&c[1]),
        entity: text(&c[2]),
        organism: text(&c[3]),
        name: text(&c[4]),
        version: text(&c[5]),
        in_db: c[6] == Cell::Bool(true),
        currently_used: c[7] == Cell::Bool(true),
        description: c[8].as_str().map(str::to_owned),
        url: c[9].as_str().map(str::to_owned),
    }
}

/// What to look a source up by; empty fields match anything.
#[derive(Debug, Clone, Default)]
pub struct SourceQuery<'a> {
    /// Entity (`bionty.CellType`).
    pub entity: Option<&'a str>,
    /// Organism.
    pub organism: Option<&'a str>,
    /// Short name.
    pub name: Option<&'a str>,
    /// Version.
    pub version: Option<&'a str>,
}

/// The sources matching `q`, defaults first, then by entity, organism, name and version.
pub fn list(conn: &mut DbConnection, q: &SourceQuery<'_>) -> Result<Vec<Source>> {
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT {COLUMNS} FROM \"{}\" WHERE 1 = 1",
        SOURCE.table
    ));
    for (col, v) in [
        ("entity", q.entity),
        ("organism", q.organism),
        ("name", q.name),
        ("version", q.version),
    ] {
        if let Some(v) = v {
            sql.push(&format!(" AND {col} = "))
                .bind(Bind::Text(v.to_owned()));
        }
    }
    sql.push(" ORDER BY entity, organism, currently_used DESC, name, version");
    Ok(sql.load(conn)?.iter().map(|r| from_cells(&r.0)).collect())
}

/// The name of `entity`'s default source (`cl` for CellType), given `name` if one is.
pub fn name_or_default(
    conn: &mut DbConnection,
    entity: Entity,
    name: Option<&str>,
) -> Result<String> {
    if let Some(n) = name {
        return Ok(n.to_owned());
    }
    list(
        conn,
        &SourceQuery {
            entity: Some(entity.name()),
            ..SourceQuery::default()
        },
    )?
    .into_iter()
    .find(|s| s.currently_used)
    .map(|s| s.name)
    .ok_or_else(|| {
        Error::NotFound(format!(
            "{entity} has no default source; pass the source name"
        ))
    })
}

/// The source an import of `entity` uses: the one named by `name`/`version`/`organism`, or the
/// default (`currently_used`) one. Without a match for an explicit version, a new `Source` row
/// is created for it (as Python's `add_source` does) when `name` is known for the entity.
pub fn resolve(
    conn: &mut DbConnection,
    entity: Entity,
    organism: Option<&str>,
    name: Option<&str>,
    version: Option<&str>,
    created_by_id: i32,
) -> Result<Source> {
    let q = SourceQuery {
        entity: Some(entity.name()),
        organism,
        name,
        version,
    };
    let found = list(conn, &q)?;
    if let Some(s) = found.iter().find(|s| s.currently_used).or(found.first()) {
        return Ok(s.clone());
    }
    // A version not in the catalogue: a new row next to the catalogue's row of that source.
    let base = list(
        conn,
        &SourceQuery {
            version: None,
            ..q.clone()
        },
    )?;
    let (Some(version), Some(base)) = (
        version,
        base.iter().find(|s| s.currently_used).or(base.first()),
    ) else {
        let known = list(
            conn,
            &SourceQuery {
                entity: Some(entity.name()),
                ..SourceQuery::default()
            },
        )?;
        let names: Vec<String> = known
            .iter()
            .map(|s| format!("{} ({}, {})", s.name, s.organism, s.version))
            .collect();
        return Err(Error::NotFound(format!(
            "no source of {entity} matches{}{}{}; sources: {}",
            name.map(|n| format!(" name '{n}'")).unwrap_or_default(),
            organism
                .map(|o| format!(" organism '{o}'"))
                .unwrap_or_default(),
            version
                .map(|v| format!(" version '{v}'"))
                .unwrap_or_default(),
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )));
    };
    let url = base
        .url
        .as_deref()
        .map(|u| u.replace(&base.version, version));
    let mut sql = Sql::default();
    sql.push(&format!(
        "INSERT INTO \"{}\" (uid, entity, organism, name, version, in_db, currently_used, description, url, created_by_id) VALUES (",
        SOURCE.table
    ));
    sql.bind(Bind::Text(source_uid(
        &base.entity,
        &base.name,
        &base.organism,
        version,
    )));
    for v in [&base.entity, &base.organism, &base.name] {
        sql.push(", ").bind(Bind::Text(v.clone()));
    }
    sql.push(", ").bind(Bind::Text(version.to_owned()));
    sql.push(", ").bind(Bind::Bool(false));
    sql.push(", ").bind(Bind::Bool(false));
    sql.push(", ")
        .bind_opt(base.description.clone().map(Bind::Text));
    sql.push(", ").bind_opt(url.map(Bind::Text));
    // Parallel imports of one new version each try to add its row; the first one wins.
    sql.push(", ")
        .bind(Bind::Int(created_by_id.into()))
        .push(") ON CONFLICT DO NOTHING");
    sql.execute(conn)?;
    Ok(list(
        conn,
        &SourceQuery {
            version: Some(version),
            name: Some(&base.name),
            organism: Some(&base.organism),
            entity: Some(entity.name()),
        },
    )?
    .remove(0))
}

/// Marks `source` as imported whole.
pub fn set_in_db(conn: &mut DbConnection, source: &Source) -> Result<()> {
    let mut sql = Sql::default();
    sql.push(&format!("UPDATE \"{}\" SET in_db = ", SOURCE.table))
        .bind(Bind::Bool(true))
        .push(" WHERE id = ")
        .bind(Bind::Int(source.id));
    sql.execute(conn)?;
    Ok(())
}

/// Makes `source` the default of its entity and organism, as Python's `Source.save()` does
/// when `currently_used` is set.
pub fn make_default(conn: &mut DbConnection, source: &Source) -> Result<()> {
    let mut sql = Sql::default();
    sql.push(&format!(
        "UPDATE \"{}\" SET currently_used = (id = ",
        SOURCE.table
    ))
    .bind(Bind::Int(source.id))
    .push(") WHERE entity = ")
    .bind(Bind::Text(source.entity.clone()))
    .push(" AND organism = ")
    .bind(Bind::Text(source.organism.clone()))
    .push(" AND name = ")
    .bind(Bind::Text(source.name.clone()));
    sql.execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_catalogue_parses_as_python_reads_it() {
        let rows = parse_sources_yaml(SOURCES_YAML).unwrap();
        // One currently used source per entity and organism.
        let mut pairs: Vec<(&str, &str)> = rows
            .iter()
            .filter(|s| s.currently_used)
            .map(|s| (s.entity.as_str(), s.organism.as_str()))
            .collect();
        let n = pairs.len();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), n);
        let cl = rows.iter().find(|s| s.name == "cl").unwrap();
        assert_eq!(cl.entity, "bionty.CellType");
        assert!(cl.currently_used);
        assert!(!cl.url.contains("{version}"), "{}", cl.url);
        assert!(rows.iter().all(|s| !s.version.is_empty()));
    }
}
