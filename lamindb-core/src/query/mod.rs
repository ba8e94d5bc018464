//! Queries over any registry, core or module, with Django-style lookups.
//!
//! ```no_run
//! use lamindb_core::prelude::*;
//! use lamindb_core::query::Q;
//!
//! let ln = Instance::connect("./mydata")?;
//! let fastas: Vec<Artifact> = ln
//!     .query::<Artifact>()
//!     .filter(Q::new("suffix", ".fasta") & Q::new("ulabels__name", "My experiment"))
//!     .order_by("-created_at")
//!     .all()?;
//! let n = ln.query_registry("ULabel")?.filter(Q::parse("name__icontains=exp")?).count()?;
//! # Ok::<(), lamindb_core::Error>(())
//! ```
//!
//! Relations compile to `IN (subquery)` conditions, so rows never repeat and `distinct()` has
//! nothing to remove. Unless a filter names `id`, `uid`, `hash` (or their `__in`) or a
//! `branch…` field, only rows on the main branch are returned, as in Python LaminDB.

mod compile;
pub mod expr;
pub(crate) mod features;
#[cfg(feature = "dataframe")]
pub mod frame;
pub mod hierarchy;
pub mod search;

use std::marker::PhantomData;

use diesel::prelude::*;

use crate::db::models::{
    Artifact, Collection, Feature, JsonValue, Project, Record, Reference, Run, Schema, Storage,
    Transform, ULabel, User,
};
use crate::db::rows::Bind;
use crate::db::schema::*;
use crate::db::{DbConnection, Dialect};
use crate::meta::{core, RegistryMeta};
use crate::{Error, Instance, Result};

pub use crate::db::rows::{Cell, Rows};
pub(crate) use compile::{select_expr, Compiler};
pub use expr::{Lookup, Value, Q};
#[cfg(feature = "dataframe")]
pub use frame::Include;

/// A registry row type that queries can return.
pub trait Model: Sized {
    /// The registry's description.
    const META: &'static RegistryMeta;
    /// Loads rows by id, in the order of `ids` (missing ids are skipped).
    fn load_by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<Self>>;
}

/// Rows of a registry without a Rust type (module registries), read with [`Query::rows`].
pub struct Dynamic;

macro_rules! model {
    ($model:ty, $table:ident, $meta:ident, $id:ty) => {
        impl Model for $model {
            const META: &'static RegistryMeta = &core::$meta;
            fn load_by_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<Self>> {
                let mut out = Vec::with_capacity(ids.len());
                for part in ids.chunks(10_000) {
                    let keys: Vec<$id> = part.iter().map(|i| *i as $id).collect();
                    let mut found: Vec<$model> = $table::table
                        .filter($table::id.eq_any(&keys))
                        .select(<$model>::as_select())
                        .load(conn)?;
                    if found.len() > 1 {
                        let pos: std::collections::HashMap<$id, usize> =
                            keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
                        found.sort_by_key(|m| pos.get(&m.id).copied().unwrap_or(usize::MAX));
                    }
                    out.extend(found);
                }
                Ok(out)
            }
        }
    };
}

model!(Artifact, lamindb_artifact, ARTIFACT, i32);
model!(Run, lamindb_run, RUN, i64);
model!(Collection, lamindb_collection, COLLECTION, i32);
model!(Transform, lamindb_transform, TRANSFORM, i32);
model!(Storage, lamindb_storage, STORAGE, i32);
model!(User, lamindb_user, USER, i32);
model!(ULabel, lamindb_ulabel, ULABEL, i32);
model!(Record, lamindb_record, RECORD, i32);
model!(Project, lamindb_project, PROJECT, i32);
model!(Reference, lamindb_reference, REFERENCE, i32);
model!(Feature, lamindb_feature, FEATURE, i32);
model!(Schema, lamindb_schema, SCHEMA, i32);
model!(JsonValue, lamindb_jsonvalue, JSONVALUE, i64);

/// Which branches a query sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branches {
    /// The current branch and main, unless the filter names `id`, `uid`, `hash` or a branch
    /// (Python's rule).
    Default,
    /// Every branch, trash and archive included.
    All,
    /// One branch (-1 trash, 0 archive, 1 main).
    Only(i32),
}

/// A query over one registry; build it with [`Instance::query`] or [`Instance::query_registry`].
pub struct Query<'a, M = Dynamic> {
    inst: &'a Instance,
    meta: &'static RegistryMeta,
    filters: Vec<Q>,
    pub(crate) order: Vec<(String, bool)>,
    limit: Option<i64>,
    offset: Option<i64>,
    branches: Branches,
    _m: PhantomData<M>,
}

impl<M> std::fmt::Debug for Query<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("registry", &self.meta.name)
            .field("filters", &self.filters)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("branches", &self.branches)
            .finish()
    }
}

