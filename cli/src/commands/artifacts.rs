//! `lamin save`, `load`, `delete`, `restore`: an artifact's life cycle.

use std::path::{Path, PathBuf};

use clap::Args;
use lamindb_core::prelude::*;
use serde_json::json;

use crate::output::{artifact_json, Global, Output};

/// `lamin save`.
#[derive(Args)]
pub struct SaveArgs {
    /// The file or folder.
    path: PathBuf,
    /// More files or folders, saved with the first in one go (needs --key-prefix).
    more: Vec<PathBuf>,
    /// Save every path as an artifact keyed PREFIX/<file name>, all in one transaction.
    #[arg(long, value_name = "PREFIX", conflicts_with_all = ["key", "schema", "registry"])]
    key_prefix: Option<String>,
    /// Key (virtual path in the instance).
    #[arg(long)]
    key: Option<String>,
    /// Description.
    #[arg(long)]
    description: Option<String>,
    /// Kind (dataset, model, …).
    #[arg(long)]
    kind: Option<String>,
    /// Root of the managed storage to save into (default: the instance's storage).
    #[arg(long)]
    storage: Option<String>,
    /// Validate the file (parquet, csv, tsv) against this schema first, and save it as a
    /// dataset validated by it, annotated with its categorical values; nothing is saved when
    /// it does not validate.
    #[arg(long)]
    schema: Option<String>,
    /// Feature values of the artifact as NAME=VALUE (repeatable); with --schema they are its
    /// external features, validated against the schema's `__external__` slot first.
    #[arg(long = "features", value_name = "NAME=VALUE")]
    features: Vec<String>,
    /// What to save the file as: `artifact`, or `transform` (the default for scripts and
    /// notebooks: .py, .R, .sh, .ipynb).
    #[arg(long, value_parser = parse_registry)]
    registry: Option<SaveAs>,
    /// Label what is saved with this project.
    #[arg(long)]
    project: Option<String>,
    /// For a script: the version family (12-character uid stem) it continues.
    #[arg(long)]
    stem_uid: Option<String>,
    /// Put a new artifact on this branch instead of main.
    #[arg(long)]
    branch: Option<String>,
    /// Put a new artifact into this space.
    #[arg(long)]
    space: Option<String>,
    /// Label the artifact with this ULabel (repeatable).
    #[arg(long)]
    ulabel: Vec<String>,
}

/// What `lamin save` makes of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAs {
    /// An artifact.
    Artifact,
    /// A transform (scripts and notebooks).
    Transform,
    /// A record (Markdown notes in a development folder).
    Record,
}

fn parse_registry(s: &str) -> std::result::Result<SaveAs, String> {
    match s {
        "artifact" => Ok(SaveAs::Artifact),
        "transform" => Ok(SaveAs::Transform),
        "record" => Ok(SaveAs::Record),
        other => Err(format!(
            "Invalid value for '--registry': '{other}' is not one of 'artifact', 'transform', 'record'."
        )),
    }
}

/// Whether `path` is an agent's plan: `*.plan.md` (Cursor) or under `.claude/plans/` (Claude
/// Code).
fn is_plan_file(path: &Path) -> bool {
    let name = path.to_string_lossy();
    if name.ends_with(".plan.md") {
        return true;
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<_> = abs.components().map(|c| c.as_os_str().to_owned()).collect();
    name.ends_with(".md")
        && parts
            .windows(2)
            .any(|w| w[0] == ".claude" && w[1] == "plans")
}

/// The `overview` of a plan's front matter, read line by line as lamin-cli reads it: agents
/// write it as free text (colons included), which is not always valid YAML. Indented lines
/// continue it.
fn plan_overview(front: &str) -> Option<String> {
    let mut overview: Option<String> = None;
    let mut in_overview = false;
    for line in front.lines() {
        if !line.starts_with(' ') && line.contains(':') {
            let (key, value) = line.split_once(':').unwrap_or_default();
            in_overview = key.trim() == "overview";
            if in_overview {
                overview = Some(value.trim().to_owned());
            }
        } else if in_overview && line.starts_with(' ') {
            if let Some(o) = overview.as_mut() {
                o.push(' ');
                o.push_str(line.trim());
            }
        }
    }
    overview.filter(|o| !o.is_empty())
}

/// A Markdown text's YAML front matter (between `---` lines at its start) and the body after it.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("---")?.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('\n')?;
    let end = rest.find("\n---")?;
    let front = &rest[..end];
    let after = &rest[end + 4..];
    let body = after.split_once('\n').map_or("", |(_, b)| b);
    Some((front, body.trim_start_matches('\n')))
}

