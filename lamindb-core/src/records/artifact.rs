//! The artifact life cycle: register, deduplicate, version, load, trash, restore, delete.
//!
//! Writes are two-phase, as in Python LaminDB: the row is inserted with `_aux.so = 1` ("storage
//! write ongoing"), the object is copied into place atomically, then the flag is cleared. A row
//! whose flag is still set belongs to a write that has not finished; when its writer is gone, the
//! next write to the instance either finalises it (the object is complete) or removes the row and
//! any partial object. So a crash leaves neither a row pointing to missing data nor a copy the
//! instance does not know about.

use std::path::{Path, PathBuf};

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use lamindb_storage::{canonical_suffix, hash_path, ContentHash, StorageRoot};

use crate::db::models::{Artifact, Branch, NewArtifact};
use crate::db::schema::lamindb_artifact as a;
use crate::db::sql_types::{JsonData, UtcTime};
use crate::db::uid_starts_with;
use crate::db::{DbConnection, Dialect};
use crate::instance::Instance;
use crate::query::{Branches, Q};
use crate::util::key::validate_key;
use crate::util::uid::{self, ARTIFACT_STEM_LEN};
use crate::{Error, Result};
use lamindb_storage::failpoint;

/// What to save: a local file or folder and its metadata.
#[derive(Debug, Clone, Default)]
pub struct NewArtifactSpec {
    /// The file or folder.
    pub path: PathBuf,
    /// Key (virtual path); same key = same version family.
    pub key: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Kind (`dataset`, `model`, …).
    pub kind: Option<String>,
    /// Never return an existing artifact with the same content.
    pub skip_hash_lookup: bool,
    /// The creating run.
    pub run: RunLink,
    /// Root of the managed storage to save into (see [`Instance::storages`]); the default
    /// storage if `None`. Paths inside any registered storage are registered in place.
    pub storage: Option<String>,
}

/// Which run an artifact being saved belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RunLink {
    /// The instance's current run ([`Instance::current_run`]), if any.
    #[default]
    Current,
    /// No run (environments and reports of runs, as Python LaminDB's `run=False`).
    Untracked,
    /// The run with this id.
    Id(i64),
}

/// The `kind` of artifacts that belong to a run's bookkeeping (environments, logs, reports).
pub const RUN_KIND: &str = "__lamindb_run__";

impl NewArtifactSpec {
    /// A spec for `path` with `key`.
    pub fn with_key(path: impl Into<PathBuf>, key: impl Into<String>) -> Self {
        NewArtifactSpec {
            path: path.into(),
            key: Some(key.into()),
            ..Default::default()
        }
    }
}

/// How [`Artifacts::save`] treated the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveStatus {
    /// A new artifact (first version of its family).
    Created,
    /// A new version of an existing key.
    NewVersion,
    /// The content was registered already; the existing artifact is returned.
    Existing,
}

/// The result of a save.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The artifact row.
    pub artifact: Artifact,
    /// What happened.
    pub status: SaveStatus,
}

/// Which artifacts [`Artifacts::list`] returns.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Only keys starting with this.
    pub key_prefix: Option<String>,
    /// Include every version, not only the latest.
    pub all_versions: bool,
    /// Show the trash (branch -1) instead of the main branch.
    pub trash: bool,
    /// At most this many rows.
    pub limit: Option<i64>,
    /// Further conditions (`lamin list artifacts --filter …`); empty matches everything.
    pub filter: Q,
}

/// How [`Artifacts::delete_permanently`] deletes.
#[derive(Debug, Clone, Copy, Default)]
pub struct PermanentDelete {
    /// Also delete data stored under a real (non-virtual) key.
    pub delete_data: bool,
    /// Delete even when runs read the artifact (they lose it from their inputs).
    pub force: bool,
}

/// The artifact registry of an instance; get it with [`Instance::artifacts`].
pub struct Artifacts<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// The artifact registry.
    pub fn artifacts(&self) -> Artifacts<'_> {
        Artifacts { inst: self }
    }
}

struct Prepared {
    spec: NewArtifactSpec,
    /// The storage the artifact belongs to.
    storage_id: i32,
    /// The creating run, resolved from `spec.run`.
    run_id: Option<i64>,
    stats: ContentHash,
    suffix: String,
    is_dir: bool,
    /// Storage key when the path is already inside the storage root.
    in_place: Option<String>,
}

impl Plan {
    fn status(&self) -> SaveStatus {
        if self.revises.is_some() {
            SaveStatus::NewVersion
        } else {
            SaveStatus::Created
        }
    }
}

/// A planned insert, after dedup and versioning were decided.
struct Plan {
    prepared: Prepared,
    uid: String,
    key: Option<String>,
    real_key: Option<String>,
    key_is_virtual: bool,
    /// The version this one follows (demoted at once for rows registered in place; pending
    /// rows settle the latest version when their save commits).
    revises: Option<Artifact>,
}

fn pending_flag(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "json_extract(_aux, '$.so') = 1",
        Dialect::Postgres => "(_aux ->> 'so') = '1'",
    }
}

/// Newest first, as Python LaminDB orders candidates (`-created_at, -id`). Sorting happens here
/// rather than in SQL so that the query planner always drives lookups by the selective index.
fn newest_first(rows: &mut [Artifact]) {
    rows.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
}

/// Latest versions first, then newest first (how `get` picks among matches).
fn latest_first(rows: &mut [Artifact]) {
    rows.sort_by_key(|r| (!r.is_latest, std::cmp::Reverse((r.created_at, r.id))));
}