impl<M> Clone for Query<'_, M> {
    fn clone(&self) -> Self {
        Query {
            inst: self.inst,
            meta: self.meta,
            filters: self.filters.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            branches: self.branches,
            _m: PhantomData,
        }
    }
}

impl Instance {
    /// A query over the registry of `M` (`ln.query::<Artifact>()`).
    pub fn query<M: Model>(&self) -> Query<'_, M> {
        Query::new(self, M::META)
    }

    /// A query over the registry called `name` (`Artifact`, `ulabel`, `bionty.CellType`).
    pub fn query_registry(&self, name: &str) -> Result<Query<'_, Dynamic>> {
        Ok(Query::new(self, self.catalog().registry(name)?))
    }
}

impl<'a, M> Query<'a, M> {
    fn new(inst: &'a Instance, meta: &'static RegistryMeta) -> Self {
        Query {
            inst,
            meta,
            filters: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            branches: Branches::Default,
            _m: PhantomData,
        }
    }

    /// The registry queried.
    pub fn meta(&self) -> &'static RegistryMeta {
        self.meta
    }

    /// The instance queried.
    pub fn instance(&self) -> &'a Instance {
        self.inst
    }

    /// Keeps rows matching `q` (and every earlier filter).
    pub fn filter(mut self, q: Q) -> Self {
        self.filters.push(q);
        self
    }

    /// Drops rows matching `q`.
    pub fn exclude(self, q: Q) -> Self {
        self.filter(!q)
    }

    /// Orders by a field, descending with a leading `-` (`-created_at`). Repeated calls add
    /// tie-breakers.
    pub fn order_by(mut self, field: &str) -> Self {
        match field.strip_prefix('-') {
            Some(f) => self.order.push((f.to_owned(), true)),
            None => self.order.push((field.to_owned(), false)),
        }
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: i64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: i64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Rows are always distinct (relations compile to subqueries); kept for parity with Python.
    pub fn distinct(self) -> Self {
        self
    }

    /// Which branches to see.
    pub fn branches(mut self, b: Branches) -> Self {
        self.branches = b;
        self
    }

    /// The filters so far, combined.
    pub fn condition(&self) -> Q {
        Q::And(self.filters.clone())
    }

    fn branch_condition(&self) -> Option<Vec<i32>> {
        if !self.meta.has_branches() {
            return None;
        }
        match self.branches {
            Branches::All => None,
            Branches::Only(b) => Some(vec![b]),
            Branches::Default => {
                let q = self.condition();
                let opts_out = q.lookup_paths().iter().any(|p| {
                    matches!(
                        *p,
                        "id" | "uid" | "hash" | "id__in" | "uid__in" | "hash__in"
                    ) || *p == "branch"
                        || *p == "branch_id"
                        || p.starts_with("branch__")
                        || p.starts_with("branch_id__")
                });
                let mut ids = vec![crate::db::models::Branch::Main.id(), self.inst.branch_id()];
                ids.dedup();
                (!opts_out).then_some(ids)
            }
        }
    }

    /// Appends ` FROM <table> t0 WHERE …` to the compiler's SQL.
    fn push_from_where(&self, c: &mut Compiler<'_>) -> Result<String> {
        let alias = c.alias();
        c.sql
            .push(&format!(" FROM \"{}\" {alias} WHERE ", self.meta.table));
        if let Some(ids) = self.branch_condition() {
            let field = self
                .meta
                .field("branch_id")
                .expect("registries with branches");
            let col = c.column(&alias, field);
            // Branch ids are integers from the database, not user text.
            let list = ids
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            c.sql.push(&format!("{col} IN ({list}) AND "));
        }
        c.condition(self.meta, &alias, &self.condition())?;
        Ok(alias)
    }

    fn order_limit(&self, c: &mut Compiler<'_>, alias: &str, default_order: bool) -> Result<()> {
        let mut order = self.order.clone();
        if order.is_empty() && default_order {
            order.push(("id".into(), false));
        }
        for (i, (field, desc)) in order.iter().enumerate() {
            let name = self
                .meta
                .aliases
                .iter()
                .find(|(from, _)| from == field)
                .map_or(field.as_str(), |(_, to)| to);
            let f = self.meta.field(name).ok_or_else(|| {
                Error::Validation(format!(
                    "cannot order {} by '{field}'; fields: {}",
                    self.meta.name,
                    self.meta.field_names()
                ))
            })?;
            c.sql.push(if i == 0 { " ORDER BY " } else { ", " });
            c.sql.push(&format!(
                "{alias}.\"{}\"{}",
                f.name,
                if *desc { " DESC" } else { "" }
            ));
        }
        if let Some(n) = self.limit {
            c.sql.push(" LIMIT ");
            c.sql.bind(Bind::Int(n.max(0)));
        } else if self.offset.is_some() && c.dialect == Dialect::Sqlite {
            c.sql.push(" LIMIT -1");
        }
        if let Some(n) = self.offset {
            c.sql.push(" OFFSET ");
            c.sql.bind(Bind::Int(n.max(0)));
        }
        Ok(())
    }

    /// The ids of matching rows, in order.
    pub fn ids(&self) -> Result<Vec<i64>> {
        let mut conn = self.inst.conn();
        self.ids_with(&mut conn)
    }

    pub(crate) fn ids_with(&self, conn: &mut DbConnection) -> Result<Vec<i64>> {
        let mut c = Compiler::new(conn, self.inst.catalog());
        c.sql.push("SELECT CAST(t0.\"id\" AS BIGINT) AS i0");
        let alias = self.push_from_where(&mut c)?;
        self.order_limit(&mut c, &alias, false)?;
        c.sql.load_ints(c.conn)
    }

    /// The number of matching rows.
    pub fn count(&self) -> Result<i64> {
        let mut conn = self.inst.conn();
        let mut c = Compiler::new(&mut conn, self.inst.catalog());
        if self.limit.is_some() || self.offset.is_some() {
            c.sql
                .push("SELECT CAST(COUNT(*) AS BIGINT) AS i0 FROM (SELECT t0.\"id\"");
            let alias = self.push_from_where(&mut c)?;
            self.order_limit(&mut c, &alias, false)?;
            c.sql.push(") sub");
        } else {
            c.sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS i0");
            self.push_from_where(&mut c)?;
        }
        Ok(c.sql.load_ints(c.conn)?.first().copied().unwrap_or(0))
    }

    /// Whether any row matches.
    pub fn exists(&self) -> Result<bool> {
        Ok(!self.clone().limit(1).ids()?.is_empty())
    }

    /// Matching rows with the given fields (all fields when empty), as named cells.
    pub fn rows(&self, fields: &[&str]) -> Result<Rows> {
        let mut conn = self.inst.conn();
        self.rows_with(&mut conn, fields)
    }

    pub(crate) fn rows_with(&self, conn: &mut DbConnection, fields: &[&str]) -> Result<Rows> {
        let metas: Vec<&'static crate::meta::FieldMeta> = if fields.is_empty() {
            self.meta.fields.iter().collect()
        } else {
            fields
                .iter()
                .map(|f| {
                    self.meta.field(f).ok_or_else(|| {
                        Error::Validation(format!(
                            "{} has no field '{f}'; fields: {}",
                            self.meta.name,
                            self.meta.field_names()
                        ))
                    })
                })
                .collect::<Result<_>>()?
        };
        let mut c = Compiler::new(conn, self.inst.catalog());
        c.sql.push("SELECT ");
        for (i, f) in metas.iter().enumerate() {
            let (expr, kind) = select_expr(c.dialect, "t0", f);
            if i > 0 {
                c.sql.push(", ");
            }
            c.sql.push(&format!("{expr} AS {}{i}", kind.tag()));
        }
        let alias = self.push_from_where(&mut c)?;
        self.order_limit(&mut c, &alias, false)?;
        let rows = c.sql.load(c.conn)?;
        Ok(Rows {
            columns: metas.iter().map(|f| f.name.to_owned()).collect(),
            rows: rows.into_iter().map(|r| r.0).collect(),
        })
    }
}

