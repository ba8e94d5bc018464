//! A small, real schema module used to prove lamindb-rs's module mechanism: one registry
//! (`testmodule.Experiment`, table `testmodule_experiment`, optionally linked to an artifact), a
//! feature-aware label link to artifacts (`artifact.experiments`, table
//! `testmodule_artifactexperiment`), a seeded lookup table, and migrations for SQLite and
//! Postgres.
//!
//! The registry is declared as data next to its diesel `table!`s, the same way the core
//! registries are; everything generic (queries, annotation, describe, DataFrames, delete) then
//! works on it.

use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use lamindb_core::db::sql_types::UtcTime;
use lamindb_core::db::DbConnection;
use lamindb_core::meta::{
    FeatureColumn, FieldMeta, FieldType, LinkMeta, Module, RegistryMeta, SeedContext, Tracks,
};
use lamindb_core::{Instance, Result};

mod schema {
    #![allow(missing_docs)]
    diesel::table! {
        testmodule_experiment (id) {
            id -> Integer,
            uid -> Text,
            name -> Text,
            artifact_id -> Nullable<Integer>,
            created_at -> lamindb_core::db::sql_types::DateTimeUtc,
            created_by_id -> Integer,
        }
    }
    diesel::table! {
        testmodule_kind (id) {
            id -> Integer,
            name -> Text,
        }
    }
}
use schema::{testmodule_experiment as exp, testmodule_kind as kind};

/// The module's name.
pub const NAME: &str = "testmodule";

/// The seeded kinds.
pub const SEEDED_KINDS: [&str; 2] = ["in vitro", "in vivo"];

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// `testmodule.Experiment`.
pub static EXPERIMENT: RegistryMeta = RegistryMeta {
    name: "testmodule.Experiment",
    table: "testmodule_experiment",
    name_field: Some("name"),
    uid_len: Some(12),
    fields: &[
        FieldMeta {
            name: "id",
            field_type: FieldType::Int,
            max_len: None,
            default: None,
        },
        FieldMeta {
            name: "uid",
            field_type: FieldType::Text,
            max_len: Some(12),
            default: None,
        },
        FieldMeta {
            name: "name",
            field_type: FieldType::Text,
            max_len: Some(255),
            default: None,
        },
        FieldMeta {
            name: "artifact_id",
            field_type: FieldType::ForeignKey("lamindb_artifact"),
            max_len: None,
            default: None,
        },
        FieldMeta {
            name: "created_at",
            field_type: FieldType::DateTime,
            max_len: None,
            default: None,
        },
        FieldMeta {
            name: "created_by_id",
            field_type: FieldType::ForeignKey("lamindb_user"),
            max_len: None,
            default: None,
        },
    ],
    reverse_keys: &[],
    links: &[LinkMeta {
        table: "testmodule_artifactexperiment",
        host: "lamindb_artifact",
        host_column: "artifact_id",
        value: "testmodule_experiment",
        value_column: "experiment_id",
        accessor: "experiments",
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

static REGISTRIES: &[&RegistryMeta] = &[&EXPERIMENT];

/// The module.
pub struct TestModule;

impl Module for TestModule {
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
    fn seed(&self, conn: &mut DbConnection, _ctx: &SeedContext) -> Result<()> {
        for name in SEEDED_KINDS {
            diesel::insert_into(kind::table)
                .values(kind::name.eq(name))
                .execute(conn)?;
        }
        Ok(())
    }
}

/// The module value, for [`lamindb_core::ModuleSet::with`].
pub static MODULE: TestModule = TestModule;
lamindb_core::register_module!(MODULE);

/// An experiment row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = exp)]
pub struct Experiment {
    /// Id.
    pub id: i32,
    /// uid (12 characters).
    pub uid: String,
    /// Name.
    pub name: String,
    /// Linked artifact.
    pub artifact_id: Option<i32>,
}

/// Creates an experiment, optionally linked to an artifact.
pub fn create_experiment(
    inst: &Instance,
    name: &str,
    artifact_id: Option<i32>,
) -> Result<Experiment> {
    let mut conn = inst.conn();
    let uid = lamindb_core::util::uid::random(12);
    diesel::insert_into(exp::table)
        .values((
            exp::uid.eq(&uid),
            exp::name.eq(name),
            exp::artifact_id.eq(artifact_id),
            exp::created_at.eq(UtcTime::now()),
            exp::created_by_id.eq(inst.user().id),
        ))
        .execute(&mut *conn)?;
    Ok(exp::table
        .filter(exp::uid.eq(uid))
        .select(Experiment::as_select())
        .first(&mut *conn)?)
}

/// All experiments, in creation order.
pub fn experiments(inst: &Instance) -> Result<Vec<Experiment>> {
    let mut conn = inst.conn();
    Ok(exp::table
        .order(exp::id)
        .select(Experiment::as_select())
        .load(&mut *conn)?)
}

/// The seeded kinds, in id order.
pub fn kinds(inst: &Instance) -> Result<Vec<String>> {
    let mut conn = inst.conn();
    Ok(kind::table
        .order(kind::id)
        .select(kind::name)
        .load(&mut *conn)?)
}
