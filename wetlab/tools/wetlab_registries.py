"""What Python pertdb's models say about its registries beyond the DDL.

lamindb-core/tools/gen_module.py combines this with the reference DDL into
`wetlab/src/registries.rs`: fields, types, foreign keys, link columns, `feature_id` and tracked
columns come from the DDL; names and accessors (Django's field names and `related_name`s in
`pertdb/models.py`) come from here. The Django app is `pertdb`; the tables keep `wetlab_*`.
"""

SOURCE = "wetlab/tools/wetlab_registries.py"
LIST_DOC = "The pertdb registries (module `pertdb`, also called `wetlab`)."

# (name, table suffix, accessor on Artifact)
ENTITIES = [
    ("Compound", "compound", "compounds"),
    ("PerturbationTarget", "perturbationtarget", "perturbation_targets"),
    ("GeneticPerturbation", "geneticperturbation", "genetic_perturbations"),
    ("Biologic", "biologic", "biologics"),
    ("CompoundPerturbation", "compoundperturbation", "compound_perturbations"),
    ("EnvironmentalPerturbation", "environmentalperturbation", "environmental_perturbations"),
    ("CombinationPerturbation", "combinationperturbation", "combination_perturbations"),
]

KNOWN_REGISTRIES = {
    "Artifact": "lamindb_artifact",
    "Run": "lamindb_run",
    "bionty.Gene": "bionty_gene",
    "bionty.Pathway": "bionty_pathway",
    "bionty.Protein": "bionty_protein",
    "bionty.Source": "bionty_source",
}

REGISTRIES = [(f"pertdb.{name}", f"wetlab_{suffix}", "name", 14, [], None) for name, suffix, _ in ENTITIES]

REVERSE_KEYS = [
    ("pertdb.Compound", "compound_perturbations", "wetlab_compoundperturbation", "compound_id"),
]

VALUE_NAMES = {}

_n = {suffix: f"pertdb.{name}" for name, suffix, _ in ENTITIES}

LINKS = []
for name, suffix, accessor in ENTITIES:
    LINKS.append((f"wetlab_artifact{suffix}", "Artifact", accessor, _n[suffix], "artifacts", True,
                  ("artifact_id", f"{suffix}_id")))
LINKS += [
    ("wetlab_compound_parents", _n["compound"], "parents", _n["compound"], "children", False,
     ("from_compound_id", "to_compound_id")),
    ("wetlab_compound_targets", _n["compound"], "targets", _n["perturbationtarget"], "compounds", False,
     ("compound_id", "perturbationtarget_id")),
    ("wetlab_perturbationtarget_genes", _n["perturbationtarget"], "genes", "bionty.Gene",
     "perturbation_targets", False, ("perturbationtarget_id", "gene_id")),
    ("wetlab_perturbationtarget_pathways", _n["perturbationtarget"], "pathways", "bionty.Pathway",
     "perturbation_targets", False, ("perturbationtarget_id", "pathway_id")),
    ("wetlab_perturbationtarget_proteins", _n["perturbationtarget"], "proteins", "bionty.Protein",
     "perturbation_targets", False, ("perturbationtarget_id", "protein_id")),
    ("wetlab_geneticperturbation_targets", _n["geneticperturbation"], "targets", _n["perturbationtarget"],
     "genetic_perturbations", False, ("geneticperturbation_id", "perturbationtarget_id")),
    ("wetlab_biologic_proteins", _n["biologic"], "proteins", "bionty.Protein", "biologics", False,
     ("biologic_id", "protein_id")),
    ("wetlab_biologic_targets", _n["biologic"], "targets", _n["perturbationtarget"], "biologics", False,
     ("biologic_id", "perturbationtarget_id")),
    ("wetlab_environmentalperturbation_targets", _n["environmentalperturbation"], "targets",
     _n["perturbationtarget"], "environmental_perturbations", False,
     ("environmentalperturbation_id", "perturbationtarget_id")),
    ("wetlab_combinationperturbation_genetic_perturbations", _n["combinationperturbation"],
     "genetic_perturbations", _n["geneticperturbation"], "combination_perturbations", False,
     ("combinationperturbation_id", "geneticperturbation_id")),
    ("wetlab_combinationperturbation_compound_perturbations", _n["combinationperturbation"],
     "compound_perturbations", _n["compoundperturbation"], "combination_perturbations", False,
     ("combinationperturbation_id", "compoundperturbation_id")),
    ("wetlab_combinationperturbation_environmental_perturbations", _n["combinationperturbation"],
     "environmental_perturbations", _n["environmentalperturbation"], "combination_perturbations", False,
     ("combinationperturbation_id", "environmentalperturbation_id")),
]
