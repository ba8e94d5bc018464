//! Rows of the core registries as they are stored.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::*;

/// The branches every instance has (seeded rows of `lamindb_branch`). Code names them through
/// this type, never as the literals -1, 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Branch {
    /// The trash (-1).
    Trash,
    /// The archive (0).
    Archive,
    /// The main branch (1), where records are created.
    Main,
}

impl Branch {
    /// The row id.
    pub const fn id(self) -> i32 {
        match self {
            Branch::Trash => -1,
            Branch::Archive => 0,
            Branch::Main => 1,
        }
    }

    /// The seeded branch with this id.
    pub fn from_id(id: i32) -> Option<Branch> {
        [Branch::Trash, Branch::Archive, Branch::Main]
            .into_iter()
            .find(|b| b.id() == id)
    }

    /// The branch's name (`trash`, `archive`, `main`).
    pub fn name(self) -> &'static str {
        match self {
            Branch::Trash => "trash",
            Branch::Archive => "archive",
            Branch::Main => "main",
        }
    }
}
use crate::db::sql_types::{JsonData, UtcTime};

/// `lamindb_artifact`: a file or folder with a uid, hash, key and version.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = lamindb_artifact)]
pub struct Artifact {
    /// Instance-local id.
    pub id: i32,
    /// `version_tag`: a free-text version label.
    pub version_tag: Option<String>,
    /// Whether this is the newest version of its family on its branch.
    pub is_latest: bool,
    /// Lock flag (enforced by hosted Postgres only).
    pub is_locked: bool,
    /// `_aux`: miscellaneous flags (`so` = storage write ongoing).
    pub aux: Option<JsonData>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Last update time.
    pub updated_at: UtcTime,
    /// 20 characters: 16-char stem + 4-char version counter.
    pub uid: String,
    /// Virtual or real storage key.
    pub key: Option<String>,
    /// `_real_key`: real storage key when a file registered in place got another key.
    pub real_key: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// Canonical suffix (`""` for folders and unknown suffixes).
    pub suffix: String,
    /// `dataset`, `model`, `__lamindb_run__`, …
    pub kind: Option<String>,
    /// Object type (`DataFrame`, `AnnData`, …).
    pub otype: Option<String>,
    /// Size in bytes.
    pub size: Option<i64>,
    /// Content hash (22 characters).
    pub hash: Option<String>,
    /// Number of files (folders).
    pub n_files: Option<i64>,
    /// Number of observations.
    pub n_observations: Option<i64>,
    /// `_hash_type`.
    pub hash_type: Option<String>,
    /// `_key_is_virtual`: the key is metadata only; the object lives under `.lamindb/`.
    pub key_is_virtual: bool,
    /// `_overwrite_versions`: all versions share one storage object (folders).
    pub overwrite_versions: bool,
    /// Current branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
    /// Branch of creation.
    pub created_on_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Validating schema.
    pub schema_id: Option<i32>,
    /// Space.
    pub space_id: i16,
    /// Storage location.
    pub storage_id: i32,
    /// Creating user.
    pub created_by_id: i32,
    /// Free JSON.
    pub extra_data: Option<JsonData>,
}

/// A new `lamindb_artifact` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lamindb_artifact)]
pub(crate) struct NewArtifact<'a> {
    pub uid: &'a str,
    pub key: Option<&'a str>,
    pub real_key: Option<&'a str>,
    pub description: Option<&'a str>,
    pub suffix: &'a str,
    pub kind: Option<&'a str>,
    pub otype: Option<&'a str>,
    pub size: Option<i64>,
    pub hash: Option<&'a str>,
    pub n_files: Option<i64>,
    pub hash_type: Option<&'a str>,
    pub key_is_virtual: bool,
    pub overwrite_versions: bool,
    pub is_latest: bool,
    pub is_locked: bool,
    pub aux: Option<JsonData>,
    pub version_tag: Option<&'a str>,
    pub branch_id: i32,
    pub created_on_id: i32,
    pub space_id: i16,
    pub storage_id: i32,
    pub created_by_id: i32,
    pub run_id: Option<i64>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// `lamindb_collection`: an ordered, versioned set of saved artifacts.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_collection)]
pub struct Collection {
    /// Instance-local id.
    pub id: i32,
    /// 20 characters: 16-char stem + 4-char version counter.
    pub uid: String,
    /// Name or path-like key; the same key means the same version family.
    pub key: String,
    /// Free-text description.
    pub description: Option<String>,
    /// `hash_set` of the members' hashes.
    pub hash: Option<String>,
    /// `version_tag`: a free-text version label.
    pub version_tag: Option<String>,
    /// Whether this is the newest version of its family on its branch.
    pub is_latest: bool,
    /// An artifact describing the collection as a whole.
    pub meta_artifact_id: Option<i32>,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Current branch (-1 trash, 0 archive, 1 main, or a user branch).
    pub branch_id: i32,
    /// Space.
    pub space_id: i16,
    /// Creating user.
    pub created_by_id: i32,
    /// Creation time.
    pub created_at: UtcTime,
}

