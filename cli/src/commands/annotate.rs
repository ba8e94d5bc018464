//! `lamin annotate`: labels and feature values of artifacts, runs and records.

use lamindb_core::annotate::Host;
use lamindb_core::prelude::*;
use serde_json::{json, Map, Value};

/// One `--features name=value`: JSON when it parses, a list when it has commas, else text.
pub fn feature_value(expr: &str) -> Result<(String, Value)> {
    let (name, raw) = expr.split_once('=').ok_or_else(|| {
        Error::Validation(format!("--features '{expr}' has no '=': write NAME=VALUE"))
    })?;
    let value = match serde_json::from_str::<Value>(raw) {
        Ok(v) => v,
        Err(_) if raw.contains(',') => Value::Array(
            raw.split(',')
                .map(|s| Value::String(s.trim().to_owned()))
                .collect(),
        ),
        Err(_) => Value::String(raw.to_owned()),
    };
    Ok((name.trim().to_owned(), value))
}

/// Labels to link and feature values to add with `lamin annotate`.
pub struct AnnotateArgs<'a> {
    pub ulabels: &'a [String],
    pub projects: &'a [String],
    pub records: &'a [String],
    pub references: &'a [String],
    pub features: &'a [String],
}

/// `lamin annotate`: links labels by name and adds feature values, validated first.
pub fn annotate(inst: &Instance, host: Host, args: &AnnotateArgs<'_>) -> Result<Value> {
    let mut values = Map::new();
    for f in args.features {
        let (k, v) = feature_value(f)?;
        values.insert(k, v);
    }
    let mut links: Vec<(&str, i64)> = Vec::new();
    for n in args.ulabels {
        links.push(("ULabel", inst.ulabels().get(n)?.id.into()));
    }
    for n in args.projects {
        links.push(("Project", inst.projects().get(n)?.id.into()));
    }
    for n in args.records {
        links.push(("Record", inst.records().get(n)?.id.into()));
    }
    for n in args.references {
        links.push(("Reference", inst.references().get(n)?.id.into()));
    }
    let ann = inst.annotations(host);
    if !values.is_empty() {
        ann.add_values(&values)?;
    }
    for (registry, id) in links {
        ann.add_labels(registry, &[id])?;
    }
    Ok(json!({
        "features": ann.get_values()?,
        "labels": ann.labels()?,
    }))
}

/// `lamin annotate`.
#[derive(clap::Args)]
pub struct AnnotateCmd {
    /// What to annotate: artifact, run or record.
    #[arg(default_value = "artifact")]
    entity: String,
    /// Key of the artifact.
    #[arg(long)]
    key: Option<String>,
    /// uid (or prefix) of the artifact, run or record.
    #[arg(long)]
    uid: Option<String>,
    /// Name of the record.
    #[arg(long)]
    name: Option<String>,
    /// A ULabel name (repeatable).
    #[arg(long)]
    ulabel: Vec<String>,
    /// A Project name (repeatable).
    #[arg(long)]
    project: Vec<String>,
    /// A Record name (repeatable).
    #[arg(long)]
    record: Vec<String>,
    /// A Reference name (repeatable).
    #[arg(long)]
    reference: Vec<String>,
    /// A feature value NAME=VALUE (repeatable); JSON values keep their type, `a,b` is a list.
    #[arg(long = "features", value_name = "NAME=VALUE")]
    features: Vec<String>,
}

impl AnnotateCmd {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        let inst = g.open()?;
        let host = match self.entity.as_str() {
            "artifact" | "artifacts" => {
                Host::Artifact(crate::output::select(&inst, &self.key, &self.uid)?.id)
            }
            "run" | "runs" => {
                let uid = self.uid.as_deref().ok_or_else(|| {
                    Error::Validation("annotate a run by its uid: pass --uid".into())
                })?;
                Host::Run(inst.runs().get(uid)?.id)
            }
            "record" | "records" => match (&self.uid, &self.name) {
                (Some(u), _) => Host::Record(
                    inst.query::<Record>()
                        .filter(Q::new("uid__startswith", u.as_str()))
                        .one()?
                        .id,
                ),
                (None, Some(n)) => Host::Record(inst.records().get(n)?.id),
                (None, None) => return Err(Error::Validation("pass --name or --uid".into())),
            },
            other => {
                return Err(Error::Validation(format!(
                    "cannot annotate '{other}': annotate artifact, run or record"
                )))
            }
        };
        let json = annotate(
            &inst,
            host,
            &AnnotateArgs {
                ulabels: &self.ulabel,
                projects: &self.project,
                records: &self.record,
                references: &self.reference,
                features: &self.features,
            },
        )?;
        let text = format!(
            "annotated {}: {}",
            self.entity,
            serde_json::to_string(&json["features"]).expect("json")
        );
        Ok(crate::output::Output::new(text, json))
    }
}
