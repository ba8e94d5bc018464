//! Validating an AnnData (`.h5ad`, `.zarr`) against a composite schema (`otype = AnnData`),
//! slot by slot as Python LaminDB's `AnnDataCurator` does: `obs` (and `var` with
//! `itype = Feature`) and `uns`/`uns:<key>` as DataFrames of features, `var.T` as the var
//! index against the slot's identifier type (e.g. `bionty.Gene.ensembl_gene_id`).

use std::collections::BTreeMap;

use lamindb_core::db::models::{Artifact, Schema};
use lamindb_core::meta::Dtype;
use lamindb_core::records::artifact::{NewArtifactSpec, Saved};
use lamindb_core::records::schemas::NewSchema;
use lamindb_core::{Error, Instance, Result};
use polars::prelude::*;
use serde::Serialize;

use crate::anndata::AnnData;
use crate::dataframe::{link_feature_set, mark_validated, DataFrameCurator, Problem, Report};
use crate::values::Vocabulary;

/// What validates one slot.
enum Slot<'a> {
    /// Columns of features (`obs`, `var`, `uns…` as a one-row frame).
    Frame(Box<DataFrameCurator<'a>>),
    /// The var index against the slot schema's identifier type (`var.T`).
    Index(Box<IndexCurator>),
}

/// Validates identifiers (the var index) against a registry field.
struct IndexCurator {
    schema: Schema,
    /// The registry and field, as written in `itype`.
    itype: String,
    values: Vec<String>,
    /// Filled by validation: how many values are records.
    vocabulary: Vocabulary,
}

impl IndexCurator {
    fn new(inst: &Instance, schema: Schema, values: Vec<String>) -> Result<Self> {
        let itype = schema
            .itype
            .clone()
            .filter(|i| !i.is_empty())
            .ok_or_else(|| {
                Error::Validation(format!(
                    "schema '{}' of slot var.T has no itype; define it with e.g. itype bionty.Gene.ensembl_gene_id",
                    crate::schemas::label(&schema)
                ))
            })?;
        let parsed = Dtype::parse(&format!("cat[{itype}]"))?;
        let spec = parsed
            .cat_specs()
            .iter()
            .next()
            .ok_or_else(|| Error::Validation(format!("itype '{itype}' names no registry")))?;
        let vocabulary = Vocabulary::of_spec(inst, spec)?;
        Ok(IndexCurator {
            schema,
            itype,
            values,
            vocabulary,
        })
    }

    /// The inferred feature set of the var index, as Python makes it: the validated records as
    /// members (`bionty_schemagene` for genes) with the validating schema's set flags, or only
    /// their number above [`crate::dataframe::MAX_LABELS`].
    fn feature_set(&self, inst: &Instance) -> Result<Option<Schema>> {
        let ok = self.vocabulary.validate(&self.values);
        let valid: Vec<&String> = self
            .values
            .iter()
            .zip(&ok)
            .filter(|(_, ok)| **ok)
            .map(|(v, _)| v)
            .collect();
        if valid.is_empty() {
            return Ok(None);
        }
        if valid.len() > crate::dataframe::MAX_LABELS {
            let set = NewSchema {
                itype: Some(self.itype.clone()),
                n_members: Some(valid.len() as i32),
                ..Default::default()
            };
            return Ok(Some(inst.schemas().create(set)?.record));
        }
        let parsed = Dtype::parse(&format!("cat[{}]", self.itype))?;
        let spec = &parsed.cat_specs()[0];
        let meta = inst.catalog().registry(&spec.registry)?;
        let field = spec
            .field
            .as_deref()
            .or(meta.name_field)
            .unwrap_or("uid")
            .to_owned();
        let list = lamindb_core::query::Value::List(
            valid
                .iter()
                .map(|v| lamindb_core::query::Value::Text((*v).clone()))
                .collect(),
        );
        let rows = inst
            .query_registry(meta.name)?
            .filter(lamindb_core::query::Q::new(format!("{field}__in"), list))
            .rows(&["id", "uid", &field])?;
        // In the var order, each record once.
        let mut by_value: std::collections::HashMap<String, (i64, String)> =
            std::collections::HashMap::new();
        for r in &rows.rows {
            by_value
                .entry(r[2].display())
                .or_insert((r[0].as_i64().unwrap_or_default(), r[1].display()));
        }
        let mut seen = std::collections::HashSet::new();
        let records: Vec<(i64, String)> = valid
            .iter()
            .filter_map(|v| by_value.get(*v).cloned())
            .filter(|(id, _)| seen.insert(*id))
            .collect();
        let set = NewSchema {
            itype: Some(self.itype.clone()),
            records: Some(lamindb_core::records::schemas::RecordMembers {
                registry: meta.name.to_owned(),
                records,
            }),
            minimal_set: self.schema.minimal_set,
            maximal_set: self.schema.maximal_set,
            ordered_set: self.schema.ordered_set,
            coerce: self.schema.coerce.unwrap_or(false),
            ..Default::default()
        };
        Ok(Some(inst.schemas().create(set)?.record))
    }

