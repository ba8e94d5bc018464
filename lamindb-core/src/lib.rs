//! lamindb-core: LaminDB-compatible registries on SQLite and Postgres.
//!
//! An [`Instance`] is a database (SQLite under the storage root, or Postgres) plus a default
//! storage location, laid out exactly as Python LaminDB 2.x lays it out, so that both can open the
//! same instance. Artifacts are registered, deduplicated by content hash, versioned by key and
//! moved through trash and permanent deletion with [`Instance::artifacts`].
//!
//! ```no_run
//! use lamindb_core::prelude::*;
//!
//! let ln = Instance::init(&InitOptions { storage: "./mydata".into(), ..Default::default() })?;
//! let saved = ln.artifacts().save(NewArtifactSpec::with_key("sample.csv", "raw/sample.csv"))?;
//! let path = ln.artifacts().path(&saved.artifact)?;
//! # Ok::<(), lamindb_core::Error>(())
//! ```

// Layers, bottom up: error, util, db, meta, instance, query, records, annotate, lineage. A
// module uses only layers below it (tests/it/core/layers.rs checks it).
pub mod annotate;
pub mod db;
mod error;
pub mod instance;
pub mod lineage;
pub mod meta;
pub mod query;
pub mod records;
pub mod util;

pub use error::{Error, ErrorKind, RegistryProblem, Result};
pub use instance::settings::InstanceSettings;
pub use instance::{InitOptions, Instance};
pub use lamindb_storage::failpoint::{FAILPOINT_DIR_ENV, FAILPOINT_ENV};
pub use lineage::track::{FunctionSpec, Program, RunGuard, TrackOptions};
pub use lineage::{Direction, LineageGraph};
pub use meta::{Catalog, Module, ModuleRegistration, ModuleSet, RegistryMeta};
pub use records::artifact::{
    Artifacts, ListOptions, NewArtifactSpec, PermanentDelete, RunLink, SaveStatus, Saved,
};
pub use records::runs::{
    RunSpec, RunStatus, Runs, TransformKind, TransformSpec, TransformStatus, Transforms,
};

#[doc(hidden)]
pub use inventory;

/// The names most programs need.
pub mod prelude {
    pub use crate::annotate::Host;
    pub use crate::db::models::{
        Artifact, Branch, Collection, Feature, Project, Record, Reference, Run, Schema, Storage,
        Transform, ULabel, User,
    };
    pub use crate::lineage::track::{FunctionSpec, RunGuard, TrackOptions};
    pub use crate::query::{Branches, Q};
    pub use crate::records::artifact::{
        ListOptions, NewArtifactSpec, PermanentDelete, RunLink, SaveStatus, Saved,
    };
    pub use crate::records::collections::NewCollectionSpec;
    pub use crate::records::features::NewFeature;
    pub use crate::records::labels::NewLabel;
    pub use crate::records::runs::{RunStatus, TransformKind};
    pub use crate::records::schemas::{NewSchema, SchemaMember};
    pub use crate::{Error, ErrorKind, InitOptions, Instance, InstanceSettings, Result};
}
