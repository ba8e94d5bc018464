//! Metadata of the core registries, for generic code (queries, search, describe, modules).
//!
//! Field names are the SQL column names; lookups may also use the aliases Python LaminDB
//! accepts (`version`, `dtype`, `status`, Artifact `transform`).

use crate::module::{FieldMeta, FieldType, RegistryMeta, RelationMeta, Via};

macro_rules! fields {
    ($($name:literal : $ty:expr),* $(,)?) => {
        &[$(FieldMeta { name: $name, field_type: $ty }),*]
    };
}

macro_rules! links {
    ($($name:literal => $target:literal via $table:literal ($source:literal -> $tcol:literal)),* $(,)?) => {
        &[$(RelationMeta {
            name: $name,
            target: $target,
            via: Via::Link { table: $table, source: $source, target: $tcol },
        }),*]
    };
}

use FieldType::{Bool, Date, DateTime, ForeignKey as Fk, Int, Json, Text};

const USER: &str = "lamindb_user";
const RUN: &str = "lamindb_run";
const BRANCH: &str = "lamindb_branch";
const SPACE: &str = "lamindb_space";

/// Reverse foreign keys, which `links!` cannot express.
static STORAGE_RELATIONS: &[RelationMeta] = &[RelationMeta {
    name: "artifacts",
    target: "lamindb_artifact",
    via: Via::Reverse {
        column: "storage_id",
    },
}];

static USER_RELATIONS: &[RelationMeta] = &[
    RelationMeta {
        name: "created_artifacts",
        target: "lamindb_artifact",
        via: Via::Reverse {
            column: "created_by_id",
        },
    },
    RelationMeta {
        name: "created_runs",
        target: "lamindb_run",
        via: Via::Reverse {
            column: "created_by_id",
        },
    },
    RelationMeta {
        name: "created_transforms",
        target: "lamindb_transform",
        via: Via::Reverse {
            column: "created_by_id",
        },
    },
];

static RUN_RELATIONS: &[RelationMeta] = &[
    RelationMeta {
        name: "output_artifacts",
        target: "lamindb_artifact",
        via: Via::Reverse { column: "run_id" },
    },
    RelationMeta {
        name: "initiated_runs",
        target: "lamindb_run",
        via: Via::Reverse {
            column: "initiated_by_run_id",
        },
    },
    RelationMeta {
        name: "input_artifacts",
        target: "lamindb_artifact",
        via: Via::Link {
            table: "lamindb_artifact_input_of_runs",
            source: "run_id",
            target: "artifact_id",
        },
    },
    RelationMeta {
        name: "recreated_artifacts",
        target: "lamindb_artifact",
        via: Via::Link {
            table: "lamindb_artifact_recreating_runs",
            source: "run_id",
            target: "artifact_id",
        },
    },
    RelationMeta {
        name: "input_collections",
        target: "lamindb_collection",
        via: Via::Link {
            table: "lamindb_collection_input_of_runs",
            source: "run_id",
            target: "collection_id",
        },
    },
    RelationMeta {
        name: "ulabels",
        target: "lamindb_ulabel",
        via: Via::Link {
            table: "lamindb_runulabel",
            source: "run_id",
            target: "ulabel_id",
        },
    },
    RelationMeta {
        name: "projects",
        target: "lamindb_project",
        via: Via::Link {
            table: "lamindb_runproject",
            source: "run_id",
            target: "project_id",
        },
    },
    RelationMeta {
        name: "records",
        target: "lamindb_record",
        via: Via::Link {
            table: "lamindb_runrecord",
            source: "run_id",
            target: "record_id",
        },
    },
    RelationMeta {
        name: "json_values",
        target: "lamindb_jsonvalue",
        via: Via::Link {
            table: "lamindb_runjsonvalue",
            source: "run_id",
            target: "jsonvalue_id",
        },
    },
    RelationMeta {
        name: "linked_artifacts",
        target: "lamindb_artifact",
        via: Via::Link {
            table: "lamindb_runartifact",
            source: "run_id",
            target: "artifact_id",
        },
    },
];

