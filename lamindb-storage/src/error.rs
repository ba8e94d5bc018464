use std::path::PathBuf;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that should exist does not.
    #[error("{path} does not exist")]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// A folder with no files cannot be hashed or registered.
    #[error("folder {path} contains no files: an artifact needs at least one file")]
    EmptyFolder {
        /// The empty folder.
        path: PathBuf,
    },
    /// The storage URL is malformed or uses a scheme this build cannot serve.
    #[error("unsupported storage location '{root}': {reason}")]
    Unsupported {
        /// The root as given.
        root: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A request to an object store failed (after its retries).
    #[error("storage request for {url} failed: {reason}")]
    Remote {
        /// The object's URL.
        url: String,
        /// What the store answered.
        reason: String,
    },
    /// The source changed while it was being stored: what was stored is not what was hashed.
    #[error("{path} changed while saving (expected {expected}, stored {stored}); nothing was saved, save it again once it is complete")]
    Changed {
        /// The source file or folder.
        path: PathBuf,
        /// Hash and size recorded before the copy.
        expected: String,
        /// Hash and size of the bytes stored.
        stored: String,
    },
    /// A folder holds a link that is not followed: to a folder, or to nothing.
    #[error("{path} is a symbolic link to {} that is not followed (links to folders and dangling links are refused); replace it with the files it should hold, or remove it", if .target.as_os_str().is_empty() { "nothing".to_string() } else { .target.display().to_string() })]
    Link {
        /// The link.
        path: PathBuf,
        /// What it points to.
        target: PathBuf,
    },
    /// An I/O error, with the path it happened on.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            return Error::NotFound { path };
        }
        Error::Io { path, source }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
