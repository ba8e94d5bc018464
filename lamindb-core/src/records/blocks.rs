//! Blocks: the readme and comments attached to a record (LaminDB 2.x's `ArtifactBlock`,
//! `TransformBlock`, … one table per annotated registry, `<registry table>block`). A readme is
//! versioned — a new text is a new version of the record's readme, the same text returns the
//! existing one; comments are not.

use crate::db::rows::{Bind, Sql};
use crate::db::sql_types::UtcTime;
use crate::instance::Instance;
use crate::meta::RegistryMeta;
use crate::util::uid;
use crate::{Error, Result};

/// Block uids: a 16-character stem and a 4-character version.
const BLOCK_STEM_LEN: usize = 16;

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// The record's readme (versioned).
    Readme,
    /// A comment (one per call).
    Comment,
}

impl BlockKind {
    /// The name stored in `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Readme => "readme",
            BlockKind::Comment => "comment",
        }
    }
}

/// A block that was added (or found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedBlock {
    /// Its uid.
    pub uid: String,
    /// False when the record's latest readme had this text already.
    pub created: bool,
}

/// A registry's block table (`<table>block`) and its column naming the record (`artifact_id`).
fn block_table(registry: &RegistryMeta) -> (String, String) {
    let entity = registry
        .table
        .strip_prefix("lamindb_")
        .unwrap_or(registry.table);
    (format!("{}block", registry.table), format!("{entity}_id"))
}

/// The blocks of an instance; get them with [`Instance::blocks`].
pub struct Blocks<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// Readmes and comments of records.
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks { inst: self }
    }
}

/// The uid of the next version after readme `latest_uid` of `table` (the highest version of
/// its family, plus one), with the row `latest_id` no longer the latest.
fn supersede(
    c: &mut crate::db::DbConnection,
    table: &str,
    latest_id: Option<i64>,
    latest_uid: &str,
) -> Result<String> {
    let stem = &latest_uid[..BLOCK_STEM_LEN.min(latest_uid.len())];
    let mut f = Sql::default();
    f.push(&format!(
        "SELECT uid AS t0 FROM \"{table}\" WHERE uid LIKE "
    ))
    .bind(Bind::Text(format!("{stem}%")));
    let family: Vec<String> = f.load(c)?.iter().map(|r| r.0[0].display()).collect();
    let next = uid::next_version(stem, family.iter().map(String::as_str))?;
    if let Some(id) = latest_id {
        let mut u = Sql::default();
        u.push(&format!("UPDATE \"{table}\" SET is_latest = "))
            .bind(Bind::Bool(false))
            .push(" WHERE id = ")
            .bind(Bind::Int(id));
        u.execute(c)?;
    }
    Ok(next)
}

