//! Transfer: an artifact of another instance saved into this one, as Python LaminDB does when a
//! record queried from another instance is saved. The artifact row keeps its uid, hash and
//! storage path (its data is not copied: the source's storage location is registered here,
//! matched by root, and not managed by this instance); its labels, features, feature values and
//! schemas come along, each matched by uid, then by name (by hash for schemas), and copied only
//! when missing; a transfer run of a `__lamindb_transfer__/<source uid>` transform is the
//! artifact's run. Running it again finds everything by uid and changes nothing.
//!
//! Rows are copied generically, column by column, between any two backends: the database
//! catalog names each column's type and the table it references, so module registries (bionty
//! terms, a lab's records) travel the same way.

use std::collections::HashMap;

use crate::db::introspect::{self, Column};
use crate::db::models::Artifact;
use crate::db::rows::{Bind, Cell, Sql};
use crate::db::{DbConnection, Dialect};
use crate::records::runs::{RunSpec, RunStatus, TransformKind, TransformSpec};
use crate::{Error, Instance, Result};

/// What a transfer did.
#[derive(Debug, Clone)]
pub struct Transferred {
    /// The artifact in this instance.
    pub artifact: Artifact,
    /// Rows copied into this instance (the artifact, its storage, labels, features, …).
    pub transferred: usize,
    /// Rows found here already (by uid, name or hash).
    pub mapped: usize,
}

/// How a column is read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Bool,
    Time,
    Json,
    Date,
    Text,
}

impl Kind {
    fn of(c: &Column) -> Kind {
        let t = c.data_type.as_str();
        if t.contains("int") || t.contains("serial") {
            Kind::Int
        } else if t.contains("bool") {
            Kind::Bool
        } else if t.contains("real")
            || t.contains("double")
            || t.contains("float")
            || t.contains("numeric")
        {
            Kind::Float
        } else if t.contains("timestamp") || t.contains("datetime") {
            Kind::Time
        } else if t.contains("json") {
            Kind::Json
        } else if t == "date" {
            Kind::Date
        } else {
            Kind::Text
        }
    }

    /// The select expression of column `name` as the `i`-th cell.
    fn select(self, name: &str, i: usize) -> String {
        match self {
            Kind::Int => format!("CAST(\"{name}\" AS BIGINT) AS i{i}"),
            Kind::Float => format!("CAST(\"{name}\" AS DOUBLE PRECISION) AS f{i}"),
            Kind::Bool => format!("\"{name}\" AS b{i}"),
            Kind::Time => format!("\"{name}\" AS d{i}"),
            Kind::Json => format!("\"{name}\" AS j{i}"),
            Kind::Date | Kind::Text => format!("CAST(\"{name}\" AS TEXT) AS t{i}"),
        }
    }
}

/// A row of a source table: its cells by column name.
type Row = HashMap<String, Cell>;

fn columns(conn: &mut DbConnection, table: &str) -> Result<Vec<Column>> {
    let cols = introspect::columns(conn, table)?;
    if cols.is_empty() {
        return Err(Error::Unsupported(format!(
            "table {table} is missing: does the instance have the module that owns it?"
        )));
    }
    Ok(cols)
}

/// Rows of `table` (with columns `cols`) where `column` = `value`.
fn rows_where(
    conn: &mut DbConnection,
    cols: &[Column],
    table: &str,
    column: &str,
    value: Bind,
) -> Result<Vec<Row>> {
    let mut q = Sql::default();
    q.push("SELECT ")
        .push(
            &cols
                .iter()
                .enumerate()
                .map(|(i, c)| Kind::of(c).select(&c.name, i))
                .collect::<Vec<_>>()
                .join(", "),
        )
        .push(&format!(" FROM \"{table}\" WHERE \"{column}\" = "))
        .bind(value)
        .push(" ORDER BY id");
    Ok(q.load(conn)?
        .into_iter()
        .map(|r| cols.iter().map(|c| c.name.clone()).zip(r.0).collect())
        .collect())
}

/// The id of the row of `table` whose `column` is `value`, if any.
fn id_where(
    conn: &mut DbConnection,
    table: &str,
    column: &str,
    value: &Cell,
) -> Result<Option<i64>> {
    let bind = match value {
        Cell::Text(s) => Bind::Text(s.clone()),
        Cell::Int(i) => Bind::Int(*i),
        _ => return Ok(None),
    };
    let mut q = Sql::default();
    q.push(&format!(
        "SELECT CAST(id AS BIGINT) AS i0 FROM \"{table}\" WHERE \"{column}\" = "
    ))
    .bind(bind)
    .push(" ORDER BY id");
    Ok(q.load_ints(conn)?.first().copied())
}