/// Every version of the family with `stem`, in any branch, newest first.
fn family(conn: &mut DbConnection, stem: &str) -> Result<Vec<Artifact>> {
    let dialect = conn.dialect();
    let mut rows: Vec<Artifact> = a::table
        .filter(uid_starts_with!(a::table, a::uid, dialect, stem))
        .select(Artifact::as_select())
        .load(conn)?;
    newest_first(&mut rows);
    Ok(rows)
}

/// The artifacts with `key` on `branch`, newest first. Filters on the key index alone in SQL.
fn with_key(conn: &mut DbConnection, key: &str, branch: i32) -> Result<Vec<Artifact>> {
    let mut rows: Vec<Artifact> = a::table
        .filter(a::key.eq(key))
        .select(Artifact::as_select())
        .load(conn)?;
    // Rows of saves still being written are not there yet for readers.
    rows.retain(|r| r.branch_id == branch && !r.write_pending());
    newest_first(&mut rows);
    Ok(rows)
}

/// Makes the newest finished version of the family with `stem` on `branch` its latest version,
/// and no other; returns its id. Versions still being written are never latest, so readers keep
/// seeing the previous version until a save commits.
fn settle_latest(conn: &mut DbConnection, stem: &str, branch: i32) -> Result<Option<i32>> {
    let rows = family(conn, stem)?;
    let newest = rows
        .iter()
        .filter(|r| r.branch_id == branch && !r.write_pending())
        .max_by_key(|r| uid::decode_base62(&r.uid[ARTIFACT_STEM_LEN..]).unwrap_or(0))
        .map(|r| r.id);
    for r in rows.iter().filter(|r| r.branch_id == branch) {
        let latest = Some(r.id) == newest;
        if r.is_latest != latest {
            diesel::update(a::table.find(r.id))
                .set(a::is_latest.eq(latest))
                .execute(conn)?;
        }
    }
    Ok(newest)
}

fn writer_id() -> String {
    format!(
        "{}:{}",
        gethostname::gethostname().to_string_lossy(),
        std::process::id()
    )
}

