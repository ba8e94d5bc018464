//! Embedded, per-backend, per-module migrations.
//!
//! diesel keeps one `__diesel_schema_migrations` table keyed by version. Each module's versions are
//! stored as `<module>/<version>` so that modules never collide.

use std::fmt;

use diesel::migration::{
    Migration, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion,
};
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use crate::db::DbConnection;
use crate::meta::{core_module, Module};
use crate::{Error, Result};

/// The last Django migration of Python LaminDB that the core schema corresponds to; a
/// Python-made instance at this migration is adopted without running anything.
pub const PYTHON_LAMINDB_MIGRATION: &str = "0193_v2_9_part_2";

struct Namespaced<S> {
    module: &'static str,
    inner: S,
}

struct NamespacedMigration<DB: diesel::backend::Backend> {
    inner: Box<dyn Migration<DB>>,
    name: NamespacedName,
}

struct NamespacedName {
    full: String,
    version: String,
}

impl fmt::Display for NamespacedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl MigrationName for NamespacedName {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version.as_str())
    }
}

impl<DB: diesel::backend::Backend> Migration<DB> for NamespacedMigration<DB> {
    fn run(
        &self,
        conn: &mut dyn diesel::connection::BoxableConnection<DB>,
    ) -> diesel::migration::Result<()> {
        self.inner.run(conn)
    }
    fn revert(
        &self,
        conn: &mut dyn diesel::connection::BoxableConnection<DB>,
    ) -> diesel::migration::Result<()> {
        self.inner.revert(conn)
    }
    fn metadata(&self) -> &dyn MigrationMetadata {
        self.inner.metadata()
    }
    fn name(&self) -> &dyn MigrationName {
        &self.name
    }
}

impl<DB: diesel::backend::Backend + 'static, S: MigrationSource<DB>> MigrationSource<DB>
    for Namespaced<S>
{
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<DB>>>> {
        Ok(self
            .inner
            .migrations()?
            .into_iter()
            .map(|m| {
                let version = format!("{}/{}", self.module, m.name().version());
                let full = format!("{}/{}", self.module, m.name());
                Box::new(NamespacedMigration {
                    inner: m,
                    name: NamespacedName { full, version },
                }) as Box<dyn Migration<DB>>
            })
            .collect())
    }
}

fn migration_error(e: impl fmt::Display) -> Error {
    Error::Migration(e.to_string())
}

/// Names of the migrations of `module` not yet applied to the database.
pub fn pending(conn: &mut DbConnection, module: &dyn Module) -> Result<Vec<String>> {
    let names = match conn {
        DbConnection::Sqlite(c) => c
            .pending_migrations(Namespaced {
                module: module.name(),
                inner: module.sqlite_migrations(),
            })
            .map_err(migration_error)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        DbConnection::Postgres(c) => c
            .pending_migrations(Namespaced {
                module: module.name(),
                inner: module.postgres_migrations(),
            })
            .map_err(migration_error)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    };
    Ok(names)
}

/// Applies the pending migrations of `module`; returns what was applied.
pub fn apply(conn: &mut DbConnection, module: &dyn Module) -> Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(Namespaced {
                module: module.name(),
                inner: module.sqlite_migrations(),
            })
            .map_err(migration_error)?
            .iter()
            .map(|v| v.to_string())
            .collect(),
        DbConnection::Postgres(c) => c
            .run_pending_migrations(Namespaced {
                module: module.name(),
                inner: module.postgres_migrations(),
            })
            .map_err(migration_error)?
            .iter()
            .map(|v| v.to_string())
            .collect(),
    };
    Ok(applied)
}

mod bookkeeping {
    #![allow(missing_docs)]
    diesel::table! {
        __diesel_schema_migrations (version) {
            version -> Text,
        }
    }
}
use bookkeeping::__diesel_schema_migrations;