impl SaveArgs {
    /// `lamin save A B C --key-prefix P`: every path an artifact `P/<name>`, saved together
    /// (one process, one pipeline: hashing in parallel, the rows in one transaction).
    fn save_bulk(self, g: &Global) -> Result<Output> {
        let prefix = self.key_prefix.as_deref().ok_or_else(|| {
            Error::Validation(
                "several paths are saved under a common key prefix: pass --key-prefix PREFIX"
                    .into(),
            )
        })?;
        let inst = g.open_tracked()?;
        let project = match &self.project {
            Some(p) => Some(inst.projects().get(p)?),
            None => None,
        };
        let values = super::validate::external(&self.features)?;
        let prefix = prefix.trim_end_matches('/');
        let mut specs = Vec::new();
        let mut keys = std::collections::BTreeSet::new();
        for path in std::iter::once(&self.path).chain(&self.more) {
            let name = std::path::absolute(path)
                .map_err(|e| Error::io(path, e))?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Error::Validation(format!("{} has no file name", path.display())))?;
            let key = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if !keys.insert(key.clone()) {
                return Err(Error::Validation(format!(
                    "two paths would be saved under key '{key}'; save them under different prefixes"
                )));
            }
            specs.push(NewArtifactSpec {
                path: path.clone(),
                key: Some(key),
                description: self.description.clone(),
                kind: self.kind.clone(),
                storage: self.storage.clone(),
                ..Default::default()
            });
        }
        let saved = {
            let _spin = crate::progress::spinner(&format!("saving {} paths", specs.len()));
            inst.artifacts().save_many(specs)?
        };
        let mut lines = Vec::new();
        let mut rows = Vec::new();
        for s in &saved {
            let a = &s.artifact;
            if let Some(p) = &project {
                inst.annotations(a).add_labels("Project", &[p.id.into()])?;
            }
            if !values.is_empty() {
                inst.annotations(a).add_values(&values)?;
            }
            let status = format!("{:?}", s.status).to_lowercase();
            lines.push(format!(
                "{status}: {} {}",
                a.uid,
                a.key.as_deref().unwrap_or_default()
            ));
            let mut j = artifact_json(&inst, a);
            j["status"] = json!(status);
            rows.push(j);
        }
        Ok(Output::new(lines.join("\n"), json!(rows)))
    }

    pub fn run(mut self, g: &Global) -> Result<Output> {
        if self.key_prefix.is_some() || !self.more.is_empty() {
            return self.save_bulk(g);
        }
        let is_md = self.path.extension().and_then(|e| e.to_str()) == Some("md");
        let is_readme = self.path.file_name().and_then(|n| n.to_str()) == Some("README.md");
        let note = match self.registry {
            Some(SaveAs::Record) => true,
            Some(_) => false,
            None => {
                is_md
                    && !is_readme
                    && self.key.is_none()
                    && !is_plan_file(&self.path)
                    && super::notes::note_path(&g.open()?, &self.path)?.is_some()
            }
        };
        if note {
            return super::notes::save(
                g,
                &self.path,
                self.registry == Some(SaveAs::Record),
                self.key.is_some(),
            );
        }
        let save_as =
            self.registry.unwrap_or(
                match lamindb_core::lineage::source::transform_kind(&self.path) {
                    Some(_) => SaveAs::Transform,
                    None => SaveAs::Artifact,
                },
            );
        if save_as == SaveAs::Transform {
            if self.schema.is_some() || !self.features.is_empty() || self.kind.is_some() {
                return Err(Error::Validation(
                    "--schema, --features and --kind apply to artifacts; a script is saved as a transform (pass --registry artifact to save it as an artifact)".into(),
                ));
            }
            if self.key.is_some() {
                tracing::warn!("--key is ignored for transforms: their key is the path in the development folder (`lamin settings dev-dir`)");
            }
            return super::transforms::SaveTransform {
                path: &self.path,
                stem_uid: self.stem_uid.as_deref(),
                project: self.project.as_deref(),
            }
            .run(g);
        }
        // Agent plans (`*.plan.md`, or Markdown under `.claude/plans/`) are artifacts of kind
        // `plan` keyed `.plans/<name>`, described by their front matter's `overview`, stored
        // without the front matter (as lamin-cli saves them).
        let mut plan_body = None;
        let mut lines = Vec::new();
        if is_plan_file(&self.path) {
            lines.push("saving artifact as `kind=\"plan\"`".to_owned());
            let text = std::fs::read_to_string(&self.path).map_err(|e| Error::io(&self.path, e))?;
            let name = self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.key.get_or_insert_with(|| format!(".plans/{name}"));
            self.kind.get_or_insert_with(|| "plan".into());
            if let Some((front, body)) = split_front_matter(&text) {
                if self.description.is_none() {
                    self.description = plan_overview(front);
                }
                let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
                let path = dir.path().join(&name);
                std::fs::write(&path, body).map_err(|e| Error::io(&path, e))?;
                self.path = path;
                plan_body = Some(dir);
            }
        }
        // README.md is kept under its own name, and also as the instance's README block.
        let is_cloud = self.path.to_string_lossy().contains("://");
        if is_readme && !is_cloud && self.key.is_none() {
            self.key = Some("README.md".into());
        }
        let readme_text = match self.key.as_deref() {
            Some("README.md") => {
                Some(std::fs::read_to_string(&self.path).map_err(|e| Error::io(&self.path, e))?)
            }
            _ => None,
        };
        if self.key.is_none() && self.description.is_none() {
            // Python's message and exit code: a file saved without a name cannot be found again.
            let mut out = Output::new(
                "Please pass a key or description via --key or --description",
                json!({ "error": "Please pass a key or description via --key or --description" }),
            );
            out.exit_code = 1;
            return Ok(out);
        }
        let inst = g.open_tracked()?;
        // The branch, space and labels are checked before anything is saved.
        let branch = match &self.branch {
            Some(b) => Some(inst.branches().get(b)?),
            None => None,
        };
        let space = match &self.space {
            Some(s) => Some(inst.branches().space(s)?),
            None => None,
        };
        let ulabels = self
            .ulabel
            .iter()
            .map(|n| inst.ulabels().get(n).map(|l| i64::from(l.id)))
            .collect::<Result<Vec<_>>>()?;
        let spec = NewArtifactSpec {
            path: self.path,
            key: self.key,
            description: self.description,
            kind: self.kind,
            storage: self.storage,
            ..Default::default()
        };
        let (saved, dataset) = match &self.schema {
            Some(schema) if lamindb_curate::anndata::is_anndata(&spec.path) => {
                if !self.features.is_empty() {
                    return Err(Error::Validation(
                        "--features gives a DataFrame's external features; an AnnData keeps its dataset-level values in uns".into(),
                    ));
                }
                let adata = lamindb_curate::anndata::AnnData::open(
                    &lamindb_curate::curator::localize(&spec.path)?,
                )?;
                let curator =
                    lamindb_curate::anndata_curator::AnnDataCurator::new(&inst, adata, schema)?;
                let d = curator.save_artifact(spec)?;
                let sets: serde_json::Map<String, serde_json::Value> = d
                    .feature_sets
                    .iter()
                    .map(|(slot, s)| (slot.clone(), json!(s.uid)))
                    .collect();
                (d.saved, Some((d.labels, json!({ "feature_sets": sets }))))
            }
            Some(schema) => {
                let curator = lamindb_curate::dataframe::DataFrameCurator::from_path(
                    &inst,
                    &lamindb_curate::curator::localize(&spec.path)?,
                    schema,
                )?
                .with_external(super::validate::external(&self.features)?);
                let d = curator.save_artifact(spec)?;
                (
                    d.saved,
                    Some((d.labels, json!({ "feature_set": d.feature_set.uid }))),
                )
            }
            None => {
                let values = super::validate::external(&self.features)?;
                // Unknown features are refused before anything is saved.
                let unknown: Vec<(String, String)> = values
                    .iter()
                    .filter(|(k, _)| inst.features().get(k).is_err())
                    .map(|(k, v)| (k.clone(), lamindb_core::annotate::infer_dtype(v)))
                    .collect();
                if !unknown.is_empty() {
                    return Err(Error::UnknownFeatures { features: unknown });
                }
                let saved = inst.artifacts().save(spec)?;
                if !values.is_empty() {
                    inst.annotations(&saved.artifact).add_values(&values)?;
                }
                (saved, None)
            }
        };
        let verb = match saved.status {
            SaveStatus::Created => "saved",
            SaveStatus::NewVersion => "saved new version",
            SaveStatus::Existing => "returning artifact with same hash",
        };
        let mut saved = saved;
        if matches!(saved.status, SaveStatus::Created | SaveStatus::NewVersion) {
            let id = saved.artifact.id.into();
            if let Some(b) = &branch {
                inst.branches().place("lamindb_artifact", id, b)?;
            }
            if let Some(s) = &space {
                inst.branches().put_in_space("lamindb_artifact", id, s)?;
            }
            saved.artifact = inst.artifacts().by_id(saved.artifact.id)?;
        }
        if !ulabels.is_empty() {
            inst.annotations(&saved.artifact)
                .add_labels("ULabel", &ulabels)?;
        }
        let a = &saved.artifact;
        drop(plan_body);
        let readme_block = match &readme_text {
            Some(text) => {
                lines.push("! Saving README as an artifact is transitional and will be phased out; README is currently saved as both an Artifact and a Block.".into());
                let on = branch.as_ref().map_or(inst.branch_id(), |b| b.id as i32);
                let block = inst.blocks().add_keyed("README.md", text, on)?;
                lines.push("saved README block".into());
                Some(block.uid)
            }
            None => None,
        };
        lines.push(format!(
            "{verb}: Artifact(uid='{}', key={}, description={}, suffix='{}', kind={}, size={}, hash='{}')",
            a.uid,
            py_str(a.key.as_deref()),
            py_str(a.description.as_deref()),
            a.suffix,
            py_str(a.kind.as_deref()),
            a.size.map_or("None".into(), |s| s.to_string()),
            a.hash.as_deref().unwrap_or_default()
        ));
        let mut j = artifact_json(&inst, a);
        lines.push(format!(
            "storage path: {}",
            j["path"].as_str().unwrap_or_default()
        ));
        if let Some(p) = &self.project {
            let project = inst.projects().get(p)?;
            inst.annotations(a)
                .add_labels("Project", &[project.id.into()])?;
            lines.push(format!("labeled with project: {}", project.name));
        }
        j["status"] = json!(format!("{:?}", saved.status).to_lowercase());
        if let Some(uid) = readme_block {
            j["readme_block"] = json!(uid);
        }
        if let Some((labels, sets)) = &dataset {
            j["schema"] = json!(self.schema);
            j["labels"] = json!(labels);
            for (k, v) in sets.as_object().into_iter().flatten() {
                j[k] = v.clone();
            }
        }
        Ok(Output::new(lines.join("\n"), j))
    }
}

