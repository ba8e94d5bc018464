//! Transforms and runs: which program made or read which data.
//!
//! A [`Transform`] is a program, script, pipeline or function, versioned by key like artifacts;
//! a [`Run`] is one execution of it. Artifacts saved while a run is current get its `run_id`;
//! artifacts read through [`crate::Artifacts::cache`] become its inputs. [`crate::lineage::track`] builds
//! the in-process API (`track`, `finish`, flows and steps) on top of this module.

use diesel::prelude::*;
use serde_json::Value;

use crate::db::models::{Artifact, Branch, NewRun, NewTransform, Run, Transform};
use crate::db::schema::{
    lamindb_artifact as a, lamindb_artifact_input_of_runs as inputs,
    lamindb_artifact_recreating_runs as recreating, lamindb_run as r, lamindb_transform as t,
};
use crate::db::sql_types::{JsonData, UtcTime};
use crate::instance::{lock, Instance};
use crate::util::uid::{self, TRANSFORM_STEM_LEN};
use crate::{Error, Result};

/// The state of a run (`_status_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Scheduled, not started (-3).
    Scheduled,
    /// Restarted (-2).
    Restarted,
    /// Running (-1).
    Started,
    /// Finished successfully (0).
    Completed,
    /// Finished with an error (1).
    Errored,
    /// Interrupted by a signal (2).
    Aborted,
}

impl RunStatus {
    /// The `_status_code` value.
    pub fn code(self) -> i16 {
        match self {
            RunStatus::Scheduled => -3,
            RunStatus::Restarted => -2,
            RunStatus::Started => -1,
            RunStatus::Completed => 0,
            RunStatus::Errored => 1,
            RunStatus::Aborted => 2,
        }
    }

    /// The status of a `_status_code` value.
    pub fn from_code(code: i16) -> Option<RunStatus> {
        Some(match code {
            -3 => RunStatus::Scheduled,
            -2 => RunStatus::Restarted,
            -1 => RunStatus::Started,
            0 => RunStatus::Completed,
            1 => RunStatus::Errored,
            2 => RunStatus::Aborted,
            _ => return None,
        })
    }

    /// The name Python LaminDB shows (`scheduled`, `restarted`, `started`, `completed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Scheduled => "scheduled",
            RunStatus::Restarted => "restarted",
            RunStatus::Started => "started",
            RunStatus::Completed => "completed",
            RunStatus::Errored => "errored",
            RunStatus::Aborted => "aborted",
        }
    }
}

impl Run {
    /// The run's status.
    pub fn status(&self) -> Option<RunStatus> {
        RunStatus::from_code(self.status_code)
    }
}

/// What a transform is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransformKind {
    /// A pipeline or compiled program.
    Pipeline,
    /// A script file.
    Script,
    /// A notebook.
    Notebook,
    /// A function (flows and steps).
    Function,
}

impl TransformKind {
    /// The stored `kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            TransformKind::Pipeline => "pipeline",
            TransformKind::Script => "script",
            TransformKind::Notebook => "notebook",
            TransformKind::Function => "function",
        }
    }
}

/// Which transform to use or create; see [`Transforms::resolve`].
#[derive(Debug, Clone)]
pub struct TransformSpec {
    /// Key: a script's file name, a program's `crate/binary`, a function's path.
    pub key: String,
    /// A pinned uid: 16 characters for exactly that version, 12 for its version family.
    pub uid: Option<String>,
    /// The kind.
    pub kind: TransformKind,
    /// Source text to store (scripts); also hashed when `hash` is `None`.
    pub source_code: Option<String>,
    /// A content hash computed elsewhere (for example of an executable).
    pub hash: Option<String>,
    /// Description.
    pub description: Option<String>,
}

impl TransformSpec {
    /// A spec for `key` of `kind` with nothing else set.
    pub fn new(key: impl Into<String>, kind: TransformKind) -> Self {
        TransformSpec {
            key: key.into(),
            uid: None,
            kind,
            source_code: None,
            hash: None,
            description: None,
        }
    }

