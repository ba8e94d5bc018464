//! Schema modules loaded from libraries at run time (feature `runtime-modules`): the prebuilt
//! `lamin` gains a lab's registries without being rebuilt.
//!
//! A library exports the C ABI of `lamindb-module-abi`. Loading checks its ABI version before
//! reading anything else, then copies its declaration: the registries (JSON, parsed into
//! [`RegistryMeta`]s that live for the rest of the process) and the SQL migrations per
//! backend. Loaded modules join [`ModuleSet::linked`](crate::meta::ModuleSet::linked) like
//! linked ones. Libraries are never unloaded: the module's data is copied, but a library may
//! hold thread-locals or registered callbacks that must outlive every use.
//!
//! The registries JSON is an array of objects with the fields of [`RegistryMeta`]:
//!
//! ```json
//! [{"name": "dynlab.Plate", "table": "dynlab_plate", "name_field": "name", "uid_len": 12,
//!   "fields": [{"name": "id", "type": "int"}, {"name": "name", "type": "text", "max_len": 255},
//!              {"name": "created_by_id", "type": "fk:lamindb_user"}],
//!   "links": [{"table": "dynlab_artifactplate", "host": "lamindb_artifact",
//!              "host_column": "artifact_id", "value": "dynlab_plate", "value_column": "plate_id",
//!              "accessor": "plates", "reverse": "artifacts", "feature": "optional",
//!              "tracks": {"created_at": true, "created_by": true, "run": true}, "label": true}]}]
//! ```
//!
//! Field types: `int`, `float`, `text`, `bool`, `datetime`, `date`, `json`, `fk:<table>`;
//! a field may state its `default` as a SQL literal (`"96"`, `"'grey'"`); `feature`: `absent`,
//! `optional`, `required`.

// Loading a library and calling its exported functions is unsafe by nature; every call is
// preceded by the checks that make it sound (symbol present, ABI version equal).
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

// `EmbeddedMigration` and its parts are what `embed_migrations!` expands to (public, hidden from
// the docs); built from a library's SQL they make its migrations run like compiled-in ones.
use diesel_migrations::{EmbeddedMigration, EmbeddedMigrations, EmbeddedName, TomlMetadataWrapper};
use lamindb_module_abi as abi;
use serde::Deserialize;

use crate::meta::{
    FeatureColumn, FieldMeta, FieldType, LinkMeta, Module, RegistryMeta, ReverseKey, Tracks,
};
use crate::{Error, Result};

/// Environment variable with folders of module libraries (`:`-separated).
pub const MODULE_PATH_ENV: &str = "LAMIN_MODULE_PATH";

static LOADED: Mutex<Vec<&'static dyn Module>> = Mutex::new(Vec::new());

/// The modules loaded so far.
pub(crate) fn loaded() -> Vec<&'static dyn Module> {
    LOADED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak_opt(s: Option<String>) -> Option<&'static str> {
    s.map(leak)
}

#[derive(Deserialize)]
struct FieldJson {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    max_len: Option<usize>,
    #[serde(default)]
    default: Option<String>,
}

#[derive(Deserialize, Default)]
struct TracksJson {
    #[serde(default)]
    created_at: bool,
    #[serde(default)]
    created_by: bool,
    #[serde(default)]
    run: bool,
}

#[derive(Deserialize)]
struct LinkJson {
    table: String,
    host: String,
    host_column: String,
    value: String,
    value_column: String,
    accessor: String,
    #[serde(default)]
    reverse: Option<String>,
    #[serde(default = "absent")]
    feature: String,
    #[serde(default)]
    tracks: TracksJson,
    #[serde(default)]
    label: bool,
}

fn absent() -> String {
    "absent".into()
}

#[derive(Deserialize)]
struct ReverseKeyJson {
    name: String,
    table: String,
    column: String,
}

#[derive(Deserialize)]
struct RegistryJson {
    name: String,
    table: String,
    #[serde(default)]
    name_field: Option<String>,
    #[serde(default)]
    uid_len: Option<usize>,
    fields: Vec<FieldJson>,
    #[serde(default)]
    reverse_keys: Vec<ReverseKeyJson>,
    #[serde(default)]
    links: Vec<LinkJson>,
}