fn writer_is_alive(writer: &str) -> bool {
    let Some((host, pid)) = writer.rsplit_once(':') else {
        return false;
    };
    if host != gethostname::gethostname().to_string_lossy() {
        // Another machine's write: only its own recovery may touch it.
        return true;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    pid != std::process::id() && Path::new("/proc").join(pid.to_string()).exists()
}

impl Artifact {
    /// The storage key: `_real_key`, else `.lamindb/<uid><suffix>` for virtual keys
    /// (`.lamindb/<stem><suffix>` when versions share one object), else the key.
    pub fn storage_key(&self) -> String {
        if let Some(real) = &self.real_key {
            return real.clone();
        }
        match (&self.key, self.key_is_virtual) {
            (Some(key), false) => key.clone(),
            _ => {
                let uid = if self.overwrite_versions {
                    &self.uid[..ARTIFACT_STEM_LEN]
                } else {
                    &self.uid
                };
                format!(".lamindb/{uid}{}", self.suffix)
            }
        }
    }

    /// The uid without its version counter.
    pub fn stem_uid(&self) -> &str {
        &self.uid[..ARTIFACT_STEM_LEN.min(self.uid.len())]
    }

    /// `version_tag`, or the version counter.
    pub fn version(&self) -> &str {
        self.version_tag
            .as_deref()
            .unwrap_or(&self.uid[ARTIFACT_STEM_LEN.min(self.uid.len())..])
    }

    /// Whether the object is managed under `.lamindb/` (deleted with the artifact).
    pub fn is_auto_managed(&self) -> bool {
        self.key.is_none() || (self.key_is_virtual && self.real_key.is_none())
    }

    /// Whether a storage write for this row has not finished.
    pub fn write_pending(&self) -> bool {
        self.aux
            .as_ref()
            .and_then(|j| j.0.get("so"))
            .and_then(|v| v.as_i64())
            == Some(1)
    }
}

impl<'a> Artifacts<'a> {
    /// Hash, size and file count of the object at `key` of `root` from its metadata.
    fn hash_in_place(&self, root: &StorageRoot, key: &str, url: &str) -> Result<ContentHash> {
        root.hash_object(key).map_err(|e| match e {
            lamindb_storage::Error::NotFound { .. } => Error::NotFound(format!(
                "{url} does not exist: pass an existing object or folder"
            )),
            other => other.into(),
        })
    }

    /// Registers a cloud object in place: no copy, the hash from its metadata.
    fn prepare_url(&self, spec: NewArtifactSpec, url: &str) -> Result<Prepared> {
        let storages = self.inst.storages();
        let (storage, key, stats) = match storages.containing(url)? {
            Some((storage, key)) => {
                let stats = self.hash_in_place(&self.inst.root_of(storage.id)?, &key, url)?;
                (storage, key, stats)
            }
            None => {
                // A cloud object outside every known storage: its bucket becomes a read-only
                // storage, as in Python LaminDB — recorded only once the object is found.
                let (scheme, rest) = url.split_once("://").unwrap_or_default();
                let bucket = rest.split('/').next().unwrap_or_default();
                if bucket.is_empty() || rest.trim_end_matches('/') == bucket {
                    return Err(Error::Validation(format!(
                        "{url} names no object inside a bucket"
                    )));
                }
                let bucket_root = format!("{scheme}://{bucket}");
                let key = rest[bucket.len() + 1..].trim_end_matches('/').to_owned();
                let stats = self.hash_in_place(&StorageRoot::parse(&bucket_root)?, &key, url)?;
                (storages.add(&bucket_root, true, None)?, key, stats)
            }
        };
        if key.starts_with(".lamindb/") {
            return Err(Error::Validation(format!(
                "{url} is inside the managed '.lamindb/' folder: get that artifact by uid instead of saving it again"
            )));
        }
        let (suffix, raw) = canonical_suffix(Path::new(&key));
        if let Some(k) = &spec.key {
            validate_key(k, &raw)?;
        }
        Ok(Prepared {
            storage_id: storage.id,
            is_dir: stats.n_files.is_some(),
            suffix,
            spec,
            run_id: None,
            stats,
            in_place: Some(key),
        })
    }

    fn prepare(&self, spec: NewArtifactSpec) -> Result<Prepared> {
        if let Some(url) = spec
            .path
            .to_str()
            .filter(|p| p.contains("://"))
            .map(str::to_owned)
        {
            return self.prepare_url(spec, &url);
        }
        let path = spec.path.clone();
        let meta = std::fs::metadata(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::NotFound(format!(
                    "{} does not exist: pass an existing file or folder",
                    path.display()
                ))
            } else {
                Error::io(&path, e)
            }
        })?;
        let (suffix, raw) = canonical_suffix(&path);
        let storages = self.inst.storages();
        let (storage_id, in_place) = match storages.containing(&path.to_string_lossy())? {
            Some((st, key)) => (st.id, Some(key)),
            None => match &spec.storage {
                None => (self.inst.storage().id, None),
                Some(r) => {
                    let st = storages.get(r)?;
                    if !storages.is_managed(&st) {
                        return Err(Error::Validation(format!(
                            "storage {} is read-only for this instance: save into a managed storage",
                            st.root
                        )));
                    }
                    (st.id, None)
                }
            },
        };
        if let Some(k) = &in_place {
            if k.starts_with(".lamindb/") || k == ".lamindb" {
                return Err(Error::Validation(format!(
                    "{} is inside the managed '.lamindb/' folder: get that artifact by uid instead of saving it again",
                    path.display()
                )));
            }
        }
        if let Some(key) = &spec.key {
            validate_key(key, &raw)?;
        }
        if let Some(kind) = &spec.kind {
            if kind.len() > 20 {
                return Err(Error::Validation(format!(
                    "kind '{kind}' is longer than 20 characters"
                )));
            }
        }
        let stats = if meta.is_dir() {
            let total = lamindb_storage::dir_size(&path)?;
            let label = format!("hashing {}", path.display());
            self.inst.with_progress(&label, total, |p| {
                lamindb_storage::hash_dir_with_progress(&path, p)
            })?
        } else {
            hash_path(&path)?
        };
        Ok(Prepared {
            spec,
            storage_id,
            run_id: None,
            stats,
            suffix,
            is_dir: meta.is_dir(),
            in_place,
        })
    }

    /// Decides what saving `p` means: existing artifact, new version, or new family.
    fn plan(
        &self,
        conn: &mut DbConnection,
        p: Prepared,
    ) -> Result<std::result::Result<Plan, Saved>> {
        let storage_id = p.storage_id;
        let (key, real_key, key_is_virtual) = match (&p.in_place, &p.spec.key) {
            (Some(rel), None) => (Some(rel.clone()), None, false),
            (Some(rel), Some(k)) if k == rel => (Some(rel.clone()), None, false),
            (Some(rel), Some(k)) => (Some(k.clone()), Some(rel.clone()), true),
            (None, k) => (k.clone(), None, true),
        };
        // Empty files all share one hash: they are found again only under their own key.
        let empty = p.stats.n_files.is_none() && p.stats.size == 0;
        let dedup = !p.spec.skip_hash_lookup;
        let hash = p.stats.hash.clone();
        let candidates = a::table
            .filter(a::branch_id.ne(Branch::Trash.id()))
            .select(Artifact::as_select());
        let mut found: Vec<Artifact> = match &key {
            None => candidates.filter(a::hash.eq(&hash)).load(conn)?,
            Some(k) => candidates
                .filter(a::hash.eq(&hash).or(a::key.eq(k)))
                .load(conn)?,
        };
        newest_first(&mut found);
        if dedup {
            if let Some(existing) = found.iter().find(|r| {
                r.hash.as_deref() == Some(hash.as_str())
                    && (!empty || (key.is_some() && r.key == key && r.storage_id == storage_id))
            }) {
                let mut existing = existing.clone();
                if let Some(run_id) = p.run_id {
                    crate::records::runs::Runs::add_recreating(conn, run_id, &mut existing)?;
                }
                if let Some(d) = &p.spec.description {
                    if existing.description.as_deref() != Some(d.as_str()) {
                        diesel::update(a::table.find(existing.id))
                            .set((a::description.eq(d), a::updated_at.eq(UtcTime::now())))
                            .execute(conn)?;
                        existing.description = Some(d.clone());
                    }
                }
                tracing::info!(uid = %existing.uid, "returning artifact with same hash");
                return Ok(Err(Saved {
                    artifact: existing,
                    status: SaveStatus::Existing,
                }));
            }
        }
        if key.is_none() && p.spec.description.is_none() && p.run_id.is_none() {
            return Err(Error::Validation(
                "pass one of key, description or run: an artifact without any of them cannot be found again".into(),
            ));
        }
        let same_key: Vec<&Artifact> = match &key {
            Some(k) => found
                .iter()
                .filter(|r| r.key.as_deref() == Some(k) && r.storage_id == storage_id)
                .collect(),
            None => Vec::new(),
        };
        let revises = if same_key.is_empty() {
            None
        } else {
            // A version still being written by another save is the head when none is finished.
            let head = same_key
                .iter()
                .find(|r| r.is_latest && r.branch_id == self.inst.branch_id())
                .or_else(|| same_key.iter().find(|r| r.is_latest))
                .or_else(|| same_key.iter().find(|r| r.write_pending()))
                .ok_or_else(|| {
                    Error::Conflict(format!(
                        "cannot create a new version: artifacts with key '{}' exist but none is the latest version; restore or delete them first",
                        key.as_deref().unwrap_or_default()
                    ))
                })?;
            Some((*head).clone())
        };
        let uid = match &revises {
            Some(head) => {
                let stem = head.stem_uid();
                let members = family(conn, stem)?;
                uid::next_version(stem, members.iter().map(|r| r.uid.as_str()))?
            }
            None => uid::new_versioned(ARTIFACT_STEM_LEN),
        };
        Ok(Ok(Plan {
            prepared: p,
            uid,
            key,
            real_key,
            key_is_virtual,
            revises,
        }))
    }

    fn insert_pending(&self, conn: &mut DbConnection, plan: &Plan) -> Result<Artifact> {
        let p = &plan.prepared;
        let now = UtcTime::now();
        let hash_type = p.stats.hash_type.as_str();
        // A row whose data still has to be copied becomes the latest version only when its save
        // commits (`finalize`); one registered in place is complete at once.
        let pending = p.in_place.is_none();
        // The latest version of another branch stays its branch's latest.
        if let (false, Some(head)) = (pending, &plan.revises) {
            if head.branch_id == self.inst.branch_id() {
                diesel::update(a::table.find(head.id))
                    .set(a::is_latest.eq(false))
                    .execute(conn)?;
            }
        }
        let aux = JsonData(serde_json::json!({ "so": 1, "so_by": writer_id() }));
        let row = NewArtifact {
            uid: &plan.uid,
            key: plan.key.as_deref(),
            real_key: plan.real_key.as_deref(),
            description: p.spec.description.as_deref(),
            suffix: &p.suffix,
            kind: p.spec.kind.as_deref(),
            otype: None,
            size: Some(p.stats.size as i64),
            hash: Some(&p.stats.hash),
            n_files: p.stats.n_files.map(|n| n as i64),
            hash_type: Some(&hash_type),
            key_is_virtual: plan.key_is_virtual,
            overwrite_versions: p.is_dir,
            is_latest: !pending,
            is_locked: false,
            aux: pending.then_some(aux),
            version_tag: None,
            branch_id: self.inst.branch_id(),
            created_on_id: self.inst.branch_id(),
            space_id: self.inst.space_id(),
            storage_id: p.storage_id,
            created_by_id: self.inst.user().id,
            run_id: p.run_id,
            created_at: now,
            updated_at: now,
        };
        let inserted = diesel::insert_into(a::table)
            .values(&row)
            .returning(a::id)
            .get_result::<i32>(conn);
        match inserted {
            Ok(id) => Ok(a::table.find(id).select(Artifact::as_select()).first(conn)?),
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info)) => {
                Err(Error::Conflict(format!(
                    "an artifact with the same content and key exists already (possibly in the trash: restore it, or save under another key): {}",
                    info.message()
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Undoes a pending insert whose copy failed: removes the row, settles which version is the
    /// latest, and removes whatever part of the object was written (only the staged copy when
    /// other versions share the storage key).
    fn rollback_pending(&self, row: &Artifact) -> Result<()> {
        let mut conn = self.inst.conn();
        let shares_key = row.overwrite_versions && family(&mut conn, row.stem_uid())?.len() > 1;
        conn.write(|c| {
            c.lock("artifact-stem", row.stem_uid())?;
            self.unlink_references(c, row.id)?;
            diesel::delete(a::table.find(row.id)).execute(c)?;
            settle_latest(c, row.stem_uid(), row.branch_id)?;
            Ok(())
        })?;
        drop(conn);
        let root = self.inst.root_of(row.storage_id)?;
        if shares_key {
            root.delete(&StorageRoot::partial_key(&row.storage_key()))?;
        } else {
            root.delete(&row.storage_key())?;
        }
        Ok(())
    }

    /// Commits a save whose data is stored: clears the pending flag and makes the newest finished
    /// version of the family the latest. Callers hold the family's `artifact-stem` lock.
    fn finalize(&self, conn: &mut DbConnection, row: &mut Artifact) -> Result<()> {
        diesel::update(a::table.find(row.id))
            .set(a::aux.eq(None::<JsonData>))
            .execute(conn)?;
        row.aux = None;
        row.is_latest = settle_latest(conn, row.stem_uid(), row.branch_id)? == Some(row.id);
        Ok(())
    }

    /// Saves a file or folder as an artifact: copies it into `.lamindb/` (or registers it in place
    /// when it already lies in the storage root), deduplicates by content and versions by key.
    pub fn save(&self, spec: NewArtifactSpec) -> Result<Saved> {
        let mut saved = self.save_many(vec![spec])?;
        Ok(saved.pop().expect("one result per spec"))
    }

    /// Saves many files in two transactions (all rows, then all flags cleared), copying in between.
    /// Items are handled as [`Artifacts::save`] handles them; the whole batch fails on the first
    /// invalid item before anything is written.
    pub fn save_many(&self, specs: Vec<NewArtifactSpec>) -> Result<Vec<Saved>> {
        self.recover()?;
        let mut prepared = prepare_parallel(self, specs)?;
        let current = if prepared.iter().any(|p| p.spec.run == RunLink::Current) {
            self.inst.current_run()?.map(|r| r.id)
        } else {
            None
        };
        for p in &mut prepared {
            p.run_id = match p.spec.run {
                RunLink::Current => current,
                RunLink::Untracked => None,
                RunLink::Id(id) => Some(id),
            };
        }
        let planned: Vec<std::result::Result<(Plan, Artifact), Saved>> = {
            let mut conn = self.inst.conn();
            conn.write(|c| {
                // Concurrent saves of one key or one content wait for each other here, so the
                // version plan and the dedup lookup see every committed row (locks in sorted
                // order, so that two batches never wait on each other).
                let mut locks: Vec<(&str, &str)> = Vec::new();
                for p in &prepared {
                    locks.push(("artifact-hash", p.stats.hash.as_str()));
                    if let Some(k) = p.spec.key.as_deref().or(p.in_place.as_deref()) {
                        locks.push(("artifact-key", k));
                    }
                }
                locks.sort_unstable();
                locks.dedup();
                c.lock_all(&locks)?;
                let mut out = Vec::with_capacity(prepared.len());
                for p in prepared {
                    out.push(match self.plan(c, p)? {
                        Ok(plan) => {
                            let row = self.insert_pending(c, &plan)?;
                            Ok((plan, row))
                        }
                        Err(saved) => Err(saved),
                    });
                }
                Ok(out)
            })?
        };
        failpoint::hit("after_insert");
        let mut copy_error = None;
        for (plan, row) in planned.iter().flatten() {
            if plan.prepared.in_place.is_none() {
                if let Err(e) = self.copy_into_place(&plan.prepared.spec.path, row) {
                    copy_error = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = copy_error {
            for (_, row) in planned.iter().filter_map(|i| i.as_ref().ok()).rev() {
                self.rollback_pending(row)?;
            }
            return Err(e);
        }
        failpoint::hit("after_copy");
        let many = planned.len() >= crate::instance::ANALYZE_AFTER_ROWS;
        let mut conn = self.inst.conn();
        let saved = conn.write(|c| {
            let mut stems: Vec<&str> = planned
                .iter()
                .filter_map(|i| i.as_ref().ok())
                .map(|(_, row)| row.stem_uid())
                .collect();
            stems.sort_unstable();
            stems.dedup();
            let locks: Vec<(&str, &str)> = stems.iter().map(|s| ("artifact-stem", *s)).collect();
            c.lock_all(&locks)?;
            let mut out = Vec::with_capacity(planned.len());
            for item in planned {
                out.push(match item {
                    Ok((plan, mut row)) => {
                        if row.write_pending() {
                            self.finalize(c, &mut row)?;
                        }
                        Saved {
                            status: plan.status(),
                            artifact: row,
                        }
                    }
                    Err(saved) => saved,
                });
            }
            Ok(out)
        })?;
        drop(conn);
        if many {
            self.inst
                .analyze_tables(&[crate::meta::core::ARTIFACT.table])?;
        }
        Ok(saved)
    }

    fn copy_into_place(&self, src: &Path, row: &Artifact) -> Result<()> {
        let key = row.storage_key();
        failpoint::hit("before_copy");
        let root = self.inst.root_of(row.storage_id)?;
        let total = row.size.unwrap_or(0).max(0) as u64;
        let verb = if root.is_local() {
            "copying"
        } else {
            "uploading"
        };
        let label = format!("{verb} {}", row.key.as_deref().unwrap_or(&row.uid));
        // What is stored must be what was hashed and recorded: a source that changed since is
        // an error, and the caller undoes the pending row.
        let expected = ContentHash {
            hash: row.hash.clone().unwrap_or_default(),
            hash_type: row
                .hash_type
                .as_deref()
                .and_then(lamindb_storage::HashType::parse)
                .unwrap_or(lamindb_storage::HashType::Md5),
            size: total,
            n_files: row.n_files.map(|n| n.max(0) as u64),
        };
        self.inst
            .with_progress(&label, total, |p| root.put_checked(src, &key, &expected, p))?;
        Ok(())
    }

    /// Finishes or undoes writes whose writer died (once per open instance).
    pub fn recover(&self) -> Result<usize> {
        use std::sync::atomic::Ordering;
        if self.inst.recovered.swap(true, Ordering::SeqCst) {
            return Ok(0);
        }
        let pending: Vec<Artifact> = {
            let mut conn = self.inst.conn();
            let flag = pending_flag(conn.dialect());
            a::table
                .filter(sql::<Bool>(flag))
                .select(Artifact::as_select())
                .load(&mut *conn)?
        };
        let mut fixed = 0;
        for row in pending {
            let writer = row
                .aux
                .as_ref()
                .and_then(|j| j.0.get("so_by"))
                .and_then(|v| v.as_str())
                .unwrap_or("");
            if writer_is_alive(writer) {
                continue;
            }
            if let Some(pid) = writer
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse::<u32>().ok())
            {
                // A folder swap the writer died in is finished or undone first.
                self.inst
                    .root_of(row.storage_id)?
                    .settle_swap(&row.storage_key(), pid)?;
            }
            let complete = self.stored_completely(&row)?;
            if complete {
                let mut row = row;
                self.inst.conn().write(|c| {
                    c.lock("artifact-stem", row.stem_uid())?;
                    self.finalize(c, &mut row)
                })?;
                tracing::info!(uid = %row.uid, "finished an interrupted save");
            } else {
                self.rollback_pending(&row)?;
                tracing::info!(uid = %row.uid, "removed an interrupted save");
            }
            fixed += 1;
        }
        Ok(fixed)
    }

    /// Whether the object of `row` is fully stored: locally its hash matches; in an object store
    /// (where objects appear whole) its size and file count do.
    fn stored_completely(&self, row: &Artifact) -> Result<bool> {
        let root = self.inst.root_of(row.storage_id)?;
        let key = row.storage_key();
        if let Some(local) = root.local_path() {
            let path = local.join(&key);
            return Ok(path.exists()
                && hash_path(&path).is_ok_and(|h| Some(h.hash.as_str()) == row.hash.as_deref()));
        }
        match row.n_files {
            None => Ok(root
                .stat(&key)?
                .is_some_and(|s| Some(s.size as i64) == row.size)),
            Some(n) => {
                let files = root.list(&key)?;
                let size: u64 = files.iter().map(|(_, s)| s.size).sum();
                Ok(files.len() as i64 == n && Some(size as i64) == row.size)
            }
        }
    }

    fn newest_other_version(&self, row: &Artifact) -> Result<Option<Artifact>> {
        let mut others = family(&mut self.inst.conn(), row.stem_uid())?;
        others.retain(|r| r.id != row.id && r.branch_id == row.branch_id);
        Ok(others.into_iter().next())
    }

    /// Gets an artifact by uid or uid prefix. A full uid finds artifacts in any branch; a prefix
    /// of at most 16 characters returns the latest version of that family.
    pub fn get(&self, uid_or_prefix: &str) -> Result<Artifact> {
        uid::check_uid_prefix(uid_or_prefix)?;
        let mut conn = self.inst.conn();
        if uid_or_prefix.len() == 20 {
            return a::table
                .filter(a::uid.eq(uid_or_prefix))
                .select(Artifact::as_select())
                .first(&mut *conn)
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("no artifact with uid '{uid_or_prefix}'")));
        }
        let dialect = conn.dialect();
        let mut rows: Vec<Artifact> = a::table
            .filter(uid_starts_with!(a::table, a::uid, dialect, uid_or_prefix))
            .select(Artifact::as_select())
            .load(&mut *conn)?;
        let current = self.inst.branch_id();
        rows.retain(|r| r.branch_id == current || r.branch_id == Branch::Main.id());
        latest_first(&mut rows);
        let mut stems: Vec<&str> = rows.iter().map(|r| r.stem_uid()).collect();
        stems.sort();
        stems.dedup();
        match (rows.first(), stems.len()) {
            (None, _) => Err(Error::NotFound(format!(
                "no artifact whose uid starts with '{uid_or_prefix}'"
            ))),
            (Some(r), 1) if uid_or_prefix.len() <= ARTIFACT_STEM_LEN || rows.len() == 1 => {
                Ok(r.clone())
            }
            _ => Err(Error::Conflict(format!(
                "uid prefix '{uid_or_prefix}' matches {} artifacts: {}; pass more characters",
                rows.len(),
                rows.iter()
                    .take(5)
                    .map(|r| r.uid.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Gets the latest version of the artifact with `key` on the current branch, else on main.
    pub fn get_by_key(&self, key: &str) -> Result<Artifact> {
        let current = self.inst.branch_id();
        let mut rows = with_key(&mut self.inst.conn(), key, current)?;
        if rows.is_empty() && current != Branch::Main.id() {
            rows = with_key(&mut self.inst.conn(), key, Branch::Main.id())?;
        }
        latest_first(&mut rows);
        rows.into_iter().next().ok_or_else(|| {
            Error::NotFound(format!(
                "no artifact with key '{key}' (trashed artifacts are listed with --trash)"
            ))
        })
    }

    /// The newest artifact with `key` on any branch, the trash included (what a permanent
    /// deletion by key acts on, as Python's `lamin delete artifact --key`).
    pub fn newest_by_key(&self, key: &str) -> Result<Artifact> {
        let mut rows: Vec<Artifact> = a::table
            .filter(a::key.eq(key))
            .select(Artifact::as_select())
            .load(&mut *self.inst.conn())?;
        newest_first(&mut rows);
        rows.into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("no artifact with key '{key}'")))
    }

    /// Finds a trashed artifact by key (newest first).
    pub fn get_trashed_by_key(&self, key: &str) -> Result<Artifact> {
        with_key(&mut self.inst.conn(), key, Branch::Trash.id())?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("no trashed artifact with key '{key}'")))
    }

    /// Lists artifacts, newest first: the latest versions on the main branch (or the trash),
    /// matching `opts.filter`. Run logs and environments (kinds `__lamindb*`) are left out
    /// unless the filter names `kind`, as in Python LaminDB.
    pub fn list(&self, opts: &ListOptions) -> Result<Vec<Artifact>> {
        let mut rows = self.list_query(opts).all()?;
        // Saves still being written are not listed (they are never the latest version).
        rows.retain(|r| !r.write_pending());
        Ok(rows)
    }

    /// The query [`Artifacts::list`] runs (for other shapes of the same listing, such as
    /// `to_dataframe`).
    pub fn list_query(&self, opts: &ListOptions) -> crate::query::Query<'_, Artifact> {
        let mut q = self.inst.query::<Artifact>().filter(opts.filter.clone());
        if let Some(p) = &opts.key_prefix {
            q = q.filter(Q::new("key__startswith", p.as_str()));
        }
        if !opts.all_versions && !opts.trash {
            q = q.filter(Q::new("is_latest", true));
        }
        if opts.trash {
            q = q.branches(Branches::Only(Branch::Trash.id()));
        }
        if !opts
            .filter
            .lookup_paths()
            .iter()
            .any(|p| p.starts_with("kind"))
        {
            q = q.exclude(Q::new("kind__startswith", "__lamindb"));
        }
        q = q.order_by("-id");
        if let Some(limit) = opts.limit {
            q = q.limit(limit);
        }
        q
    }

    /// All versions of an artifact's family, newest first.
    pub fn versions(&self, artifact: &Artifact) -> Result<Vec<Artifact>> {
        let mut rows = family(&mut self.inst.conn(), artifact.stem_uid())?;
        rows.retain(|r| r.branch_id != Branch::Trash.id());
        rows.sort_by_key(|r| {
            std::cmp::Reverse(uid::decode_base62(&r.uid[ARTIFACT_STEM_LEN..]).unwrap_or(0))
        });
        Ok(rows)
    }

    /// The artifact with this id.
    pub fn by_id(&self, id: i32) -> Result<Artifact> {
        a::table
            .find(id)
            .select(Artifact::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no artifact with id {id}")))
    }

    /// The local path of `artifact`'s data — for cloud storage a copy in the cache, downloaded
    /// when missing, changed remotely or damaged — recorded as an input of the current run (if
    /// any and if the run did not create it), as Python LaminDB's `cache()`.
    pub fn cache(&self, artifact: &Artifact) -> Result<PathBuf> {
        let path = self.cache_data(artifact)?;
        if let Some(run) = self.inst.current_run()? {
            self.inst.runs().add_input(&run, artifact)?;
        }
        Ok(path)
    }

    /// [`Artifacts::cache`] without recording a run input (for members of a collection, which
    /// is the input).
    pub(crate) fn cache_data(&self, artifact: &Artifact) -> Result<PathBuf> {
        if self.inst.root_of(artifact.storage_id)?.is_local() {
            self.path(artifact)
        } else {
            self.check_readable(artifact)?;
            self.download_to_cache(artifact)
        }
    }

    fn download_to_cache(&self, artifact: &Artifact) -> Result<PathBuf> {
        let root = self.inst.root_of(artifact.storage_id)?;
        let key = artifact.storage_key();
        let dest = root.cache_path(&crate::instance::settings::cache_dir(), &key);
        match artifact.n_files {
            None => {
                let stat = root.stat(&key)?.ok_or_else(|| {
                    Error::NotFound(format!(
                        "the data of artifact {} is missing at {}",
                        artifact.uid,
                        root.url_of(&key)
                    ))
                })?;
                if is_stale(&dest, &stat) {
                    tracing::info!(key, "downloading to the cache");
                    let label = format!(
                        "downloading {}",
                        artifact.key.as_deref().unwrap_or(&artifact.uid)
                    );
                    self.inst
                        .with_progress(&label, stat.size, |p| root.download(&key, &dest, p))?;
                    set_mtime(&dest, stat.last_modified);
                } else if artifact.hash_type.as_deref() == Some("md5")
                    && hash_path(&dest)
                        .is_ok_and(|h| Some(h.hash.as_str()) != artifact.hash.as_deref())
                {
                    // A cached copy of the right size but the wrong content is damaged. (A fresh
                    // download is not checked: fetching it again would give the same bytes.)
                    tracing::warn!(uid = %artifact.uid, "cached copy is damaged; downloading again");
                    root.download(&key, &dest, None)?;
                }
            }
            Some(_) => {
                // Fetch the stale files of the folder together.
                let stale: Vec<(String, PathBuf, i64)> = root
                    .list(&key)?
                    .into_iter()
                    .filter_map(|(rel, stat)| {
                        let local = dest.join(&rel);
                        is_stale(&local, &stat)
                            .then(|| (format!("{key}/{rel}"), local, stat.last_modified))
                    })
                    .collect();
                if !stale.is_empty() {
                    tracing::info!(n = stale.len(), "downloading folder files to the cache");
                    let pairs: Vec<(String, PathBuf)> = stale
                        .iter()
                        .map(|(k, l, _)| (k.clone(), l.clone()))
                        .collect();
                    root.download_files(&pairs)?;
                    for (_, local, t) in &stale {
                        set_mtime(local, *t);
                    }
                }
            }
        }
        Ok(dest)
    }

    /// The local path of an artifact's data; fails if the data is missing or not loadable.
    pub fn path(&self, artifact: &Artifact) -> Result<PathBuf> {
        self.check_readable(artifact)?;
        let path = self
            .inst
            .root_of(artifact.storage_id)?
            .path_of(&artifact.storage_key())?;
        if !path.exists() {
            return Err(Error::NotFound(format!(
                "the data of artifact {} is missing at {}",
                artifact.uid,
                path.display()
            )));
        }
        Ok(path)
    }

    pub(crate) fn check_readable(&self, artifact: &Artifact) -> Result<()> {
        if artifact.write_pending() {
            return Err(Error::Conflict(format!(
                "artifact {} is still being written; try again when its save has finished",
                artifact.uid
            )));
        }
        if artifact.overwrite_versions && !artifact.is_latest {
            return Err(Error::Conflict(format!(
                "artifact {} is an older version of a folder whose versions share one storage location; only the latest version is stored",
                artifact.uid
            )));
        }
        Ok(())
    }

    /// Moves an artifact to the trash (branch -1); the newest other version on its branch
    /// becomes the latest. The data stays in storage.
    pub fn trash(&self, artifact: &Artifact) -> Result<Artifact> {
        if artifact.branch_id == Branch::Trash.id() {
            return Err(Error::Conflict(format!(
                "artifact {} is in the trash already; delete it permanently with --permanent",
                artifact.uid
            )));
        }
        let successor = if artifact.is_latest && !artifact.overwrite_versions {
            self.newest_other_version(artifact)?
        } else {
            None
        };
        let mut conn = self.inst.conn();
        conn.write(|c| {
            let now = UtcTime::now();
            if let Some(s) = &successor {
                diesel::update(a::table.find(s.id))
                    .set(a::is_latest.eq(true))
                    .execute(c)?;
                diesel::update(a::table.find(artifact.id))
                    .set(a::is_latest.eq(false))
                    .execute(c)?;
            }
            diesel::update(a::table.find(artifact.id))
                .set((a::branch_id.eq(Branch::Trash.id()), a::updated_at.eq(now)))
                .execute(c)?;
            Ok(a::table
                .find(artifact.id)
                .select(Artifact::as_select())
                .first(c)?)
        })
    }

    /// Moves an artifact out of the trash into the main branch. If it is newer than the family's
    /// current latest version, it becomes the latest again.
    pub fn restore(&self, artifact: &Artifact) -> Result<Artifact> {
        let mut conn = self.inst.conn();
        conn.write(|c| {
            let head = family(c, artifact.stem_uid())?
                .into_iter()
                .find(|r| r.id != artifact.id && r.branch_id == Branch::Main.id() && r.is_latest);
            let becomes_latest = match &head {
                None => true,
                Some(h) => (artifact.created_at, artifact.id) > (h.created_at, h.id),
            };
            if let (true, Some(h)) = (becomes_latest, &head) {
                diesel::update(a::table.find(h.id))
                    .set(a::is_latest.eq(false))
                    .execute(c)?;
            }
            diesel::update(a::table.find(artifact.id))
                .set((
                    a::branch_id.eq(Branch::Main.id()),
                    a::is_latest.eq(becomes_latest),
                    a::updated_at.eq(UtcTime::now()),
                ))
                .execute(c)?;
            Ok(a::table
                .find(artifact.id)
                .select(Artifact::as_select())
                .first(c)?)
        })
    }

    /// Deletes an artifact permanently. Data under `.lamindb/` is deleted with it; data under a
    /// real key (registered in place) only when `delete_real_key_data` is set. Deleting the latest
    /// version of a folder deletes all its versions (they share one object).
    /// Returns the storage key whose data was deleted, if any.
    pub fn delete_permanently(
        &self,
        artifact: &Artifact,
        opts: &PermanentDelete,
    ) -> Result<Option<String>> {
        let delete_real_key_data = opts.delete_data;
        if !opts.force {
            // Deleting a run's input would silently cut the run out of the artifact's lineage.
            let readers: i64 = crate::db::schema::lamindb_artifact_input_of_runs::table
                .filter(
                    crate::db::schema::lamindb_artifact_input_of_runs::artifact_id.eq(artifact.id),
                )
                .count()
                .get_result(&mut *self.inst.conn())?;
            if readers > 0 {
                return Err(Error::Conflict(format!(
                    "artifact {} is an input of {readers} run(s); deleting it for good removes it from their lineage (force the deletion to do so anyway)",
                    artifact.uid
                )));
            }
        }
        let storage = self.inst.storages().by_id(artifact.storage_id)?;
        // Data in read-only storage is never deleted: only the record goes.
        let managed = self.inst.storages().is_managed(&storage);
        let all_versions = artifact.overwrite_versions && artifact.is_latest;
        let successor = if artifact.is_latest && !artifact.overwrite_versions {
            self.newest_other_version(artifact)?
        } else {
            None
        };
        let rows: Vec<Artifact> = if all_versions {
            family(&mut self.inst.conn(), artifact.stem_uid())?
        } else {
            vec![artifact.clone()]
        };
        {
            let mut conn = self.inst.conn();
            conn.write(|c| {
                for row in &rows {
                    self.unlink_references(c, row.id)?;
                    diesel::delete(a::table.find(row.id)).execute(c)?;
                }
                if let Some(s) = &successor {
                    diesel::update(a::table.find(s.id))
                        .set(a::is_latest.eq(true))
                        .execute(c)?;
                }
                Ok(())
            })?;
        }
        let delete_data = if !managed || (artifact.overwrite_versions && !artifact.is_latest) {
            false
        } else {
            artifact.is_auto_managed() || delete_real_key_data
        };
        if delete_data {
            let key = artifact.storage_key();
            self.inst.root_of(artifact.storage_id)?.delete(&key)?;
            return Ok(Some(key));
        }
        Ok(None)
    }

    fn unlink_references(&self, conn: &mut DbConnection, id: i32) -> Result<()> {
        crate::db::introspect::unlink_references(
            conn,
            crate::meta::core::ARTIFACT.table,
            i64::from(id),
        )
    }
}

/// Whether the cached copy at `local` must be fetched again: missing, another size, or older
/// than the remote object (Python LaminDB's rule).
fn is_stale(local: &Path, remote: &lamindb_storage::ObjectStat) -> bool {
    match std::fs::metadata(local) {
        Err(_) => true,
        Ok(m) => m.len() != remote.size || remote.last_modified > lamindb_storage::mtime_secs(&m),
    }
}

/// Gives a fresh download the remote object's time, so later checks compare against it.
fn set_mtime(local: &Path, secs: i64) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    if let Ok(f) = std::fs::File::options().write(true).open(local) {
        let _ = f.set_modified(t);
    }
}

fn prepare_parallel(arts: &Artifacts<'_>, specs: Vec<NewArtifactSpec>) -> Result<Vec<Prepared>> {
    if specs.len() <= 1 {
        return specs.into_iter().map(|spec| arts.prepare(spec)).collect();
    }
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(specs.len().max(1));
    let chunk = specs.len().div_ceil(workers).max(1);
    let chunks: Vec<Vec<NewArtifactSpec>> = specs.chunks(chunk).map(|c| c.to_vec()).collect();
    let results: Vec<Result<Vec<Prepared>>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| s.spawn(move || part.into_iter().map(|spec| arts.prepare(spec)).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("prepare worker panicked"))
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}
