//! Branches and spaces (`lamindb_branch`, `lamindb_space`): creating, finding, deleting and
//! merging branches as Python LaminDB does. Which branch is current is a setting
//! ([`crate::instance::settings::Context`]), not a database fact.
//!
//! Merging moves every row of every module's tables from one branch to another in one
//! transaction (Python's `ln.setup.merge`): the tables are found by their `branch_id` column, so a
//! module's registries take part without being named here.

use crate::db::rows::{Bind, Sql};
use crate::db::sql_types::UtcTime;
use crate::db::{DbConnection, Dialect};
use crate::instance::Instance;
use crate::util::uid;
use crate::{Error, Result};

/// A branch's review state (`_status_code`), as Python LaminDB names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchStatus {
    /// Closed without merging (-2).
    Closed,
    /// Merged into another branch (-1).
    Merged,
    /// Neither (0).
    Standalone,
    /// A draft (1).
    Draft,
    /// In review (2).
    Review,
}

impl BranchStatus {
    /// The stored code.
    pub fn code(self) -> i64 {
        match self {
            BranchStatus::Closed => -2,
            BranchStatus::Merged => -1,
            BranchStatus::Standalone => 0,
            BranchStatus::Draft => 1,
            BranchStatus::Review => 2,
        }
    }

    /// The status with this code.
    pub fn from_code(code: i64) -> Option<BranchStatus> {
        Some(match code {
            -2 => BranchStatus::Closed,
            -1 => BranchStatus::Merged,
            0 => BranchStatus::Standalone,
            1 => BranchStatus::Draft,
            2 => BranchStatus::Review,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            BranchStatus::Closed => "closed",
            BranchStatus::Merged => "merged",
            BranchStatus::Standalone => "standalone",
            BranchStatus::Draft => "draft",
            BranchStatus::Review => "review",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Result<BranchStatus> {
        [
            BranchStatus::Closed,
            BranchStatus::Merged,
            BranchStatus::Standalone,
            BranchStatus::Draft,
            BranchStatus::Review,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
        .ok_or_else(|| {
            Error::Validation(format!(
                "'{name}' is no branch status; one of closed, merged, standalone, draft, review"
            ))
        })
    }
}

/// A branch or space row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Row id (branches: -1 trash, 0 archive, 1 main; spaces: 1 all).
    pub id: i64,
    /// 12-character uid.
    pub uid: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Review state (branches).
    pub status: Option<BranchStatus>,
}

/// What [`Branches::merge`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Rows moved, per table.
    pub moved: Vec<(String, usize)>,
    /// Older versions that stopped being the latest in the target branch.
    pub demoted: usize,
}

/// The branches and spaces of an instance; get them with [`Instance::branches`].
pub struct Branches<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// Branches and spaces.
    pub fn branches(&self) -> Branches<'_> {
        Branches { inst: self }
    }
}

/// Tables with a `branch_id` column (every branch-aware registry of every module, and the
/// records' readmes and comments); a branch's own blocks live on it and stay.
fn branch_aware_tables(conn: &mut DbConnection) -> Result<Vec<String>> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT m.name AS t0 FROM sqlite_master m JOIN pragma_table_info(m.name) i \
             WHERE m.type = 'table' AND i.name = 'branch_id' ORDER BY 1"
        }
        Dialect::Postgres => {
            "SELECT table_name::text AS t0 FROM information_schema.columns \
             WHERE column_name = 'branch_id' AND table_schema = current_schema() ORDER BY 1"
        }
    };
    let mut q = Sql::default();
    q.push(sql);
    Ok(q.load(conn)?
        .iter()
        .map(|r| r.0[0].display())
        .filter(|t| t != "lamindb_branchblock")
        .collect())
}

fn has_columns(conn: &mut DbConnection, table: &str, wanted: &[&str]) -> Result<bool> {
    let cols = crate::db::introspect::columns(conn, table)?;
    Ok(wanted.iter().all(|w| cols.iter().any(|c| c.name == *w)))
}