fn field_type(kind: &str) -> std::result::Result<FieldType, String> {
    Ok(match kind {
        "int" => FieldType::Int,
        "float" => FieldType::Float,
        "text" => FieldType::Text,
        "bool" => FieldType::Bool,
        "datetime" => FieldType::DateTime,
        "date" => FieldType::Date,
        "json" => FieldType::Json,
        other => match other.strip_prefix("fk:") {
            Some(t) => FieldType::ForeignKey(leak(t.to_owned())),
            None => return Err(format!("unknown field type '{other}'")),
        },
    })
}

/// Registry declarations from their JSON form, living for the rest of the process.
pub fn registries_from_json(json: &str) -> Result<&'static [&'static RegistryMeta]> {
    let bad = |e: String| Error::Validation(format!("module registry declarations: {e}"));
    let parsed: Vec<RegistryJson> = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let mut out: Vec<&'static RegistryMeta> = Vec::new();
    for r in parsed {
        let fields = r
            .fields
            .into_iter()
            .map(|f| {
                Ok(FieldMeta {
                    name: leak(f.name),
                    field_type: field_type(&f.kind).map_err(&bad)?,
                    max_len: f.max_len,
                    default: leak_opt(f.default),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let links = r
            .links
            .into_iter()
            .map(|l| {
                let feature = match l.feature.as_str() {
                    "absent" => FeatureColumn::Absent,
                    "optional" => FeatureColumn::Optional,
                    "required" => FeatureColumn::Required,
                    other => return Err(bad(format!("unknown feature column '{other}'"))),
                };
                Ok(LinkMeta {
                    table: leak(l.table),
                    host: leak(l.host),
                    host_column: leak(l.host_column),
                    value: leak(l.value),
                    value_column: leak(l.value_column),
                    accessor: leak(l.accessor),
                    reverse: leak_opt(l.reverse),
                    feature,
                    tracks: Tracks {
                        created_at: l.tracks.created_at,
                        created_by: l.tracks.created_by,
                        run: l.tracks.run,
                    },
                    label: l.label,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let reverse_keys: Vec<ReverseKey> = r
            .reverse_keys
            .into_iter()
            .map(|k| ReverseKey {
                name: leak(k.name),
                table: leak(k.table),
                column: leak(k.column),
            })
            .collect();
        out.push(Box::leak(Box::new(RegistryMeta {
            name: leak(r.name),
            table: leak(r.table),
            name_field: leak_opt(r.name_field),
            uid_len: r.uid_len,
            fields: Box::leak(fields.into_boxed_slice()),
            reverse_keys: Box::leak(reverse_keys.into_boxed_slice()),
            links: Box::leak(links.into_boxed_slice()),
            aliases: &[],
            values: None,
            value_names: &[],
        })));
    }
    Ok(Box::leak(out.into_boxed_slice()))
}

/// A module read from a library.
struct LoadedModule {
    name: &'static str,
    depends_on: &'static [&'static str],
    registries: &'static [&'static RegistryMeta],
    sqlite: &'static [EmbeddedMigration],
    postgres: &'static [EmbeddedMigration],
}

impl Module for LoadedModule {
    fn name(&self) -> &'static str {
        self.name
    }
    fn sqlite_migrations(&self) -> EmbeddedMigrations {
        EmbeddedMigrations::new(self.sqlite)
    }
    fn postgres_migrations(&self) -> EmbeddedMigrations {
        EmbeddedMigrations::new(self.postgres)
    }
    fn registries(&self) -> &'static [&'static RegistryMeta] {
        self.registries
    }
    fn depends_on(&self) -> &'static [&'static str] {
        self.depends_on
    }
}

/// Migrations from SQL texts, in the form `embed_migrations!` produces at compile time. The
/// names are checked here, since diesel reads their version without checking.
fn migrations(items: Vec<(String, String)>) -> Result<&'static [EmbeddedMigration]> {
    let mut out = Vec::new();
    for (name, up) in items {
        let version = name.split('_').next().unwrap_or_default();
        if version.is_empty()
            || !version.chars().all(|c| c.is_ascii_digit() || c == '-')
            || !name.contains('_')
        {
            return Err(Error::Validation(format!(
                "migration name '{name}' does not start with a version (2026-11-30-000000_name)"
            )));
        }
        out.push(EmbeddedMigration::new(
            leak(up),
            None,
            EmbeddedName::new(leak(name)),
            TomlMetadataWrapper::new(true),
        ));
    }
    Ok(Box::leak(out.into_boxed_slice()))
}

fn text(s: abi::Str) -> std::result::Result<String, String> {
    if s.len == 0 {
        return Ok(String::new());
    }
    if s.ptr.is_null() {
        return Err("a null string".into());
    }
    // SAFETY: the library declares `len` bytes at `ptr` in its static data, which stays mapped
    // because libraries are never unloaded.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    String::from_utf8(bytes.to_vec()).map_err(|e| format!("a string that is not UTF-8: {e}"))
}

/// Loads the module library at `path`; returns the module's name.
pub fn load_library(path: &Path) -> Result<&'static str> {
    let fail = |reason: String| {
        Error::Validation(format!(
            "{} is not a usable lamindb module: {reason}",
            path.display()
        ))
    };
    // SAFETY: loading runs the library's initialisers; a module library is trusted code the
    // user put on the module path, like any program they run.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| fail(e.to_string()))?;
    // SAFETY: the symbol is looked up by name and called with the signature the ABI defines.
    let version = unsafe {
        let f: libloading::Symbol<abi::VersionFn> = lib
            .get(abi::VERSION_SYMBOL)
            .map_err(|_| fail("it exports no lamindb_module_abi_version".into()))?;
        f()
    };
    if version != abi::ABI_VERSION {
        return Err(fail(format!(
            "it was built for module ABI version {version}; this lamin reads version {}: rebuild it against lamindb-module-abi {}",
            abi::ABI_VERSION,
            abi::ABI_VERSION
        )));
    }
    // SAFETY: same ABI version, so `lamindb_module` returns a pointer to a static `ModuleDecl`
    // laid out as this crate's.
    let decl = unsafe {
        let f: libloading::Symbol<abi::ModuleFn> = lib
            .get(abi::MODULE_SYMBOL)
            .map_err(|_| fail("it exports no lamindb_module".into()))?;
        let p = f();
        if p.is_null() {
            return Err(fail("lamindb_module returned null".into()));
        }
        &*p
    };
    let name = text(decl.name).map_err(&fail)?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(fail(format!(
            "its name '{name}' is not lowercase letters, digits and _"
        )));
    }
    let deps: Vec<&'static str> = text(decl.depends_on)
        .map_err(&fail)?
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| leak(d.to_owned()))
        .collect();
    let registries = registries_from_json(&text(decl.registries_json).map_err(&fail)?)?;
    if let Some(r) = registries.iter().find(|r| {
        !r.name.starts_with(&format!("{name}.")) || !r.table.starts_with(&format!("{name}_"))
    }) {
        return Err(fail(format!(
            "registry {} ({}) is not named after the module '{name}'",
            r.name, r.table
        )));
    }
    let mut sqlite = Vec::new();
    let mut postgres = Vec::new();
    if decl.n_migrations > 0 && decl.migrations.is_null() {
        return Err(fail("its migrations are a null pointer".into()));
    }
    for i in 0..decl.n_migrations {
        // SAFETY: `migrations` points to `n_migrations` static entries (checked non-null).
        let m = unsafe { &*decl.migrations.add(i) };
        let mname = text(m.name).map_err(&fail)?;
        sqlite.push((mname.clone(), text(m.sqlite_up).map_err(&fail)?));
        postgres.push((mname, text(m.postgres_up).map_err(&fail)?));
    }
    let module: &'static LoadedModule = Box::leak(Box::new(LoadedModule {
        name: leak(name),
        depends_on: Box::leak(deps.into_boxed_slice()),
        registries,
        sqlite: migrations(sqlite)?,
        postgres: migrations(postgres)?,
    }));
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if loaded.iter().any(|m| m.name() == module.name) {
        return Err(fail(format!(
            "a module named '{}' is loaded already",
            module.name
        )));
    }
    loaded.push(module);
    // Never unloaded (see the module docs).
    std::mem::forget(lib);
    Ok(module.name)
}

/// Loads every module library (`*.so`, `*.dylib`, `*.dll`) in the folders of `path` (a
/// `:`-separated list, as `LAMIN_MODULE_PATH`); returns the names loaded.
pub fn load_path(path: &str) -> Result<Vec<&'static str>> {
    let mut names = Vec::new();
    for dir in std::env::split_paths(path) {
        if dir.as_os_str().is_empty() {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::Io {
            path: dir.clone(),
            source: e,
        })?;
        let mut libs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == "so" || x == "dylib" || x == "dll")
            })
            .collect();
        libs.sort();
        for lib in libs {
            names.push(load_library(&lib)?);
        }
    }
    Ok(names)
}
