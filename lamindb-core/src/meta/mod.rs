//! Registry descriptions: what generic code (queries, annotation, describe, DataFrames, delete)
//! knows about a registry, core or module alike.
//!
//! Each registry is described once, as data: its table and fields, the reverse foreign keys that
//! point at it, and the link tables it declares, each with the accessors of both ends (Django's
//! field and `related_name`). The core descriptions are generated from Python LaminDB's DDL
//! ([`core`]); a module declares its own next to its diesel `table!`s. An instance resolves the
//! modules it uses into a [`Catalog`] when it is opened; names resolve only through it.

mod catalog;
pub mod core;
mod dtype;
mod module;
#[cfg(feature = "runtime-modules")]
pub mod runtime;

pub use catalog::{Catalog, ModuleSet, Values};
pub use dtype::{CatSpec, Dtype};
pub use module::{core_module, Module, ModuleRegistration, SeedContext, CORE_MODULE};

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
    /// The most characters a text column holds (`varchar(N)`), if limited.
    pub max_len: Option<usize>,
    /// The value new rows get when none is given, as a SQL literal valid on both backends
    /// (`96`, `'grey'`, `true`), when the declaration states one. `lamin migrate create`
    /// adds such a column as `NOT NULL DEFAULT …`, so existing rows get the value.
    pub default: Option<&'static str>,
}

/// A foreign key on another table that references this registry (`Storage.artifacts` is
/// `lamindb_artifact.storage_id`).
#[derive(Debug, Clone, Copy)]
pub struct ReverseKey {
    /// Name as users write it in lookups.
    pub name: &'static str,
    /// The table holding the key.
    pub table: &'static str,
    /// The key column.
    pub column: &'static str,
}

/// Whether a link table carries the feature a link was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureColumn {
    /// No `feature_id` column.
    Absent,
    /// `feature_id` may be NULL: links with a feature hold categorical feature values, links
    /// without one are plain labels.
    Optional,
    /// `feature_id` is NOT NULL: every link is a feature value (record values).
    Required,
}

/// The columns a link row fills in besides its two ids and `feature_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tracks {
    /// `created_at`.
    pub created_at: bool,
    /// `created_by_id`.
    pub created_by: bool,
    /// `run_id` (the run that made the link; absent where `run_id` is one of the two ends).
    pub run: bool,
}

/// A link table between a host registry and a value registry, declared once with the accessors
/// of both ends.
#[derive(Debug, Clone, Copy)]
pub struct LinkMeta {
    /// The link table.
    pub table: &'static str,
    /// Table of the host registry (the one annotated: `lamindb_artifact`).
    pub host: &'static str,
    /// Column holding the host's id.
    pub host_column: &'static str,
    /// Table of the value registry (`bionty_celltype`).
    pub value: &'static str,
    /// Column holding the value's id.
    pub value_column: &'static str,
    /// Accessor on the host (`artifact.cell_types`).
    pub accessor: &'static str,
    /// Accessor on the value registry (`cell_type.artifacts`), if it has one.
    pub reverse: Option<&'static str>,
    /// Whether the table has `feature_id`, and whether it is required.
    pub feature: FeatureColumn,
    /// What a new link row records.
    pub tracks: Tracks,
    /// Whether the link annotates the host with labels (shown under Labels, used for
    /// categorical feature values), as opposed to lineage, membership or hierarchy.
    pub label: bool,
}

/// Where a registry keeps the simple (non-categorical) feature values of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueStore {
    /// Shared value rows (JsonValue) reached through the link with this accessor.
    Link(&'static str),
    /// One row per host and feature in `table` (`host_column`, `feature_id`, `value`).
    Own {
        /// The value table.
        table: &'static str,
        /// Column holding the host's id.
        host_column: &'static str,
    },
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
    /// Foreign keys of other tables that reference this registry.
    pub reverse_keys: &'static [ReverseKey],
    /// Link tables this registry declares (as host, or as the value of another registry's rows).
    pub links: &'static [LinkMeta],
    /// User-facing names that stand for a field or a path (`version` → `version_tag`,
    /// `transform` → `run__transform`).
    pub aliases: &'static [(&'static str, &'static str)],
    /// Where simple feature values of rows live; `None` when rows hold no feature values.
    pub values: Option<ValueStore>,
    /// Names users write for coded values of a field (`status=errored` for `_status_code = 1`).
    pub value_names: &'static [(&'static str, &'static [(&'static str, i64)])],
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

    /// The foreign-key field behind the to-one relation `name` (`run` → `run_id`).
    pub fn foreign_key(&self, name: &str) -> Option<(&'static FieldMeta, &'static str)> {
        self.fields.iter().find_map(|f| match f.field_type {
            FieldType::ForeignKey(target) if f.name.strip_suffix("_id") == Some(name) => {
                Some((f, target))
            }
            _ => None,
        })
    }

    /// Checks `value` against the length limit of text field `field`, with an error naming the
    /// registry, the field and the limit (Postgres would refuse it with a raw error, SQLite
    /// would store it and Python LaminDB could not read it back).
    pub fn check_len(&self, field: &str, value: &str) -> crate::Result<()> {
        match self.field(field).and_then(|f| f.max_len) {
            Some(max) if value.chars().count() > max => Err(crate::Error::Validation(format!(
                "{} {field} is {} characters long; at most {max} are allowed",
                self.name,
                value.chars().count()
            ))),
            _ => Ok(()),
        }
    }

    /// The code that `name` stands for in field `field`, if the field has named values.
    pub fn value_code(&self, field: &str, name: &str) -> Option<i64> {
        self.value_names
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, names)| names.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, c)| *c)
    }

    /// Whether rows live on branches (trash, archive, main).
    pub fn has_branches(&self) -> bool {
        self.field("branch_id").is_some()
    }

    /// Whether rows carry feature values (artifacts, runs, records).
    pub fn holds_features(&self) -> bool {
        self.values.is_some()
    }
}

/// How a to-many relation reaches its target registry.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    /// Through a link table, read from this registry's end.
    Link {
        /// The link.
        link: &'static LinkMeta,
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

/// A to-many relation of a registry as the [`Catalog`] resolves it (`ulabels`, `cell_types`,
/// `input_of_runs`). To-one relations come from [`FieldType::ForeignKey`] fields: `run_id`
/// gives the relation `run`.
#[derive(Debug, Clone, Copy)]
pub struct RelationMeta {
    /// Name as users write it in lookups (`ulabels__name`).
    pub name: &'static str,
    /// Table of the target registry.
    pub target: &'static str,
    /// The join.
    pub via: Via,
}
