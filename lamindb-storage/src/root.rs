//! Storage roots: where an instance keeps its objects, and how keys map to places under them.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::remote::{ObjectStat, Progress, Remote};
use crate::{Error, Result};

/// The kind of a storage root, stored in `lamindb_storage.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// A local (or mounted) folder.
    Local,
    /// `s3://bucket[/prefix]`.
    S3,
    /// `gs://bucket[/prefix]`.
    Gs,
    /// `hf://…` (Hugging Face).
    Hf,
    /// `http://…` (read-only).
    Http,
    /// `https://…` (read-only).
    Https,
    /// `memory://name`: an in-process store, for tests.
    Memory,
}

impl StorageKind {
    /// The value of `lamindb_storage.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageKind::Local => "local",
            StorageKind::S3 => "s3",
            StorageKind::Gs => "gs",
            StorageKind::Hf => "hf",
            StorageKind::Http => "http",
            StorageKind::Https => "https",
            StorageKind::Memory => "memory",
        }
    }
}

/// A storage location: its root as stored in `lamindb_storage.root`, and how to reach it.
/// Remote roots connect to their object store on first use; clones share the connection.
#[derive(Debug, Clone)]
pub struct StorageRoot {
    root: String,
    kind: StorageKind,
    remote: Arc<OnceLock<Arc<Remote>>>,
}

impl PartialEq for StorageRoot {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.kind == other.kind
    }
}

impl Eq for StorageRoot {}

impl StorageRoot {
    /// Parses a root from a local path, `file://` URL or cloud URL.
    ///
    /// Local roots are made absolute and lose trailing slashes, as Python LaminDB stores them.
    pub fn parse(root: &str) -> Result<Self> {
        let trimmed = root.trim();
        if trimmed.is_empty() {
            return Err(Error::Unsupported {
                root: root.into(),
                reason: "the storage location is empty; pass a folder path or a URL".into(),
            });
        }
        if let Some((scheme, rest)) = trimmed.split_once("://") {
            let kind = match scheme {
                "file" => return Self::local(Path::new(rest)),
                "s3" => StorageKind::S3,
                "gs" => StorageKind::Gs,
                "hf" => StorageKind::Hf,
                "http" => StorageKind::Http,
                "https" => StorageKind::Https,
                "memory" => StorageKind::Memory,
                other => {
                    return Err(Error::Unsupported {
                        root: root.into(),
                        reason: format!(
                            "unknown scheme '{other}://'; use a local folder, file://, s3://, gs://, hf://, http://, https:// or memory://"
                        ),
                    })
                }
            };
            if rest.trim_matches('/').is_empty() {
                return Err(Error::Unsupported {
                    root: root.into(),
                    reason: "the URL names no bucket or host".into(),
                });
            }
            return Ok(StorageRoot {
                root: format!("{scheme}://{}", rest.trim_end_matches('/')),
                kind,
                remote: Default::default(),
            });
        }
        Self::local(Path::new(trimmed))
    }