impl Blocks<'_> {
    /// Adds a block of `kind` with `content` to record `host_id` of `registry`.
    pub fn add(
        &self,
        registry: &RegistryMeta,
        host_id: i64,
        kind: BlockKind,
        content: &str,
    ) -> Result<AddedBlock> {
        let (table, host) = block_table(registry);
        let mut conn = self.inst.conn();
        let columns = crate::db::introspect::columns(&mut conn, &table)?;
        if !columns.iter().any(|c| c.name == host) {
            return Err(Error::Unsupported(format!(
                "{} records have no readme or comments (no table {table})",
                registry.name
            )));
        }
        let has_created_on = columns.iter().any(|c| c.name == "created_on_id");
        let hash = (!content.is_empty()).then(|| lamindb_storage::hash_string(content));
        let user = self.inst.user().id;
        conn.write(|c| {
            c.lock(&table, &host_id.to_string())?;
            let mut uid_new = uid::new_versioned(BLOCK_STEM_LEN);
            if kind == BlockKind::Readme {
                let mut q = Sql::default();
                q.push(&format!(
                    "SELECT CAST(id AS BIGINT) AS i0, uid AS t1, hash AS t2 FROM \"{table}\" WHERE \"{host}\" = "
                ))
                .bind(Bind::Int(host_id))
                .push(" AND kind = 'readme' AND is_latest ORDER BY created_at DESC, id DESC");
                if let Some(latest) = q.load(c)?.into_iter().next() {
                    let latest_uid = latest.0[1].display();
                    if latest.0[2].as_str() == hash.as_deref() && hash.is_some() {
                        return Ok(AddedBlock {
                            uid: latest_uid,
                            created: false,
                        });
                    }
                    uid_new = supersede(c, &table, latest.0[0].as_i64(), &latest_uid)?;
                }
            }
            // A branch's blocks live on that branch; every other block on the current branch
            // (Python's branch-sensitive blocks).
            let branch_id = if registry.table == "lamindb_branch" {
                host_id
            } else {
                self.inst.branch_id().into()
            };
            let mut cols = vec![
                "uid",
                "content",
                "hash",
                "kind",
                "is_latest",
                "created_at",
                "created_by_id",
                "_status_code",
                "branch_id",
            ];
            if host != "branch_id" {
                cols.push(&host);
            }
            if has_created_on {
                cols.push("created_on_id");
            }
            let mut ins = Sql::default();
            ins.push(&format!(
                "INSERT INTO \"{table}\" ({}) VALUES (",
                cols.iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            ins.bind(Bind::Text(uid_new.clone()))
                .push(", ")
                .bind(Bind::Text(content.to_owned()))
                .push(", ")
                .bind_opt(hash.clone().map(Bind::Text))
                .push(", ")
                .bind(Bind::Text(kind.as_str().into()))
                .push(", ")
                .bind(Bind::Bool(true))
                .push(", ")
                .bind_time(c.dialect(), UtcTime::now())
                .push(", ")
                .bind(Bind::Int(user.into()))
                .push(", 0, ")
                .bind(Bind::Int(branch_id));
            if host != "branch_id" {
                ins.push(", ").bind(Bind::Int(host_id));
            }
            if has_created_on {
                ins.push(", ").bind(Bind::Int(branch_id));
            }
            ins.push(")");
            ins.execute(c)?;
            Ok(AddedBlock {
                uid: uid_new,
                created: true,
            })
        })
    }

    /// Adds a readme block that belongs to no record (`lamindb_block`), found by `key` (such as
    /// the `README.md` block lamin-cli keeps beside the README artifact) on `branch`. A text
    /// some latest block outside the trash has already returns that block; otherwise it is the
    /// next version of the key's latest block.
    pub fn add_keyed(&self, key: &str, content: &str, branch: i32) -> Result<AddedBlock> {
        let hash = lamindb_storage::hash_string(content);
        let user = self.inst.user().id;
        let mut conn = self.inst.conn();
        conn.write(|c| {
            c.lock("lamindb_block", key)?;
            let mut same = Sql::default();
            same.push("SELECT uid AS t0 FROM lamindb_block WHERE hash = ")
                .bind(Bind::Text(hash.clone()))
                .push(" AND is_latest AND branch_id <> -1 ORDER BY id DESC");
            if let Some(row) = same.load(c)?.into_iter().next() {
                return Ok(AddedBlock {
                    uid: row.0[0].display(),
                    created: false,
                });
            }
            let mut head = Sql::default();
            head.push("SELECT CAST(id AS BIGINT) AS i0, uid AS t1 FROM lamindb_block WHERE key = ")
                .bind(Bind::Text(key.to_owned()))
                .push(" AND is_latest AND branch_id <> -1 ORDER BY created_at DESC, id DESC");
            let mut uid_new = uid::new_versioned(BLOCK_STEM_LEN);
            if let Some(latest) = head.load(c)?.into_iter().next() {
                uid_new = supersede(c, "lamindb_block", latest.0[0].as_i64(), &latest.0[1].display())?;
            }
            let mut ins = Sql::default();
            ins.push(
                "INSERT INTO lamindb_block (uid, key, content, hash, kind, is_latest, is_locked, created_at, created_by_id, _status_code, branch_id, created_on_id, space_id) VALUES (",
            )
            .bind(Bind::Text(uid_new.clone()))
            .push(", ")
            .bind(Bind::Text(key.to_owned()))
            .push(", ")
            .bind(Bind::Text(content.to_owned()))
            .push(", ")
            .bind(Bind::Text(hash.clone()))
            .push(", 'readme', ")
            .bind(Bind::Bool(true))
            .push(", ")
            .bind(Bind::Bool(false))
            .push(", ")
            .bind_time(c.dialect(), UtcTime::now())
            .push(", ")
            .bind(Bind::Int(user.into()))
            .push(", 0, ")
            .bind(Bind::Int(branch.into()))
            .push(", ")
            .bind(Bind::Int(branch.into()))
            .push(", 1)");
            ins.execute(c)?;
            Ok(AddedBlock {
                uid: uid_new,
                created: true,
            })
        })
    }

    /// The blocks of record `host_id` of `registry`: `(kind, uid, content)`, oldest first.
    pub fn of(
        &self,
        registry: &RegistryMeta,
        host_id: i64,
    ) -> Result<Vec<(String, String, String)>> {
        let (table, host) = block_table(registry);
        let mut conn = self.inst.conn();
        if crate::db::introspect::columns(&mut conn, &table)?.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT kind AS t0, uid AS t1, content AS t2 FROM \"{table}\" WHERE \"{host}\" = "
        ))
        .bind(Bind::Int(host_id))
        .push(" AND (kind <> 'readme' OR is_latest) ORDER BY created_at, id");
        Ok(q.load(&mut conn)?
            .iter()
            .map(|r| (r.0[0].display(), r.0[1].display(), r.0[2].display()))
            .collect())
    }
}
