//! Finding the schema a dataset is validated against, and Python LaminDB's built-in schemas,
//! created on first use with the uids Python fixes (by their hashes, in the core).

use lamindb_core::db::models::Schema;
use lamindb_core::records::schemas::NewSchema;
use lamindb_core::{ErrorKind, Instance, Result};

/// Any registered feature (`Schema(itype=Feature)`, uid `0000000000000000`).
pub const VALID_FEATURES: &str = "valid_features";
/// Any Ensembl gene id of `bionty.Gene` (uid `0000000000000001`).
pub const VALID_ENSEMBL_GENE_IDS: &str = "valid_ensembl_gene_ids";
/// AnnData with valid features in `obs` and Ensembl gene ids as `var` index (uid
/// `0000000000000002`).
pub const ANNDATA_ENSEMBL_GENES_AND_VALID_FEATURES: &str =
    "anndata_ensembl_gene_ids_and_valid_features_in_obs";
/// AnnData following the CELLxGENE schema 7.1.0: its obs columns and uns keys as optional
/// features, var against Ensembl gene ids, and the schema's own rules ([`crate::cellxgene`]).
pub const CELLXGENE: &str = "cellxgene";

/// The obs columns CELLxGENE requires, with the dtypes their features get.
const CELLXGENE_OBS: [(&str, &str); 11] = [
    ("assay_ontology_term_id", "str"),
    ("cell_type_ontology_term_id", "str"),
    ("development_stage_ontology_term_id", "str"),
    ("disease_ontology_term_id", "str"),
    ("self_reported_ethnicity_ontology_term_id", "str"),
    ("sex_ontology_term_id", "str"),
    ("tissue_ontology_term_id", "str"),
    ("donor_id", "str"),
    ("is_primary_data", "bool"),
    ("suspension_type", "str"),
    ("tissue_type", "str"),
];

/// The uns keys CELLxGENE requires.
const CELLXGENE_UNS: [(&str, &str); 2] = [("organism_ontology_term_id", "str"), ("title", "str")];

/// The name `Artifact.from_anndata(…, schema=…)` accepts for the schema above.
const ANNDATA_ALIAS: &str = "ensembl_gene_ids_and_valid_features_in_obs";

/// How reports and errors name a schema: its name, else its uid.
pub fn label(schema: &Schema) -> &str {
    schema.name.as_deref().unwrap_or(&schema.uid)
}

/// The dict at `slot` (`uns`, `attrs:study:donors`: the keys after the first `:`) below
/// `root`, if every key names a dict.
pub(crate) fn dict_at<'a>(
    root: &'a serde_json::Map<String, serde_json::Value>,
    slot: &str,
) -> Option<&'a serde_json::Map<String, serde_json::Value>> {
    slot.split(':')
        .skip(1)
        .try_fold(root, |at, key| at.get(key)?.as_object())
}

/// The schema named (or with uid) `name`; a built-in one is created when missing.
pub fn resolve(inst: &Instance, name: &str) -> Result<Schema> {
    let name = if name == ANNDATA_ALIAS {
        ANNDATA_ENSEMBL_GENES_AND_VALID_FEATURES
    } else {
        name
    };
    match inst.schemas().get(name) {
        Err(e) if e.kind() == ErrorKind::NotFound => match builtin(inst, name)? {
            Some(s) => Ok(s),
            None => Err(e),
        },
        other => other,
    }
}

/// Creates the built-in schema `name`, if it is one.
fn builtin(inst: &Instance, name: &str) -> Result<Option<Schema>> {
    let spec = match name {
        VALID_FEATURES => NewSchema {
            itype: Some("Feature".into()),
            ..Default::default()
        },
        VALID_ENSEMBL_GENE_IDS => NewSchema {
            itype: Some("bionty.Gene.ensembl_gene_id".into()),
            ..Default::default()
        },
        ANNDATA_ENSEMBL_GENES_AND_VALID_FEATURES => NewSchema {
            otype: Some("AnnData".into()),
            slots: vec![
                ("obs".into(), resolve(inst, VALID_FEATURES)?),
                ("var.T".into(), resolve(inst, VALID_ENSEMBL_GENE_IDS)?),
            ],
            ..Default::default()
        },
        CELLXGENE => {
            let component = |name: &str, columns: &[(&str, &str)]| -> Result<Schema> {
                let mut members = Vec::new();
                for (f, dtype) in columns {
                    let f = inst
                        .features()
                        .create(lamindb_core::records::features::NewFeature::new(*f, *dtype))?
                        .record;
                    members.push(lamindb_core::records::schemas::SchemaMember::optional(f));
                }
                let mut spec = NewSchema::of_features(members).named(name);
                spec.description = Some(format!(
                    "CELLxGENE schema {} ({name})",
                    crate::cellxgene::SCHEMA_VERSION
                ));
                Ok(inst.schemas().create(spec)?.record)
            };
            NewSchema {
                otype: Some("AnnData".into()),
                description: Some(format!(
                    "CELLxGENE schema {}: obs, var and uns as cellxgene-schema validates them",
                    crate::cellxgene::SCHEMA_VERSION
                )),
                slots: vec![
                    ("obs".into(), component("cellxgene_obs", &CELLXGENE_OBS)?),
                    ("var.T".into(), resolve(inst, VALID_ENSEMBL_GENE_IDS)?),
                    ("uns".into(), component("cellxgene_uns", &CELLXGENE_UNS)?),
                ],
                ..Default::default()
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(inst.schemas().create(spec.named(name))?.record))
}
