//! Runs as OpenLineage `RunEvent`s (spec 2-0-2), so that lineage recorded by lamindb-rs shows up
//! in Marquez and other OpenLineage consumers.
//!
//! - job: namespace `lamindb://<owner>/<name>`, name = transform key; facets `jobType` and, when
//!   the source is stored, `sourceCode`;
//! - run: `runId` = UUIDv5 of the run uid in the instance's id namespace (stable across exports);
//!   facets `nominalTime`, `parent` (nested runs), `errorMessage` (failed runs) and
//!   `lamindb_run` (uid, status, params, command line);
//! - datasets: named by storage path, per OpenLineage's naming conventions: local files are
//!   namespace `file` with the absolute path as name; `s3://bucket/…` is namespace
//!   `s3://bucket` with the object key as name.

use serde_json::{json, Map, Value};

use crate::db::models::{Artifact, Run, Transform};
use crate::instance::Instance;
use crate::records::runs::RunStatus;
use crate::Result;

/// The `schemaURL` of the events.
pub const RUN_EVENT_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
/// The `producer` of the events and facets.
pub const PRODUCER: &str = concat!(
    "https://github.com/laminlabs/lamindb-rs/releases/tag/v",
    env!("CARGO_PKG_VERSION")
);
const PARENT_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
const SOURCE_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-0-1/SourceCodeJobFacet.json#/$defs/SourceCodeJobFacet";
const JOB_TYPE_SCHEMA: &str =
    "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
const ERROR_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";
const NOMINAL_TIME_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet";
const CUSTOM_SCHEMA: &str = "https://lamin.ai/openlineage/lamindb-rs/1-0-0/LamindbFacet.json";

fn facet(schema: &str, body: Value) -> Value {
    let mut m = Map::new();
    m.insert("_producer".into(), json!(PRODUCER));
    m.insert("_schemaURL".into(), json!(schema));
    if let Value::Object(b) = body {
        m.extend(b);
    }
    Value::Object(m)
}

fn iso(t: &crate::db::sql_types::UtcTime) -> String {
    t.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn language_of(key: &str) -> Option<&'static str> {
    let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        "py" | "ipynb" => "python",
        "r" | "rmd" | "qmd" => "r",
        "sh" | "bash" => "bash",
        "zsh" => "zsh",
        "rs" => "rust",
        "pl" => "perl",
        "rb" => "ruby",
        "js" | "mjs" => "javascript",
        "jl" => "julia",
        "nf" => "nextflow",
        "smk" => "snakemake",
        "sql" => "sql",
        _ => return None,
    })
}

impl Instance {
    /// The OpenLineage namespace of this instance's jobs.
    pub fn openlineage_namespace(&self) -> String {
        format!("lamindb://{}", self.slug())
    }

    /// The stable OpenLineage `runId` of `run`.
    pub fn openlineage_run_id(&self, run: &Run) -> uuid::Uuid {
        uuid::Uuid::new_v5(&self.settings().id, run.uid.as_bytes())
    }

