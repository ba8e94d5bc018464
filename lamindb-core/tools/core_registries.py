"""What Python LaminDB's models say about the core registries beyond the DDL.

gen_schema.py combines this with the reference DDL into `lamindb-core/src/meta/core.rs`: fields,
their types and foreign keys, link-table columns, `feature_id` and the tracked columns come from
the DDL; names, accessors (Django's field and `related_name`s) and aliases come from here. Each
link table is declared once, with the accessors of both ends.
"""

# name, table, name field, uid length, aliases, where simple feature values live
# (("link", accessor) through a link to shared JsonValue rows, ("own", table, host column) one
# row per host and feature, or None when the registry holds no feature values)
REGISTRIES = [
    ("Artifact", "lamindb_artifact", "key", 20,
     [("version", "version_tag"), ("transform", "run__transform"), ("feature_sets", "schemas")],
     ("link", "json_values")),
    ("Collection", "lamindb_collection", "key", 20, [("version", "version_tag")], None),
    ("Storage", "lamindb_storage", "root", 12, [], None),
    ("User", "lamindb_user", "handle", 8, [], None),
    ("Transform", "lamindb_transform", "key", 16, [("version", "version_tag")], None),
    ("Run", "lamindb_run", "started_at", 16, [("status", "_status_code")], ("link", "json_values")),
    ("ULabel", "lamindb_ulabel", "name", 8, [], None),
    ("Record", "lamindb_record", "name", 16, [], ("own", "lamindb_recordjson", "record_id")),
    ("Project", "lamindb_project", "name", 12, [("status", "_status_code")], None),
    ("Reference", "lamindb_reference", "name", 12, [], None),
    ("Feature", "lamindb_feature", "name", 12, [("dtype", "_dtype_str")], None),
    ("Schema", "lamindb_schema", "name", 16, [("dtype", "_dtype_str")], None),
    ("JsonValue", "lamindb_jsonvalue", None, None, [], None),
    ("Branch", "lamindb_branch", "name", 12, [("status", "_status_code")], None),
    ("Space", "lamindb_space", "name", 12, [], None),
]

# Names users write for coded values: {registry: [(field, [(name, code), ...])]}.
VALUE_NAMES = {
    "Run": [("_status_code", [("scheduled", -3), ("restarted", -2), ("started", -1),
                               ("completed", 0), ("errored", 1), ("aborted", 2)])],
}

# Reverse foreign keys: (registry, accessor, table holding the key, key column).
REVERSE_KEYS = [
    ("Storage", "artifacts", "lamindb_artifact", "storage_id"),
    ("User", "created_artifacts", "lamindb_artifact", "created_by_id"),
    ("User", "created_runs", "lamindb_run", "created_by_id"),
    ("User", "created_transforms", "lamindb_transform", "created_by_id"),
    ("Run", "output_artifacts", "lamindb_artifact", "run_id"),
    ("Run", "initiated_runs", "lamindb_run", "initiated_by_run_id"),
    ("Transform", "runs", "lamindb_run", "transform_id"),
    ("Feature", "values", "lamindb_jsonvalue", "feature_id"),
    ("Schema", "validated_artifacts", "lamindb_artifact", "schema_id"),
]

