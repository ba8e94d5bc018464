//! Which link table connects a host record (artifact, run, record) with a label record.

/// What a link row records besides the two ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// Nothing else.
    None,
    /// `created_at` and `created_by_id`.
    CreatedBy,
    /// `created_at`, `created_by_id` and `run_id`.
    CreatedByRun,
}

/// A link table between a host registry and a label registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkSpec {
    pub table: String,
    pub host_column: &'static str,
    pub value_column: String,
    /// Whether the table has a `feature_id` column.
    pub has_feature: bool,
    /// Whether `feature_id` is NOT NULL (record values).
    pub feature_required: bool,
    pub tracking: Tracking,
}

/// The registries whose rows hold feature values.
pub(crate) const FEATURE_HOSTS: [&str; 3] = ["lamindb_artifact", "lamindb_run", "lamindb_record"];

fn entity(label_table: &str) -> Option<&str> {
    label_table.strip_prefix("lamindb_")
}

/// The link for annotating `host_table` rows with `label_table` rows. With `for_feature`, the
/// link that stores values of a categorical feature (for records: `lamindb_record<x>`).
pub(crate) fn label_link(
    host_table: &str,
    label_table: &str,
    for_feature: bool,
) -> Option<LinkSpec> {
    let spec = |table: String,
                host_column,
                value_column: String,
                has_feature,
                feature_required,
                tracking| {
        Some(LinkSpec {
            table,
            host_column,
            value_column,
            has_feature,
            feature_required,
            tracking,
        })
    };
    match host_table {
        "lamindb_artifact" => {
            let e = entity(label_table)?;
            match e {
                "ulabel" | "record" | "project" | "reference" | "user" | "run" => spec(
                    format!("lamindb_artifact{e}"),
                    "artifact_id",
                    format!("{e}_id"),
                    true,
                    false,
                    Tracking::CreatedByRun,
                ),
                "artifact" => spec(
                    "lamindb_artifactartifact".into(),
                    "artifact_id",
                    "value_id".into(),
                    true,
                    false,
                    Tracking::CreatedByRun,
                ),
                _ => None,
            }
        }
        "lamindb_run" => match entity(label_table)? {
            "ulabel" if !for_feature => spec(
                "lamindb_runulabel".into(),
                "run_id",
                "ulabel_id".into(),
                false,
                false,
                Tracking::CreatedBy,
            ),
            "project" if !for_feature => spec(
                "lamindb_runproject".into(),
                "run_id",
                "project_id".into(),
                false,
                false,
                Tracking::CreatedBy,
            ),
            "record" => spec(
                "lamindb_runrecord".into(),
                "run_id",
                "record_id".into(),
                true,
                false,
                Tracking::CreatedBy,
            ),
            "artifact" => spec(
                "lamindb_runartifact".into(),
                "run_id",
                "artifact_id".into(),
                true,
                false,
                Tracking::None,
            ),
            _ => None,
        },
        "lamindb_record" => {
            let e = entity(label_table)?;
            match (e, for_feature) {
                ("project", false) => spec(
                    "lamindb_projectrecord".into(),
                    "record_id",
                    "project_id".into(),
                    true,
                    false,
                    Tracking::CreatedByRun,
                ),
                ("reference", false) => spec(
                    "lamindb_referencerecord".into(),
                    "record_id",
                    "reference_id".into(),
                    true,
                    false,
                    Tracking::CreatedByRun,
                ),
                (
                    "ulabel" | "project" | "record" | "reference" | "run" | "transform" | "user"
                    | "artifact" | "collection",
                    true,
                ) => spec(
                    format!("lamindb_record{e}"),
                    "record_id",
                    "value_id".into(),
                    true,
                    true,
                    Tracking::None,
                ),
                _ => None,
            }
        }
        _ => None,
    }
}