    /// A spec for the script at `path`: key = its file name, kind `script`, its text stored
    /// (secret-looking literals redacted) and hashed as Python LaminDB hashes a script file.
    pub fn script(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let key = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Ok(TransformSpec {
            key,
            uid: None,
            kind: TransformKind::Script,
            hash: Some(lamindb_storage::hash_string(&text)),
            source_code: Some(crate::util::secrets::store_source(&text)),
            description: None,
        })
    }

    fn content_hash(&self) -> Option<String> {
        self.hash.clone().or_else(|| {
            self.source_code
                .as_deref()
                .map(lamindb_storage::hash_string)
        })
    }
}

/// How [`Transforms::resolve`] found its transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransformStatus {
    /// A new transform family.
    Created,
    /// A new version of an existing family (the source changed).
    NewVersion,
    /// An existing transform with the same source.
    Existing,
}

/// The transform registry of an instance; get it with [`Instance::transforms`].
pub struct Transforms<'a> {
    inst: &'a Instance,
}

/// The run registry of an instance; get it with [`Instance::runs`].
pub struct Runs<'a> {
    inst: &'a Instance,
}

/// Environment variable with the uid of the run that child processes work for: `lamin save` and
/// `lamin load` inside `lamin run` link their artifacts to it.
pub const RUN_UID_ENV: &str = "LAMIN_RUN_UID";
/// Environment variable with the uid of the run that starts nested runs (as Python LaminDB).
pub const INITIATED_BY_RUN_UID_ENV: &str = "LAMIN_INITIATED_BY_RUN_UID";

impl Instance {
    /// The run that artifacts saved now belong to: the innermost run started in this process
    /// ([`Instance::track`], flows, steps), else the run named by `LAMIN_RUN_UID` (set by
    /// `lamin run`) or attached with [`Instance::attach_run`].
    pub fn current_run(&self) -> Result<Option<Run>> {
        if let Some(run) = lock(&self.run_stack).last() {
            return Ok(Some(run.clone()));
        }
        let mut ambient = lock(&self.ambient_run);
        if ambient.is_none() {
            let found = match std::env::var(RUN_UID_ENV) {
                Ok(uid) if !uid.is_empty() => Some(self.run_from_env(RUN_UID_ENV, &uid)?),
                _ => None,
            };
            *ambient = Some(found);
        }
        Ok(ambient.clone().flatten())
    }

    fn run_from_env(&self, var: &str, uid: &str) -> Result<Run> {
        self.runs().get(uid).map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(format!(
                "{var}={uid} names a run that instance '{}' does not have; unset {var} or use the instance the run belongs to",
                self.slug()
            )),
            other => other,
        })
    }

    /// Makes `run` the current run of this instance when no run was started in this process
    /// (the CLI uses it for shell runs from `lamin track`).
    pub fn attach_run(&self, run: Run) {
        *lock(&self.ambient_run) = Some(Some(run));
    }

    pub(crate) fn enter_run(&self, run: Run) {
        lock(&self.run_stack).push(run);
    }

    pub(crate) fn leave_run(&self, run_id: i64) {
        lock(&self.run_stack).retain(|r| r.id != run_id);
    }

    /// The run that starts a new one: the run with uid `explicit` if given, else the one named
    /// by `LAMIN_INITIATED_BY_RUN_UID`, then `LAMIN_RUN_UID` (set by an enclosing `lamin run`).
    pub fn initiating_run(&self, explicit: Option<&str>) -> Result<Option<Run>> {
        if let Some(uid) = explicit {
            return self.runs().get(uid).map(Some);
        }
        for var in [INITIATED_BY_RUN_UID_ENV, RUN_UID_ENV] {
            if let Ok(uid) = std::env::var(var) {
                if !uid.is_empty() {
                    return self.run_from_env(var, &uid).map(Some);
                }
            }
        }
        Ok(None)
    }
}

