//! The C ABI between the prebuilt `lamin` and schema modules loaded at run time.
//!
//! A module library (`crate-type = ["cdylib"]`) exports two C functions, made by
//! [`export_module!`]:
//!
//! - `lamindb_module_abi_version() -> u32`: the [`ABI_VERSION`] it was built against. The host
//!   calls it first and refuses a library of another version before reading anything else.
//! - `lamindb_module() -> *const ModuleDecl`: the module as static data — its name, the modules
//!   it needs, its registry declarations as JSON (the same facts a linked module writes as
//!   `RegistryMeta` statics) and its SQL migrations for SQLite and Postgres.
//!
//! Only `#[repr(C)]` structs of pointers and lengths into the library's static data cross the
//! boundary: no Rust types with layouts that depend on the compiler, no trait objects, no
//! allocation on one side freed on the other. The host copies what it reads and never unloads a
//! library.

// The declarations are statics holding raw pointers into the library's own static strings;
// they are read-only for the whole life of the process.
#![allow(unsafe_code)]

/// The version of this ABI. Change it whenever a struct below changes.
pub const ABI_VERSION: u32 = 1;

/// The symbol of the ABI-version function.
pub const VERSION_SYMBOL: &[u8] = b"lamindb_module_abi_version\0";

/// The symbol of the module-declaration function.
pub const MODULE_SYMBOL: &[u8] = b"lamindb_module\0";

/// A UTF-8 string in the library's static data.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Str {
    /// First byte.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl Str {
    /// A `Str` of a static string.
    pub const fn new(s: &'static str) -> Str {
        Str {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }
}

/// One migration: its name (`2026-11-30-000000_create_plate`, version first, as diesel names
/// migration folders) and its `up.sql` for each backend.
#[repr(C)]
#[derive(Debug)]
pub struct Migration {
    /// Name.
    pub name: Str,
    /// SQL for SQLite.
    pub sqlite_up: Str,
    /// SQL for Postgres.
    pub postgres_up: Str,
}

/// A schema module as static data.
#[repr(C)]
#[derive(Debug)]
pub struct ModuleDecl {
    /// The module's name (prefix of its tables and registry names).
    pub name: Str,
    /// Modules it needs, comma-separated (empty: none besides the core).
    pub depends_on: Str,
    /// Its registries as a JSON array (see lamindb-core's `meta::runtime` for the format).
    pub registries_json: Str,
    /// Its migrations, oldest first.
    pub migrations: *const Migration,
    /// How many.
    pub n_migrations: usize,
}

// SAFETY: every pointer in these structs points into the library's immutable static data.
unsafe impl Sync for Str {}
// SAFETY: as above.
unsafe impl Sync for Migration {}
// SAFETY: as above.
unsafe impl Sync for ModuleDecl {}

/// The signature of `lamindb_module_abi_version`.
pub type VersionFn = extern "C" fn() -> u32;

/// The signature of `lamindb_module`.
pub type ModuleFn = extern "C" fn() -> *const ModuleDecl;

/// Exports a module from a `cdylib`:
///
/// ```ignore
/// lamindb_module_abi::export_module! {
///     name: "dynlab",
///     depends_on: "",
///     registries_json: include_str!("../registries.json"),
///     migrations: [
///         ("2026-11-30-000000_create_plate",
///          include_str!("../migrations/sqlite/up.sql"),
///          include_str!("../migrations/postgres/up.sql")),
///     ],
/// }
/// ```
#[macro_export]
macro_rules! export_module {
    (
        name: $name:expr,
        depends_on: $deps:expr,
        registries_json: $json:expr,
        migrations: [ $( ($mname:expr, $sqlite:expr, $postgres:expr) ),* $(,)? ] $(,)?
    ) => {
        static __LAMINDB_MIGRATIONS: &[$crate::Migration] = &[
            $( $crate::Migration {
                name: $crate::Str::new($mname),
                sqlite_up: $crate::Str::new($sqlite),
                postgres_up: $crate::Str::new($postgres),
            } ),*
        ];
        static __LAMINDB_MODULE: $crate::ModuleDecl = $crate::ModuleDecl {
            name: $crate::Str::new($name),
            depends_on: $crate::Str::new($deps),
            registries_json: $crate::Str::new($json),
            migrations: __LAMINDB_MIGRATIONS.as_ptr(),
            n_migrations: __LAMINDB_MIGRATIONS.len(),
        };
        /// The ABI version this module was built against.
        #[allow(unsafe_code)]
        #[no_mangle]
        pub extern "C" fn lamindb_module_abi_version() -> u32 {
            $crate::ABI_VERSION
        }
        /// The module's declaration.
        #[allow(unsafe_code)]
        #[no_mangle]
        pub extern "C" fn lamindb_module() -> *const $crate::ModuleDecl {
            &__LAMINDB_MODULE
        }
    };
}
