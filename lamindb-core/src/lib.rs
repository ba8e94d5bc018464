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

pub mod artifact;

pub mod db;
pub mod describe;
mod error;
mod failpoint;
pub mod features;
pub mod instance;
pub mod introspect;
pub mod key;
pub mod labels;
pub mod lineage;
pub mod meta;
pub mod migrations;
pub mod models;
pub mod openlineage;
pub mod progress;
pub mod query;
pub mod run;
pub mod schema;
pub mod schemas;
pub mod secrets;
pub mod settings;
pub mod sql_types;
pub mod storage;
pub mod track;
pub mod uid;

pub use artifact::{Artifacts, ListOptions, NewArtifactSpec, RunLink, SaveStatus, Saved};
pub use error::{Error, ErrorKind, RegistryProblem, Result};
pub use failpoint::FAILPOINT_ENV;
pub use instance::{InitOptions, Instance};
pub use lineage::{Direction, LineageGraph};
pub use meta::{Catalog, Module, ModuleRegistration, ModuleSet, RegistryMeta};
pub use run::{
    RunSpec, RunStatus, Runs, TransformKind, TransformSpec, TransformStatus, Transforms,
};
pub use settings::InstanceSettings;
pub use track::{FunctionSpec, Program, RunGuard, TrackOptions};

#[doc(hidden)]
pub use inventory;

/// The names most programs need.
pub mod prelude {
    pub use crate::artifact::{ListOptions, NewArtifactSpec, RunLink, SaveStatus, Saved};
    pub use crate::features::{Host, NewFeature};
    pub use crate::labels::NewLabel;
    pub use crate::models::{
        Artifact, Feature, Project, Record, Reference, Run, Schema, Storage, Transform, ULabel,
        User,
    };
    pub use crate::query::{Branches, Q};
    pub use crate::run::{RunStatus, TransformKind};
    pub use crate::schemas::{NewSchema, SchemaMember};
    pub use crate::track::{FunctionSpec, RunGuard, TrackOptions};
    pub use crate::{Error, ErrorKind, InitOptions, Instance, InstanceSettings, Result};
}
