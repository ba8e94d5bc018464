//! wetlab: Python pertdb 2.x's perturbation registries as a lamindb-rs schema module.
//!
//! The module is `pertdb` (Python's Django app and the name Python LaminDB writes in instance
//! settings and dtypes: `cat[pertdb.Compound]`); `wetlab` is accepted as an alias
//! (`--modules bionty,wetlab`, `wetlab.Compound`). Its tables keep Python's `wetlab_*` names and
//! columns on both backends (generated from Python's DDL, [`registries`]), with the
//! `django_migrations` rows Python expects. It needs bionty: targets link to `bionty.Gene`,
//! `bionty.Pathway` and `bionty.Protein`, records to `bionty.Source`.

pub mod registries;

use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use lamindb_core::meta::{Module, RegistryMeta};
use lamindb_core::records::generic::CreatedRecord;
use lamindb_core::util::uid::md5_uid;
use lamindb_core::{Error, Instance, Result};

/// The module's name (Python's app label).
pub const NAME: &str = "pertdb";

/// The module's other name.
pub const ALIAS: &str = "wetlab";

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// `GeneticPerturbation.type`: Python's `GeneticPerturbationSystem`.
pub const GENETIC_PERTURBATION_SYSTEMS: &[&str] = &[
    "control",
    "CRISPR-Cas9",
    "CRISPR-Cas13",
    "CRISPRi",
    "CRISPRa",
    "overexpression",
    "mutant overexpression",
    "shRNA",
    "siRNA",
    "transgene",
    "transient-transfection",
];

/// `Biologic.type`: Python's `BiologicType`.
pub const BIOLOGIC_TYPES: &[&str] = &[
    "control",
    "protein",
    "peptide",
    "antibody",
    "enzyme",
    "growth-factor",
    "cytokine",
    "hormone",
    "vaccine",
    "oligonucleotide",
    "co-culture",
    "ligand",
];

/// Fields whose values are one of a fixed list: `(registry, field, values)`.
pub const CHOICES: &[(&str, &str, &[&str])] = &[
    (
        "pertdb.GeneticPerturbation",
        "type",
        GENETIC_PERTURBATION_SYSTEMS,
    ),
    ("pertdb.Biologic", "type", BIOLOGIC_TYPES),
];

/// The pertdb module.
pub struct Pertdb;

impl Module for Pertdb {
    fn name(&self) -> &'static str {
        NAME
    }
    fn aliases(&self) -> &'static [&'static str] {
        &[ALIAS]
    }
    fn sqlite_migrations(&self) -> EmbeddedMigrations {
        SQLITE
    }
    fn postgres_migrations(&self) -> EmbeddedMigrations {
        POSTGRES
    }
    fn registries(&self) -> &'static [&'static RegistryMeta] {
        registries::WETLAB_REGISTRIES
    }
    fn depends_on(&self) -> &'static [&'static str] {
        &[bionty::NAME]
    }
    fn python_app(&self) -> Option<(&'static str, &'static str)> {
        Some(("pertdb", "0002_biologic_created_on_and_more"))
    }
}

/// The module value, for [`lamindb_core::ModuleSet::with`].
pub static MODULE: Pertdb = Pertdb;
lamindb_core::register_module!(MODULE);

/// Creates a record of a pertdb registry (`pertdb.Compound`, `wetlab.Biologic`, …) with `name`
/// and other `fields` (`type`, `ontology_id`, `smiles`, `concentration`, …), or returns the one
/// with the same uid. Fields with a fixed list of values are checked against it; the uid is
/// bionty's: from `ontology_id` when given, else from the name.
pub fn create(
    inst: &Instance,
    registry: &str,
    name: &str,
    fields: &[(String, String)],
) -> Result<CreatedRecord> {
    let meta = inst.catalog().registry(registry)?;
    if !meta.name.starts_with("pertdb.") {
        return Err(Error::Validation(format!(
            "{} is not a pertdb registry",
            meta.name
        )));
    }
    for (field, value) in fields {
        if let Some((_, _, allowed)) = CHOICES
            .iter()
            .find(|(r, f, _)| *r == meta.name && f == field)
        {
            if !allowed.contains(&value.as_str()) {
                return Err(Error::Validation(format!(
                    "'{value}' is not a valid {} {field}; valid: {}",
                    meta.name,
                    allowed.join(", ")
                )));
            }
        }
    }
    let ontology_id = fields
        .iter()
        .find(|(f, _)| f == "ontology_id")
        .map(|(_, v)| v.as_str());
    // As bionty's `encode_uid`: the ontology id, else the name (no organism in pertdb).
    let uid = md5_uid(ontology_id.unwrap_or(name), 14);
    inst.create_record(meta.name, name, fields, Some(uid))
}