/// A string field as Python prints it in a record's repr: `'text'` or `None`.
fn py_str(v: Option<&str>) -> String {
    v.map_or("None".into(), |s| format!("'{s}'"))
}

/// `lamin load`.
#[derive(Args)]
pub struct LoadArgs {
    /// `artifact` (the default); `transform` to write a transform's source into the working
    /// folder (or --to), named as its key names it; `collection` for its members' paths (or
    /// copies in --to).
    ///
    /// Also a note of the development folder (`topic/sub/note`, `note.md`, or a record URL
    /// ending in `/record/<uid>`), written back as its Markdown file, or `README.md`.
    #[arg(value_name = "ENTITY|NOTE")]
    entity: Option<String>,
    /// Key of the artifact, transform or collection.
    #[arg(long)]
    key: Option<String>,
    /// uid (or prefix) of the artifact, transform or collection.
    #[arg(long)]
    uid: Option<String>,
    /// Copy the data into this folder and print the copy's path.
    #[arg(long)]
    to: Option<PathBuf>,
    /// For a collection of parquet files: the columns to read (comma-separated or repeated);
    /// the members are scanned where they are stored, reading only these columns.
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// For a collection of parquet files: keep the rows where FIELD[__LOOKUP]=VALUE holds
    /// (repeatable, all must hold; `value__gt=5`, `donor__in=d1,d2`), pushed into each scan.
    #[arg(long = "where", value_name = "EXPR")]
    wheres: Vec<String>,
}