/// Inserts `values` (column → cell) into `table` (with columns `cols`), converting each cell to
/// the column's type on this backend; returns the new id.
fn insert(
    conn: &mut DbConnection,
    cols: &[Column],
    table: &str,
    values: &[(String, Cell)],
) -> Result<i64> {
    let dialect = conn.dialect();
    let known: Vec<(&Column, &Cell)> = values
        .iter()
        .filter_map(|(name, cell)| cols.iter().find(|c| &c.name == name).map(|c| (c, cell)))
        .collect();
    let mut q = Sql::default();
    q.push(&format!(
        "INSERT INTO \"{table}\" ({}) VALUES (",
        known
            .iter()
            .map(|(c, _)| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for (i, (c, cell)) in known.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        push_value(&mut q, dialect, Kind::of(c), cell);
    }
    q.push(") RETURNING CAST(id AS BIGINT) AS i0");
    q.load_ints(conn)?
        .first()
        .copied()
        .ok_or_else(|| Error::Conflict(format!("inserting into {table} returned no id")))
}

fn push_value(q: &mut Sql, dialect: Dialect, kind: Kind, cell: &Cell) {
    let pg = dialect == Dialect::Postgres;
    let text = |c: &Cell| match c {
        Cell::Json(v) => v.to_string(),
        other => other.display(),
    };
    match (kind, cell) {
        (_, Cell::Null) => {
            q.push("NULL");
        }
        (Kind::Time, Cell::Time(t)) => {
            q.bind_time(dialect, *t);
        }
        (Kind::Int, Cell::Int(i)) => {
            q.bind(Bind::Int(*i));
        }
        (Kind::Int, Cell::Bool(b)) => {
            q.bind(Bind::Int(i64::from(*b)));
        }
        (Kind::Bool, Cell::Bool(b)) => {
            q.bind(Bind::Bool(*b));
        }
        (Kind::Bool, Cell::Int(i)) => {
            q.bind(Bind::Bool(*i != 0));
        }
        (Kind::Float, Cell::Float(x)) => {
            q.bind(Bind::Float(*x));
        }
        (Kind::Float, Cell::Int(i)) => {
            q.bind(Bind::Float(*i as f64));
        }
        (Kind::Json, c) if pg => {
            q.push("CAST(").bind(Bind::Text(text(c))).push(" AS JSONB)");
        }
        (Kind::Date, c) if pg => {
            q.push("CAST(").bind(Bind::Text(text(c))).push(" AS DATE)");
        }
        (Kind::Time, c) if pg => {
            q.push("CAST(")
                .bind(Bind::Text(text(c)))
                .push(" AS TIMESTAMPTZ)");
        }
        (_, c) => {
            q.bind(Bind::Text(text(c)));
        }
    }
}

/// One transfer between two open instances, inside one transaction of the target.
struct Copier<'a> {
    source: &'a Instance,
    target: &'a Instance,
    conn: &'a mut DbConnection,
    run_id: i64,
    /// The run new links are made in (the target's current run), if any.
    link_run: Option<i64>,
    /// (table, source id) → target id.
    ids: HashMap<(String, i64), i64>,
    /// The columns of each table, read once per side (true: the source).
    columns: HashMap<(bool, String), Vec<Column>>,
    transferred: usize,
    mapped: usize,
}

impl Copier<'_> {
    /// The columns of `table` in the source (`source`) or the target, read once.
    fn cols(&mut self, source: bool, table: &str) -> Result<Vec<Column>> {
        let key = (source, table.to_owned());
        if let Some(c) = self.columns.get(&key) {
            return Ok(c.clone());
        }
        let cols = if source {
            columns(&mut self.source.conn(), table)?
        } else {
            columns(&mut *self.conn, table)?
        };
        self.columns.insert(key, cols.clone());
        Ok(cols)
    }

    /// Rows of source table `table` where `column` = `value`.
    fn source_rows(&mut self, table: &str, column: &str, value: Bind) -> Result<Vec<Row>> {
        let cols = self.cols(true, table)?;
        rows_where(&mut self.source.conn(), &cols, table, column, value)
    }

    /// Inserts `values` into target table `table`; returns the new id.
    fn insert(&mut self, table: &str, values: &[(String, Cell)]) -> Result<i64> {
        let cols = self.cols(false, table)?;
        insert(&mut *self.conn, &cols, table, values)
    }

    /// The target id of row `id` of `table` in the source: found by uid (by root for storage
    /// locations), then by name and type (labels, features) or hash (schemas), else copied.
    fn map(&mut self, table: &str, id: i64) -> Result<i64> {
        if let Some(t) = self.ids.get(&(table.to_owned(), id)) {
            return Ok(*t);
        }
        let row = self
            .source_rows(table, "id", Bind::Int(id))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::NotFound(format!("{table} {id} is not in the source instance"))
            })?;
        let found = self.find(table, &row)?;
        let target_id = match found {
            Some(t) => {
                self.mapped += 1;
                t
            }
            None => {
                let t = self.copy(table, &row)?;
                self.transferred += 1;
                t
            }
        };
        self.ids.insert((table.to_owned(), id), target_id);
        Ok(target_id)
    }

    fn find(&mut self, table: &str, row: &Row) -> Result<Option<i64>> {
        let key = if table == "lamindb_storage" {
            "root"
        } else {
            "uid"
        };
        if let Some(v) = row.get(key) {
            if let Some(id) = id_where(&mut *self.conn, table, key, v)? {
                return Ok(Some(id));
            }
        }
        if table == "lamindb_jsonvalue" {
            // A value of a feature is found by its hash.
            let (Some(Cell::Int(f)), Some(h @ Cell::Text(_))) =
                (row.get("feature_id"), row.get("hash"))
            else {
                return Ok(None);
            };
            let feature = self.map("lamindb_feature", *f)?;
            let mut q = Sql::default();
            q.push("SELECT CAST(id AS BIGINT) AS i0 FROM lamindb_jsonvalue WHERE feature_id = ")
                .bind(Bind::Int(feature))
                .push(" AND hash = ")
                .bind(Bind::Text(h.display()))
                .push(" ORDER BY id");
            return Ok(q.load_ints(&mut *self.conn)?.first().copied());
        }
        if table == "lamindb_schema" {
            if let Some(h @ Cell::Text(_)) = row.get("hash") {
                return id_where(&mut *self.conn, table, "hash", h);
            }
            return Ok(None);
        }
        // Labels and features: the same name (under the same type) is the same record. Versioned
        // records (artifacts, collections, transforms) are the same only by uid.
        if row.contains_key("is_latest") {
            return Ok(None);
        }
        let Some(name_field) = self
            .target
            .catalog()
            .by_table(table)
            .and_then(|m| m.name_field)
        else {
            return Ok(None);
        };
        let Some(Cell::Text(name)) = row.get(name_field) else {
            return Ok(None);
        };
        let type_id = match row.get("type_id") {
            Some(Cell::Int(t)) => Some(self.map(table, *t)?),
            _ => None,
        };
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT CAST(id AS BIGINT) AS i0 FROM \"{table}\" WHERE \"{name_field}\" = "
        ))
        .bind(Bind::Text(name.clone()));
        if row.contains_key("type_id") {
            match type_id {
                Some(t) => {
                    q.push(" AND type_id = ").bind(Bind::Int(t));
                }
                None => {
                    q.push(" AND type_id IS NULL");
                }
            }
        }
        if row.contains_key("branch_id") {
            q.push(" AND branch_id <> -1");
        }
        q.push(" ORDER BY id");
        Ok(q.load_ints(&mut *self.conn)?.first().copied())
    }

    /// Inserts a copy of `row`, its references mapped into this instance.
    fn copy(&mut self, table: &str, row: &Row) -> Result<i64> {
        let cols = self.cols(false, table)?;
        let mut values = Vec::with_capacity(cols.len());
        for c in &cols {
            if c.name == "id" {
                continue;
            }
            let Some(cell) = row.get(&c.name) else {
                continue;
            };
            let value = self.column_value(table, c, cell, row)?;
            values.push((c.name.clone(), value));
        }
        self.insert(table, &values)
    }

    fn column_value(&mut self, table: &str, c: &Column, cell: &Cell, row: &Row) -> Result<Cell> {
        let Some(refers) = c.references.as_deref() else {
            return Ok(cell.clone());
        };
        let Cell::Int(src) = cell else {
            return Ok(Cell::Null);
        };
        Ok(match (c.name.as_str(), refers) {
            (_, "lamindb_run") => {
                if c.name == "run_id" {
                    Cell::Int(self.run_id)
                } else {
                    Cell::Null
                }
            }
            ("branch_id" | "created_on_id", _) => Cell::Int(self.target.branch_id().into()),
            ("space_id", _) => {
                let uid = self.source_uid("lamindb_space", *src)?;
                let id = id_where(&mut *self.conn, "lamindb_space", "uid", &Cell::Text(uid.clone()))?
                    .ok_or_else(|| {
                        Error::Validation(format!(
                            "Could not map space of {table} {}: the space '{uid}' is not in {}; create or attach it there first",
                            row.get("uid").map(Cell::display).unwrap_or_default(),
                            self.target.slug()
                        ))
                    })?;
                Cell::Int(id)
            }
            (_, "lamindb_transform") => Cell::Null,
            (_, other) => {
                let has_uid = self.cols(true, other)?.iter().any(|col| {
                    col.name == "uid" || other == "lamindb_storage" || other == "lamindb_jsonvalue"
                });
                if has_uid {
                    Cell::Int(self.map(other, *src)?)
                } else if c.nullable {
                    Cell::Null
                } else {
                    return Err(Error::Unsupported(format!(
                        "{table}.{} references {other}, which cannot be transferred",
                        c.name
                    )));
                }
            }
        })
    }

    fn source_uid(&self, table: &str, id: i64) -> Result<String> {
        let mut q = Sql::default();
        q.push(&format!("SELECT uid AS t0 FROM \"{table}\" WHERE id = "))
            .bind(Bind::Int(id));
        q.load(&mut self.source.conn())?
            .first()
            .map(|r| r.0[0].display())
            .ok_or_else(|| Error::NotFound(format!("{table} {id} is not in the source instance")))
    }

    /// Copies the link rows of source artifact `src` (labels, feature values, feature sets)
    /// onto target artifact `dst`, skipping links that exist.
    fn links(&mut self, src: i64, dst: i64) -> Result<()> {
        let skip = ["lamindb_run", "lamindb_artifact", "lamindb_collection"];
        let links: Vec<_> = self
            .source
            .catalog()
            .links()
            .filter(|l| l.host == "lamindb_artifact" && !skip.contains(&l.value))
            .filter(|l| {
                self.target.catalog().by_table(l.value).is_some() || l.value == "lamindb_jsonvalue"
            })
            .collect();
        for link in links {
            let rows = self.source_rows(link.table, link.host_column, Bind::Int(src))?;
            for row in rows {
                let Some(Cell::Int(value)) = row.get(link.value_column) else {
                    continue;
                };
                let value = self.map(link.value, *value)?;
                let feature = match row.get("feature_id") {
                    Some(Cell::Int(f)) => Some(self.map("lamindb_feature", *f)?),
                    _ => None,
                };
                let mut exists = Sql::default();
                exists
                    .push(&format!(
                        "SELECT CAST(id AS BIGINT) AS i0 FROM \"{}\" WHERE \"{}\" = ",
                        link.table, link.host_column
                    ))
                    .bind(Bind::Int(dst))
                    .push(&format!(" AND \"{}\" = ", link.value_column))
                    .bind(Bind::Int(value));
                if !exists.load_ints(&mut *self.conn)?.is_empty() {
                    continue;
                }
                let mut values: Vec<(String, Cell)> = Vec::new();
                for (col, cell) in &row {
                    let v = match col.as_str() {
                        "id" => continue,
                        c if c == link.host_column => Cell::Int(dst),
                        c if c == link.value_column => Cell::Int(value),
                        "feature_id" => feature.map_or(Cell::Null, Cell::Int),
                        "run_id" => self.link_run.map_or(Cell::Null, Cell::Int),
                        "created_by_id" => Cell::Int(self.target.user().id.into()),
                        _ => cell.clone(),
                    };
                    values.push((col.clone(), v));
                }
                self.insert(link.table, &values)?;
            }
        }
        Ok(())
    }

    /// Members of schemas copied here (their member links).
    fn schema_members(&mut self) -> Result<()> {
        let copied: Vec<(i64, i64)> = self
            .ids
            .iter()
            .filter(|((t, _), _)| t == "lamindb_schema")
            .map(|((_, s), d)| (*s, *d))
            .collect();
        for (src, dst) in copied {
            let mut have = Sql::default();
            have.push(
                "SELECT CAST(id AS BIGINT) AS i0 FROM lamindb_schemafeature WHERE schema_id = ",
            )
            .bind(Bind::Int(dst));
            if !have.load_ints(&mut *self.conn)?.is_empty() {
                continue;
            }
            for row in self.source_rows("lamindb_schemafeature", "schema_id", Bind::Int(src))? {
                let Some(Cell::Int(f)) = row.get("feature_id") else {
                    continue;
                };
                let feature = self.map("lamindb_feature", *f)?;
                let values: Vec<(String, Cell)> = row
                    .iter()
                    .filter(|(c, _)| c.as_str() != "id")
                    .map(|(c, v)| {
                        let v = match c.as_str() {
                            "schema_id" => Cell::Int(dst),
                            "feature_id" => Cell::Int(feature),
                            _ => v.clone(),
                        };
                        (c.clone(), v)
                    })
                    .collect();
                self.insert("lamindb_schemafeature", &values)?;
            }
        }
        Ok(())
    }
}