    /// A local root for `path`, made absolute and normalised.
    pub fn local(path: &Path) -> Result<Self> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io(path, e))?
                .join(path)
        };
        let normalised = normalise(&abs);
        let root = normalised.to_string_lossy().into_owned();
        let root = if root.len() > 1 {
            root.trim_end_matches('/').to_owned()
        } else {
            root
        };
        Ok(StorageRoot {
            root,
            kind: StorageKind::Local,
            remote: Default::default(),
        })
    }

    /// The root as stored in `lamindb_storage.root`.
    pub fn as_str(&self) -> &str {
        &self.root
    }

    /// The kind of this root.
    pub fn kind(&self) -> StorageKind {
        self.kind
    }

    /// The local folder of a local root.
    pub fn local_path(&self) -> Option<&Path> {
        (self.kind == StorageKind::Local).then(|| Path::new(&self.root))
    }

    fn require_local(&self) -> Result<&Path> {
        self.local_path().ok_or_else(|| Error::Unsupported {
            root: self.root.clone(),
            reason: "objects in cloud storage have no local path; download them to the cache first"
                .into(),
        })
    }

    fn remote(&self) -> Result<&Remote> {
        if let Some(r) = self.remote.get() {
            return Ok(r);
        }
        let r = Arc::new(Remote::connect(&self.root)?);
        Ok(self.remote.get_or_init(|| r))
    }

    /// Whether objects live in a local folder.
    pub fn is_local(&self) -> bool {
        self.kind == StorageKind::Local
    }

    /// Where `key` (a `/`-separated storage key) lives under this local root.
    pub fn path_of(&self, key: &str) -> Result<PathBuf> {
        Ok(self.require_local()?.join(key))
    }

    /// The path (local roots) or URL (remote roots) of `key`.
    pub fn url_of(&self, key: &str) -> String {
        match self.local_path() {
            Some(p) => p.join(key).to_string_lossy().into_owned(),
            None => format!("{}/{key}", self.root),
        }
    }

    /// Where the cache keeps a copy of `key`: `<cache>/<bucket>/<prefix>/<key>`, as Python
    /// LaminDB lays out its cache. Local roots need no cache: their path is returned.
    pub fn cache_path(&self, cache_dir: &Path, key: &str) -> PathBuf {
        match self.local_path() {
            Some(p) => p.join(key),
            None => {
                let rest = self
                    .root
                    .split_once("://")
                    .map(|(_, r)| r)
                    .unwrap_or(&self.root);
                let mut out = cache_dir.to_path_buf();
                for part in rest
                    .split('/')
                    .chain(key.split('/'))
                    .filter(|p| !p.is_empty())
                {
                    out.push(part);
                }
                out
            }
        }
    }

    /// The storage key of `path` if it lies inside this root (for registering in place).
    pub fn key_of(&self, path: &Path) -> Option<String> {
        let root = self.local_path()?;
        let abs = normalise(&std::env::current_dir().ok()?.join(path));
        let rel = rel_key(abs.strip_prefix(root).ok()?);
        (!rel.is_empty()).then_some(rel)
    }

    /// The storage key of the URL `url` if it lies inside this remote root.
    pub fn key_of_url(&self, url: &str) -> Option<String> {
        if self.is_local() {
            return None;
        }
        let rest = url.strip_prefix(&self.root)?.strip_prefix('/')?;
        let key = rest.trim_end_matches('/');
        (!key.is_empty()).then(|| key.to_owned())
    }

    /// Whether an object (or a folder of objects) exists at `key`.
    pub fn exists(&self, key: &str) -> Result<bool> {
        if let Some(p) = self.local_path() {
            return Ok(p.join(key).exists());
        }
        let r = self.remote()?;
        // Folders first: a folder key has no object, and some servers fail on a HEAD for one.
        Ok(!r.list(key)?.is_empty() || r.stat(key)?.is_some())
    }

    /// Size, entity tag and modification time of the file at `key`; `None` if there is no file
    /// (a folder has none).
    pub fn stat(&self, key: &str) -> Result<Option<ObjectStat>> {
        match self.local_path() {
            Some(p) => match std::fs::metadata(p.join(key)) {
                Ok(m) if m.is_file() => Ok(Some(ObjectStat {
                    size: m.len(),
                    etag: None,
                    last_modified: mtime_secs(&m),
                })),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::io(p.join(key), e)),
            },
            None => self.remote()?.stat(key),
        }
    }

    /// Hash, size and file count of the object (file or folder) at `key` of a remote root, from
    /// metadata alone (one HEAD, or one LIST for a folder), as Python LaminDB registers cloud
    /// objects without downloading them.
    pub fn hash_object(&self, key: &str) -> Result<crate::ContentHash> {
        // An object's hash from its entity tag, as Python LaminDB derives it per protocol.
        let of_etag = |etag: &str| match self.kind {
            StorageKind::Gs => crate::hash_from_gcs_etag(etag),
            _ => crate::hash_from_etag(etag, self.kind == StorageKind::S3),
        };
        let files = self.list(key)?;
        if files.is_empty() {
            let stat = self.stat(key)?.ok_or_else(|| Error::NotFound {
                path: self.url_of(key).into(),
            })?;
            let (hash, hash_type) = of_etag(stat.etag.as_deref().unwrap_or_default());
            return Ok(crate::ContentHash {
                hash,
                hash_type,
                size: stat.size,
                n_files: None,
            });
        }
        let size = files.iter().map(|(_, s)| s.size).sum();
        let n = files.len() as u64;
        // A folder combines its files' hashes (not their raw tags), as Python's
        // `hash_from_hashes_list` does, so a folder uploaded from here hashes the same in place.
        // Some S3-protocol servers (s3s-fs) list objects without their ETags: those are asked
        // for one by one.
        let mut tags = Vec::with_capacity(files.len());
        for (rel, stat) in files {
            let etag = match stat.etag {
                Some(e) => e,
                None => self
                    .stat(&format!("{key}/{rel}"))?
                    .and_then(|s| s.etag)
                    .unwrap_or_default(),
            };
            tags.push(of_etag(&etag).0);
        }
        Ok(crate::ContentHash {
            hash: crate::hash_from_hashes(tags),
            hash_type: crate::HashType::Md5D,
            size,
            n_files: Some(n),
        })
    }

    /// The files under the folder `key`: relative keys and metadata, sorted.
    pub fn list(&self, key: &str) -> Result<Vec<(String, ObjectStat)>> {
        match self.local_path() {
            Some(p) => {
                let dir = p.join(key);
                let mut out = Vec::new();
                if !dir.is_dir() {
                    return Ok(out);
                }
                for f in crate::hash::files_under(&dir)? {
                    let rel = rel_key(f.strip_prefix(&dir).expect("walked under dir"));
                    let stat = self.stat(&format!("{key}/{rel}"))?.expect("a listed file");
                    out.push((rel, stat));
                }
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(out)
            }
            None => self.remote()?.list(key),
        }
    }

    /// Copies the object (file or folder) at `key` to the local `dest`, through temporary files
    /// so that no partial file appears at `dest`.
    pub fn download(&self, key: &str, dest: &Path, progress: Option<Progress<'_>>) -> Result<()> {
        if let Some(p) = self.local_path() {
            let src = p.join(key);
            let copied = if src.is_dir() {
                copy_tree(&src, dest)?;
                crate::dir_size(dest)?
            } else {
                if let Some(dir) = dest.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                }
                std::fs::copy(&src, dest).map_err(|e| Error::io(&src, e))?
            };
            // A local copy is one system call: its progress is reported once, complete.
            if let Some(p) = progress {
                p(copied);
            }
            return Ok(());
        }
        let r = self.remote()?;
        let files = r.list(key)?;
        if files.is_empty() {
            return r.get_file(key, dest, progress);
        }
        let pairs: Vec<(String, PathBuf)> = files
            .iter()
            .map(|(rel, _)| (format!("{key}/{rel}"), dest.join(rel)))
            .collect();
        r.get_files(&pairs)?;
        if let Some(p) = progress {
            p(files.iter().map(|(_, s)| s.size).sum());
        }
        Ok(())
    }

    /// Downloads the files `(key, destination)` (no folder keys), several at a time for remote
    /// roots.
    pub fn download_files(&self, files: &[(String, PathBuf)]) -> Result<()> {
        if !self.is_local() {
            return self.remote()?.get_files(files);
        }
        for (key, dest) in files {
            self.download(key, dest, None)?;
        }
        Ok(())
    }

    /// Copies the file or folder `src` to `key`, atomically: the object appears under `key`
    /// complete or not at all (a partial copy sits under [`StorageRoot::partial_key`]).
    /// Replaces an existing object at `key`.
    pub fn put(&self, src: &Path, key: &str) -> Result<()> {
        self.put_with_progress(src, key, None)
    }

    /// [`StorageRoot::put`], reporting the bytes sent. Remote files above
    /// [`crate::remote::MULTIPART_THRESHOLD`] are uploaded in parts; each remote object appears
    /// complete or not at all.
    pub fn put_with_progress(
        &self,
        src: &Path,
        key: &str,
        progress: Option<Progress<'_>>,
    ) -> Result<()> {
        if !self.is_local() {
            let r = self.remote()?;
            let meta = std::fs::metadata(src).map_err(|e| Error::io(src, e))?;
            if !meta.is_dir() {
                return r.put_file(src, key, progress);
            }
            let files: Vec<(PathBuf, String)> = crate::hash::files_under(src)?
                .into_iter()
                .map(|file| {
                    let k = format!(
                        "{key}/{}",
                        rel_key(file.strip_prefix(src).expect("walked under src"))
                    );
                    (file, k)
                })
                .collect();
            r.put_files(&files, progress)?;
            return Ok(());
        }
        let (dst, partial) = self.stage(key)?;
        let meta = std::fs::metadata(src).map_err(|e| Error::io(src, e))?;
        let copied = if meta.is_dir() {
            copy_tree(src, &partial)?;
            crate::dir_size(&partial)?
        } else {
            std::fs::copy(src, &partial).map_err(|e| Error::io(src, e))?
        };
        self.promote(&partial, &dst, key)?;
        if let Some(p) = progress {
            p(copied);
        }
        Ok(())
    }

    /// [`StorageRoot::put_with_progress`] for a source whose hash was recorded as `expected`:
    /// the stored bytes are hashed as they are copied (local roots) and compared with it, so
    /// that a file that changed during the save is never stored under the old hash. On a
    /// mismatch nothing is left at `key` and [`Error::Changed`] is returned. Remote uploads are
    /// checked by size and by hashing the source again after the upload.
    pub fn put_checked(
        &self,
        src: &Path,
        key: &str,
        expected: &crate::ContentHash,
        progress: Option<Progress<'_>>,
    ) -> Result<()> {
        let changed = |stored: &crate::ContentHash| Error::Changed {
            path: src.to_path_buf(),
            expected: format!("{} ({} bytes)", expected.hash, expected.size),
            stored: format!("{} ({} bytes)", stored.hash, stored.size),
        };
        let same = |h: &crate::ContentHash| h.hash == expected.hash && h.size == expected.size;
        let is_dir = std::fs::metadata(src)
            .map_err(|e| Error::io(src, e))?
            .is_dir();
        if !self.is_local() {
            self.put_with_progress(src, key, progress)?;
            let again = crate::hash_path(src)?;
            let stored_size = if is_dir {
                self.list(key)?.iter().map(|(_, s)| s.size).sum()
            } else {
                self.stat(key)?.map_or(0, |s| s.size)
            };
            if !same(&again) || stored_size != expected.size {
                self.delete(key)?;
                return Err(changed(&crate::ContentHash {
                    size: stored_size,
                    ..again
                }));
            }
            return Ok(());
        }
        let (dst, partial) = self.stage(key)?;
        let stored = if is_dir {
            copy_tree(src, &partial).and_then(|_| crate::hash_dir(&partial))
        } else {
            crate::hash::copy_hashing(src, &partial)
        };
        match stored {
            Ok(h) if same(&h) => {}
            Ok(h) => {
                remove_any(&partial)?;
                return Err(changed(&h));
            }
            Err(e) => {
                // Leave nothing behind; the copy's own error says what went wrong.
                let _ = remove_any(&partial);
                return Err(e);
            }
        }
        self.promote(&partial, &dst, key)?;
        if let Some(p) = progress {
            p(expected.size);
        }
        Ok(())
    }

    /// The local paths of `key` and of its staged copy, with the folder made and any stale
    /// staged copy removed.
    fn stage(&self, key: &str) -> Result<(PathBuf, PathBuf)> {
        let dst = self.path_of(key)?;
        let partial = self.path_of(&Self::partial_key(key))?;
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        remove_any(&partial)?;
        Ok((dst, partial))
    }

    /// Moves a staged copy at `partial` to `dst`. A folder cannot be renamed over a non-empty
    /// folder, so an existing one is moved aside first and removed after.
    fn promote(&self, partial: &Path, dst: &Path, key: &str) -> Result<()> {
        if partial.is_dir() && dst.exists() {
            let old = self.path_of(&Self::replaced_key(key, std::process::id()))?;
            std::fs::rename(dst, &old).map_err(|e| Error::io(dst, e))?;
            crate::failpoint::hit("folder_swap");
            std::fs::rename(partial, dst).map_err(|e| Error::io(dst, e))?;
            return remove_any(&old);
        }
        std::fs::rename(partial, dst).map_err(|e| Error::io(dst, e))
    }

    /// Where process `pid` moves the folder at `key` aside while it swaps a new one in.
    fn replaced_key(key: &str, pid: u32) -> String {
        format!("{key}.replaced-{pid}")
    }

    /// Finishes or undoes a folder swap at `key` that process `pid` (now dead) was doing: when
    /// `key` is missing but `pid` had moved the old folder aside, the staged copy moves in (a
    /// swap starts only once the copy is complete and checked), or else the old folder moves
    /// back; a moved-aside folder of a present `key` is removed. Only `pid`'s leftovers are
    /// touched. Nothing to do for remote roots, whose objects appear whole.
    pub fn settle_swap(&self, key: &str, pid: u32) -> Result<()> {
        if !self.is_local() {
            return Ok(());
        }
        let dst = self.path_of(key)?;
        let old = self.path_of(&Self::replaced_key(key, pid))?;
        if std::fs::symlink_metadata(&old).is_err() {
            return Ok(());
        }
        if !dst.exists() {
            let partial = self.path_of(&Self::partial_key(key))?;
            let from = if partial.exists() { &partial } else { &old };
            std::fs::rename(from, &dst).map_err(|e| Error::io(&dst, e))?;
        }
        remove_any(&old)
    }

    /// The key under which [`StorageRoot::put`] stages an object before it appears at `key`.
    pub fn partial_key(key: &str) -> String {
        format!("{key}.partial")
    }

    /// Deletes the object at `key` (file or folder) and any staged partial copy of it.
    /// Deleting what does not exist is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
        if !self.is_local() {
            return self.remote()?.delete(key);
        }
        remove_any(&self.path_of(key)?)?;
        remove_any(&self.path_of(&Self::partial_key(key))?)
    }
}

