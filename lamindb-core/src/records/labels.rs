//! Name-keyed registries that annotate data: ULabel, Record, Project, Reference.
//!
//! Creation follows Python LaminDB's get-or-create rule: a label whose name (and type) exists is
//! returned instead of a duplicate; a case-insensitive near match is reported as a warning.

use std::marker::PhantomData;

use crate::db::models::{Project, Record, Reference, ULabel};
use crate::db::rows::{Bind, Sql};
use crate::db::sql_types::UtcTime;
use crate::db::DbConnection;
use crate::meta::{RegistryMeta, Via};
use crate::query::{Model, Q};
use crate::records::links::insert_link;
use crate::records::{lock_name, Created};
use crate::{util::uid, Error, Instance, Result};

/// A registry of labels.
pub trait LabelModel: Model {
    /// Length of generated uids.
    const UID_LEN: usize;
    /// Columns without a database default that this registry needs besides the common ones.
    const EXTRA: &'static [(&'static str, i64)] = &[];
    /// The label's id.
    fn label_id(&self) -> i32;
    /// The label's name.
    fn label_name(&self) -> Option<&str>;
}

/// What to create.
#[derive(Debug, Clone, Default)]
pub struct NewLabel {
    /// The name (unique together with the type, by convention).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The id of the type record this label belongs to.
    pub type_id: Option<i32>,
    /// Whether this record is itself a type.
    pub is_type: bool,
}

impl NewLabel {
    /// A label called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        NewLabel {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Puts the label under the type record `type_id`.
    pub fn of_type(mut self, type_id: i32) -> Self {
        self.type_id = Some(type_id);
        self
    }

    /// Makes the label a type (its children are its instances).
    pub fn as_type(mut self) -> Self {
        self.is_type = true;
        self
    }
}

/// The registry of labels of type `M`; get it with [`Instance::ulabels`] and friends.
pub struct Labels<'a, M> {
    inst: &'a Instance,
    _m: PhantomData<M>,
}

impl Instance {
    /// ULabels.
    pub fn ulabels(&self) -> Labels<'_, ULabel> {
        Labels {
            inst: self,
            _m: PhantomData,
        }
    }
    /// Records.
    pub fn records(&self) -> Labels<'_, Record> {
        Labels {
            inst: self,
            _m: PhantomData,
        }
    }
    /// Projects.
    pub fn projects(&self) -> Labels<'_, Project> {
        Labels {
            inst: self,
            _m: PhantomData,
        }
    }
    /// References.
    pub fn references(&self) -> Labels<'_, Reference> {
        Labels {
            inst: self,
            _m: PhantomData,
        }
    }
}

fn meta_of<M: Model>() -> &'static RegistryMeta {
    M::META
}

