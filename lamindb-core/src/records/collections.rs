//! Collections (`lamindb_collection`): ordered, versioned sets of saved artifacts, as Python
//! LaminDB's `Collection`. A collection is identified by its members: its hash is `hash_set` of
//! their hashes, so making the same set again returns the existing collection; the same key
//! makes a new version. Members are kept in the order given (the order of their link rows).

use std::path::PathBuf;

use diesel::prelude::*;

use crate::db::models::{Artifact, Branch, Collection, NewCollection, Run};
use crate::db::schema::{
    lamindb_artifact as a, lamindb_collection as c, lamindb_collection_input_of_runs as inputs,
    lamindb_collectionartifact as members,
};
use crate::db::sql_types::UtcTime;
use crate::db::{uid_starts_with, DbConnection};
use crate::records::Created;
use crate::util::uid::{self, ARTIFACT_STEM_LEN};
use crate::{Error, Instance, Result};

#[cfg(feature = "dataframe")]
mod frame;
#[cfg(feature = "dataframe")]
pub use frame::filter_expr;

/// What a new collection is made of.
#[derive(Debug, Clone, Default)]
pub struct NewCollectionSpec {
    /// Its key; an existing key makes a new version of that collection.
    pub key: String,
    /// Saved artifacts, in the order the collection keeps them.
    pub artifacts: Vec<Artifact>,
    /// Free-text description.
    pub description: Option<String>,
    /// An artifact describing the collection as a whole.
    pub meta_artifact: Option<Artifact>,
    /// The creating run; by default the current run, if any.
    pub run: Option<Run>,
}

impl NewCollectionSpec {
    /// A collection of `artifacts` under `key`.
    pub fn new(key: impl Into<String>, artifacts: Vec<Artifact>) -> Self {
        NewCollectionSpec {
            key: key.into(),
            artifacts,
            ..Default::default()
        }
    }
}

/// Collections of an instance; see [`Instance::collections`].
pub struct Collections<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// Collections of this instance.
    pub fn collections(&self) -> Collections<'_> {
        Collections { inst: self }
    }
}

/// Every version of the family with `stem`, in any branch.
fn family(conn: &mut DbConnection, stem: &str) -> Result<Vec<Collection>> {
    let dialect = conn.dialect();
    Ok(c::table
        .filter(uid_starts_with!(c::table, c::uid, dialect, stem))
        .select(Collection::as_select())
        .load(conn)?)
}

fn version_of(row: &Collection) -> u64 {
    uid::decode_base62(&row.uid[ARTIFACT_STEM_LEN.min(row.uid.len())..]).unwrap_or(0)
}

/// Makes the newest version of the family with `stem` on `branch` its latest version, and no
/// other.
fn settle_latest(conn: &mut DbConnection, stem: &str, branch: i32) -> Result<()> {
    let rows = family(conn, stem)?;
    let newest = rows
        .iter()
        .filter(|r| r.branch_id == branch)
        .max_by_key(|r| version_of(r))
        .map(|r| r.id);
    for r in rows.iter().filter(|r| r.branch_id == branch) {
        let latest = Some(r.id) == newest;
        if r.is_latest != latest {
            diesel::update(c::table.find(r.id))
                .set(c::is_latest.eq(latest))
                .execute(conn)?;
        }
    }
    Ok(())
}