/// The modules that have migrations recorded in this database (namespaces of applied versions).
pub fn applied_modules(conn: &mut DbConnection) -> Result<Vec<String>> {
    if !has_table(conn, "__diesel_schema_migrations")? {
        return Ok(Vec::new());
    }
    let versions: Vec<String> = __diesel_schema_migrations::table
        .select(__diesel_schema_migrations::version)
        .load(conn)?;
    let mut mods: Vec<String> = versions
        .iter()
        .filter_map(|v| v.split_once('/').map(|(m, _)| m.to_owned()))
        .collect();
    mods.sort();
    mods.dedup();
    Ok(mods)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Whether a table exists.
pub fn has_table(conn: &mut DbConnection, table: &str) -> Result<bool> {
    let sql = match conn.dialect() {
        crate::db::Dialect::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1"
        }
        crate::db::Dialect::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let c: Count = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(table)
        .get_result(conn)?;
    Ok(c.n > 0)
}

#[derive(QueryableByName)]
struct DjangoMigration {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Adopts a database that Python LaminDB created: when it has the core tables at the migration
/// this schema corresponds to but no diesel bookkeeping, records the core migrations as applied.
/// Then every module of `available` that Python has too (its `python_app`), whose Django app
/// is at the module's migration but whose migrations are not recorded, is adopted the same way.
pub fn adopt_python_instance(
    conn: &mut DbConnection,
    available: &[&'static dyn Module],
) -> Result<bool> {
    if !has_table(conn, "django_migrations")? {
        return Ok(false);
    }
    let mut adopted = false;
    if !has_table(conn, "__diesel_schema_migrations")? {
        let rows: Vec<DjangoMigration> =
            diesel::sql_query("SELECT name FROM django_migrations WHERE app = 'lamindb'")
                .load(conn)?;
        if !rows.iter().any(|r| r.name == PYTHON_LAMINDB_MIGRATION) {
            let newest = rows.iter().map(|r| r.name.as_str()).max().unwrap_or("none");
            return Err(Error::Unsupported(format!(
                "this instance was made by a Python LaminDB whose newest core migration is '{newest}'; \
                 lamindb-rs reads instances at '{PYTHON_LAMINDB_MIGRATION}' (LaminDB 2.12): migrate it with \
                 Python LaminDB 2.12 first"
            )));
        }
        record_applied(conn, core_module())?;
        adopted = true;
    }
    let recorded = applied_modules(conn)?;
    for m in available {
        let Some((app, last)) = m.python_app() else {
            continue;
        };
        if recorded.iter().any(|r| r == m.name()) {
            continue;
        }
        let Some(first) = m.registries().first() else {
            continue;
        };
        if !has_table(conn, first.table)? {
            continue;
        }
        let rows: Vec<DjangoMigration> =
            diesel::sql_query("SELECT name FROM django_migrations WHERE app = $1")
                .bind::<diesel::sql_types::Text, _>(app)
                .load(conn)?;
        if rows.iter().any(|r| r.name == last) {
            record_applied(conn, *m)?;
            adopted = true;
        }
    }
    Ok(adopted)
}

/// Records every migration of `module` as applied (creating diesel's bookkeeping table as
/// diesel would).
fn record_applied(conn: &mut DbConnection, module: &dyn Module) -> Result<()> {
    let names: Vec<String> = match conn {
        DbConnection::Sqlite(c) => {
            let _ = c.applied_migrations().map_err(migration_error)?;
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&Namespaced {
                module: module.name(),
                inner: module.sqlite_migrations(),
            })
            .map_err(migration_error)?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect()
        }
        DbConnection::Postgres(c) => {
            let _ = c.applied_migrations().map_err(migration_error)?;
            MigrationSource::<diesel::pg::Pg>::migrations(&Namespaced {
                module: module.name(),
                inner: module.postgres_migrations(),
            })
            .map_err(migration_error)?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect()
        }
    };
    for version in names {
        diesel::insert_into(__diesel_schema_migrations::table)
            .values(__diesel_schema_migrations::version.eq(version))
            .execute(conn)?;
    }
    Ok(())
}
