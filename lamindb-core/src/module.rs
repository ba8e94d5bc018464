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

/// How a to-many relation reaches its target registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A link table: `table.source` holds this registry's id, `table.target` the target's id.
    Link {
        /// Link table.
        table: &'static str,
        /// Column referencing this registry.
        source: &'static str,
        /// Column referencing the target registry.
        target: &'static str,
    },
    /// A foreign key on the target table that references this registry.
    Reverse {
        /// Column of the target table.
        column: &'static str,
    },
}

/// A to-many relation of a registry (`ulabels`, `input_of_runs`, `children`). To-one relations
/// come from [`FieldType::ForeignKey`] fields: `run_id` gives the relation `run`.
#[derive(Debug, Clone, Copy)]
pub struct RelationMeta {
    /// Name as users write it in lookups (`ulabels__name`).
    pub name: &'static str,
    /// Table of the target registry.
    pub target: &'static str,
    /// The join.
    pub via: Via,
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
    /// To-many relations.
    pub relations: &'static [RelationMeta],
    /// User-facing names that stand for a field or a path (`version` → `version_tag`,
    /// `transform` → `run__transform`).
    pub aliases: &'static [(&'static str, &'static str)],
}

impl RegistryMeta {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldMeta> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field names, comma-separated, for error messages.
    pub fn field_names(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The to-many relation called `name`.
    pub fn relation(&self, name: &str) -> Option<&'static RelationMeta> {
        self.relations.iter().find(|r| r.name == name)
    }

    /// The foreign-key field behind the to-one relation `name` (`run` → `run_id`).
    pub fn foreign_key(&self, name: &str) -> Option<(&'static FieldMeta, &'static str)> {
        self.fields.iter().find_map(|f| match f.field_type {
            FieldType::ForeignKey(target) if f.name.strip_suffix("_id") == Some(name) => {
                Some((f, target))
            }
            _ => None,
        })
    }

    /// Whether rows live on branches (trash, archive, main).
    pub fn has_branches(&self) -> bool {
        self.field("branch_id").is_some()
    }

    /// Every name a lookup may start with: fields, to-one and to-many relations and aliases.
    pub fn lookup_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.fields.iter().map(|f| f.name).collect();
        names.extend(self.fields.iter().filter_map(|f| match f.field_type {
            FieldType::ForeignKey(_) => f.name.strip_suffix("_id"),
            _ => None,
        }));
        names.extend(self.relations.iter().map(|r| r.name));
        names.extend(self.aliases.iter().map(|a| a.0));
        names.sort_unstable();
        names.dedup();
        names
    }
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

/// The registry stored in `table`, in any linked module.
pub fn registry_by_table(table: &str) -> Option<&'static RegistryMeta> {
    registries().find(|r| r.table == table)
}

/// The registry called `name` (`Artifact`, `ULabel`, `bionty.CellType`); the match ignores case.
pub fn registry_by_name(name: &str) -> Option<&'static RegistryMeta> {
    registries().find(|r| r.name.eq_ignore_ascii_case(name))
}

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
