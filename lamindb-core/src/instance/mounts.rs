//! Mounts: folders of this machine through which a storage location is reachable (a FUSE
//! mount of a bucket, an NFS share, a symlink), registered in the settings folder's
//! `mounts.json` as lamin-cli 1.21 keeps them (`lamin settings mount register`). An artifact on
//! a mounted storage location is read at `<mountpoint>/<storage key>` instead of being copied
//! into the cache.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::db::models::{Artifact, Storage};
use crate::instance::settings::settings_dir;
use crate::{Error, Instance, Result};

/// One registered mount (the fields and their order of lamin-cli's `mounts.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// The folder, absolute, as registered (symlinks not resolved).
    pub mountpoint: String,
    /// uid of the storage location it exposes.
    pub storage_uid: String,
    /// Root of that storage location.
    pub storage_root: String,
    /// `local`, `s3`, `gs`, …
    pub protocol: String,
    /// `external` for mounts made by another tool and registered here.
    pub backend: String,
    /// The process keeping the mount alive (none for external mounts).
    pub pid: Option<u32>,
    /// Whether the mount lives in a lamin process.
    pub in_process: bool,
    /// Whether the mount was made outside lamin.
    pub external: bool,
}

impl Mount {
    /// An external mount is alive while its folder exists.
    fn is_alive(&self) -> bool {
        Path::new(&self.mountpoint).exists()
    }
}

/// The registry file.
pub fn registry_file() -> PathBuf {
    settings_dir().join("mounts.json")
}

/// The registered mounts that are alive (dead entries are dropped from the file).
pub fn list() -> Result<Vec<Mount>> {
    let path = registry_file();
    let all: Vec<Mount> = match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => serde_json::from_str(&text).map_err(|e| {
            Error::Validation(format!("{} is not a list of mounts: {e}", path.display()))
        })?,
        Ok(_) => Vec::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let alive: Vec<Mount> = all.iter().filter(|m| m.is_alive()).cloned().collect();
    if alive.len() != all.len() {
        write(&alive)?;
    }
    Ok(alive)
}

fn write(mounts: &[Mount]) -> Result<()> {
    let path = registry_file();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let text = serde_json::to_string_pretty(mounts).expect("mounts serialise");
    crate::util::fs::write_atomic(&path, &text)
}

/// Removes the mount at `mountpoint`; an error when none is registered there.
pub fn unregister(mountpoint: &Path) -> Result<()> {
    let abs = std::path::absolute(mountpoint).map_err(|e| Error::io(mountpoint, e))?;
    let mut mounts = list()?;
    let before = mounts.len();
    mounts.retain(|m| Path::new(&m.mountpoint) != abs);
    if mounts.len() == before {
        return Err(Error::NotFound(format!(
            "{} is not registered.",
            mountpoint.display()
        )));
    }
    write(&mounts)
}

impl Instance {
    /// Registers `mountpoint`, a folder made by another tool, as exposing a storage location of
    /// this instance: the one its `.lamindb/storage_uid.txt` names, or the one given by uid or
    /// root (which must agree with the marker when there is one).
    pub fn register_mount(&self, mountpoint: &Path, storage: Option<&str>) -> Result<Mount> {
        if !mountpoint.is_dir() {
            return Err(Error::NotFound(format!(
                "{} does not exist or is not a folder",
                mountpoint.display()
            )));
        }
        let marker = mountpoint.join(crate::instance::MARKER_KEY);
        let seen = std::fs::read_to_string(&marker)
            .ok()
            .and_then(|t| t.lines().next().map(|l| l.trim().to_owned()))
            .filter(|l| !l.is_empty());
        let rows = self.storages().list()?;
        let by = |s: &Storage, id: &str| s.uid == id || s.root == id;
        let row = match (storage, &seen) {
            (Some(given), Some(seen)) => {
                let row = rows.iter().find(|s| by(s, given)).ok_or_else(|| {
                    Error::NotFound(format!("no storage location '{given}' in {}", self.slug()))
                })?;
                if &row.uid != seen {
                    return Err(Error::Conflict(format!(
                        "{} exposes storage location {seen}, not {}.",
                        mountpoint.display(),
                        row.uid
                    )));
                }
                row
            }
            (Some(given), None) => rows.iter().find(|s| by(s, given)).ok_or_else(|| {
                Error::NotFound(format!("no storage location '{given}' in {}", self.slug()))
            })?,
            (None, Some(seen)) => rows.iter().find(|s| &s.uid == seen).ok_or_else(|| {
                Error::NotFound(format!(
                    "{} exposes storage location {seen}, which is not registered in the connected instance ({}). Connect to the instance that manages it, or register it there first.",
                    mountpoint.display(),
                    self.slug()
                ))
            })?,
            (None, None) => {
                return Err(Error::NotFound(format!(
                    "Could not detect a storage location at {}: no readable '{}'. Pass --uid or --root explicitly.",
                    mountpoint.display(),
                    crate::instance::MARKER_KEY
                )))
            }
        };
        let abs = std::path::absolute(mountpoint).map_err(|e| Error::io(mountpoint, e))?;
        let mount = Mount {
            mountpoint: abs.to_string_lossy().into_owned(),
            storage_uid: row.uid.clone(),
            storage_root: row.root.clone(),
            protocol: row.kind.clone(),
            backend: "external".into(),
            pid: None,
            in_process: false,
            external: true,
        };
        let mut mounts = list()?;
        mounts.retain(|m| m.mountpoint != mount.mountpoint);
        mounts.push(mount.clone());
        write(&mounts)?;
        Ok(mount)
    }

    /// Where `artifact`'s data is reachable through a registered mount of its storage location
    /// (matched by storage uid, then by root), if any.
    pub fn mounted_path(&self, artifact: &Artifact) -> Result<Option<PathBuf>> {
        let storage = self.storages().by_id(artifact.storage_id)?;
        let mounts = list()?;
        let mount = mounts
            .iter()
            .find(|m| m.storage_uid == storage.uid)
            .or_else(|| mounts.iter().find(|m| m.storage_root == storage.root));
        Ok(mount.map(|m| Path::new(&m.mountpoint).join(artifact.storage_key())))
    }
}