fn remove_any(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e)),
        Ok(_) => std::fs::remove_file(path).map_err(|e| Error::io(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn copy_tree(src: &Path, dst: &Path) -> Result<()> {
    for file in crate::hash::files_under(src)? {
        let rel = file.strip_prefix(src).expect("walked under src");
        let target = dst.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::copy(&file, &target).map_err(|e| Error::io(&file, e))?;
    }
    Ok(())
}

/// A relative path as a `/`-separated storage key.
fn rel_key(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// Modification time of a local file in seconds since the epoch (0 if unknown), the unit
/// [`ObjectStat::last_modified`] uses.
pub fn mtime_secs(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Lexically resolves `.` and `..` (no symlink resolution, like Python's `Path.absolute()`).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_roots() {
        assert_eq!(
            StorageRoot::parse("s3://bucket/prefix/").unwrap().as_str(),
            "s3://bucket/prefix"
        );
        assert_eq!(
            StorageRoot::parse("s3://bucket").unwrap().kind(),
            StorageKind::S3
        );
        assert_eq!(StorageRoot::parse("/tmp/x/").unwrap().as_str(), "/tmp/x");
        assert_eq!(
            StorageRoot::parse("file:///tmp/x/../y").unwrap().as_str(),
            "/tmp/y"
        );
        assert!(StorageRoot::parse("ftp://x").is_err());
        assert!(StorageRoot::parse("s3://").is_err());
        assert!(StorageRoot::parse("").is_err());
    }

    #[test]
    fn local_copies_report_their_progress_complete() {
        let dir = tempfile::tempdir().unwrap();
        let root = StorageRoot::local(&dir.path().join("root")).unwrap();
        let src = dir.path().join("src.bin");
        std::fs::write(&src, vec![7u8; 5000]).unwrap();
        let last = std::sync::Mutex::new(0u64);
        let record = |n: u64| *last.lock().unwrap() = n;
        root.put_with_progress(&src, "a.bin", Some(&record))
            .unwrap();
        assert_eq!(*last.lock().unwrap(), 5000);
        *last.lock().unwrap() = 0;
        let expected = crate::hash_path(&src).unwrap();
        root.put_checked(&src, "b.bin", &expected, Some(&record))
            .unwrap();
        assert_eq!(*last.lock().unwrap(), 5000);
        *last.lock().unwrap() = 0;
        root.download("a.bin", &dir.path().join("back.bin"), Some(&record))
            .unwrap();
        assert_eq!(*last.lock().unwrap(), 5000);
    }

    #[test]
    fn put_is_atomic_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let root = StorageRoot::local(dir.path()).unwrap();
        let src = dir.path().join("src.txt");
        std::fs::write(&src, b"one").unwrap();
        root.put(&src, ".lamindb/abc.txt").unwrap();
        std::fs::write(&src, b"two").unwrap();
        root.put(&src, ".lamindb/abc.txt").unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(".lamindb/abc.txt")).unwrap(),
            b"two"
        );
        assert!(!dir.path().join(".lamindb/abc.txt.partial").exists());

        let folder = dir.path().join("folder");
        std::fs::create_dir_all(folder.join("sub")).unwrap();
        std::fs::write(folder.join("sub/a"), b"a").unwrap();
        root.put(&folder, ".lamindb/FOLDER").unwrap();
        root.put(&folder, ".lamindb/FOLDER").unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(".lamindb/FOLDER/sub/a")).unwrap(),
            b"a"
        );
        root.delete(".lamindb/FOLDER").unwrap();
        assert!(!dir.path().join(".lamindb/FOLDER").exists());
        assert_eq!(
            root.key_of(&dir.path().join("sub/../folder/sub/a"))
                .as_deref(),
            Some("folder/sub/a")
        );
        assert_eq!(root.key_of(Path::new("/elsewhere")), None);
    }
}