impl Collection {
    /// The 16-character stem shared by all versions.
    pub fn stem_uid(&self) -> &str {
        &self.uid[..self.uid.len().min(crate::util::uid::ARTIFACT_STEM_LEN)]
    }
}

/// A new `lamindb_collection` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lamindb_collection)]
pub(crate) struct NewCollection<'a> {
    pub uid: &'a str,
    pub key: &'a str,
    pub description: Option<&'a str>,
    pub hash: &'a str,
    pub is_latest: bool,
    pub is_locked: bool,
    pub meta_artifact_id: Option<i32>,
    pub run_id: Option<i64>,
    pub branch_id: i32,
    pub created_on_id: i32,
    pub space_id: i16,
    pub created_by_id: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// `lamindb_storage`: a storage location.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_storage)]
pub struct Storage {
    /// Instance-local id.
    pub id: i32,
    /// 12-character uid.
    pub uid: String,
    /// Root path or URL.
    pub root: String,
    /// Description.
    pub description: Option<String>,
    /// `local`, `s3`, `gs`, …
    #[diesel(column_name = type_)]
    pub kind: String,
    /// Cloud region.
    pub region: Option<String>,
    /// The uid of the managing instance; `None` for read-only locations.
    pub instance_uid: Option<String>,
}

/// `lamindb_user`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_user)]
pub struct User {
    /// Instance-local id.
    pub id: i32,
    /// 8-character uid (`00000000` for anonymous).
    pub uid: String,
    /// Unique handle.
    pub handle: String,
    /// Display name.
    pub name: Option<String>,
}