impl<'a, M: Model> Query<'a, M> {
    /// All matching rows.
    pub fn all(&self) -> Result<Vec<M>> {
        let mut conn = self.inst.conn();
        let ids = self.ids_with(&mut conn)?;
        M::load_by_ids(&mut conn, &ids)
    }

    /// The first row (by id unless ordered), if any.
    pub fn first(&self) -> Result<Option<M>> {
        let mut q = self.clone().limit(1);
        if q.order.is_empty() {
            q = q.order_by("id");
        }
        Ok(q.all()?.into_iter().next())
    }

    /// The only matching row; an error when there is none or several.
    pub fn one(&self) -> Result<M> {
        self.one_or_none()?.ok_or_else(|| {
            Error::NotFound(format!(
                "no {} matches {:?}",
                self.meta.name,
                self.condition().lookup_paths()
            ))
        })
    }

    /// The only matching row or `None`; an error when several match.
    pub fn one_or_none(&self) -> Result<Option<M>> {
        let mut found = self.clone().limit(2).all()?;
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(Error::Conflict(format!(
                "several {} records match {:?}; narrow the filter",
                self.meta.name,
                self.condition().lookup_paths()
            ))),
        }
    }

    /// The record matching `q`. For versioned registries the latest version is preferred, and
    /// the newest match is returned when no match is the latest (Python's `get(**kwargs)`).
    pub fn get(&self, q: Q) -> Result<M> {
        let base = self.clone().filter(q);
        if self.meta.field("is_latest").is_some() {
            if let Some(m) = base
                .clone()
                .filter(Q::new("is_latest", true))
                .one_or_none()?
            {
                return Ok(m);
            }
            return base
                .order_by("-created_at")
                .first()?
                .ok_or_else(|| Error::NotFound(format!("no {} matches", self.meta.name)));
        }
        base.one()
    }
}