impl<'a> Collections<'a> {
    /// Makes a collection of saved artifacts, or returns the one with the same members (Python's
    /// "returning collection with same hash"). A key that names a collection already makes a new
    /// version of it. Members listed twice are kept once, with a warning.
    pub fn create(&self, spec: NewCollectionSpec) -> Result<Created<Collection>> {
        if spec.key.trim().is_empty() {
            return Err(Error::Validation("a collection needs a key".into()));
        }
        crate::meta::core::COLLECTION.check_len("key", &spec.key)?;
        let mut artifacts: Vec<Artifact> = Vec::with_capacity(spec.artifacts.len());
        for art in spec.artifacts {
            if artifacts.iter().any(|m| m.id == art.id) {
                tracing::warn!(uid = %art.uid, "artifact listed twice; the collection keeps it once");
                continue;
            }
            artifacts.push(art);
        }
        if artifacts.is_empty() {
            return Err(Error::Validation(
                "a collection needs at least one artifact".into(),
            ));
        }
        let mut hashes = Vec::with_capacity(artifacts.len());
        for art in &artifacts {
            if art.branch_id == Branch::Trash.id() {
                return Err(Error::InTrash {
                    registry: "Artifact".into(),
                    uid: art.uid.clone(),
                });
            }
            if art.write_pending() {
                return Err(Error::Conflict(format!(
                    "artifact {} is still being written; try again when its save has finished",
                    art.uid
                )));
            }
            hashes.push(art.hash.clone().ok_or_else(|| {
                Error::Validation(format!(
                    "artifact {} has no hash; only artifacts with content hashes can form a collection",
                    art.uid
                ))
            })?);
        }
        let hash = lamindb_storage::hash_set(&hashes);
        let run_id = match spec.run {
            Some(run) => Some(run.id),
            None => self.inst.current_run()?.map(|r| r.id),
        };
        let branch = self.inst.branch_id();
        let user = self.inst.user().id;
        let mut conn = self.inst.conn();
        conn.write(|conn| {
            conn.lock_all(&[("collection-hash", &hash), ("collection-key", &spec.key)])?;
            let mut same: Vec<Collection> = c::table
                .filter(c::hash.eq(&hash))
                .filter(c::branch_id.ne(Branch::Trash.id()))
                .select(Collection::as_select())
                .load(conn)?;
            same.sort_by_key(|r| (r.branch_id != branch, !r.is_latest, std::cmp::Reverse(r.id)));
            if let Some(existing) = same.into_iter().next() {
                tracing::info!(uid = %existing.uid, "returning collection with same hash");
                return Ok(Created {
                    record: existing,
                    created: false,
                });
            }
            let mut same_key: Vec<Collection> = c::table
                .filter(c::key.eq(&spec.key))
                .filter(c::branch_id.eq_any([branch, Branch::Main.id()]))
                .select(Collection::as_select())
                .load(conn)?;
            same_key
                .sort_by_key(|r| (r.branch_id != branch, !r.is_latest, std::cmp::Reverse(r.id)));
            let uid = match same_key.first() {
                Some(head) => {
                    let stem = head.stem_uid().to_owned();
                    let fam = family(conn, &stem)?;
                    uid::next_version(&stem, fam.iter().map(|r| r.uid.as_str()))?
                }
                None => uid::new_versioned(ARTIFACT_STEM_LEN),
            };
            let now = UtcTime::now();
            let id = diesel::insert_into(c::table)
                .values(NewCollection {
                    uid: &uid,
                    key: &spec.key,
                    description: spec.description.as_deref(),
                    hash: &hash,
                    is_latest: true,
                    is_locked: false,
                    meta_artifact_id: spec.meta_artifact.as_ref().map(|m| m.id),
                    run_id,
                    branch_id: branch,
                    created_on_id: branch,
                    space_id: self.inst.space_id(),
                    created_by_id: user,
                    created_at: now,
                    updated_at: now,
                })
                .returning(c::id)
                .get_result::<i32>(conn)?;
            let rows: Vec<_> = artifacts
                .iter()
                .map(|art| {
                    (
                        members::collection_id.eq(id),
                        members::artifact_id.eq(art.id),
                        members::created_at.eq(now),
                        members::created_by_id.eq(user),
                        members::run_id.eq(run_id),
                    )
                })
                .collect();
            // One row at a time keeps ids in member order on every backend.
            for row in rows {
                diesel::insert_into(members::table)
                    .values(row)
                    .execute(conn)?;
            }
            settle_latest(conn, &uid[..ARTIFACT_STEM_LEN], branch)?;
            let record = c::table
                .find(id)
                .select(Collection::as_select())
                .first(conn)?;
            Ok(Created {
                record,
                created: true,
            })
        })
    }

    /// A new version of `collection` with `artifact` appended to its members (Python's
    /// `collection.append(artifact)`).
    pub fn append(
        &self,
        collection: &Collection,
        artifact: Artifact,
    ) -> Result<Created<Collection>> {
        let mut artifacts = self.members(collection)?;
        artifacts.push(artifact);
        self.create(NewCollectionSpec {
            key: collection.key.clone(),
            artifacts,
            description: collection.description.clone(),
            ..Default::default()
        })
    }

    /// Gets a collection by uid or uid prefix (the latest version of a family for a stem).
    pub fn get(&self, uid_or_prefix: &str) -> Result<Collection> {
        uid::check_uid_prefix(uid_or_prefix)?;
        let mut conn = self.inst.conn();
        let dialect = conn.dialect();
        let mut rows: Vec<Collection> = c::table
            .filter(uid_starts_with!(c::table, c::uid, dialect, uid_or_prefix))
            .select(Collection::as_select())
            .load(&mut *conn)?;
        if uid_or_prefix.len() < 20 {
            let current = self.inst.branch_id();
            rows.retain(|r| r.branch_id == current || r.branch_id == Branch::Main.id());
        }
        rows.sort_by_key(|r| (!r.is_latest, std::cmp::Reverse(r.id)));
        let mut stems: Vec<&str> = rows.iter().map(|r| r.stem_uid()).collect();
        stems.sort();
        stems.dedup();
        match (rows.first(), stems.len()) {
            (None, _) => Err(Error::NotFound(format!(
                "no collection whose uid starts with '{uid_or_prefix}'"
            ))),
            (Some(r), 1) => Ok(r.clone()),
            _ => Err(Error::Conflict(format!(
                "uid prefix '{uid_or_prefix}' matches {} collections; pass more characters",
                stems.len()
            ))),
        }
    }

    /// The latest version of the collection with `key` on the current branch, else on main.
    pub fn get_by_key(&self, key: &str) -> Result<Collection> {
        let current = self.inst.branch_id();
        let mut rows: Vec<Collection> = c::table
            .filter(c::key.eq(key))
            .filter(c::branch_id.eq_any([current, Branch::Main.id()]))
            .select(Collection::as_select())
            .load(&mut *self.inst.conn())?;
        rows.sort_by_key(|r| {
            (
                r.branch_id != current,
                !r.is_latest,
                std::cmp::Reverse(r.id),
            )
        });
        rows.into_iter().next().ok_or_else(|| {
            Error::NotFound(format!(
                "no collection with key '{key}' (trashed collections are listed with --trash)"
            ))
        })
    }

