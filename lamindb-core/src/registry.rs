//! Metadata of the core registries, for generic code (queries, describe, modules).

use crate::module::{FieldMeta, FieldType, RegistryMeta};

macro_rules! fields {
    ($($name:literal : $ty:expr),* $(,)?) => {
        &[$(FieldMeta { name: $name, field_type: $ty }),*]
    };
}

/// The core registries.
pub static CORE_REGISTRIES: &[RegistryMeta] = &[
    RegistryMeta {
        name: "Artifact",
        table: "lamindb_artifact",
        name_field: Some("key"),
        uid_len: Some(20),
        fields: fields! {
            "id": FieldType::Int, "uid": FieldType::Text, "key": FieldType::Text,
            "description": FieldType::Text, "suffix": FieldType::Text, "kind": FieldType::Text,
            "otype": FieldType::Text, "size": FieldType::Int, "hash": FieldType::Text,
            "n_files": FieldType::Int, "n_observations": FieldType::Int,
            "version_tag": FieldType::Text, "is_latest": FieldType::Bool,
            "created_at": FieldType::DateTime, "updated_at": FieldType::DateTime,
            "storage_id": FieldType::ForeignKey("lamindb_storage"),
            "run_id": FieldType::ForeignKey("lamindb_run"),
            "created_by_id": FieldType::ForeignKey("lamindb_user"),
            "branch_id": FieldType::ForeignKey("lamindb_branch"),
        },
    },
    RegistryMeta {
        name: "Storage",
        table: "lamindb_storage",
        name_field: Some("root"),
        uid_len: Some(12),
        fields: fields! {
            "id": FieldType::Int, "uid": FieldType::Text, "root": FieldType::Text,
            "description": FieldType::Text, "type": FieldType::Text, "region": FieldType::Text,
            "instance_uid": FieldType::Text,
        },
    },
    RegistryMeta {
        name: "User",
        table: "lamindb_user",
        name_field: Some("handle"),
        uid_len: Some(8),
        fields: fields! {
            "id": FieldType::Int, "uid": FieldType::Text, "handle": FieldType::Text, "name": FieldType::Text,
        },
    },
    RegistryMeta {
        name: "Transform",
        table: "lamindb_transform",
        name_field: Some("key"),
        uid_len: Some(16),
        fields: fields! {
            "id": FieldType::Int, "uid": FieldType::Text, "key": FieldType::Text,
            "description": FieldType::Text, "kind": FieldType::Text, "hash": FieldType::Text,
        },
    },
    RegistryMeta {
        name: "Run",
        table: "lamindb_run",
        name_field: Some("started_at"),
        uid_len: Some(16),
        fields: fields! {
            "id": FieldType::Int, "uid": FieldType::Text, "name": FieldType::Text,
            "started_at": FieldType::DateTime, "finished_at": FieldType::DateTime,
            "transform_id": FieldType::ForeignKey("lamindb_transform"),
        },
    },
];