impl LoadArgs {
    pub fn run(mut self, g: &Global) -> Result<Output> {
        // A LaminHub URL of a record of this instance (`https://lamin.ai/<owner>/<instance>/
        // transform/<uid>`, as lamin-cli takes them): the record by uid.
        if let Some(url) = self.entity.clone().filter(|e| e.contains("://")) {
            for kind in ["transform", "artifact"] {
                if let Some((_, uid)) = url.rsplit_once(&format!("/{kind}/")) {
                    self.uid = Some(uid.trim_end_matches('/').to_owned());
                    self.entity = Some(kind.to_owned());
                }
            }
        }
        match self.entity.as_deref() {
            Some("transform") => return self.load_transform(g),
            Some("README.md") => return super::notes::load_readme(g),
            Some(other)
                if !matches!(other, "artifact" | "transform" | "collection")
                    && super::notes::is_load_target(other) =>
            {
                return super::notes::load(g, other)
            }
            Some(other) if !matches!(other, "artifact" | "transform" | "collection") => {
                return Err(Error::Validation(format!(
                    "'{other}' is not one of artifact, transform, collection, README.md or a note (topic/note, note.md)"
                )))
            }
            Some("collection") => {
                let inst = g.open_tracked()?;
                let c = super::collections::select(
                    &inst,
                    self.key.as_deref(),
                    self.uid.as_deref(),
                )?;
                if !self.columns.is_empty() || !self.wheres.is_empty() {
                    return super::collections::query(&inst, &c, &self.columns, &self.wheres);
                }
                return super::collections::load(&inst, &c, self.to.as_deref());
            }
            _ => {}
        }
        if !self.columns.is_empty() || !self.wheres.is_empty() {
            return Err(Error::Validation(
                "--columns and --where apply to `lamin load collection`".into(),
            ));
        }
        let inst = g.open_tracked()?;
        let a = crate::output::select(&inst, &self.key, &self.uid)?;
        let mut path = inst.artifacts().cache(&a)?;
        if let Some(dir) = self.to {
            let name = copy_name(&a, &path)?;
            path = copy_out(&path, &dir, &name)?;
        }
        Ok(Output::new(
            path.display().to_string(),
            json!({ "uid": a.uid, "path": path }),
        ))
    }
}