impl Instance {
    /// Transfers `artifact` of `source` (another open instance, of either backend) into this
    /// instance: see the module docs. The artifact must be the latest version of its family.
    pub fn transfer_artifact(&self, source: &Instance, artifact: &Artifact) -> Result<Transferred> {
        if source.uid() == self.uid() {
            return Err(Error::Validation(
                "the source is this instance: nothing to transfer".into(),
            ));
        }
        if !artifact.is_latest {
            return Err(Error::Unsupported(format!(
                "artifact {} is not the latest version of its family; transferring older versions is not supported",
                artifact.uid
            )));
        }
        let existing = id_where(
            &mut self.conn(),
            "lamindb_artifact",
            "uid",
            &Cell::Text(artifact.uid.clone()),
        )?;
        if let Some(id) = existing {
            tracing::info!(
                "Artifact {}: 0 transferred, 1 already on target",
                artifact.uid
            );
            return Ok(Transferred {
                artifact: self
                    .artifacts()
                    .by_id(i32::try_from(id).unwrap_or_default())?,
                transferred: 0,
                mapped: 1,
            });
        }
        let run = self.transfer_run(source)?;
        let link_run = self.current_run()?.map(|r| r.id);
        let mut conn = self.conn();
        // Everything or nothing: a failure leaves no artifact without its annotations.
        let outcome = conn.write(|c| {
            // Parallel transfers of one artifact wait for each other; the later finds it here.
            c.lock("lamindb_artifact", &artifact.uid)?;
            if let Some(id) = id_where(
                c,
                "lamindb_artifact",
                "uid",
                &Cell::Text(artifact.uid.clone()),
            )? {
                return Ok((id, 0, 1));
            }
            let mut copier = Copier {
                source,
                target: self,
                conn: c,
                run_id: run.id,
                link_run,
                ids: HashMap::new(),
                columns: HashMap::new(),
                transferred: 0,
                mapped: 0,
            };
            let id = copier.map("lamindb_artifact", artifact.id.into())?;
            copier.links(artifact.id.into(), id)?;
            copier.schema_members()?;
            Ok((id, copier.transferred, copier.mapped))
        });
        drop(conn);
        let (id, transferred, mapped) = match outcome {
            Ok(o) => o,
            Err(e) => {
                self.runs().finish(&run, RunStatus::Errored, None)?;
                return Err(e);
            }
        };
        self.runs().finish(&run, RunStatus::Completed, None)?;
        let copied = self
            .artifacts()
            .by_id(i32::try_from(id).unwrap_or_default())?;
        tracing::info!(
            "Artifact {}: {transferred} transferred, {mapped} already on target",
            copied.key.as_deref().unwrap_or(&copied.uid)
        );
        Ok(Transferred {
            artifact: copied,
            transferred,
            mapped,
        })
    }

    /// The run that transfers from `source`: of transform `<source uid>0000`
    /// (`__lamindb_transfer__/<source uid>`), one per initiating run, as Python keeps it.
    fn transfer_run(&self, source: &Instance) -> Result<crate::db::models::Run> {
        let mut spec = TransformSpec::new(
            format!("__lamindb_transfer__/{}", source.uid()),
            TransformKind::Function,
        );
        spec.uid = Some(format!("{}0000", source.uid()));
        spec.description = Some(format!("Transfer from `{}`", source.slug()));
        let (transform, _) = self.transforms().resolve(&spec)?;
        let initiated_by_run_id = self.current_run()?.map(|r| r.id);
        self.runs().start(
            &transform,
            &RunSpec {
                initiated_by_run_id,
                ..Default::default()
            },
        )
    }
}