# Link tables: (table, host registry, accessor on the host, value registry, accessor on the
# value registry or None, whether the link annotates the host with labels, explicit
# (host column, value column) or None to take the two foreign keys of the table).
LINKS = [
    # Labels of artifacts (feature_id optional: categorical feature values or plain labels).
    ("lamindb_artifactulabel", "Artifact", "ulabels", "ULabel", "artifacts", True, None),
    ("lamindb_artifactrecord", "Artifact", "records", "Record", "artifacts", True, None),
    ("lamindb_artifactproject", "Artifact", "projects", "Project", "artifacts", True, None),
    ("lamindb_artifactreference", "Artifact", "references", "Reference", "artifacts", True, None),
    ("lamindb_artifactuser", "Artifact", "users", "User", None, True, ("artifact_id", "user_id")),
    ("lamindb_artifactrun", "Artifact", "runs", "Run", "artifacts", True, ("artifact_id", "run_id")),
    ("lamindb_artifactartifact", "Artifact", "artifacts", "Artifact", "linked_by_artifacts", True,
     ("artifact_id", "value_id")),
    # Lineage and membership of artifacts.
    ("lamindb_artifact_input_of_runs", "Artifact", "input_of_runs", "Run", "input_artifacts", False,
     ("artifact_id", "run_id")),
    ("lamindb_artifact_recreating_runs", "Artifact", "recreating_runs", "Run", "recreated_artifacts",
     False, ("artifact_id", "run_id")),
    ("lamindb_artifactjsonvalue", "Artifact", "json_values", "JsonValue", "artifacts", False, None),
    ("lamindb_artifactschema", "Artifact", "schemas", "Schema", "artifacts", False, None),
    ("lamindb_collectionartifact", "Collection", "artifacts", "Artifact", "collections", False, None),
    # Collections.
    ("lamindb_collectionulabel", "Collection", "ulabels", "ULabel", "collections", False, None),
    ("lamindb_collectionproject", "Collection", "projects", "Project", "collections", False, None),
    ("lamindb_collection_input_of_runs", "Collection", "input_of_runs", "Run", "input_collections",
     False, ("collection_id", "run_id")),
    # Runs.
    ("lamindb_runulabel", "Run", "ulabels", "ULabel", "runs", True, None),
    ("lamindb_runproject", "Run", "projects", "Project", "runs", True, None),
    ("lamindb_runrecord", "Run", "records", "Record", "runs", True, ("run_id", "record_id")),
    ("lamindb_runartifact", "Run", "linked_artifacts", "Artifact", None, True,
     ("run_id", "artifact_id")),
    ("lamindb_runjsonvalue", "Run", "json_values", "JsonValue", "runs", False, ("run_id", "jsonvalue_id")),
    # Transforms.
    ("lamindb_transformulabel", "Transform", "ulabels", "ULabel", "transforms", False,
     ("transform_id", "ulabel_id")),
    ("lamindb_transformproject", "Transform", "projects", "Project", "transforms", False,
     ("transform_id", "project_id")),
    ("lamindb_transformreference", "Transform", "references", "Reference", "transforms", False,
     ("transform_id", "reference_id")),
    ("lamindb_transformrecord", "Transform", "records", "Record", "transforms", False,
     ("transform_id", "record_id")),
    ("lamindb_transformtransform", "Transform", "predecessors", "Transform", "successors", False,
     ("successor_id", "predecessor_id")),
    # ULabels.
    ("lamindb_ulabelproject", "ULabel", "projects", "Project", "ulabels", False,
     ("ulabel_id", "project_id")),
    ("lamindb_ulabel_parents", "ULabel", "parents", "ULabel", "children", False,
     ("from_ulabel_id", "to_ulabel_id")),
    # Records: labels without a feature, and values of record features (feature_id required).
    ("lamindb_projectrecord", "Record", "projects", "Project", "records", True,
     ("record_id", "project_id")),
    ("lamindb_referencerecord", "Record", "references", "Reference", "records", True,
     ("record_id", "reference_id")),
    ("lamindb_record_parents", "Record", "parents", "Record", "children", False,
     ("from_record_id", "to_record_id")),
    ("lamindb_record_input_of_runs", "Record", "input_of_runs", "Run", "input_records", False,
     ("record_id", "run_id")),
    ("lamindb_recordulabel", "Record", "linked_ulabels", "ULabel", "linked_in_records", True,
     ("record_id", "value_id")),
    ("lamindb_recordproject", "Record", "linked_projects", "Project", "linked_in_records", True,
     ("record_id", "value_id")),
    ("lamindb_recordreference", "Record", "linked_references", "Reference", "linked_in_records",
     True, ("record_id", "value_id")),
    ("lamindb_recordrecord", "Record", "linked_records", "Record", "linked_in_records", True,
     ("record_id", "value_id")),
    ("lamindb_recordrun", "Record", "linked_runs", "Run", "linked_in_records", True,
     ("record_id", "value_id")),
    ("lamindb_recordtransform", "Record", "linked_transforms", "Transform", "linked_in_records",
     True, ("record_id", "value_id")),
    ("lamindb_recorduser", "Record", "linked_users", "User", "linked_in_records", True,
     ("record_id", "value_id")),
    ("lamindb_recordartifact", "Record", "linked_artifacts", "Artifact", "linked_in_records", True,
     ("record_id", "value_id")),
    ("lamindb_recordcollection", "Record", "linked_collections", "Collection", "linked_in_records",
     True, ("record_id", "value_id")),
    # Projects, features, schemas.
    ("lamindb_project_references", "Project", "references", "Reference", "projects", False,
     ("project_id", "reference_id")),
    ("lamindb_project_parents", "Project", "parents", "Project", "children", False,
     ("from_project_id", "to_project_id")),
    ("lamindb_featureproject", "Feature", "projects", "Project", "features", False,
     ("feature_id", "project_id")),
    ("lamindb_schemaproject", "Schema", "projects", "Project", "schemas", False,
     ("schema_id", "project_id")),
    ("lamindb_schemafeature", "Schema", "features", "Feature", "schemas", False,
     ("schema_id", "feature_id")),
]
