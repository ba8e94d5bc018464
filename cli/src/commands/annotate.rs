//! `lamin annotate`: labels and feature values of artifacts, runs and records; readmes and
//! comments of records of any annotated registry.

use lamindb_core::annotate::Host;
use lamindb_core::prelude::*;
use lamindb_core::records::blocks::BlockKind;
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
    /// What to annotate: artifact (default; transform for a script's key), transform, run,
    /// record — or, with --readme/--comment, also collection, feature, schema, project, ulabel,
    /// branch (default: the current one) and space.
    entity: Option<String>,
    /// Key of the artifact or transform.
    #[arg(long)]
    key: Option<String>,
    /// uid (or prefix) of the record.
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
    /// A Markdown file that becomes the record's readme (a new version of it when the text
    /// changed).
    #[arg(long, value_name = "PATH")]
    readme: Option<std::path::PathBuf>,
    /// A comment to attach to the record.
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    /// Set the version tag (artifacts, transforms).
    #[arg(long)]
    version: Option<String>,
}

/// The registries whose records take readmes and comments (`<table>block`).
const BLOCK_ENTITIES: [&str; 11] = [
    "artifact",
    "transform",
    "collection",
    "record",
    "run",
    "schema",
    "feature",
    "project",
    "branch",
    "ulabel",
    "space",
];

impl AnnotateCmd {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        let inst = g.open()?;
        let entity = match &self.entity {
            Some(e) => e.trim_end_matches('s').to_ascii_lowercase(),
            // A script's key names a transform, as lamin-cli infers it.
            None if self.key.as_deref().is_some_and(|k| {
                lamindb_core::lineage::source::transform_kind(std::path::Path::new(k)).is_some()
            }) =>
            {
                "transform".to_owned()
            }
            None => "artifact".to_owned(),
        };
        let blocks = self.readme.is_some() || self.comment.is_some() || self.version.is_some();
        let labels = !(self.ulabel.is_empty()
            && self.project.is_empty()
            && self.record.is_empty()
            && self.reference.is_empty()
            && self.features.is_empty());
        if !blocks && !labels {
            return Err(Error::Validation(
                "nothing to annotate with: pass --ulabel, --project, --record, --reference, --features, --readme, --comment or --version".into(),
            ));
        }
        let (meta, id) = self.find(&inst, &entity)?;
        let mut lines = Vec::new();
        let mut json = json!({ "entity": entity, "id": id });
        if let Some(path) = &self.readme {
            let content = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let b = inst.blocks().add(meta, id, BlockKind::Readme, &content)?;
            lines.push(if b.created {
                format!("added readme {} to {entity}", b.uid)
            } else {
                format!("the {entity}'s readme has this text already ({})", b.uid)
            });
            json["readme"] = json!(b.uid);
        }
        if let Some(v) = &self.version {
            if !matches!(entity.as_str(), "artifact" | "transform") {
                return Err(Error::Validation(format!(
                    "--version applies to artifacts and transforms, not {entity} records"
                )));
            }
            inst.set_field(meta, id, "version_tag", v)?;
            lines.push(format!("set version of {entity} to {v}"));
            json["version"] = json!(v);
        }
        if let Some(text) = &self.comment {
            let b = inst.blocks().add(meta, id, BlockKind::Comment, text)?;
            lines.push(format!("added comment {} to {entity}", b.uid));
            json["comment"] = json!(b.uid);
        }
        if labels {
            let host = match entity.as_str() {
                "artifact" => Host::Artifact(id as i32),
                "run" => Host::Run(id),
                "record" => Host::Record(id as i32),
                "transform" if self.features.is_empty() => Host::Transform(id as i32),
                other => {
                    return Err(Error::Validation(format!(
                        "labels and feature values annotate artifacts, runs and records (transforms take labels only), not {other} records; {other} records take --readme and --comment"
                    )))
                }
            };
            let got = annotate(
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
            lines.push(format!(
                "annotated {entity}: {}",
                serde_json::to_string(&got["features"]).expect("json")
            ));
            json["features"] = got["features"].clone();
            json["labels"] = got["labels"].clone();
        }
        Ok(crate::output::Output::new(lines.join("\n"), json))
    }

    /// The registry and id of the record to annotate.
    fn find(
        &self,
        inst: &Instance,
        entity: &str,
    ) -> Result<(&'static lamindb_core::meta::RegistryMeta, i64)> {
        if !BLOCK_ENTITIES.contains(&entity) {
            return Err(Error::Validation(format!(
                "cannot annotate '{entity}': annotate one of {}",
                BLOCK_ENTITIES.join(", ")
            )));
        }
        crate::output::find_record(
            inst,
            entity,
            &crate::output::RecordRef {
                uid: self.uid.as_deref(),
                name: self.name.as_deref(),
                key: self.key.as_deref(),
            },
        )
    }
}