    fn validate(&self) -> Report {
        let ok = self.vocabulary.validate(&self.values);
        let mut missing: BTreeMap<&str, usize> = BTreeMap::new();
        for (v, ok) in self.values.iter().zip(&ok) {
            if !ok {
                *missing.entry(v.as_str()).or_default() += 1;
            }
        }
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        if !missing.is_empty() {
            if self.schema.maximal_set {
                let mut values: Vec<(String, usize)> =
                    missing.iter().map(|(v, n)| ((*v).to_owned(), *n)).collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                problems.push(Problem::NonValidated {
                    column: "var_index".into(),
                    registry: self.itype.clone(),
                    values,
                    synonyms: BTreeMap::new(),
                });
            } else {
                notes.push(format!(
                    "{} of {} var names are not in {} (allowed: the schema is not a maximal set)",
                    missing.len(),
                    self.values.len(),
                    self.itype
                ));
            }
        }
        Report {
            schema: crate::schemas::label(&self.schema).to_owned(),
            n_rows: self.values.len(),
            problems,
            notes,
        }
    }
}

/// The report of one slot.
#[derive(Debug, Clone, Serialize)]
pub struct SlotReport {
    /// `obs`, `var.T`, `uns`, …
    pub slot: String,
    /// Its validation.
    #[serde(flatten)]
    pub report: Report,
}

/// The outcome of [`AnnDataCurator::validate`]: one report per slot.
#[derive(Debug, Clone, Serialize)]
pub struct AnnDataReport {
    /// The composite schema.
    pub schema: String,
    /// Observations.
    pub n_obs: usize,
    /// Variables.
    pub n_vars: usize,
    /// Per slot, in the schema's order.
    pub slots: Vec<SlotReport>,
}

impl AnnDataReport {
    /// Whether every slot is valid.
    pub fn is_valid(&self) -> bool {
        self.slots.iter().all(|s| s.report.is_valid())
    }
}

impl std::fmt::Display for AnnDataReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.is_valid() { "✓" } else { "✗" };
        write!(
            f,
            "{mark} AnnData ({} × {}) against schema '{}'",
            self.n_obs, self.n_vars, self.schema
        )?;
        for s in &self.slots {
            write!(f, "\n[{}] ", s.slot)?;
            let text = s.report.to_string();
            write!(f, "{}", text.trim_end())?;
        }
        Ok(())
    }
}

/// What [`AnnDataCurator::save_artifact`] did.
#[derive(Debug)]
pub struct SavedAnnData {
    /// The artifact (with `schema_id`, `otype = AnnData`, `kind`, `n_observations`).
    pub saved: Saved,
    /// Labels linked per obs feature.
    pub labels: BTreeMap<String, usize>,
    /// The inferred feature set per slot.
    pub feature_sets: Vec<(String, Schema)>,
}