impl Instance {
    /// The transform registry.
    pub fn transforms(&self) -> Transforms<'_> {
        Transforms { inst: self }
    }

    /// The run registry.
    pub fn runs(&self) -> Runs<'_> {
        Runs { inst: self }
    }
}

fn transform_family(conn: &mut crate::db::DbConnection, stem: &str) -> Result<Vec<Transform>> {
    let dialect = conn.dialect();
    Ok(t::table
        .filter(crate::db::uid_starts_with!(t::table, t::uid, dialect, stem))
        .select(Transform::as_select())
        .load(conn)?)
}

impl Transforms<'_> {
    /// Finds the transform `spec` describes or creates it, following Python LaminDB's rules:
    ///
    /// - the same key and the same source hash reuse that transform;
    /// - the same key with another source makes a new version (a latest version that has no
    ///   hash yet, made by the same user, is reused and gets this source);
    /// - a pinned 16-character uid whose stored source differs is an error naming the uid of the
    ///   next version; a pinned 12-character stem behaves like a key.
    pub fn resolve(&self, spec: &TransformSpec) -> Result<(Transform, TransformStatus)> {
        if spec.key.is_empty() {
            return Err(Error::Validation(
                "a transform needs a non-empty key".into(),
            ));
        }
        if spec.key.len() > 1024 {
            return Err(Error::Validation(format!(
                "transform key is {} characters long; at most 1024 are allowed",
                spec.key.len()
            )));
        }
        let hash = spec.content_hash();
        let user = self.inst.user().id;
        let mut conn = self.inst.conn();
        conn.write(|c| {
            // Parallel `lamin run`s of one script wait here and reuse the first one's transform.
            c.lock("transform-key", &spec.key)?;
            let pinned = match spec.uid.as_deref() {
                None => None,
                Some(u) if u.len() == TRANSFORM_STEM_LEN + 4 || u.len() == TRANSFORM_STEM_LEN => {
                    if !u.chars().all(|ch| ch.is_ascii_alphanumeric()) {
                        return Err(Error::Validation(format!(
                            "transform uid '{u}' has characters other than 0-9, a-z and A-Z"
                        )));
                    }
                    Some(u)
                }
                Some(u) => {
                    return Err(Error::Validation(format!(
                        "a transform uid has 16 characters (or 12 for a version family), '{u}' has {}; for a new transform use for example '{}'",
                        u.len(),
                        uid::new_versioned(TRANSFORM_STEM_LEN)
                    )))
                }
            };
            // The candidates: the pinned family, or every transform with this key.
            let family: Vec<Transform> = match pinned {
                Some(u) => {
                    let family = transform_family(c, &u[..TRANSFORM_STEM_LEN])?;
                    // A family that is only in the trash is restored, not continued.
                    if let Some(trashed) = family.iter().max_by_key(|x| x.id).filter(|_| {
                        family.iter().all(|x| x.branch_id == Branch::Trash.id())
                    }) {
                        return Err(Error::InTrash {
                            registry: "Transform".into(),
                            uid: trashed.uid.clone(),
                        });
                    }
                    family
                }
                None => t::table
                    .filter(t::key.eq(&spec.key))
                    .filter(t::branch_id.ne(Branch::Trash.id()))
                    .select(Transform::as_select())
                    .load(c)?,
            };
            if let Some(u) = pinned.filter(|u| u.len() == TRANSFORM_STEM_LEN + 4) {
                if let Some(found) = family.iter().find(|x| x.uid == u) {
                    return match (&found.hash, &hash) {
                        (Some(old), Some(new)) if old != new => {
                            let next = uid::next_version(
                                found.stem_uid(),
                                family.iter().map(|x| x.uid.as_str()),
                            )?;
                            Err(Error::Conflict(format!(
                                "source code of transform '{}' ({u}) changed; to record it as a new version, update the uid to '{next}'",
                                found.key
                            )))
                        }
                        (None, Some(_)) => {
                            Ok((self.adopt_source(c, found, spec, hash.as_deref())?, TransformStatus::Existing))
                        }
                        _ => Ok((found.clone(), TransformStatus::Existing)),
                    };
                }
                let demote = family.iter().filter(|x| x.is_latest).map(|x| x.id).collect::<Vec<_>>();
                let created = self.insert(c, u, spec, hash.as_deref(), &demote)?;
                let status = if family.is_empty() { TransformStatus::Created } else { TransformStatus::NewVersion };
                return Ok((created, status));
            }
            if let Some(h) = &hash {
                let mut same: Vec<&Transform> = family.iter().filter(|x| x.hash.as_deref() == Some(h.as_str())).collect();
                same.sort_by_key(|x| std::cmp::Reverse(x.is_latest));
                if let Some(found) = same.first() {
                    return Ok(((*found).clone(), TransformStatus::Existing));
                }
            }
            let latest = family.iter().filter(|x| x.is_latest).max_by_key(|x| x.id);
            match latest {
                None => {
                    let new_uid = match pinned {
                        Some(stem) => format!("{stem}0000"),
                        None => uid::new_versioned(TRANSFORM_STEM_LEN),
                    };
                    Ok((self.insert(c, &new_uid, spec, hash.as_deref(), &[])?, TransformStatus::Created))
                }
                Some(head) if head.hash.is_none() && head.created_by_id == user => {
                    Ok((self.adopt_source(c, head, spec, hash.as_deref())?, TransformStatus::Existing))
                }
                Some(head) if hash.is_none() => Ok((head.clone(), TransformStatus::Existing)),
                Some(head) => {
                    let next = uid::next_version(head.stem_uid(), family.iter().map(|x| x.uid.as_str()))?;
                    tracing::info!(key = %spec.key, uid = %next, "source changed, making new version");
                    let demote = family.iter().filter(|x| x.is_latest).map(|x| x.id).collect::<Vec<_>>();
                    Ok((self.insert(c, &next, spec, hash.as_deref(), &demote)?, TransformStatus::NewVersion))
                }
            }
        })
    }

    fn adopt_source(
        &self,
        c: &mut crate::db::DbConnection,
        found: &Transform,
        spec: &TransformSpec,
        hash: Option<&str>,
    ) -> Result<Transform> {
        diesel::update(t::table.find(found.id))
            .set((
                t::hash.eq(hash),
                t::source_code.eq(spec.source_code.as_deref()),
                t::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        Ok(t::table
            .find(found.id)
            .select(Transform::as_select())
            .first(c)?)
    }

    fn insert(
        &self,
        c: &mut crate::db::DbConnection,
        new_uid: &str,
        spec: &TransformSpec,
        hash: Option<&str>,
        demote: &[i32],
    ) -> Result<Transform> {
        if !demote.is_empty() {
            diesel::update(t::table.filter(t::id.eq_any(demote)))
                .set(t::is_latest.eq(false))
                .execute(c)?;
        }
        let now = UtcTime::now();
        let id = diesel::insert_into(t::table)
            .values(&NewTransform {
                uid: new_uid,
                key: &spec.key,
                description: spec.description.as_deref(),
                kind: spec.kind.as_str(),
                source_code: spec.source_code.as_deref(),
                hash,
                is_latest: true,
                is_locked: false,
                branch_id: self.inst.branch_id(),
                created_on_id: self.inst.branch_id(),
                space_id: self.inst.space_id(),
                created_by_id: self.inst.user().id,
                created_at: now,
                updated_at: now,
            })
            .returning(t::id)
            .get_result::<i32>(c)?;
        Ok(t::table.find(id).select(Transform::as_select()).first(c)?)
    }

    /// Deletes a transform for good, with its runs (their reports and environments stay as
    /// artifacts; artifacts the runs made keep existing without a run, as in Python LaminDB).
    /// When it was the latest version, the newest other version becomes the latest; returns
    /// that version.
    pub fn delete_permanently(&self, transform: &Transform) -> Result<Option<Transform>> {
        let mut conn = self.inst.conn();
        conn.write(|c| {
            let successor = if transform.is_latest {
                transform_family(c, transform.stem_uid())?
                    .into_iter()
                    .filter(|x| x.id != transform.id && x.branch_id == transform.branch_id)
                    .max_by_key(|x| (x.created_at, x.id))
            } else {
                None
            };
            let runs: Vec<i64> = r::table
                .filter(r::transform_id.eq(transform.id))
                .select(r::id)
                .load(c)?;
            for run in &runs {
                crate::db::introspect::unlink_references(c, crate::meta::core::RUN.table, *run)?;
            }
            diesel::delete(r::table.filter(r::transform_id.eq(transform.id))).execute(c)?;
            crate::db::introspect::unlink_references(
                c,
                crate::meta::core::TRANSFORM.table,
                i64::from(transform.id),
            )?;
            diesel::delete(t::table.find(transform.id)).execute(c)?;
            if let Some(s) = &successor {
                diesel::update(t::table.find(s.id))
                    .set(t::is_latest.eq(true))
                    .execute(c)?;
            }
            Ok(successor)
        })
    }

    /// Moves a transform to the trash (branch -1), as Python's `transform.delete()`; the newest
    /// other version becomes the latest. Its runs stay.
    pub fn trash(&self, transform: &Transform) -> Result<Transform> {
        if transform.branch_id == Branch::Trash.id() {
            return Err(Error::Conflict(format!(
                "transform {} is in the trash already; delete it permanently to remove it",
                transform.uid
            )));
        }
        let mut conn = self.inst.conn();
        conn.write(|c| {
            if transform.is_latest {
                let successor = transform_family(c, transform.stem_uid())?
                    .into_iter()
                    .filter(|x| x.id != transform.id && x.branch_id == transform.branch_id)
                    .max_by_key(|x| (x.created_at, x.id));
                if let Some(s) = successor {
                    diesel::update(t::table.find(s.id))
                        .set(t::is_latest.eq(true))
                        .execute(c)?;
                    diesel::update(t::table.find(transform.id))
                        .set(t::is_latest.eq(false))
                        .execute(c)?;
                }
            }
            diesel::update(t::table.find(transform.id))
                .set((
                    t::branch_id.eq(Branch::Trash.id()),
                    t::updated_at.eq(UtcTime::now()),
                ))
                .execute(c)?;
            Ok(t::table
                .find(transform.id)
                .select(Transform::as_select())
                .first(c)?)
        })
    }

    /// The newest transform with `key` in any branch, the trash included (what `lamin delete
    /// transform --key` acts on).
    pub fn newest_by_key(&self, key: &str) -> Result<Transform> {
        t::table
            .filter(t::key.eq(key))
            .order((t::created_at.desc(), t::id.desc()))
            .select(Transform::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no transform with key '{key}'")))
    }

    /// The transform with this uid (or unique uid prefix).
    pub fn get(&self, uid_or_prefix: &str) -> Result<Transform> {
        uid::check_uid_prefix(uid_or_prefix)?;
        let mut conn = self.inst.conn();
        let rows = transform_family(&mut conn, uid_or_prefix)?;
        match rows.len() {
            0 => Err(Error::NotFound(format!(
                "no transform with uid '{uid_or_prefix}'"
            ))),
            1 => Ok(rows.into_iter().next().expect("one row")),
            n => Err(Error::Conflict(format!(
                "{n} transforms have uids starting with '{uid_or_prefix}'; pass more characters"
            ))),
        }
    }

    /// Stores `source` (secrets redacted) as `transform`'s source code, with `hash`, and its
    /// description: what saving a notebook whose run Python LaminDB started records.
    pub fn set_source(
        &self,
        transform: &Transform,
        source: &str,
        hash: &str,
        description: Option<&str>,
    ) -> Result<Transform> {
        let mut conn = self.inst.conn();
        diesel::update(t::table.find(transform.id))
            .set((
                t::source_code.eq(Some(crate::util::secrets::store_source(source))),
                t::hash.eq(Some(hash)),
                t::description.eq(description.or(transform.description.as_deref())),
            ))
            .execute(&mut *conn)?;
        Ok(t::table
            .find(transform.id)
            .select(Transform::as_select())
            .first(&mut *conn)?)
    }

    /// The latest version of the transform with this key.
    pub fn get_by_key(&self, key: &str) -> Result<Transform> {
        let mut rows: Vec<Transform> = t::table
            .filter(t::key.eq(key))
            .filter(t::branch_id.ne(Branch::Trash.id()))
            .select(Transform::as_select())
            .load(&mut *self.inst.conn())?;
        rows.sort_by_key(|x| (x.is_latest, x.id));
        rows.pop()
            .ok_or_else(|| Error::NotFound(format!("no transform with key '{key}'")))
    }

    /// Every version of `transform`'s family, oldest first.
    pub fn versions(&self, transform: &Transform) -> Result<Vec<Transform>> {
        let mut rows = transform_family(&mut self.inst.conn(), transform.stem_uid())?;
        rows.sort_by(|x, y| x.uid.cmp(&y.uid).then(x.id.cmp(&y.id)));
        rows.sort_by_key(|x| {
            uid::decode_base62(&x.uid[TRANSFORM_STEM_LEN.min(x.uid.len())..]).unwrap_or(0)
        });
        Ok(rows)
    }

    /// The newest `limit` transforms.
    pub fn recent(&self, limit: i64) -> Result<Vec<Transform>> {
        Ok(t::table
            .filter(t::branch_id.ne(Branch::Trash.id()))
            .order(t::id.desc())
            .limit(limit)
            .select(Transform::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// The transform with this id.
    pub fn by_id(&self, id: i32) -> Result<Transform> {
        t::table
            .find(id)
            .select(Transform::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no transform with id {id}")))
    }
}

/// What a new run records; see [`Runs::start`].
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    /// The function that runs (flows and steps).
    pub entrypoint: Option<String>,
    /// Parameters; values under secret-looking keys are redacted before they are stored.
    pub params: Option<Value>,
    /// The command line arguments.
    pub cli_args: Option<String>,
    /// The run that started this one.
    pub initiated_by_run_id: Option<i64>,
}

/// Every run's uid has this many characters.
pub const RUN_UID_LEN: usize = 16;

impl Runs<'_> {
    /// Starts a run of `transform`: status `started`, `started_at` now.
    pub fn start(&self, transform: &Transform, spec: &RunSpec) -> Result<Run> {
        if let Some(p) = &spec.params {
            if !p.is_object() {
                return Err(Error::Validation(format!(
                    "run params must be a JSON object of name → value, got {p}"
                )));
            }
        }
        let cli_args = spec.cli_args.as_deref().map(|s| truncate_chars(s, 1024));
        let now = UtcTime::now();
        let run_uid = uid::random(RUN_UID_LEN);
        let mut conn = self.inst.conn();
        let id = diesel::insert_into(r::table)
            .values(&NewRun {
                uid: &run_uid,
                entrypoint: spec.entrypoint.as_deref().map(|s| truncate_chars(s, 255)),
                started_at: now,
                params: spec
                    .params
                    .as_ref()
                    .map(|p| JsonData(crate::util::secrets::redact_params(p))),
                cli_args,
                status_code: RunStatus::Started.code(),
                is_locked: false,
                branch_id: self.inst.branch_id(),
                created_on_id: self.inst.branch_id(),
                space_id: self.inst.space_id(),
                transform_id: transform.id,
                created_by_id: self.inst.user().id,
                initiated_by_run_id: spec.initiated_by_run_id,
                created_at: now,
                updated_at: now,
            })
            .returning(r::id)
            .get_result::<i64>(&mut *conn)?;
        Ok(r::table
            .find(id)
            .select(Run::as_select())
            .first(&mut *conn)?)
    }

    /// Records the end of `run`: its status, `finished_at` now and, if given, its report.
    pub fn finish(&self, run: &Run, status: RunStatus, report: Option<&Artifact>) -> Result<Run> {
        let mut conn = self.inst.conn();
        diesel::update(r::table.find(run.id))
            .set((
                r::status_code.eq(status.code()),
                r::finished_at.eq(Some(UtcTime::now())),
                r::updated_at.eq(UtcTime::now()),
            ))
            .execute(&mut *conn)?;
        if let Some(rep) = report {
            diesel::update(r::table.find(run.id))
                .set(r::report_id.eq(Some(rep.id)))
                .execute(&mut *conn)?;
        }
        Ok(r::table
            .find(run.id)
            .select(Run::as_select())
            .first(&mut *conn)?)
    }

    /// Links `report` as the run's report (a notebook's html, a log).
    pub fn set_report(&self, run: &Run, report: &Artifact) -> Result<Run> {
        let mut conn = self.inst.conn();
        diesel::update(r::table.find(run.id))
            .set(r::report_id.eq(Some(report.id)))
            .execute(&mut *conn)?;
        Ok(r::table
            .find(run.id)
            .select(Run::as_select())
            .first(&mut *conn)?)
    }

    /// Links `environment` as the run's environment.
    pub fn set_environment(&self, run: &Run, environment: &Artifact) -> Result<Run> {
        let mut conn = self.inst.conn();
        diesel::update(r::table.find(run.id))
            .set(r::environment_id.eq(Some(environment.id)))
            .execute(&mut *conn)?;
        Ok(r::table
            .find(run.id)
            .select(Run::as_select())
            .first(&mut *conn)?)
    }

    /// The run with this uid (or unique uid prefix).
    pub fn get(&self, uid_or_prefix: &str) -> Result<Run> {
        uid::check_uid_prefix(uid_or_prefix)?;
        let mut conn = self.inst.conn();
        let dialect = conn.dialect();
        let rows: Vec<Run> = r::table
            .filter(crate::db::uid_starts_with!(
                r::table,
                r::uid,
                dialect,
                uid_or_prefix
            ))
            .select(Run::as_select())
            .limit(2)
            .load(&mut *conn)?;
        match rows.len() {
            0 => Err(Error::NotFound(format!(
                "no run with uid '{uid_or_prefix}'"
            ))),
            1 => Ok(rows.into_iter().next().expect("one row")),
            _ => Err(Error::Conflict(format!(
                "several runs have uids starting with '{uid_or_prefix}'; pass more characters"
            ))),
        }
    }

    /// The newest `limit` runs with their transforms.
    pub fn recent(&self, limit: i64) -> Result<Vec<(Run, Transform)>> {
        Ok(r::table
            .inner_join(t::table.on(t::id.eq(r::transform_id)))
            .order(r::id.desc())
            .limit(limit)
            .select((Run::as_select(), Transform::as_select()))
            .load(&mut *self.inst.conn())?)
    }

    /// The run with this id.
    pub fn by_id(&self, id: i64) -> Result<Run> {
        r::table
            .find(id)
            .select(Run::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no run with id {id}")))
    }

    /// Runs of `transform`, newest first.
    pub fn of_transform(&self, transform: &Transform) -> Result<Vec<Run>> {
        Ok(r::table
            .filter(r::transform_id.eq(transform.id))
            .order(r::id.desc())
            .select(Run::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Runs started by `run` (steps of a flow), oldest first.
    pub fn children(&self, run: &Run) -> Result<Vec<Run>> {
        Ok(r::table
            .filter(r::initiated_by_run_id.eq(run.id))
            .order(r::id.asc())
            .select(Run::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Artifacts `run` read, in the order it read them.
    pub fn inputs(&self, run: &Run) -> Result<Vec<Artifact>> {
        Ok(inputs::table
            .inner_join(a::table)
            .filter(inputs::run_id.eq(run.id))
            .order(inputs::id.asc())
            .select(Artifact::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Artifacts `run` created (its own environment and report left out), oldest first.
    pub fn outputs(&self, run: &Run) -> Result<Vec<Artifact>> {
        Ok(a::table
            .filter(a::run_id.eq(run.id))
            .order(a::id.asc())
            .select(Artifact::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Artifacts that `run` saved again although they existed already.
    pub fn recreated(&self, run: &Run) -> Result<Vec<Artifact>> {
        Ok(recreating::table
            .inner_join(a::table)
            .filter(recreating::run_id.eq(run.id))
            .order(recreating::id.asc())
            .select(Artifact::as_select())
            .load(&mut *self.inst.conn())?)
    }

    /// Records that `run` read `artifact`, unless the run created it; returns whether a link was
    /// added.
    pub fn add_input(&self, run: &Run, artifact: &Artifact) -> Result<bool> {
        if artifact.run_id == Some(run.id) {
            return Ok(false);
        }
        let mut conn = self.inst.conn();
        conn.write(|c| {
            // An artifact this run saved again counts as its output, not its input.
            let recreated: i64 = recreating::table
                .filter(recreating::run_id.eq(run.id))
                .filter(recreating::artifact_id.eq(artifact.id))
                .count()
                .get_result(c)?;
            if recreated > 0 {
                return Ok(false);
            }
            let exists: i64 = inputs::table
                .filter(inputs::run_id.eq(run.id))
                .filter(inputs::artifact_id.eq(artifact.id))
                .count()
                .get_result(c)?;
            if exists > 0 {
                return Ok(false);
            }
            diesel::insert_into(inputs::table)
                .values((
                    inputs::run_id.eq(run.id),
                    inputs::artifact_id.eq(artifact.id),
                ))
                .execute(c)?;
            Ok(true)
        })
    }

    /// Records that `run_id` saved `artifact` again (same content): an artifact without a run
    /// gets this run; one made by another run gets it as a recreating run, unless the run read
    /// it (which would draw a cycle).
    pub(crate) fn add_recreating(
        c: &mut crate::db::DbConnection,
        run_id: i64,
        artifact: &mut Artifact,
    ) -> Result<()> {
        match artifact.run_id {
            Some(id) if id == run_id => return Ok(()),
            None => {
                diesel::update(a::table.find(artifact.id))
                    .set(a::run_id.eq(Some(run_id)))
                    .execute(c)?;
                artifact.run_id = Some(run_id);
                return Ok(());
            }
            Some(_) => {}
        }
        let read: i64 = inputs::table
            .filter(inputs::run_id.eq(run_id))
            .filter(inputs::artifact_id.eq(artifact.id))
            .count()
            .get_result(c)?;
        let exists: i64 = recreating::table
            .filter(recreating::run_id.eq(run_id))
            .filter(recreating::artifact_id.eq(artifact.id))
            .count()
            .get_result(c)?;
        if read == 0 && exists == 0 {
            diesel::insert_into(recreating::table)
                .values((
                    recreating::run_id.eq(run_id),
                    recreating::artifact_id.eq(artifact.id),
                ))
                .execute(c)?;
        }
        Ok(())
    }
}

fn truncate_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip() {
        for s in [
            RunStatus::Scheduled,
            RunStatus::Restarted,
            RunStatus::Started,
            RunStatus::Completed,
            RunStatus::Errored,
            RunStatus::Aborted,
        ] {
            assert_eq!(RunStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(RunStatus::from_code(7), None);
    }
}
