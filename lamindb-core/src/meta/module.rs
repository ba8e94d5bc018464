//! Schema modules: sets of registries with their own migrations, linked into a program at build
//! time and collected with `inventory`.
//!
//! A module crate implements [`Module`] and registers it with [`register_module!`]. A program
//! includes the module by linking its crate (`use my_module as _;`). An instance records the
//! modules it was created with; opening it in a program that lacks one fails with
//! [`Error::MissingModule`](crate::Error::MissingModule). Tests and embedding applications may
//! instead name the modules an instance can use with a [`ModuleSet`](crate::meta::ModuleSet).

use diesel_migrations::{embed_migrations, EmbeddedMigrations};

use crate::db::DbConnection;
use crate::meta::RegistryMeta;
use crate::Result;

/// A schema module.
pub trait Module: Sync + 'static {
    /// The module name (`bionty`, `wetlab`); also the namespace of its migrations.
    fn name(&self) -> &'static str;
    /// Migrations for SQLite instances.
    fn sqlite_migrations(&self) -> EmbeddedMigrations;
    /// Migrations for Postgres instances.
    fn postgres_migrations(&self) -> EmbeddedMigrations;
    /// The module's registries.
    fn registries(&self) -> &'static [&'static RegistryMeta];
    /// Other names users may give the module (`wetlab` for `pertdb`): accepted wherever the
    /// module's name is (`--modules`, `wetlab.Compound`), stored under [`Module::name`].
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// The Django app and its last migration when Python LaminDB has the same tables (`bionty`,
    /// `0065_squashed`): a Python-made instance at that migration is adopted without running
    /// this module's migrations.
    fn python_app(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// Modules this one needs (applied first).
    fn depends_on(&self) -> &'static [&'static str] {
        &[]
    }
    /// Seeds rows after the module's migrations ran for a new instance.
    fn seed(&self, _conn: &mut DbConnection, _ctx: &SeedContext) -> Result<()> {
        Ok(())
    }
}

/// What a seed hook may need to know about the new instance.
#[derive(Debug, Clone)]
pub struct SeedContext {
    /// The id of the instance's user row.
    pub user_id: i32,
    /// The instance uid.
    pub instance_uid: String,
}

/// An entry in the program's module list; create it with [`register_module!`].
pub struct ModuleRegistration(pub &'static dyn Module);

inventory::collect!(ModuleRegistration);

/// Registers a [`Module`] value (a `static`) so that instances can use it.
#[macro_export]
macro_rules! register_module {
    ($module:expr) => {
        $crate::inventory::submit! { $crate::ModuleRegistration(&$module) }
    };
}

/// The name of the core module (the `lamindb_*` tables).
pub const CORE_MODULE: &str = "lamindb";

const CORE_SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const CORE_POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The core registries as a module.
struct Core;

impl Module for Core {
    fn name(&self) -> &'static str {
        CORE_MODULE
    }
    fn sqlite_migrations(&self) -> EmbeddedMigrations {
        CORE_SQLITE
    }
    fn postgres_migrations(&self) -> EmbeddedMigrations {
        CORE_POSTGRES
    }
    fn registries(&self) -> &'static [&'static RegistryMeta] {
        crate::meta::core::CORE_REGISTRIES
    }
}

static CORE: Core = Core;
crate::register_module!(CORE);

/// The core registries as a module, whether or not `inventory` sees this crate.
pub fn core_module() -> &'static dyn Module {
    &CORE
}