impl LoadArgs {
    /// Writes a transform's source as the file its key names: a script as stored, a notebook
    /// rebuilt from its py:percent cells. An existing file with other content is kept.
    fn load_transform(&self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let t = match (&self.uid, &self.key) {
            (Some(u), _) => inst.transforms().get(u)?,
            (None, Some(k)) => inst.transforms().get_by_key(k)?,
            (None, None) => {
                return Err(Error::Validation(
                    "For transform pass --key or --uid".into(),
                ))
            }
        };
        let source = t.source_code.as_deref().ok_or_else(|| {
            Error::NotFound(format!(
                "transform {} ({}) has no source code stored",
                t.uid, t.key
            ))
        })?;
        let name = t.key.rsplit('/').next().unwrap_or(&t.key).to_owned();
        let text = if name.ends_with(".ipynb") {
            serde_json::to_string_pretty(&lamindb_core::lineage::source::notebook_from_py_percent(
                source,
                t.description.as_deref(),
            ))
            .expect("json")
        } else {
            source.to_owned()
        };
        let dir = match &self.to {
            Some(d) => d.clone(),
            None => crate::output::current_dir()?,
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(&name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == text => {}
            // As lamin-cli: a file with other content is replaced only when the user says so.
            Ok(_)
                if !super::transforms::confirm(&format!(
                    "! {} exists: replace?",
                    path.display()
                )) =>
            {
                return Err(Error::AlreadyExists(format!(
                    "{} exists with other content; move it away or load into another folder",
                    path.display()
                )))
            }
            _ => std::fs::write(&path, &text).map_err(|e| Error::io(&path, e))?,
        }
        Ok(Output::new(
            path.display().to_string(),
            json!({ "uid": t.uid, "key": t.key, "path": path }),
        ))
    }
}

/// Copies `src` (a file or folder) into `dir` as `name`.
/// The name of a copy of `a`'s data at `path`: its key's last part (`raw/reads.fasta` →
/// `reads.fasta`), not the uid the cache uses; else the path's own name.
pub(crate) fn copy_name(a: &Artifact, path: &Path) -> Result<std::ffi::OsString> {
    a.key
        .as_deref()
        .and_then(|k| k.trim_end_matches('/').rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(std::ffi::OsString::from)
        .or_else(|| path.file_name().map(|n| n.to_owned()))
        .ok_or_else(|| Error::Validation("artifact path has no file name".into()))
}

pub(crate) fn copy_out(src: &Path, dir: &Path, name: &std::ffi::OsStr) -> Result<PathBuf> {
    let dst = dir.join(name);
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let root = lamindb_storage::StorageRoot::local(dir)?;
    root.put(src, &name.to_string_lossy())?;
    Ok(dst)
}

/// `lamin delete`.
#[derive(Args)]
pub struct DeleteArgs {
    /// What to delete: `artifact` (the default), `transform`, `branch`, or a record of
    /// `collection`, `run`, `feature`, `schema`, `project`, `ulabel`, `record`, `reference`.
    #[arg(value_parser = ["artifact", "transform", "branch", "collection", "run", "feature", "schema", "project", "ulabel", "record", "reference"])]
    entity: Option<String>,
    /// Key of the artifact or transform (the newest with that key).
    #[arg(long, required_unless_present_any = ["uid", "name"])]
    key: Option<String>,
    /// Name of the branch.
    #[arg(long)]
    name: Option<String>,
    /// uid (or prefix) of the record.
    #[arg(long)]
    uid: Option<String>,
    /// Delete the record (and its data under .lamindb/) for good.
    #[arg(long)]
    permanent: bool,
    /// Also delete data stored under a real (non-virtual) key.
    #[arg(long)]
    delete_data: bool,
    /// Delete permanently even when runs read the artifact (they lose it from their inputs).
    #[arg(long)]
    force: bool,
}

impl DeleteArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        match self.entity.as_deref() {
            Some("transform") => return self.delete_transform(&inst),
            Some("branch") => return self.delete_branch(&inst),
            None | Some("artifact") => {}
            Some(other) => return self.delete_record(&inst, other),
        }
        let a = match (&self.uid, &self.key, self.permanent) {
            (None, Some(k), true) => inst
                .artifacts()
                .get_by_key(k)
                .or_else(|_| inst.artifacts().newest_by_key(k))?,
            _ => crate::output::select(&inst, &self.key, &self.uid)?,
        };
        if self.permanent {
            let deleted = inst.artifacts().delete_permanently(
                &a,
                &PermanentDelete {
                    delete_data: self.delete_data,
                    force: self.force,
                },
            )?;
            let text = match &deleted {
                Some(k) => format!("permanently deleted artifact {} and its data at {k}", a.uid),
                None => format!("permanently deleted artifact {} (its data was kept)", a.uid),
            };
            Ok(Output::new(
                text,
                json!({ "uid": a.uid, "deleted": true, "deleted_data": deleted }),
            ))
        } else {
            let t = inst.artifacts().trash(&a)?;
            Ok(Output::new(
                format!("moved artifact {} to the trash", t.uid),
                artifact_json(&inst, &t),
            ))
        }
    }

