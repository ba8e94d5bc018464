//! The storage registry (`lamindb_storage`): the locations an instance keeps or finds data in.
//!
//! A storage whose `instance_uid` is this instance's is *managed*: artifacts are written there and
//! permanent deletes remove their data. Other storage records are *read-only* for this instance:
//! objects in them are registered in place and never written or deleted. The default storage
//! (the instance's root) is managed; `lamin storage add` adds more.

use diesel::prelude::*;
use lamindb_storage::StorageRoot;

use crate::db::models::{Branch, Storage};
use crate::db::schema::lamindb_storage as s;
use crate::db::sql_types::{JsonData, UtcTime};
use crate::instance::{lock, Instance};
use crate::{util::uid, Error, Result};

/// The storage registry of an instance; get it with [`Instance::storages`].
pub struct Storages<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// The storage registry.
    pub fn storages(&self) -> Storages<'_> {
        Storages { inst: self }
    }

    /// The root of the storage with id `storage_id` (connections are kept per storage).
    pub fn root_of(&self, storage_id: i32) -> Result<StorageRoot> {
        if storage_id == self.storage().id {
            return Ok(self.storage_root().clone());
        }
        if let Some(r) = lock(&self.roots).get(&storage_id) {
            return Ok(r.clone());
        }
        let row = self.storages().by_id(storage_id)?;
        let root = StorageRoot::parse(&row.root)?;
        lock(&self.roots).insert(storage_id, root.clone());
        Ok(root)
    }
}

impl Storages<'_> {
    /// Every storage record, the default first. Read once per open instance (saves consult it
    /// for every file); [`Storages::add`] refreshes it.
    pub fn list(&self) -> Result<Vec<Storage>> {
        let mut cached = lock(&self.inst.storage_rows);
        if let Some(rows) = cached.as_ref() {
            return Ok(rows.clone());
        }
        let mut rows: Vec<Storage> = s::table
            .select(Storage::as_select())
            .order(s::id.asc())
            .load(&mut *self.inst.conn())?;
        let default = self.inst.storage().id;
        rows.sort_by_key(|r| (r.id != default, r.id));
        *cached = Some(rows.clone());
        Ok(rows)
    }

    /// The storage with this id.
    pub fn by_id(&self, id: i32) -> Result<Storage> {
        s::table
            .find(id)
            .select(Storage::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no storage with id {id}")))
    }

    /// The storage with this root (a path or URL, normalised as stored).
    pub fn get(&self, root: &str) -> Result<Storage> {
        let parsed = StorageRoot::parse(root)?;
        s::table
            .filter(s::root.eq(parsed.as_str()))
            .select(Storage::as_select())
            .first(&mut *self.inst.conn())
            .optional()?
            .ok_or_else(|| Error::NoRecord {
                registry: "Storage".into(),
                name: parsed.as_str().to_owned(),
            })
    }

    /// Whether this instance writes to `storage`.
    pub fn is_managed(&self, storage: &Storage) -> bool {
        storage.instance_uid.as_deref() == Some(self.inst.uid())
    }

    /// Adds a storage location. A managed one gets the storage marker
    /// (`.lamindb/storage_uid.txt`) and must not be managed by another instance; a read-only one
    /// is only recorded.
    pub fn add(&self, root: &str, read_only: bool, description: Option<&str>) -> Result<Storage> {
        let parsed = StorageRoot::parse(root)?;
        if let Ok(existing) = self.get(parsed.as_str()) {
            return Err(Error::AlreadyExists(format!(
                "storage {} is registered already (uid {})",
                existing.root, existing.uid
            )));
        }
        let storage_uid = uid::random(12);
        if !read_only {
            if matches!(
                parsed.kind(),
                lamindb_storage::StorageKind::Http
                    | lamindb_storage::StorageKind::Https
                    | lamindb_storage::StorageKind::Hf
            ) {
                return Err(Error::Validation(format!(
                    "{} can only be read: add it with --read-only",
                    parsed.as_str()
                )));
            }
            if parsed.exists(crate::instance::MARKER_KEY)? {
                return Err(Error::Conflict(format!(
                    "{} is managed by another instance (it has {}); add it with --read-only to register its objects",
                    parsed.as_str(),
                    crate::instance::MARKER_KEY
                )));
            }
        }
        let instance_uid = (!read_only).then(|| self.inst.uid().to_owned());
        let now = UtcTime::now();
        let id = diesel::insert_into(s::table)
            .values((
                s::uid.eq(&storage_uid),
                s::root.eq(parsed.as_str()),
                s::description.eq(description),
                s::type_.eq(parsed.kind().as_str()),
                s::instance_uid.eq(&instance_uid),
                s::created_at.eq(now),
                s::updated_at.eq(now),
                s::created_by_id.eq(self.inst.user().id),
                s::is_locked.eq(false),
                s::branch_id.eq(Branch::Main.id()),
                s::created_on_id.eq(Branch::Main.id()),
                s::space_id.eq(1i16),
                s::aux.eq(None::<JsonData>),
            ))
            .returning(s::id)
            .get_result::<i32>(&mut *self.inst.conn())?;
        *lock(&self.inst.storage_rows) = None;
        if !read_only {
            if let Err(e) = crate::instance::write_marker(
                &parsed,
                &storage_uid,
                &self.inst.settings().slug(),
                &self.inst.settings().id.simple().to_string(),
                self.inst.uid(),
            ) {
                diesel::delete(s::table.find(id)).execute(&mut *self.inst.conn())?;
                *lock(&self.inst.storage_rows) = None;
                return Err(e);
            }
        }
        self.by_id(id)
    }

    /// The registered storage that contains `location` (a path or URL) and the key of
    /// `location` in it; the longest matching root wins.
    pub fn containing(&self, location: &str) -> Result<Option<(Storage, String)>> {
        let mut best: Option<(Storage, String)> = None;
        for st in self.list()? {
            let Ok(root) = self.inst.root_of(st.id) else {
                continue;
            };
            let key = if location.contains("://") {
                root.key_of_url(location)
            } else {
                root.key_of(std::path::Path::new(location))
            };
            if let Some(k) = key {
                let longer = best
                    .as_ref()
                    .is_none_or(|(b, _)| st.root.len() > b.root.len());
                if longer {
                    best = Some((st, k));
                }
            }
        }
        Ok(best)
    }
}