static TRANSFORM_RELATIONS: &[RelationMeta] = &[
    RelationMeta {
        name: "runs",
        target: "lamindb_run",
        via: Via::Reverse {
            column: "transform_id",
        },
    },
    RelationMeta {
        name: "ulabels",
        target: "lamindb_ulabel",
        via: Via::Link {
            table: "lamindb_transformulabel",
            source: "transform_id",
            target: "ulabel_id",
        },
    },
    RelationMeta {
        name: "projects",
        target: "lamindb_project",
        via: Via::Link {
            table: "lamindb_transformproject",
            source: "transform_id",
            target: "project_id",
        },
    },
    RelationMeta {
        name: "references",
        target: "lamindb_reference",
        via: Via::Link {
            table: "lamindb_transformreference",
            source: "transform_id",
            target: "reference_id",
        },
    },
    RelationMeta {
        name: "records",
        target: "lamindb_record",
        via: Via::Link {
            table: "lamindb_transformrecord",
            source: "transform_id",
            target: "record_id",
        },
    },
    RelationMeta {
        name: "predecessors",
        target: "lamindb_transform",
        via: Via::Link {
            table: "lamindb_transformtransform",
            source: "successor_id",
            target: "predecessor_id",
        },
    },
    RelationMeta {
        name: "successors",
        target: "lamindb_transform",
        via: Via::Link {
            table: "lamindb_transformtransform",
            source: "predecessor_id",
            target: "successor_id",
        },
    },
];

static FEATURE_RELATIONS: &[RelationMeta] = &[
    RelationMeta {
        name: "values",
        target: "lamindb_jsonvalue",
        via: Via::Reverse {
            column: "feature_id",
        },
    },
    RelationMeta {
        name: "schemas",
        target: "lamindb_schema",
        via: Via::Link {
            table: "lamindb_schemafeature",
            source: "feature_id",
            target: "schema_id",
        },
    },
    RelationMeta {
        name: "projects",
        target: "lamindb_project",
        via: Via::Link {
            table: "lamindb_featureproject",
            source: "feature_id",
            target: "project_id",
        },
    },
];

static SCHEMA_RELATIONS: &[RelationMeta] = &[
    RelationMeta {
        name: "validated_artifacts",
        target: "lamindb_artifact",
        via: Via::Reverse {
            column: "schema_id",
        },
    },
    RelationMeta {
        name: "features",
        target: "lamindb_feature",
        via: Via::Link {
            table: "lamindb_schemafeature",
            source: "schema_id",
            target: "feature_id",
        },
    },
    RelationMeta {
        name: "artifacts",
        target: "lamindb_artifact",
        via: Via::Link {
            table: "lamindb_artifactschema",
            source: "schema_id",
            target: "artifact_id",
        },
    },
    RelationMeta {
        name: "projects",
        target: "lamindb_project",
        via: Via::Link {
            table: "lamindb_schemaproject",
            source: "schema_id",
            target: "project_id",
        },
    },
];

