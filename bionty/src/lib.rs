//! bionty: public biological ontologies as lamindb-rs registries.
//!
//! The `bionty` schema module has Python bionty 2.5.2's tables (`bionty_celltype`, `bionty_gene`,
//! their `_parents` hierarchies, the feature-aware `bionty_artifact<entity>` and
//! `bionty_record<entity>` links, `bionty_source`, …) with the `django_migrations` rows Python
//! expects, so that Python LaminDB and lamindb-rs open each other's instances. Its registries
//! are declared like the core's ([`registries`], generated from Python's DDL), so queries,
//! annotation, describe and `cat[bionty.CellType]` features work on them without core naming
//! them.
//!
//! Beyond the tables:
//! - [`sources`]: `bionty.Source`, seeded from bionty's `sources.yaml` at init;
//! - [`import`]: `import_source` from OBO, OBO Graphs JSON and gene tables, offline, from a file
//!   or URL, in one transaction, idempotent; [`format`] holds the readers and [`rules`] Python's
//!   rules for what becomes a record;
//! - [`ids`]: the deterministic uids Python bionty gives records and sources;
//! - [`organism`]: organisms by name or inferred from Ensembl ids.
//!
//! Validation (`validate`, `inspect`, `standardize`) is generic over registries and lives in
//! `lamindb_curate::values`; hierarchies in `lamindb_core::query::hierarchy`.

pub mod entity;
pub mod fetch;
pub mod format;
pub mod ids;
pub mod import;
pub mod organism;
pub mod records;
pub mod registries;
pub mod rules;
pub mod sources;

use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use lamindb_core::db::DbConnection;
use lamindb_core::meta::{Module, RegistryMeta, SeedContext};
use lamindb_core::Result;

pub use entity::Entity;
pub use fetch::Input;
pub use import::{import_source, ImportOptions, ImportReport};

/// The module's name.
pub const NAME: &str = "bionty";

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The bionty module.
pub struct Bionty;

impl Module for Bionty {
    fn name(&self) -> &'static str {
        NAME
    }
    fn sqlite_migrations(&self) -> EmbeddedMigrations {
        SQLITE
    }
    fn postgres_migrations(&self) -> EmbeddedMigrations {
        POSTGRES
    }
    fn registries(&self) -> &'static [&'static RegistryMeta] {
        registries::BIONTY_REGISTRIES
    }
    fn python_app(&self) -> Option<(&'static str, &'static str)> {
        Some(("bionty", "0065_squashed"))
    }
    fn seed(&self, conn: &mut DbConnection, ctx: &SeedContext) -> Result<()> {
        sources::seed(conn, ctx.user_id)?;
        Ok(())
    }
}

/// The module value, for [`lamindb_core::ModuleSet::with`].
pub static MODULE: Bionty = Bionty;
lamindb_core::register_module!(MODULE);