    /// Any other record: to the trash, or with --permanent for good (its links go with it).
    fn delete_record(&self, inst: &Instance, entity: &str) -> Result<Output> {
        if entity == "collection" {
            let c = super::collections::select(inst, self.key.as_deref(), self.uid.as_deref())?;
            return super::collections::delete(inst, &c, self.permanent);
        }
        let (meta, id) = crate::output::find_record(
            inst,
            entity,
            &crate::output::RecordRef {
                uid: self.uid.as_deref(),
                name: self.name.as_deref(),
                key: self.key.as_deref(),
            },
        )?;
        if self.permanent {
            inst.delete_record(meta, id)?;
        } else {
            inst.trash_record(meta, id)?;
        }
        let verb = if self.permanent {
            "permanently deleted"
        } else {
            "moved to the trash:"
        };
        Ok(Output::new(
            format!("{verb} {} {id}", meta.name),
            json!({ "registry": meta.name, "id": id, "permanent": self.permanent }),
        ))
    }

    /// A branch is deleted for good (with or without --permanent, as in Python) unless records
    /// are on it or were created on it; when it was the current branch, main is current again.
    fn delete_branch(&self, inst: &Instance) -> Result<Output> {
        let name = self
            .name
            .as_deref()
            .or(self.uid.as_deref())
            .ok_or_else(|| Error::Validation("For branch pass --name or --uid".into()))?;
        let branch = inst.branches().get(name)?;
        inst.branches().delete(&branch)?;
        let cwd = crate::output::current_dir()?;
        let ctx = lamindb_core::instance::settings::Context::Branch;
        if ctx
            .current(inst.settings(), &cwd)
            .is_some_and(|(uid, _)| uid == branch.uid)
        {
            let main = inst.branches().get("main")?;
            ctx.select(inst.settings(), &cwd, &main.uid, &main.name)?;
        }
        Ok(Output::new(
            format!("deleted branch {}", branch.name),
            json!({ "deleted": branch.name, "uid": branch.uid }),
        ))
    }