impl Branches<'_> {
    /// The branch new records go to ([`Instance::branch_id`]: the branch setting, or main when
    /// the branch it names is gone).
    pub fn current(&self) -> Result<Place> {
        let mut q = Sql::default();
        q.push("SELECT uid AS t0 FROM lamindb_branch WHERE id = ")
            .bind(Bind::Int(self.inst.branch_id().into()));
        let uid = q
            .load(&mut self.inst.conn())?
            .first()
            .map(|r| r.0[0].display())
            .ok_or_else(|| Error::NotFound("the current branch is not in this instance".into()))?;
        self.get(&uid)
    }

    fn find_in(&self, table: &str, name_or_uid: &str) -> Result<Option<Place>> {
        let status = if table == "lamindb_branch" {
            "CAST(_status_code AS BIGINT)"
        } else {
            "CAST(NULL AS BIGINT)"
        };
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT CAST(id AS BIGINT) AS i0, uid AS t1, name AS t2, description AS t3, {status} AS i4 FROM \"{table}\" WHERE name = "
        ))
        .bind(Bind::Text(name_or_uid.to_owned()))
        .push(" OR uid = ")
        .bind(Bind::Text(name_or_uid.to_owned()))
        .push(" ORDER BY id");
        let rows = q.load(&mut self.inst.conn())?;
        Ok(rows.first().map(|r| Place {
            id: r.0[0].as_i64().unwrap_or_default(),
            uid: r.0[1].display(),
            name: r.0[2].display(),
            description: r.0[3].as_str().map(str::to_owned),
            status: r.0[4].as_i64().and_then(BranchStatus::from_code),
        }))
    }

    /// The branch named `name_or_uid`, if there is one.
    pub fn find(&self, name_or_uid: &str) -> Result<Option<Place>> {
        self.find_in("lamindb_branch", name_or_uid)
    }

    /// The branch named `name_or_uid` (Python's message when there is none).
    pub fn get(&self, name_or_uid: &str) -> Result<Place> {
        self.find(name_or_uid)?
            .ok_or_else(|| Error::NotFound(format!("Branch '{name_or_uid}' not found.")))
    }

    /// The space named `name_or_uid`.
    pub fn space(&self, name_or_uid: &str) -> Result<Place> {
        self.find_in("lamindb_space", name_or_uid)?
            .ok_or_else(|| Error::NotFound(format!("Space '{name_or_uid}' not found")))
    }

    /// Creates branch `name` (refused when one has that name).
    pub fn create(&self, name: &str, description: Option<&str>) -> Result<Place> {
        self.insert_place(
            "lamindb_branch",
            name,
            description,
            // A branch is in space `all` and starts in no review state.
            &[("space_id", Bind::Int(1)), ("_status_code", Bind::Int(0))],
        )?;
        self.get(name)
    }

    /// Creates space `name` (refused when one has that name, ignoring case). On instances
    /// without a hub, spaces only group records: they grant or restrict nothing.
    pub fn create_space(&self, name: &str, description: Option<&str>) -> Result<Place> {
        self.insert_place("lamindb_space", name, description, &[])?;
        tracing::warn!(
            "creating spaces manually on local instances is possible for demo purposes, but does not affect access permissions"
        );
        self.space(name)
    }

    /// Inserts a branch or space row named `name` (with `extra` columns), unless one has that
    /// name — for spaces ignoring case, as their unique index does.
    fn insert_place(
        &self,
        table: &str,
        name: &str,
        description: Option<&str>,
        extra: &[(&str, Bind)],
    ) -> Result<()> {
        let (what, fold_case) = match table {
            "lamindb_space" => ("Space", true),
            _ => ("Branch", false),
        };
        if name.trim().is_empty() || name.len() > 100 {
            return Err(Error::Validation(format!(
                "a {} name has 1 to 100 characters",
                what.to_lowercase()
            )));
        }
        let user = self.inst.user().id;
        let mut conn = self.inst.conn();
        conn.write(|c| {
            let (column, key) = if fold_case {
                ("LOWER(name)", name.to_lowercase())
            } else {
                ("name", name.to_owned())
            };
            c.lock(table, &key)?;
            let mut q = Sql::default();
            q.push(&format!(
                "SELECT CAST(id AS BIGINT) AS i0 FROM {table} WHERE {column} = "
            ))
            .bind(Bind::Text(key));
            if !q.load_ints(c)?.is_empty() {
                return Err(Error::AlreadyExists(format!(
                    "{what} '{name}' already exists."
                )));
            }
            let mut ins = Sql::default();
            ins.push(&format!(
                "INSERT INTO {table} (name, uid, description, created_at, created_by_id{}) VALUES (",
                extra
                    .iter()
                    .map(|(col, _)| format!(", {col}"))
                    .collect::<String>()
            ))
            .bind(Bind::Text(name.to_owned()))
            .push(", ")
            .bind(Bind::Text(uid::random(12)))
            .push(", ")
            .bind_opt(description.map(|d| Bind::Text(d.to_owned())))
            .push(", ")
            .bind_time(c.dialect(), UtcTime::now())
            .push(", ")
            .bind(Bind::Int(user.into()));
            for (_, value) in extra {
                ins.push(", ").bind(value.clone());
            }
            ins.push(")").execute(c)?;
            Ok(())
        })
    }

    /// Sets a branch's review state.
    pub fn set_status(&self, branch: &Place, status: BranchStatus) -> Result<()> {
        let mut u = Sql::default();
        u.push("UPDATE lamindb_branch SET _status_code = ")
            .bind(Bind::Int(status.code()))
            .push(" WHERE id = ")
            .bind(Bind::Int(branch.id));
        u.execute(&mut self.inst.conn())?;
        Ok(())
    }

    /// Deletes a branch. The trash, archive and main cannot go, nor a branch that records are
    /// on or were created on (Python protects them the same way); its readme goes with it.
    pub fn delete(&self, branch: &Place) -> Result<()> {
        if branch.id <= 1 {
            return Err(Error::Validation(format!(
                "branch '{}' is built in and cannot be deleted",
                branch.name
            )));
        }
        let mut conn = self.inst.conn();
        conn.write(|c| {
            for r in crate::db::introspect::references_to(c, "lamindb_branch")? {
                if r.table == "lamindb_branchblock" {
                    continue;
                }
                let mut q = Sql::default();
                q.push(&format!(
                    "SELECT COUNT(*) AS i0 FROM \"{}\" WHERE \"{}\" = ",
                    r.table, r.column
                ))
                .bind(Bind::Int(branch.id));
                let n = q.load_ints(c)?.first().copied().unwrap_or_default();
                if n > 0 {
                    return Err(Error::Protected(format!(
                        "branch '{}' cannot be deleted: {n} row(s) of {} reference it through {}; merge it or move them first",
                        branch.name, r.table, r.column
                    )));
                }
            }
            let mut d = Sql::default();
            d.push("DELETE FROM lamindb_branchblock WHERE branch_id = ")
                .bind(Bind::Int(branch.id));
            d.execute(c)?;
            let mut d = Sql::default();
            d.push("DELETE FROM lamindb_branch WHERE id = ")
                .bind(Bind::Int(branch.id));
            d.execute(c)?;
            Ok(())
        })
    }

    /// Moves every record (of every module) on `source` to `target` in one transaction, keeps
    /// one latest version per version family in `target`, and marks `source` merged.
    pub fn merge(&self, source: &Place, target: &Place) -> Result<Merged> {
        if source.id == target.id {
            return Ok(Merged {
                moved: Vec::new(),
                demoted: 0,
            });
        }
        let mut conn = self.inst.conn();
        conn.write(|c| {
            let mut moved = Vec::new();
            let mut demoted = 0;
            for table in branch_aware_tables(c)? {
                let mut u = Sql::default();
                u.push(&format!("UPDATE \"{table}\" SET branch_id = "))
                    .bind(Bind::Int(target.id))
                    .push(" WHERE branch_id = ")
                    .bind(Bind::Int(source.id));
                let n = u.execute(c)?;
                if n > 0 {
                    moved.push((table.clone(), n));
                }
                if has_columns(c, &table, &["uid", "is_latest", "created_at"])? {
                    // Versions share the uid stem (all but the last 4 characters); the newest
                    // latest one of a family in the target stays the latest.
                    let mut r = Sql::default();
                    r.push(&format!(
                        "UPDATE \"{table}\" SET is_latest = "
                    ))
                    .bind(Bind::Bool(false))
                    .push(" WHERE branch_id = ")
                    .bind(Bind::Int(target.id))
                    .push(&format!(
                        " AND is_latest AND EXISTS (SELECT 1 FROM \"{table}\" o WHERE o.branch_id = \"{table}\".branch_id AND o.is_latest \
                         AND substr(o.uid, 1, length(o.uid) - 4) = substr(\"{table}\".uid, 1, length(\"{table}\".uid) - 4) \
                         AND (o.created_at > \"{table}\".created_at OR (o.created_at = \"{table}\".created_at AND o.id > \"{table}\".id)))"
                    ));
                    demoted += r.execute(c)?;
                }
            }
            let mut s = Sql::default();
            s.push("UPDATE lamindb_branch SET _status_code = ")
                .bind(Bind::Int(BranchStatus::Merged.code()))
                .push(" WHERE id = ")
                .bind(Bind::Int(source.id));
            s.execute(c)?;
            Ok(Merged { moved, demoted })
        })
    }

    /// Puts one record of `table` into `space`.
    pub fn put_in_space(&self, table: &str, id: i64, space: &Place) -> Result<()> {
        let mut conn = self.inst.conn();
        if !has_columns(&mut conn, table, &["space_id"])? {
            return Err(Error::Unsupported(format!("{table} records have no space")));
        }
        let mut u = Sql::default();
        u.push(&format!("UPDATE \"{table}\" SET space_id = "))
            .bind(Bind::Int(space.id))
            .push(" WHERE id = ")
            .bind(Bind::Int(id));
        u.execute(&mut conn)?;
        Ok(())
    }

    /// Moves one record of `table` onto `branch` (as if it had been created there).
    pub fn place(&self, table: &str, id: i64, branch: &Place) -> Result<()> {
        let mut conn = self.inst.conn();
        let created_on = has_columns(&mut conn, table, &["created_on_id"])?;
        let mut u = Sql::default();
        u.push(&format!("UPDATE \"{table}\" SET branch_id = "))
            .bind(Bind::Int(branch.id));
        if created_on {
            u.push(", created_on_id = ").bind(Bind::Int(branch.id));
        }
        u.push(" WHERE id = ").bind(Bind::Int(id));
        u.execute(&mut conn)?;
        Ok(())
    }
}