/// An AnnData and the composite schema it should satisfy.
pub struct AnnDataCurator<'a> {
    inst: &'a Instance,
    adata: AnnData,
    schema: Schema,
    slots: Vec<(String, Slot<'a>)>,
}

/// One row of the scalars of a dict in `uns` (Python's dict slots), keyed by `uns:a:b`.
fn dict_frame(adata: &AnnData, slot: &str) -> Result<DataFrame> {
    let at = crate::schemas::dict_at(&adata.uns, slot)
        .ok_or_else(|| Error::Validation(format!("slot '{slot}': uns has no such dict")))?;
    crate::dataframe::one_row(at)
}

impl<'a> AnnDataCurator<'a> {
    /// A curator of `adata` against the composite schema named (or with uid) `schema`; the
    /// built-in `anndata_ensembl_gene_ids_and_valid_features_in_obs` is created on first use.
    pub fn new(inst: &'a Instance, adata: AnnData, schema: &str) -> Result<Self> {
        let schema = crate::schemas::resolve(inst, schema)?;
        if schema.otype.as_deref() != Some("AnnData") {
            return Err(Error::Validation(format!(
                "Schema otype must be 'AnnData' (schema '{}' has {}); validate AnnData against a composite schema with slots obs, var.T, uns",
                crate::schemas::label(&schema),
                schema.otype.as_deref().map_or("none".to_owned(), |o| format!("'{o}'"))
            )));
        }
        let components = inst.schemas().slots(&schema)?;
        if components.is_empty() {
            return Err(Error::Validation(format!(
                "schema '{}' has no slots; an AnnData schema names its slots (obs, var.T, uns)",
                crate::schemas::label(&schema)
            )));
        }
        let mut slots = Vec::with_capacity(components.len());
        for (slot, component) in components {
            let is_feature_set = component.itype.as_deref().is_none_or(|i| i == "Feature");
            let curator = match slot.as_str() {
                "obs" => Slot::Frame(Box::new(DataFrameCurator::with_schema(
                    inst,
                    adata.obs.df.clone(),
                    component,
                )?)),
                "var" if is_feature_set => Slot::Frame(Box::new(DataFrameCurator::with_schema(
                    inst,
                    adata.var.df.clone(),
                    component,
                )?)),
                // `var` with a non-Feature itype is transposed, as Python does for old schemas.
                "var.T" | "var" => Slot::Index(Box::new(IndexCurator::new(
                    inst,
                    component,
                    adata.var.index.clone(),
                )?)),
                s if s == "uns" || s.starts_with("uns:") => Slot::Frame(Box::new(
                    DataFrameCurator::with_schema(inst, dict_frame(&adata, s)?, component)?,
                )),
                other => {
                    return Err(Error::Validation(format!(
                        "AnnDataCurator currently only supports the slots 'var', 'var.T', 'obs', and 'uns', not {other}"
                    )))
                }
            };
            slots.push((slot, curator));
        }
        Ok(AnnDataCurator {
            inst,
            adata,
            schema,
            slots,
        })
    }

    /// The AnnData.
    pub fn adata(&self) -> &AnnData {
        &self.adata
    }

    /// Validates every slot; the report lists every failure.
    pub fn validate(&self) -> Result<AnnDataReport> {
        let mut slots = Vec::with_capacity(self.slots.len());
        for (slot, curator) in &self.slots {
            let report = match curator {
                Slot::Frame(c) => c.validate()?,
                Slot::Index(c) => c.validate(),
            };
            slots.push(SlotReport {
                slot: slot.clone(),
                report,
            });
        }
        if self.schema.name.as_deref() == Some(crate::schemas::CELLXGENE) {
            let errors = crate::cellxgene::validate(self.inst, &self.adata)?;
            slots.push(SlotReport {
                slot: "cellxgene".into(),
                report: Report {
                    schema: format!("CELLxGENE {}", crate::cellxgene::SCHEMA_VERSION),
                    n_rows: self.adata.n_obs(),
                    problems: errors
                        .into_iter()
                        .map(|message| Problem::Rule { message })
                        .collect(),
                    notes: Vec::new(),
                },
            });
        }
        Ok(AnnDataReport {
            schema: crate::schemas::label(&self.schema).to_owned(),
            n_obs: self.adata.n_obs(),
            n_vars: self.adata.n_vars(),
            slots,
        })
    }