    /// A transform goes to the trash, or with --permanent for good with its runs (Python's
    /// `transform.delete()`).
    fn delete_transform(&self, inst: &Instance) -> Result<Output> {
        let t = match (&self.uid, &self.key) {
            (Some(u), _) => inst.transforms().get(u)?,
            (None, Some(k)) => inst.transforms().newest_by_key(k)?,
            (None, None) => return Err(Error::Validation("pass --key or --uid".into())),
        };
        if !self.permanent {
            let trashed = inst.transforms().trash(&t)?;
            return Ok(Output::new(
                format!(
                    "moved transform {} ({}) to the trash",
                    trashed.uid, trashed.key
                ),
                json!({ "uid": trashed.uid, "branch_id": trashed.branch_id }),
            ));
        }
        let successor = inst.transforms().delete_permanently(&t)?;
        let mut text = format!("permanently deleted transform {} ({})", t.uid, t.key);
        if let Some(s) = &successor {
            text.push_str(&format!("\nnew latest Transform version is: {}", s.uid));
        }
        Ok(Output::new(
            text,
            json!({ "uid": t.uid, "deleted": true, "latest": successor.map(|s| s.uid) }),
        ))
    }
}

/// `lamin restore`.
#[derive(Args)]
pub struct RestoreArgs {
    /// `artifact` (the default) or `collection`.
    #[arg(value_parser = ["artifact", "collection"])]
    entity: Option<String>,
    /// Key of the trashed artifact or collection.
    #[arg(long, required_unless_present = "uid")]
    key: Option<String>,
    /// uid of the artifact or collection.
    #[arg(long)]
    uid: Option<String>,
}

impl RestoreArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        if self.entity.as_deref() == Some("collection") {
            let c = match (&self.uid, &self.key) {
                (Some(u), _) => inst.collections().get(u)?,
                (None, Some(k)) => inst.collections().get_trashed_by_key(k)?,
                (None, None) => return Err(Error::Validation("pass --key or --uid".into())),
            };
            inst.collections().restore(&c)?;
            let c = inst.collections().by_id(c.id)?;
            return Ok(Output::new(
                format!("restored collection '{}' ({})", c.key, c.uid),
                super::collections::collection_json(&inst, &c)?,
            ));
        }
        let a = match (&self.uid, &self.key) {
            (Some(u), _) => inst.artifacts().get(u)?,
            (None, Some(k)) => inst.artifacts().get_trashed_by_key(k)?,
            (None, None) => return Err(Error::Validation("pass --key or --uid".into())),
        };
        let r = inst.artifacts().restore(&a)?;
        Ok(Output::new(
            format!("restored artifact {}", r.uid),
            artifact_json(&inst, &r),
        ))
    }
}
