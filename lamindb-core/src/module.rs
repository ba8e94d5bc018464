//! Schema modules: sets of registries with their own migrations, linked into a program at build
//! time and collected with `inventory`.
//!
//! A module crate implements [`Module`] and registers it with [`register_module!`]. A program
//! includes the module by linking its crate (`use my_module as _;`). An instance records the
//! modules it was created with; opening it in a program that lacks one fails with
//! [`Error::MissingModule`](crate::Error::MissingModule).

use diesel_migrations::EmbeddedMigrations;

use crate::db::DbConnection;
use crate::Result;

/// The type of a registry field, as far as generic code (queries, describe) needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Integer of any width.
    Int,
    /// Floating point.
    Float,
    /// Text.
    Text,
    /// Boolean.
    Bool,
    /// Datetime.
    DateTime,
    /// Date.
    Date,
    /// JSON.
    Json,
    /// Foreign key to the named table.
    ForeignKey(&'static str),
}

/// One field of a registry.
#[derive(Debug, Clone, Copy)]
pub struct FieldMeta {
    /// Column name.
    pub name: &'static str,
    /// Column type.
    pub field_type: FieldType,
}

/// What generic code needs to know about a registry.
#[derive(Debug, Clone, Copy)]
pub struct RegistryMeta {
    /// Registry name as users write it (`Artifact`, `bionty.CellType`).
    pub name: &'static str,
    /// SQL table.
    pub table: &'static str,
    /// The field that names a record (`name`, `key`, `symbol`).
    pub name_field: Option<&'static str>,
    /// Length of generated uids, if the registry has a uid.
    pub uid_len: Option<usize>,
    /// The fields.
    pub fields: &'static [FieldMeta],
}

/// A schema module.
pub trait Module: Sync + 'static {
    /// The module name (`bionty`, `wetlab`); also the namespace of its migrations.
    fn name(&self) -> &'static str;
    /// Migrations for SQLite instances.
    fn sqlite_migrations(&self) -> EmbeddedMigrations;
    /// Migrations for Postgres instances.
    fn postgres_migrations(&self) -> EmbeddedMigrations;
    /// The module's registries.
    fn registries(&self) -> &'static [RegistryMeta];
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

/// All modules linked into this program, core first.
pub fn linked_modules() -> Vec<&'static dyn Module> {
    let mut mods: Vec<&'static dyn Module> = inventory::iter::<ModuleRegistration>
        .into_iter()
        .map(|r| r.0)
        .collect();
    mods.sort_by_key(|m| (m.name() != CORE_MODULE, m.name()));
    mods
}

/// The linked module called `name`.
pub fn find_module(name: &str) -> Option<&'static dyn Module> {
    linked_modules().into_iter().find(|m| m.name() == name)
}

/// The registry metadata of every linked module.
pub fn registries() -> impl Iterator<Item = &'static RegistryMeta> {
    linked_modules()
        .into_iter()
        .flat_map(|m| m.registries().iter())
}