impl<'a, M: LabelModel> Labels<'a, M> {
    /// The registry's metadata.
    pub fn meta(&self) -> &'static RegistryMeta {
        meta_of::<M>()
    }

    /// A query over this registry.
    pub fn query(&self) -> crate::query::Query<'a, M> {
        self.inst.query::<M>()
    }

    /// The label called `name` (on the main branch). With several of that name (in different
    /// types), the error lists them.
    pub fn get(&self, name: &str) -> Result<M> {
        let found = self.query().filter(Q::new("name", name)).limit(2).all()?;
        match found.len() {
            0 => Err(Error::NoRecord {
                registry: self.meta().name.to_owned(),
                name: name.to_owned(),
            }),
            1 => Ok(found.into_iter().next().expect("one")),
            _ => Err(Error::Conflict(format!(
                "several {} records are named '{name}'; pick one by uid",
                self.meta().name
            ))),
        }
    }

    /// The label with this id.
    pub fn by_id(&self, id: i32) -> Result<M> {
        let mut conn = self.inst.conn();
        M::load_by_ids(&mut conn, &[i64::from(id)])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("no {} with id {id}", self.meta().name)))
    }

    /// Gets the label with this name and type, or creates it.
    pub fn create(&self, spec: NewLabel) -> Result<Created<M>> {
        if spec.name.trim().is_empty() {
            return Err(Error::Validation(format!(
                "a {} needs a non-empty name",
                self.meta().name
            )));
        }
        let similar: Vec<String> = self
            .query()
            .filter(
                Q::new("name__iexact", spec.name.as_str()) & !Q::new("name", spec.name.as_str()),
            )
            .limit(3)
            .all()?
            .iter()
            .filter_map(|r| r.label_name().map(str::to_owned))
            .collect();
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let mut conn = self.inst.conn();
        // Parallel creates of one name wait for each other and find the first one's row.
        let (id, created) = conn.write(|c| {
            lock_name(c, self.meta().table, spec.type_id, &spec.name)?;
            let existing = self
                .query()
                .filter(Q::new("name", spec.name.as_str()) & Q::new("type_id", spec.type_id))
                .limit(1)
                .ids_with(c)?;
            match existing.first() {
                Some(id) => Ok((*id as i32, false)),
                None => {
                    let ids = self.insert_with(c, std::slice::from_ref(&spec), run_id, user_id)?;
                    Ok((ids[0], true))
                }
            }
        })?;
        drop(conn);
        if !created {
            tracing::info!(
                "returning existing {} with same name: '{}'",
                self.meta().name,
                spec.name
            );
        } else if !similar.is_empty() {
            tracing::warn!(
                "{} records with similar names exist: {}; did you mean to use one of them?",
                self.meta().name,
                similar.join(", ")
            );
        }
        Ok(Created {
            record: self.by_id(id)?,
            created,
        })
    }

    /// Inserts all `specs` in one transaction (no get-or-create: names are not looked up) and
    /// returns the new ids in order. Use it to load thousands of labels at once.
    pub fn save_all(&self, specs: &[NewLabel]) -> Result<Vec<i32>> {
        let ids = self.insert(specs)?;
        if specs.len() >= crate::instance::ANALYZE_AFTER_ROWS {
            self.inst.analyze_tables(&[self.meta().table])?;
        }
        Ok(ids)
    }

    fn insert(&self, specs: &[NewLabel]) -> Result<Vec<i32>> {
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let mut conn = self.inst.conn();
        conn.write(|c| self.insert_with(c, specs, run_id, user_id))
    }

    /// Inserts `specs` with multi-row statements on `conn` (inside the caller's transaction).
    fn insert_with(
        &self,
        conn: &mut DbConnection,
        specs: &[NewLabel],
        run_id: Option<i64>,
        user_id: i32,
    ) -> Result<Vec<i32>> {
        let now = UtcTime::now();
        let branch = self.inst.branch_id();
        let space = self.inst.space_id();
        let table = self.meta().table;
        let mut cols = vec![
            "uid",
            "name",
            "description",
            "type_id",
            "is_type",
            "is_locked",
            "branch_id",
            "created_on_id",
            "space_id",
            "created_by_id",
            "run_id",
            "created_at",
            "updated_at",
        ];
        cols.extend(M::EXTRA.iter().map(|(c, _)| *c));
        let per_row = cols.len();
        // SQLite allows 32766 parameters per statement.
        let chunk = (30_000 / per_row).max(1);
        {
            let mut ids = Vec::with_capacity(specs.len());
            for part in specs.chunks(chunk) {
                let mut sql = Sql::default();
                sql.push(&format!(
                    "INSERT INTO \"{table}\" ({}) VALUES ",
                    cols.iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                let dialect = conn.dialect();
                for (i, s) in part.iter().enumerate() {
                    self.meta().check_len("name", &s.name)?;
                    if s.name.trim().is_empty() {
                        return Err(Error::Validation(format!(
                            "{} number {} has an empty name; nothing was saved",
                            self.meta().name,
                            i + 1
                        )));
                    }
                    sql.push(if i == 0 { "(" } else { ", (" });
                    sql.bind(Bind::Text(uid::random(M::UID_LEN))).push(", ");
                    sql.bind(Bind::Text(s.name.clone())).push(", ");
                    sql.bind_opt(s.description.clone().map(Bind::Text))
                        .push(", ");
                    sql.bind_opt(s.type_id.map(|t| Bind::Int(t.into())))
                        .push(", ");
                    sql.bind(Bind::Bool(s.is_type)).push(", ");
                    // is_locked, branch_id, created_on_id, space_id
                    sql.push("FALSE, ")
                        .bind(Bind::Int(branch.into()))
                        .push(", ")
                        .bind(Bind::Int(branch.into()))
                        .push(", ")
                        .bind(Bind::Int(space.into()))
                        .push(", ");
                    sql.bind(Bind::Int(user_id.into())).push(", ");
                    sql.bind_opt(run_id.map(Bind::Int));
                    for _ in 0..2 {
                        sql.push(", ").bind_time(dialect, now);
                    }
                    for (_, v) in M::EXTRA {
                        sql.push(&format!(", {v}"));
                    }
                    sql.push(")");
                }
                sql.push(" RETURNING CAST(\"id\" AS BIGINT) AS i0");
                ids.extend(sql.load_ints(conn)?.into_iter().map(|i| i as i32));
            }
            Ok(ids)
        }
    }

    /// Records `parent_id` as a parent of `child_id` (ULabel, Record and Project have parents).
    pub fn add_parent(&self, child_id: i32, parent_id: i32) -> Result<()> {
        let meta = self.meta();
        let link = match self.inst.catalog().relation(meta, "parents").map(|r| r.via) {
            // The accessor end of the parents link: host = child, value = parent.
            Some(Via::Link { link, .. }) if link.host == meta.table => link,
            _ => return Err(Error::Unsupported(format!("{} has no parents", meta.name))),
        };
        if child_id == parent_id {
            return Err(Error::Validation(format!(
                "a {} cannot be its own parent",
                meta.name
            )));
        }
        let user_id = self.inst.user().id;
        let mut conn = self.inst.conn();
        insert_link(
            &mut conn,
            link,
            child_id.into(),
            parent_id.into(),
            None,
            user_id,
            None,
        )
    }
}

macro_rules! label_model {
    ($model:ty, $uid_len:expr, $extra:expr, name: $name:expr) => {
        impl LabelModel for $model {
            const UID_LEN: usize = $uid_len;
            const EXTRA: &'static [(&'static str, i64)] = $extra;
            fn label_id(&self) -> i32 {
                self.id
            }
            fn label_name(&self) -> Option<&str> {
                let f: fn(&Self) -> Option<&str> = $name;
                f(self)
            }
        }
    };
}

label_model!(ULabel, 8, &[], name: |r| Some(r.name.as_str()));
label_model!(Record, 16, &[], name: |r| r.name.as_deref());
label_model!(Project, 12, &[("_status_code", 0)], name: |r| Some(r.name.as_str()));
label_model!(Reference, 12, &[], name: |r| Some(r.name.as_str()));