    /// The `(namespace, name)` of an artifact as an OpenLineage dataset.
    pub fn openlineage_dataset(&self, artifact: &Artifact) -> (String, String) {
        let root = self
            .root_of(artifact.storage_id)
            .unwrap_or_else(|_| self.storage_root().clone());
        let key = artifact.storage_key();
        match root.local_path() {
            Some(_) => {
                let path = root
                    .path_of(&key)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or(key);
                ("file".into(), path)
            }
            None => {
                let url = root.as_str().trim_end_matches('/');
                let (scheme, rest) = url.split_once("://").unwrap_or(("file", url));
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}/{key}")
                };
                (format!("{scheme}://{bucket}"), name)
            }
        }
    }

    fn dataset(&self, artifact: &Artifact) -> Value {
        let (namespace, name) = self.openlineage_dataset(artifact);
        json!({
            "namespace": namespace,
            "name": name,
            "facets": {
                "lamindb_artifact": facet(CUSTOM_SCHEMA, json!({
                    "uid": artifact.uid,
                    "key": artifact.key,
                    "description": artifact.description,
                    "hash": artifact.hash,
                    "size": artifact.size,
                    "version": artifact.version(),
                })),
            },
        })
    }

    fn job(&self, transform: &Transform) -> Value {
        let mut facets = Map::new();
        facets.insert(
            "jobType".into(),
            facet(
                JOB_TYPE_SCHEMA,
                json!({
                    "processingType": "BATCH",
                    "integration": "LAMINDB",
                    "jobType": transform.kind.to_ascii_uppercase(),
                }),
            ),
        );
        if let (Some(src), Some(lang)) = (&transform.source_code, language_of(&transform.key)) {
            facets.insert(
                "sourceCode".into(),
                facet(SOURCE_SCHEMA, json!({"language": lang, "sourceCode": src})),
            );
        }
        json!({
            "namespace": self.openlineage_namespace(),
            "name": transform.key,
            "facets": facets,
        })
    }

    /// The OpenLineage events of `run`: `START`, then `COMPLETE`, `FAIL` or `ABORT` once it has
    /// finished. Inputs are the artifacts it read; outputs those it created or re-created (its
    /// environment and report are left out).
    pub fn openlineage_events(&self, run: &Run) -> Result<Vec<Value>> {
        let transform = self.transforms().by_id(run.transform_id)?;
        let runs = self.runs();
        let inputs: Vec<Value> = runs.inputs(run)?.iter().map(|x| self.dataset(x)).collect();
        let mut made = runs.outputs(run)?;
        made.extend(runs.recreated(run)?);
        made.retain(|x| x.kind.as_deref() != Some(crate::records::artifact::RUN_KIND));
        let outputs: Vec<Value> = made.iter().map(|x| self.dataset(x)).collect();

        let mut run_facets = Map::new();
        let mut nominal = json!({"nominalStartTime": iso(&run.started_at)});
        if let Some(end) = &run.finished_at {
            nominal["nominalEndTime"] = json!(iso(end));
        }
        run_facets.insert("nominalTime".into(), facet(NOMINAL_TIME_SCHEMA, nominal));
        if let Some(parent_id) = run.initiated_by_run_id {
            let parent = runs.by_id(parent_id)?;
            let parent_transform = self.transforms().by_id(parent.transform_id)?;
            run_facets.insert(
                "parent".into(),
                facet(
                    PARENT_SCHEMA,
                    json!({
                        "run": {"runId": self.openlineage_run_id(&parent).to_string()},
                        "job": {"namespace": self.openlineage_namespace(), "name": parent_transform.key},
                    }),
                ),
            );
        }
        let status = run.status();
        run_facets.insert(
            "lamindb_run".into(),
            facet(
                CUSTOM_SCHEMA,
                json!({
                    "uid": run.uid,
                    "transformUid": transform.uid,
                    "status": status.map(RunStatus::as_str),
                    "entrypoint": run.entrypoint,
                    "params": run.params,
                    "cliArgs": run.cli_args,
                }),
            ),
        );
        let run_id = self.openlineage_run_id(run).to_string();
        let job = self.job(&transform);
        let event = |event_type: &str,
                     time: &crate::db::sql_types::UtcTime,
                     facets: &Map<String, Value>| {
            json!({
                "eventType": event_type,
                "eventTime": iso(time),
                "producer": PRODUCER,
                "schemaURL": RUN_EVENT_SCHEMA,
                "run": {"runId": run_id, "facets": facets},
                "job": job,
                "inputs": inputs,
                "outputs": outputs,
            })
        };
        let mut events = vec![event("START", &run.started_at, &run_facets)];
        let end = match status {
            Some(RunStatus::Completed) => Some("COMPLETE"),
            Some(RunStatus::Errored) => Some("FAIL"),
            Some(RunStatus::Aborted) => Some("ABORT"),
            _ => None,
        };
        if let (Some(kind), Some(time)) = (end, &run.finished_at) {
            let mut facets = run_facets.clone();
            if kind == "FAIL" {
                facets.insert(
                    "errorMessage".into(),
                    facet(
                        ERROR_SCHEMA,
                        json!({
                            "message": format!("run {} of {} errored", run.uid, transform.key),
                            "programmingLanguage": language_of(&transform.key).unwrap_or("unknown"),
                        }),
                    ),
                );
            }
            events.push(event(kind, time, &facets));
        }
        Ok(events)
    }
}
