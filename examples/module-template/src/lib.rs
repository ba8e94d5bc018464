//! mylab: a template for a lab's own lamindb-rs schema module.
//!
//! Copy this crate, rename `mylab` (crate, tables, registry names), and describe your
//! registries. Four things make a module:
//!
//! 1. **Migrations** for both backends under `migrations/{sqlite,postgres}/<version>_<name>/`
//!    (`up.sql`, `down.sql`), embedded with `embed_migrations!`. Tables are prefixed with the
//!    module's name. A registry that annotates artifacts gets a link table shaped like Python
//!    LaminDB's (`artifact_id`, `<value>_id`, `feature_id` NULL, `run_id`, `created_at`,
//!    `created_by_id`), so its records can be labels and values of `cat[mylab.Sample]` features.
//! 2. **Registry descriptions**: one [`RegistryMeta`] per registry, with its fields and the
//!    link tables it owns ([`LinkMeta`], with the accessor on each end). Everything generic —
//!    queries (`samples__name=…`), annotation, describe, DataFrames, search, delete — reads
//!    only these; `tests/it/core/meta.rs` shows how to check them against the live schema.
//! 3. **The [`Module`] implementation** (name, migrations, registries, dependencies, seed rows),
//!    registered with [`lamindb_core::register_module!`].
//! 4. **Linking**: a program includes the module by naming the crate (`use mylab as _;`); an
//!    instance uses it when created with it (`lamin init --modules mylab`, or
//!    `InitOptions::modules`), or after `lamin migrate deploy` once it is added to an existing
//!    instance's settings. See `src/main.rs`.

use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use lamindb_core::db::rows::{Bind, Sql};
use lamindb_core::db::DbConnection;
use lamindb_core::meta::{
    FeatureColumn, FieldMeta, FieldType, LinkMeta, Module, RegistryMeta, SeedContext, Tracks,
};
use lamindb_core::{Instance, Result};

/// The module's name: the prefix of its tables and registry names.
pub const NAME: &str = "mylab";

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

const fn field(name: &'static str, field_type: FieldType, max_len: Option<usize>) -> FieldMeta {
    FieldMeta {
        name,
        field_type,
        max_len,
        default: None,
    }
}

/// `mylab.Sample`.
pub static SAMPLE: RegistryMeta = RegistryMeta {
    name: "mylab.Sample",
    table: "mylab_sample",
    name_field: Some("name"),
    uid_len: Some(12),
    fields: &[
        field("id", FieldType::Int, None),
        field("uid", FieldType::Text, Some(12)),
        field("name", FieldType::Text, Some(255)),
        field("description", FieldType::Text, None),
        field("tissue_kind", FieldType::Text, Some(64)),
        field("created_at", FieldType::DateTime, None),
        field("created_by_id", FieldType::ForeignKey("lamindb_user"), None),
        field("run_id", FieldType::ForeignKey("lamindb_run"), None),
    ],
    reverse_keys: &[],
    links: &[LinkMeta {
        table: "mylab_artifactsample",
        host: "lamindb_artifact",
        host_column: "artifact_id",
        value: "mylab_sample",
        value_column: "sample_id",
        accessor: "samples",
        reverse: Some("artifacts"),
        feature: FeatureColumn::Optional,
        tracks: Tracks {
            created_at: true,
            created_by: true,
            run: true,
        },
        label: true,
    }],
    aliases: &[],
    values: None,
    value_names: &[],
};

static REGISTRIES: &[&RegistryMeta] = &[&SAMPLE];

/// Samples every new instance starts with.
pub const SEED_SAMPLES: [&str; 1] = ["reference sample"];

/// The module.
pub struct MyLab;

impl Module for MyLab {
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
        REGISTRIES
    }
    fn seed(&self, conn: &mut DbConnection, ctx: &SeedContext) -> Result<()> {
        for name in SEED_SAMPLES {
            insert_sample(conn, name, None, ctx.user_id, None)?;
        }
        Ok(())
    }
}

/// The module value (for `ModuleSet::core().with(&mylab::MODULE)` in tests).
pub static MODULE: MyLab = MyLab;
lamindb_core::register_module!(MODULE);

fn insert_sample(
    conn: &mut DbConnection,
    name: &str,
    tissue_kind: Option<&str>,
    user_id: i32,
    run_id: Option<i64>,
) -> Result<usize> {
    SAMPLE.check_len("name", name)?;
    let mut sql = Sql::default();
    sql.push("INSERT INTO mylab_sample (uid, name, tissue_kind, created_by_id, run_id) VALUES (")
        .bind(Bind::Text(lamindb_core::util::uid::random(12)))
        .push(", ")
        .bind(Bind::Text(name.to_owned()))
        .push(", ")
        .bind_opt(tissue_kind.map(|t| Bind::Text(t.to_owned())))
        .push(", ")
        .bind(Bind::Int(user_id.into()))
        .push(", ")
        .bind_opt(run_id.map(Bind::Int))
        .push(") ON CONFLICT DO NOTHING");
    sql.execute(conn)
}

/// Creates a sample (an existing one with the name is kept); returns whether it is new.
pub fn create_sample(inst: &Instance, name: &str, tissue_kind: Option<&str>) -> Result<bool> {
    let run = inst.current_run()?.map(|r| r.id);
    let user = inst.user().id;
    let mut conn = inst.conn();
    conn.write(|c| Ok(insert_sample(c, name, tissue_kind, user, run)? > 0))
}