/// `lamindb_transform`: a program, script, pipeline or function whose runs make and read data.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_transform)]
pub struct Transform {
    /// Instance-local id.
    pub id: i32,
    /// 16 characters: 12-char stem + 4-char version counter.
    pub uid: String,
    /// Name or path-like key; the same key means the same version family.
    pub key: String,
    /// Free-text description.
    pub description: Option<String>,
    /// `pipeline`, `script`, `notebook` or `function`.
    pub kind: String,
    /// The source text, for scripts.
    pub source_code: Option<String>,
    /// Hash of the source (or of the executable).
    pub hash: Option<String>,
    /// Whether this is the newest version of its family.
    pub is_latest: bool,
    /// The environment artifact.
    pub environment_id: Option<i32>,
    /// The run that created this transform.
    pub run_id: Option<i64>,
    /// Creating user.
    pub created_by_id: i32,
    /// Creation time.
    pub created_at: UtcTime,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

impl Transform {
    /// The 12-character stem shared by all versions.
    pub fn stem_uid(&self) -> &str {
        &self.uid[..self.uid.len().min(crate::util::uid::TRANSFORM_STEM_LEN)]
    }
}

/// A new `lamindb_transform` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lamindb_transform)]
pub(crate) struct NewTransform<'a> {
    pub uid: &'a str,
    pub key: &'a str,
    pub description: Option<&'a str>,
    pub kind: &'a str,
    pub source_code: Option<&'a str>,
    pub hash: Option<&'a str>,
    pub is_latest: bool,
    pub is_locked: bool,
    pub branch_id: i32,
    pub created_on_id: i32,
    pub space_id: i16,
    pub created_by_id: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// `lamindb_run`: one execution of a transform.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_run)]
pub struct Run {
    /// Instance-local id.
    pub id: i64,
    /// 16 random characters (up to 20).
    pub uid: String,
    /// Optional name.
    pub name: Option<String>,
    /// For flows and steps: the function that ran.
    pub entrypoint: Option<String>,
    /// Start time.
    pub started_at: UtcTime,
    /// End time; `None` while running.
    pub finished_at: Option<UtcTime>,
    /// Parameters (JSON object; secrets redacted).
    pub params: Option<JsonData>,
    /// Command line arguments.
    pub cli_args: Option<String>,
    /// `_status_code`: see [`crate::records::runs::RunStatus`].
    #[diesel(column_name = status_code)]
    pub status_code: i16,
    /// The environment artifact.
    pub environment_id: Option<i32>,
    /// The report (log) artifact.
    pub report_id: Option<i32>,
    /// The transform that ran.
    pub transform_id: i32,
    /// The user who ran it.
    pub created_by_id: i32,
    /// The run that started this one (flows, `lamin run` inside `lamin run`).
    pub initiated_by_run_id: Option<i64>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// A new `lamindb_run` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lamindb_run)]
pub(crate) struct NewRun<'a> {
    pub uid: &'a str,
    pub entrypoint: Option<&'a str>,
    pub started_at: UtcTime,
    pub params: Option<JsonData>,
    pub cli_args: Option<&'a str>,
    pub status_code: i16,
    pub is_locked: bool,
    pub branch_id: i32,
    pub created_on_id: i32,
    pub space_id: i16,
    pub transform_id: i32,
    pub created_by_id: i32,
    pub initiated_by_run_id: Option<i64>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// `lamindb_ulabel`: a free-text label, optionally typed and with parents.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_ulabel)]
pub struct ULabel {
    /// Instance-local id.
    pub id: i32,
    /// 8-character uid.
    pub uid: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Whether this label is a type for other labels.
    pub is_type: bool,
    /// The type this label belongs to.
    pub type_id: Option<i32>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Creating user.
    pub created_by_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// `lamindb_record`: a row of a typed "sheet" or a free record; feature values live in
/// `lamindb_recordjson` and `lamindb_record<x>`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_record)]
pub struct Record {
    /// Instance-local id.
    pub id: i32,
    /// 16-character uid.
    pub uid: String,
    /// Name (the index value for sheets with an index feature).
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Whether this record is a type (a sheet).
    pub is_type: bool,
    /// The type (sheet) this record belongs to.
    pub type_id: Option<i32>,
    /// The schema of a sheet (on type records).
    pub schema_id: Option<i32>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Creating user.
    pub created_by_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// `lamindb_project`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_project)]
pub struct Project {
    /// Instance-local id.
    pub id: i32,
    /// 12-character uid.
    pub uid: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Abbreviation.
    pub abbr: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Whether this project is a type.
    pub is_type: bool,
    /// The type this project belongs to.
    pub type_id: Option<i32>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Creating user.
    pub created_by_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// `lamindb_reference`: a publication or web resource.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_reference)]
pub struct Reference {
    /// Instance-local id.
    pub id: i32,
    /// 12-character uid.
    pub uid: String,
    /// Name (title).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// DOI.
    pub doi: Option<String>,
    /// PubMed id.
    pub pubmed_id: Option<i64>,
    /// Whether this reference is a type.
    pub is_type: bool,
    /// The type this reference belongs to.
    pub type_id: Option<i32>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Creating user.
    pub created_by_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// `lamindb_feature`: a named, typed dimension of data or metadata.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_feature)]
pub struct Feature {
    /// Instance-local id.
    pub id: i32,
    /// 12-character uid.
    pub uid: String,
    /// Name.
    pub name: String,
    /// `_dtype_str`: the dtype (see [`crate::meta::Dtype`]); `None` for types.
    #[diesel(column_name = dtype_str)]
    pub dtype: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Synonyms, `|`-separated.
    pub synonyms: Option<String>,
    /// Whether values may be missing.
    pub nullable: Option<bool>,
    /// Whether values are coerced to the dtype during validation.
    pub coerce: Option<bool>,
    /// Default value.
    pub default_value: Option<JsonData>,
    /// Whether this feature is a type (a group of features).
    pub is_type: bool,
    /// The feature type this feature belongs to.
    pub type_id: Option<i32>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Creating user.
    pub created_by_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// `lamindb_schema`: a set of features (or identifiers of another registry) that datasets are
/// validated against, or a composite of such sets in named slots.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_schema)]
pub struct Schema {
    /// Instance-local id.
    pub id: i32,
    /// 16-character uid.
    pub uid: String,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Number of members; `None` when the schema lists none.
    pub n_members: Option<i32>,
    /// Whether validation coerces values to the dtypes.
    pub coerce: Option<bool>,
    /// Whether validation accepts any member of `itype`, not only the listed ones.
    pub flexible: Option<bool>,
    /// The registry (and field) of the members: `Feature`, `Feature[<type uid>]`,
    /// `bionty.Gene.ensembl_gene_id`, …
    pub itype: Option<String>,
    /// The object type of datasets, e.g. `DataFrame`, `AnnData`.
    pub otype: Option<String>,
    /// `_dtype_str`: the dtype of all members where they share one (`num` for identifier sets).
    #[diesel(column_name = dtype_str)]
    pub dtype: Option<String>,
    /// Python LaminDB's hash of the schema definition; `None` for types.
    pub hash: Option<String>,
    /// Whether every member must be present.
    pub minimal_set: bool,
    /// Whether the members are ordered.
    pub ordered_set: bool,
    /// Whether no other columns may be present.
    pub maximal_set: bool,
    /// The artifact suffix datasets of this schema must have.
    pub suffix: Option<String>,
    /// Whether this schema is a type (a group of schemas).
    pub is_type: bool,
    /// The schema type this schema belongs to.
    pub type_id: Option<i32>,
    /// `_aux`: optional members (`af.1`) and the index feature (`af.3`).
    pub aux: Option<JsonData>,
    /// Creation time.
    pub created_at: UtcTime,
    /// Creating user.
    pub created_by_id: i32,
    /// Creating run.
    pub run_id: Option<i64>,
    /// Branch (-1 trash, 0 archive, 1 main).
    pub branch_id: i32,
}

/// `lamindb_jsonvalue`: a feature value shared by the artifacts and runs it annotates.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = lamindb_jsonvalue)]
pub struct JsonValue {
    /// Instance-local id.
    pub id: i64,
    /// The value.
    pub value: JsonData,
    /// Hash of the value (unique per feature).
    pub hash: Option<String>,
    /// The feature.
    pub feature_id: Option<i32>,
    /// Creation time.
    pub created_at: UtcTime,
}
