//! The error type of lamindb-core.

/// What kind of failure an [`Error`] is, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The record, instance or file does not exist.
    NotFound,
    /// The thing to create exists already.
    AlreadyExists,
    /// The operation conflicts with the current state (e.g. several matches, concurrent change).
    Conflict,
    /// The input is invalid.
    Validation,
    /// Reading or writing stored objects failed.
    Storage,
    /// The database failed.
    Database,
    /// The operation is not supported by this build or this instance.
    Unsupported,
    /// The record is in the trash and must be restored first.
    InTrash,
    /// Other records depend on the record, so it cannot be deleted.
    Protected,
}

/// Why a registry name does not resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryProblem {
    /// No registry of the instance's modules has that name.
    Unknown,
    /// The program includes the registry's module, but the instance does not use it.
    ModuleNotUsed,
    /// The program does not include the registry's module.
    ModuleNotLinked,
}

fn unknown_registry(
    name: &str,
    module: Option<&str>,
    problem: RegistryProblem,
    known: &[String],
) -> String {
    let module = module.unwrap_or_default();
    match problem {
        RegistryProblem::Unknown => {
            format!("unknown registry '{name}'; registries: {}", known.join(", "))
        }
        RegistryProblem::ModuleNotUsed => format!(
            "registry '{name}' belongs to module '{module}', which this instance does not use; add '{module}' to the instance's modules and deploy its migrations"
        ),
        RegistryProblem::ModuleNotLinked => format!(
            "registry '{name}' belongs to module '{module}', which this program does not include; link the crate that ships '{module}'"
        ),
    }
}

/// Errors of lamindb-core. Messages say what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A record or instance was not found.
    #[error("{0}")]
    NotFound(String),
    /// The thing to create exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The operation conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// Invalid input.
    #[error("{0}")]
    Validation(String),
    /// Not supported by this build or instance.
    #[error("{0}")]
    Unsupported(String),
    /// The instance needs a schema module this program does not link.
    #[error("instance '{instance}' uses module '{module}', which this program does not include; link the crate that ships '{module}'")]
    MissingModule {
        /// The instance slug.
        instance: String,
        /// The module name.
        module: String,
    },
    /// A registry name that resolves to no registry of the instance.
    #[error("{}", unknown_registry(.name, .module.as_deref(), *.problem, .known))]
    UnknownRegistry {
        /// The name as given.
        name: String,
        /// The module part of the name (`bionty` in `bionty.CellType`).
        module: Option<String>,
        /// Why it does not resolve.
        problem: RegistryProblem,
        /// The registries the instance has.
        known: Vec<String>,
    },
    /// No record of `registry` has this name (or uid).
    #[error("no {registry} named '{name}'")]
    NoRecord {
        /// The registry (`ULabel`, `Feature`, `Storage`).
        registry: String,
        /// The name looked for.
        name: String,
    },
    /// Feature values were given for names that are no features; each comes with the dtype its
    /// value suggests.
    #[error("These keys could not be validated: [{}]; create them as features first ({})", .features.iter().map(|(n, _)| format!("'{n}'")).collect::<Vec<_>>().join(", "), .features.iter().map(|(n, d)| format!("{n}: {d}")).collect::<Vec<_>>().join(", "))]
    UnknownFeatures {
        /// `(name, suggested dtype)` of each unknown key.
        features: Vec<(String, String)>,
    },
    /// Other records reference the record (Django's `ProtectedError`).
    #[error("{0}")]
    Protected(String),
    /// The record is in the trash; restore it before using it.
    #[error("{registry} is in the trash ({uid}); restore it first")]
    InTrash {
        /// The registry (`Transform`, `Artifact`).
        registry: String,
        /// The record's uid.
        uid: String,
    },
    /// No instance was named and none is current.
    #[error("no current instance: create one or connect to one, or set LAMIN_INSTANCE")]
    NoCurrentInstance,
    /// The instance database has migrations this program has not applied.
    #[error("instance '{instance}' needs migrations: {pending}; deploy them first")]
    PendingMigrations {
        /// The instance slug.
        instance: String,
        /// The pending migration names.
        pending: String,
    },
    /// A storage error.
    #[error(transparent)]
    Storage(#[from] lamindb_storage::Error),
    /// A database error.
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database at {url}: {source}")]
    Connection {
        /// The database URL or path, without credentials.
        url: String,
        /// The cause.
        #[source]
        source: diesel::ConnectionError,
    },
    /// A migration error.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A dataset file that does not read as its format (a corrupt or foreign HDF5 file, a
    /// zarr group without AnnData's encoding, …).
    #[error("cannot read {path} as {format}: {message}")]
    Format {
        /// The file or folder.
        path: std::path::PathBuf,
        /// The format it was read as (`h5ad`, `zarr`, …).
        format: &'static str,
        /// What was wrong, where.
        message: String,
    },
    /// An I/O error on settings files.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) | Error::NoRecord { .. } | Error::NoCurrentInstance => {
                ErrorKind::NotFound
            }
            Error::UnknownFeatures { .. } | Error::Format { .. } => ErrorKind::Validation,
            Error::AlreadyExists(_) => ErrorKind::AlreadyExists,
            Error::InTrash { .. } => ErrorKind::InTrash,
            Error::Protected(_) => ErrorKind::Protected,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Validation(_) => ErrorKind::Validation,
            Error::Unsupported(_) | Error::MissingModule { .. } => ErrorKind::Unsupported,
            Error::UnknownRegistry { problem, .. } => match problem {
                RegistryProblem::Unknown => ErrorKind::Validation,
                _ => ErrorKind::Unsupported,
            },
            Error::Storage(lamindb_storage::Error::NotFound { .. }) => ErrorKind::NotFound,
            Error::Storage(
                lamindb_storage::Error::EmptyFolder { .. }
                | lamindb_storage::Error::Changed { .. }
                | lamindb_storage::Error::Link { .. },
            ) => ErrorKind::Validation,
            Error::Storage(_) | Error::Io { .. } => ErrorKind::Storage,
            Error::Database(diesel::result::Error::NotFound) => ErrorKind::NotFound,
            Error::Database(_)
            | Error::Connection { .. }
            | Error::Migration(_)
            | Error::PendingMigrations { .. } => ErrorKind::Database,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
