"""What Python bionty's models say about its registries beyond the DDL.

lamindb-core/tools/gen_module.py combines this with the reference DDL into
`bionty/src/registries.rs`, the same way the core registries are generated: fields, types,
foreign keys, link columns, `feature_id` and tracked columns come from the DDL; names and
accessors (Django's field names and `related_name`s in `bionty/models.py`) come from here.
"""

SOURCE = "bionty/tools/bionty_registries.py"
LIST_DOC = "The bionty registries."

# The ontology entities: (name, table suffix, name field, accessor on Artifact and Record).
ENTITIES = [
    ("Organism", "organism", "name", "organisms"),
    ("Gene", "gene", "symbol", "genes"),
    ("Protein", "protein", "name", "proteins"),
    ("CellMarker", "cellmarker", "name", "cell_markers"),
    ("CellType", "celltype", "name", "cell_types"),
    ("CellLine", "cellline", "name", "cell_lines"),
    ("Tissue", "tissue", "name", "tissues"),
    ("Disease", "disease", "name", "diseases"),
    ("Phenotype", "phenotype", "name", "phenotypes"),
    ("Pathway", "pathway", "name", "pathways"),
    ("ExperimentalFactor", "experimentalfactor", "name", "experimental_factors"),
    ("DevelopmentalStage", "developmentalstage", "name", "developmental_stages"),
    ("Ethnicity", "ethnicity", "name", "ethnicities"),
]

# Entities with a parents hierarchy (`bionty_<x>_parents`).
WITH_PARENTS = [
    "organism", "celltype", "cellline", "tissue", "disease", "phenotype", "pathway",
    "experimentalfactor", "developmentalstage", "ethnicity",
]

# Entities that are members of feature sets (`bionty_schema<x>`).
SCHEMA_MEMBERS = {"gene": "genes", "protein": "proteins", "cellmarker": "cell_markers", "pathway": "pathways"}

# Core registries that bionty links to, by name.
KNOWN_REGISTRIES = {
    "Artifact": "lamindb_artifact",
    "Record": "lamindb_record",
    "Schema": "lamindb_schema",
    "Run": "lamindb_run",
}

REGISTRIES = [
    (f"bionty.{name}", f"bionty_{suffix}", name_field, 14, [], None)
    for name, suffix, name_field, _ in ENTITIES
] + [("bionty.Source", "bionty_source", "name", 8, [], None)]

REVERSE_KEYS = []

VALUE_NAMES = {}

_name = {suffix: f"bionty.{name}" for name, suffix, _, _ in ENTITIES}

LINKS = []
for name, suffix, _, accessor in ENTITIES:
    LINKS.append((f"bionty_artifact{suffix}", "Artifact", accessor, _name[suffix], "artifacts", True,
                  ("artifact_id", f"{suffix}_id")))
    LINKS.append((f"bionty_record{suffix}", "Record", accessor, _name[suffix], "records", True,
                  ("record_id", "value_id")))
    if suffix in WITH_PARENTS:
        LINKS.append((f"bionty_{suffix}_parents", _name[suffix], "parents", _name[suffix], "children",
                      False, (f"from_{suffix}_id", f"to_{suffix}_id")))
    if suffix in SCHEMA_MEMBERS:
        LINKS.append((f"bionty_schema{suffix}", "Schema", SCHEMA_MEMBERS[suffix], _name[suffix], "schemas",
                      False, ("schema_id", f"{suffix}_id")))
LINKS.append(("bionty_pathway_genes", "bionty.Pathway", "genes", "bionty.Gene", "pathways", False,
              ("pathway_id", "gene_id")))
LINKS.append(("bionty_source_artifacts", "bionty.Source", "artifacts", "Artifact", None, False,
              ("source_id", "artifact_id")))