/// The core registries.
pub static CORE_REGISTRIES: &[RegistryMeta] = &[
    RegistryMeta {
        name: "Artifact",
        table: "lamindb_artifact",
        name_field: Some("key"),
        uid_len: Some(20),
        fields: fields! {
            "id": Int, "uid": Text, "key": Text, "description": Text, "suffix": Text,
            "kind": Text, "otype": Text, "size": Int, "hash": Text, "n_files": Int,
            "n_observations": Int, "version_tag": Text, "is_latest": Bool, "is_locked": Bool,
            "_hash_type": Text, "_key_is_virtual": Bool, "_overwrite_versions": Bool,
            "_real_key": Text, "extra_data": Json,
            "created_at": DateTime, "updated_at": DateTime,
            "storage_id": Fk("lamindb_storage"), "run_id": Fk(RUN),
            "schema_id": Fk("lamindb_schema"), "created_by_id": Fk(USER),
            "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: links! {
            "ulabels" => "lamindb_ulabel" via "lamindb_artifactulabel" ("artifact_id" -> "ulabel_id"),
            "records" => "lamindb_record" via "lamindb_artifactrecord" ("artifact_id" -> "record_id"),
            "projects" => "lamindb_project" via "lamindb_artifactproject" ("artifact_id" -> "project_id"),
            "references" => "lamindb_reference" via "lamindb_artifactreference" ("artifact_id" -> "reference_id"),
            "users" => "lamindb_user" via "lamindb_artifactuser" ("artifact_id" -> "user_id"),
            "input_of_runs" => "lamindb_run" via "lamindb_artifact_input_of_runs" ("artifact_id" -> "run_id"),
            "recreating_runs" => "lamindb_run" via "lamindb_artifact_recreating_runs" ("artifact_id" -> "run_id"),
            "json_values" => "lamindb_jsonvalue" via "lamindb_artifactjsonvalue" ("artifact_id" -> "jsonvalue_id"),
            "schemas" => "lamindb_schema" via "lamindb_artifactschema" ("artifact_id" -> "schema_id"),
            "collections" => "lamindb_collection" via "lamindb_collectionartifact" ("artifact_id" -> "collection_id"),
            "linked_in_records" => "lamindb_record" via "lamindb_recordartifact" ("value_id" -> "record_id"),
        },
        aliases: &[
            ("version", "version_tag"),
            ("transform", "run__transform"),
            ("feature_sets", "schemas"),
        ],
    },
    RegistryMeta {
        name: "Collection",
        table: "lamindb_collection",
        name_field: Some("key"),
        uid_len: Some(20),
        fields: fields! {
            "id": Int, "uid": Text, "key": Text, "description": Text, "hash": Text,
            "reference": Text, "reference_type": Text, "version_tag": Text, "is_latest": Bool,
            "created_at": DateTime, "updated_at": DateTime,
            "meta_artifact_id": Fk("lamindb_artifact"), "schema_id": Fk("lamindb_schema"),
            "run_id": Fk(RUN), "created_by_id": Fk(USER), "branch_id": Fk(BRANCH),
            "space_id": Fk(SPACE),
        },
        relations: links! {
            "artifacts" => "lamindb_artifact" via "lamindb_collectionartifact" ("collection_id" -> "artifact_id"),
            "ulabels" => "lamindb_ulabel" via "lamindb_collectionulabel" ("collection_id" -> "ulabel_id"),
            "projects" => "lamindb_project" via "lamindb_collectionproject" ("collection_id" -> "project_id"),
            "input_of_runs" => "lamindb_run" via "lamindb_collection_input_of_runs" ("collection_id" -> "run_id"),
        },
        aliases: &[("version", "version_tag")],
    },
    RegistryMeta {
        name: "Storage",
        table: "lamindb_storage",
        name_field: Some("root"),
        uid_len: Some(12),
        fields: fields! {
            "id": Int, "uid": Text, "root": Text, "description": Text, "type": Text,
            "region": Text, "instance_uid": Text, "created_at": DateTime,
            "created_by_id": Fk(USER), "branch_id": Fk(BRANCH),
        },
        relations: STORAGE_RELATIONS,
        aliases: &[],
    },
    RegistryMeta {
        name: "User",
        table: "lamindb_user",
        name_field: Some("handle"),
        uid_len: Some(8),
        fields: fields! {
            "id": Int, "uid": Text, "handle": Text, "name": Text,
            "created_at": DateTime, "updated_at": DateTime,
        },
        relations: USER_RELATIONS,
        aliases: &[],
    },
    RegistryMeta {
        name: "Transform",
        table: "lamindb_transform",
        name_field: Some("key"),
        uid_len: Some(16),
        fields: fields! {
            "id": Int, "uid": Text, "key": Text, "description": Text, "kind": Text,
            "hash": Text, "reference": Text, "reference_type": Text, "version_tag": Text,
            "is_latest": Bool, "source_code": Text, "created_at": DateTime,
            "updated_at": DateTime, "environment_id": Fk("lamindb_artifact"),
            "created_by_id": Fk(USER), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: TRANSFORM_RELATIONS,
        aliases: &[("version", "version_tag")],
    },
    RegistryMeta {
        name: "Run",
        table: "lamindb_run",
        name_field: Some("started_at"),
        uid_len: Some(16),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "entrypoint": Text,
            "started_at": DateTime, "finished_at": DateTime, "params": Json,
            "reference": Text, "reference_type": Text, "cli_args": Text, "_status_code": Int,
            "created_at": DateTime, "updated_at": DateTime,
            "transform_id": Fk("lamindb_transform"), "created_by_id": Fk(USER),
            "initiated_by_run_id": Fk(RUN), "report_id": Fk("lamindb_artifact"),
            "environment_id": Fk("lamindb_artifact"), "branch_id": Fk(BRANCH),
            "space_id": Fk(SPACE),
        },
        relations: RUN_RELATIONS,
        aliases: &[("status", "_status_code")],
    },
    RegistryMeta {
        name: "ULabel",
        table: "lamindb_ulabel",
        name_field: Some("name"),
        uid_len: Some(8),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "reference": Text,
            "reference_type": Text, "is_type": Bool, "type_id": Fk("lamindb_ulabel"),
            "created_at": DateTime, "updated_at": DateTime, "created_by_id": Fk(USER),
            "run_id": Fk(RUN), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: links! {
            "artifacts" => "lamindb_artifact" via "lamindb_artifactulabel" ("ulabel_id" -> "artifact_id"),
            "runs" => "lamindb_run" via "lamindb_runulabel" ("ulabel_id" -> "run_id"),
            "transforms" => "lamindb_transform" via "lamindb_transformulabel" ("ulabel_id" -> "transform_id"),
            "collections" => "lamindb_collection" via "lamindb_collectionulabel" ("ulabel_id" -> "collection_id"),
            "projects" => "lamindb_project" via "lamindb_ulabelproject" ("ulabel_id" -> "project_id"),
            "parents" => "lamindb_ulabel" via "lamindb_ulabel_parents" ("from_ulabel_id" -> "to_ulabel_id"),
            "children" => "lamindb_ulabel" via "lamindb_ulabel_parents" ("to_ulabel_id" -> "from_ulabel_id"),
        },
        aliases: &[],
    },
    RegistryMeta {
        name: "Record",
        table: "lamindb_record",
        name_field: Some("name"),
        uid_len: Some(16),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "reference": Text,
            "reference_type": Text, "extra_data": Json, "is_type": Bool,
            "type_id": Fk("lamindb_record"), "schema_id": Fk("lamindb_schema"),
            "created_at": DateTime, "updated_at": DateTime, "created_by_id": Fk(USER),
            "run_id": Fk(RUN), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: links! {
            "artifacts" => "lamindb_artifact" via "lamindb_artifactrecord" ("record_id" -> "artifact_id"),
            "runs" => "lamindb_run" via "lamindb_runrecord" ("record_id" -> "run_id"),
            "transforms" => "lamindb_transform" via "lamindb_transformrecord" ("record_id" -> "transform_id"),
            "projects" => "lamindb_project" via "lamindb_projectrecord" ("record_id" -> "project_id"),
            "references" => "lamindb_reference" via "lamindb_referencerecord" ("record_id" -> "reference_id"),
            "parents" => "lamindb_record" via "lamindb_record_parents" ("from_record_id" -> "to_record_id"),
            "children" => "lamindb_record" via "lamindb_record_parents" ("to_record_id" -> "from_record_id"),
            "input_of_runs" => "lamindb_run" via "lamindb_record_input_of_runs" ("record_id" -> "run_id"),
        },
        aliases: &[],
    },
    RegistryMeta {
        name: "Project",
        table: "lamindb_project",
        name_field: Some("name"),
        uid_len: Some(12),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "abbr": Text,
            "url": Text, "start_date": Date, "end_date": Date, "_status_code": Int,
            "is_type": Bool, "type_id": Fk("lamindb_project"),
            "created_at": DateTime, "updated_at": DateTime, "created_by_id": Fk(USER),
            "run_id": Fk(RUN), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: links! {
            "artifacts" => "lamindb_artifact" via "lamindb_artifactproject" ("project_id" -> "artifact_id"),
            "runs" => "lamindb_run" via "lamindb_runproject" ("project_id" -> "run_id"),
            "transforms" => "lamindb_transform" via "lamindb_transformproject" ("project_id" -> "transform_id"),
            "collections" => "lamindb_collection" via "lamindb_collectionproject" ("project_id" -> "collection_id"),
            "ulabels" => "lamindb_ulabel" via "lamindb_ulabelproject" ("project_id" -> "ulabel_id"),
            "features" => "lamindb_feature" via "lamindb_featureproject" ("project_id" -> "feature_id"),
            "schemas" => "lamindb_schema" via "lamindb_schemaproject" ("project_id" -> "schema_id"),
            "records" => "lamindb_record" via "lamindb_projectrecord" ("project_id" -> "record_id"),
            "references" => "lamindb_reference" via "lamindb_project_references" ("project_id" -> "reference_id"),
            "parents" => "lamindb_project" via "lamindb_project_parents" ("from_project_id" -> "to_project_id"),
            "children" => "lamindb_project" via "lamindb_project_parents" ("to_project_id" -> "from_project_id"),
        },
        aliases: &[("status", "_status_code")],
    },
    RegistryMeta {
        name: "Reference",
        table: "lamindb_reference",
        name_field: Some("name"),
        uid_len: Some(12),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "abbr": Text,
            "url": Text, "pubmed_id": Int, "doi": Text, "text": Text, "date": Date,
            "is_type": Bool, "type_id": Fk("lamindb_reference"),
            "created_at": DateTime, "updated_at": DateTime, "created_by_id": Fk(USER),
            "run_id": Fk(RUN), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: links! {
            "artifacts" => "lamindb_artifact" via "lamindb_artifactreference" ("reference_id" -> "artifact_id"),
            "transforms" => "lamindb_transform" via "lamindb_transformreference" ("reference_id" -> "transform_id"),
            "records" => "lamindb_record" via "lamindb_referencerecord" ("reference_id" -> "record_id"),
            "projects" => "lamindb_project" via "lamindb_project_references" ("reference_id" -> "project_id"),
        },
        aliases: &[],
    },
    RegistryMeta {
        name: "Feature",
        table: "lamindb_feature",
        name_field: Some("name"),
        uid_len: Some(12),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "_dtype_str": Text, "unit": Text,
            "description": Text, "synonyms": Text, "nullable": Bool, "coerce": Bool,
            "default_value": Json, "array_rank": Int, "is_type": Bool,
            "type_id": Fk("lamindb_feature"),
            "created_at": DateTime, "updated_at": DateTime, "created_by_id": Fk(USER),
            "run_id": Fk(RUN), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: FEATURE_RELATIONS,
        aliases: &[("dtype", "_dtype_str")],
    },
    RegistryMeta {
        name: "Schema",
        table: "lamindb_schema",
        name_field: Some("name"),
        uid_len: Some(16),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "n_members": Int,
            "coerce": Bool, "flexible": Bool, "itype": Text, "otype": Text,
            "_dtype_str": Text, "hash": Text, "minimal_set": Bool, "ordered_set": Bool,
            "maximal_set": Bool, "suffix": Text, "is_type": Bool,
            "type_id": Fk("lamindb_schema"),
            "created_at": DateTime, "updated_at": DateTime, "created_by_id": Fk(USER),
            "run_id": Fk(RUN), "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: SCHEMA_RELATIONS,
        aliases: &[("dtype", "_dtype_str")],
    },
    RegistryMeta {
        name: "JsonValue",
        table: "lamindb_jsonvalue",
        name_field: None,
        uid_len: None,
        fields: fields! {
            "id": Int, "value": Json, "hash": Text, "feature_id": Fk("lamindb_feature"),
            "created_at": DateTime, "created_by_id": Fk(USER), "run_id": Fk(RUN),
            "branch_id": Fk(BRANCH), "space_id": Fk(SPACE),
        },
        relations: links! {
            "artifacts" => "lamindb_artifact" via "lamindb_artifactjsonvalue" ("jsonvalue_id" -> "artifact_id"),
            "runs" => "lamindb_run" via "lamindb_runjsonvalue" ("jsonvalue_id" -> "run_id"),
        },
        aliases: &[],
    },
    RegistryMeta {
        name: "Branch",
        table: "lamindb_branch",
        name_field: Some("name"),
        uid_len: Some(12),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "_status_code": Int,
            "created_at": DateTime, "created_by_id": Fk(USER), "space_id": Fk(SPACE),
        },
        relations: &[],
        aliases: &[("status", "_status_code")],
    },
    RegistryMeta {
        name: "Space",
        table: "lamindb_space",
        name_field: Some("name"),
        uid_len: Some(12),
        fields: fields! {
            "id": Int, "uid": Text, "name": Text, "description": Text, "created_at": DateTime,
        },
        relations: &[],
        aliases: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relation_and_foreign_key_points_at_a_core_table() {
        let tables: Vec<&str> = CORE_REGISTRIES.iter().map(|r| r.table).collect();
        for reg in CORE_REGISTRIES {
            for rel in reg.relations {
                assert!(tables.contains(&rel.target), "{}.{}", reg.name, rel.name);
            }
            for f in reg.fields {
                if let FieldType::ForeignKey(t) = f.field_type {
                    assert!(tables.contains(&t), "{}.{}", reg.name, f.name);
                }
            }
        }
    }
}
