//! Storage roots: where an instance keeps its objects, and how keys map to places under them.

use std::path::{Component, Path, PathBuf};

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
        }
    }
}

/// A storage location: its root as stored in `lamindb_storage.root`, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRoot {
    root: String,
    kind: StorageKind,
}

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
                other => {
                    return Err(Error::Unsupported {
                        root: root.into(),
                        reason: format!(
                            "unknown scheme '{other}://'; use a local folder, file://, s3://, gs://, hf://, http:// or https://"
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
            reason: "this build reads and writes local storage only".into(),
        })
    }

    /// Where `key` (a `/`-separated storage key) lives under this root.
    pub fn path_of(&self, key: &str) -> Result<PathBuf> {
        Ok(self.require_local()?.join(key))
    }

    /// The storage key of `path` if it lies inside this root (for registering in place).
    pub fn key_of(&self, path: &Path) -> Option<String> {
        let root = self.local_path()?;
        let abs = normalise(&std::env::current_dir().ok()?.join(path));
        let rel = abs.strip_prefix(root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// Whether an object exists at `key`.
    pub fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.path_of(key)?.exists())
    }

    /// Copies the file or folder `src` to `key`, atomically: the object appears under `key`
    /// complete or not at all (a partial copy sits under [`StorageRoot::partial_key`]).
    /// Replaces an existing object at `key`.
    pub fn put(&self, src: &Path, key: &str) -> Result<()> {
        let dst = self.path_of(key)?;
        let partial = self.path_of(&Self::partial_key(key))?;
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        remove_any(&partial)?;
        let meta = std::fs::metadata(src).map_err(|e| Error::io(src, e))?;
        if meta.is_dir() {
            copy_tree(src, &partial)?;
            // A folder cannot be renamed over a non-empty folder: swap the old one out first.
            if dst.exists() {
                let old = self.path_of(&format!("{key}.replaced-{}", std::process::id()))?;
                std::fs::rename(&dst, &old).map_err(|e| Error::io(&dst, e))?;
                std::fs::rename(&partial, &dst).map_err(|e| Error::io(&dst, e))?;
                remove_any(&old)?;
                return Ok(());
            }
        } else {
            std::fs::copy(src, &partial).map_err(|e| Error::io(src, e))?;
        }
        std::fs::rename(&partial, &dst).map_err(|e| Error::io(&dst, e))
    }

    /// The key under which [`StorageRoot::put`] stages an object before it appears at `key`.
    pub fn partial_key(key: &str) -> String {
        format!("{key}.partial")
    }

    /// Deletes the object at `key` (file or folder) and any staged partial copy of it.
    /// Deleting what does not exist is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
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