    /// The newest trashed collection with `key`.
    pub fn get_trashed_by_key(&self, key: &str) -> Result<Collection> {
        c::table
            .filter(c::key.eq(key))
            .filter(c::branch_id.eq(Branch::Trash.id()))
            .order(c::id.desc())
            .select(Collection::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no trashed collection with key '{key}'")))
    }

    /// The collection with this id.
    pub fn by_id(&self, id: i32) -> Result<Collection> {
        c::table
            .find(id)
            .select(Collection::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no collection with id {id}")))
    }

    /// All versions of `collection`'s family outside the trash, newest first.
    pub fn versions(&self, collection: &Collection) -> Result<Vec<Collection>> {
        let mut rows = family(&mut self.inst.conn(), collection.stem_uid())?;
        rows.retain(|r| r.branch_id != Branch::Trash.id());
        rows.sort_by_key(|r| std::cmp::Reverse(version_of(r)));
        Ok(rows)
    }

    /// The members of `collection`, in its order (Python's `ordered_artifacts`).
    pub fn members(&self, collection: &Collection) -> Result<Vec<Artifact>> {
        Ok(members::table
            .inner_join(a::table)
            .filter(members::collection_id.eq(collection.id))
            .order(members::id.asc())
            .select(Artifact::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Local paths of every member's data (cloud members through the cache), in member order;
    /// the collection becomes an input of the current run, if any.
    pub fn cache(&self, collection: &Collection) -> Result<Vec<PathBuf>> {
        let artifacts = self.inst.artifacts();
        let paths = self
            .members(collection)?
            .iter()
            .map(|m| artifacts.cache_data(m))
            .collect::<Result<Vec<_>>>()?;
        self.track_input(collection)?;
        Ok(paths)
    }

    /// Records that the current run (if any, and if it did not create `collection`) read it.
    pub fn track_input(&self, collection: &Collection) -> Result<bool> {
        match self.inst.current_run()? {
            Some(run) => self.add_input(&run, collection),
            None => Ok(false),
        }
    }

    /// Records that `run` read `collection`, unless the run created it; returns whether a link
    /// was added.
    pub fn add_input(&self, run: &Run, collection: &Collection) -> Result<bool> {
        if collection.run_id == Some(run.id) {
            return Ok(false);
        }
        let mut conn = self.inst.conn();
        conn.write(|conn| {
            let exists: i64 = inputs::table
                .filter(inputs::run_id.eq(run.id))
                .filter(inputs::collection_id.eq(collection.id))
                .count()
                .get_result(conn)?;
            if exists > 0 {
                return Ok(false);
            }
            diesel::insert_into(inputs::table)
                .values((
                    inputs::run_id.eq(run.id),
                    inputs::collection_id.eq(collection.id),
                ))
                .execute(conn)?;
            Ok(true)
        })
    }

    /// Collections `run` read, in the order it read them.
    pub fn inputs_of(&self, run: &Run) -> Result<Vec<Collection>> {
        Ok(inputs::table
            .inner_join(c::table)
            .filter(inputs::run_id.eq(run.id))
            .order(inputs::id.asc())
            .select(Collection::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Runs that read `collection`, in the order they read it.
    pub fn reading_runs(&self, collection: &Collection) -> Result<Vec<Run>> {
        use crate::db::schema::lamindb_run as r;
        Ok(inputs::table
            .inner_join(r::table)
            .filter(inputs::collection_id.eq(collection.id))
            .order(inputs::id.asc())
            .select(Run::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Moves `collection` to the trash; the newest other version on its branch becomes the
    /// latest. Members stay as they are.
    pub fn trash(&self, collection: &Collection) -> Result<()> {
        self.move_to(collection, Branch::Trash.id())
    }

    /// Brings a trashed collection back to main.
    pub fn restore(&self, collection: &Collection) -> Result<()> {
        self.move_to(collection, Branch::Main.id())
    }

    fn move_to(&self, collection: &Collection, branch: i32) -> Result<()> {
        let mut conn = self.inst.conn();
        conn.write(|conn| {
            conn.lock("collection-key", &collection.key)?;
            diesel::update(c::table.find(collection.id))
                .set(c::branch_id.eq(branch))
                .execute(conn)?;
            settle_latest(conn, collection.stem_uid(), collection.branch_id)?;
            settle_latest(conn, collection.stem_uid(), branch)
        })
    }

    /// Deletes `collection` for good with its member links, run-input links and blocks; the
    /// member artifacts stay.
    pub fn delete_permanently(&self, collection: &Collection) -> Result<()> {
        self.inst
            .delete_record(&crate::meta::core::COLLECTION, collection.id.into())?;
        let mut conn = self.inst.conn();
        conn.write(|conn| settle_latest(conn, collection.stem_uid(), collection.branch_id))
    }
}