    /// The frame slot that has feature `key` (`obs:cell_type` or `cell_type`).
    fn frame_of(&mut self, key: &str) -> Result<(&mut DataFrameCurator<'a>, String)> {
        let (slot, column) = match key.rsplit_once(':') {
            Some((s, c)) if self.slots.iter().any(|(n, _)| n == s) => (Some(s.to_owned()), c),
            _ => (None, key),
        };
        for (name, curator) in &mut self.slots {
            if slot.as_ref().is_some_and(|s| s != name) {
                continue;
            }
            if let Slot::Frame(c) = curator {
                if c.has_column(column) {
                    return Ok((c, column.to_owned()));
                }
            }
        }
        Err(Error::Validation(format!(
            "no slot of schema '{}' has a column '{key}'; name it as SLOT:COLUMN, e.g. obs:cell_type",
            crate::schemas::label(&self.schema)
        )))
    }

    /// Replaces case variants and synonyms in the categorical columns of the frame slots
    /// (all, or the column `key`), in memory; returns the mapping per `slot:column`.
    pub fn standardize(
        &mut self,
        key: Option<&str>,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
        let mut out = BTreeMap::new();
        if let Some(key) = key {
            let (c, column) = self.frame_of(key)?;
            for (col, m) in c.standardize(Some(&column))? {
                out.insert(col, m);
            }
            return Ok(out);
        }
        for (slot, curator) in &mut self.slots {
            if let Slot::Frame(c) = curator {
                for (col, m) in c.standardize(None)? {
                    out.insert(format!("{slot}:{col}"), m);
                }
            }
        }
        Ok(out)
    }

    /// Creates the missing records of categorical column `key` (`obs:cell_type` or
    /// `cell_type`); returns how many.
    pub fn add_new_from(&mut self, key: &str) -> Result<usize> {
        let (c, column) = self.frame_of(key)?;
        c.add_new_from(&column)
    }

    /// Validates, then saves the file (`spec.path`) as an artifact validated by the schema:
    /// `schema_id`, `otype = AnnData`, `kind = dataset`, `n_observations`; obs labels with
    /// their features; per slot the inferred feature set (`lamindb_artifactschema`). An
    /// invalid AnnData is an error with the report, and nothing is saved.
    pub fn save_artifact(&self, mut spec: NewArtifactSpec) -> Result<SavedAnnData> {
        let report = self.validate()?;
        if !report.is_valid() {
            return Err(Error::Validation(format!("{report}\nnothing was saved")));
        }
        crate::dataframe::check_suffix(&self.schema, &spec.path)?;
        spec.kind.get_or_insert_with(|| "dataset".to_owned());
        let saved = self.inst.artifacts().save(spec)?;
        let artifact: Artifact = mark_validated(
            self.inst,
            &saved.artifact,
            Some(&self.schema),
            "AnnData",
            self.adata.n_obs(),
        )?;
        let mut labels = BTreeMap::new();
        let mut feature_sets = Vec::new();
        for (slot, curator) in &self.slots {
            let set = match curator {
                Slot::Frame(c) => {
                    labels.extend(c.link_labels(&artifact)?);
                    c.feature_set()?
                }
                Slot::Index(c) => match c.feature_set(self.inst)? {
                    Some(set) => set,
                    None => continue,
                },
            };
            link_feature_set(self.inst, &artifact, &set, slot)?;
            feature_sets.push((slot.clone(), set));
        }
        Ok(SavedAnnData {
            saved: Saved {
                artifact,
                status: saved.status,
            },
            labels,
            feature_sets,
        })
    }
}
