//! The ontology entities: what bionty knows about each registry beyond its table.

use lamindb_core::meta::RegistryMeta;
use lamindb_core::{Error, Result};

use crate::registries as r;

/// A bionty registry that holds ontology terms or gene-like records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// `bionty.Organism` (NCBITaxon, Ensembl species).
    Organism,
    /// `bionty.Gene` (Ensembl).
    Gene,
    /// `bionty.Protein` (UniProt).
    Protein,
    /// `bionty.CellMarker` (CellMarker).
    CellMarker,
    /// `bionty.CellType` (CL).
    CellType,
    /// `bionty.CellLine` (Cellosaurus, CLO, DepMap).
    CellLine,
    /// `bionty.Tissue` (UBERON).
    Tissue,
    /// `bionty.Disease` (MONDO, DOID, ICD).
    Disease,
    /// `bionty.Phenotype` (PATO, HP, phecodes).
    Phenotype,
    /// `bionty.Pathway` (GO, PW).
    Pathway,
    /// `bionty.ExperimentalFactor` (EFO).
    ExperimentalFactor,
    /// `bionty.DevelopmentalStage` (HsapDv, MmusDv).
    DevelopmentalStage,
    /// `bionty.Ethnicity` (HANCESTRO).
    Ethnicity,
}

impl Entity {
    /// Every entity, in the order of Python's `bionty/models.py`.
    pub const ALL: [Entity; 13] = [
        Entity::Organism,
        Entity::Gene,
        Entity::Protein,
        Entity::CellMarker,
        Entity::CellType,
        Entity::CellLine,
        Entity::Tissue,
        Entity::Disease,
        Entity::Phenotype,
        Entity::Pathway,
        Entity::ExperimentalFactor,
        Entity::DevelopmentalStage,
        Entity::Ethnicity,
    ];

    /// The registry description.
    pub fn meta(self) -> &'static RegistryMeta {
        match self {
            Entity::Organism => &r::ORGANISM,
            Entity::Gene => &r::GENE,
            Entity::Protein => &r::PROTEIN,
            Entity::CellMarker => &r::CELLMARKER,
            Entity::CellType => &r::CELLTYPE,
            Entity::CellLine => &r::CELLLINE,
            Entity::Tissue => &r::TISSUE,
            Entity::Disease => &r::DISEASE,
            Entity::Phenotype => &r::PHENOTYPE,
            Entity::Pathway => &r::PATHWAY,
            Entity::ExperimentalFactor => &r::EXPERIMENTALFACTOR,
            Entity::DevelopmentalStage => &r::DEVELOPMENTALSTAGE,
            Entity::Ethnicity => &r::ETHNICITY,
        }
    }

    /// The class name (`CellType`).
    pub fn class(self) -> &'static str {
        self.name().trim_start_matches("bionty.")
    }

    /// The registry name with its module, as `bionty_source.entity` stores it (`bionty.CellType`).
    pub fn name(self) -> &'static str {
        self.meta().name
    }

    /// The entity called `name`: `CellType`, `bionty.CellType`, `celltype` or `cell_type` (case
    /// is ignored).
    pub fn parse(name: &str) -> Result<Entity> {
        let norm = |s: &str| {
            s.trim_start_matches("bionty.")
                .replace('_', "")
                .to_ascii_lowercase()
        };
        let wanted = norm(name);
        Entity::ALL
            .into_iter()
            .find(|e| norm(e.class()) == wanted)
            .ok_or_else(|| {
                Error::Validation(format!(
                    "unknown bionty entity '{name}'; entities: {}",
                    Entity::ALL.map(Entity::class).join(", ")
                ))
            })
    }

    /// The field holding the identifier a public source gives each record (`ontology_id`,
    /// `ensembl_gene_id`, `uniprotkb_id`), and whose hash is the record's uid.
    pub fn id_field(self) -> &'static str {
        match self {
            Entity::Gene => "ensembl_gene_id",
            Entity::Protein => "uniprotkb_id",
            Entity::CellMarker => "name",
            _ => "ontology_id",
        }
    }

    /// The field that names a record (`name`, `symbol` for genes).
    pub fn name_field(self) -> &'static str {
        self.meta().name_field.unwrap_or("name")
    }

    /// Whether records need an organism (`organism_id` NOT NULL in Python's model).
    pub fn needs_organism(self) -> bool {
        matches!(self, Entity::Gene | Entity::Protein | Entity::CellMarker)
    }

    /// Whether records form a hierarchy (`bionty_<x>_parents`).
    pub fn has_parents(self) -> bool {
        self.parents_table().is_some()
    }

    /// The hierarchy link table with its child and parent columns.
    pub fn parents_table(self) -> Option<(&'static str, &'static str, &'static str)> {
        self.meta()
            .links
            .iter()
            .find(|l| l.accessor == "parents" && l.host == self.meta().table)
            .map(|l| (l.table, l.host_column, l.value_column))
    }

    /// Whether the records are ontology terms (name + ontology_id + parents).
    pub fn is_ontology(self) -> bool {
        self.meta().field("ontology_id").is_some()
    }

    /// Relations whose objects count as parents besides `is_a` when a source is read, as
    /// Python bionty's `include_rel` does (anatomy and developmental stages are `part_of`
    /// hierarchies).
    pub fn include_rel(self) -> Option<&'static str> {
        match self {
            Entity::Tissue | Entity::DevelopmentalStage => Some("part_of"),
            _ => None,
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
