//! `lamin save SCRIPT` for scripts and notebooks: the file becomes a transform (a new version
//! when its source changed), keyed by its path in the development folder, as lamin-cli does.

use std::path::Path;

use lamindb_core::instance::settings;
use lamindb_core::lineage::source::{transform_kind, uid_in_source, Notebook};
use lamindb_core::prelude::*;
use lamindb_core::records::runs::{RunSpec, TransformKind, TransformSpec, TransformStatus};
use serde_json::json;

use crate::output::{current_dir, Global, Output};

/// What `lamin save` was asked besides the file.
pub struct SaveTransform<'a> {
    /// The script or notebook.
    pub path: &'a Path,
    /// A version family to continue (`--stem-uid`).
    pub stem_uid: Option<&'a str>,
    /// A project to label the transform with.
    pub project: Option<&'a str>,
}

/// The transform key of `path`: its path below the development folder holding the working
/// folder, else its file name.
fn key_of(inst: &Instance, path: &Path) -> Result<String> {
    let cwd = current_dir()?;
    let dev = settings::dev_dir(&cwd, &inst.slug());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(dev
        .and_then(|d| path.strip_prefix(&d).ok().map(Path::to_path_buf))
        .map_or(name, |rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        }))
}

impl SaveTransform<'_> {
    pub fn run(&self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let path = self
            .path
            .canonicalize()
            .map_err(|e| Error::io(self.path, e))?;
        let kind = transform_kind(&path).ok_or_else(|| {
            Error::Validation(format!(
                "{} is no script or notebook (.py, .R, .sh, .ipynb, .qmd, .Rmd); save it with --registry artifact",
                path.display()
            ))
        })?;
        let suffix = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        if matches!(suffix.as_str(), "qmd" | "Rmd") {
            return Err(Error::Unsupported(format!(
                "{} is an R notebook: saving it needs its rendered html, which lamin does not read yet; save the .R script or the html as an artifact",
                path.display()
            )));
        }
        let raw = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let (source, description, out_of_order) = if kind == TransformKind::Notebook {
            let nb = Notebook::read(&path)?;
            (nb.source, nb.title, nb.out_of_order)
        } else {
            (raw.clone(), None, Vec::new())
        };
        let uid = self
            .stem_uid
            .map(str::to_owned)
            .or_else(|| uid_in_source(&raw, &suffix));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut lines = Vec::new();
        if let Some(u) = &uid {
            lines.push(format!("mapped '{name}' on uid '{u}'"));
        }
        if !out_of_order.is_empty() {
            let pairs: Vec<String> = out_of_order
                .iter()
                .map(|(a, b)| format!("({a}, {b})"))
                .collect();
            lines.push(format!(
                "! cells [{}] were not run consecutively",
                pairs.join(", ")
            ));
        }
        let spec = TransformSpec {
            key: key_of(&inst, &path)?,
            uid,
            kind,
            hash: Some(lamindb_storage::hash_string(&source)),
            source_code: Some(lamindb_core::util::secrets::store_source(&source)),
            description,
        };
        let (transform, status) = inst.transforms().resolve(&spec)?;
        match status {
            TransformStatus::Created | TransformStatus::NewVersion => lines.push(format!(
                "created Transform('{}', key='{}')",
                transform.uid, transform.key
            )),
            TransformStatus::Existing => lines.push(format!(
                "transform already saved: Transform('{}', key='{}')",
                transform.uid, transform.key
            )),
        }
        if let Some(p) = self.project {
            let project = inst.projects().get(p)?;
            inst.annotations(&transform)
                .add_labels("Project", &[project.id.into()])?;
            lines.push(format!("labeled with project: {}", project.name));
        }
        let mut run_uid = None;
        if kind == TransformKind::Notebook && inst.runs().of_transform(&transform)?.is_empty() {
            // Python LaminDB shows a notebook's html through a run; one is made when none is.
            let run = inst.runs().start(
                &transform,
                &RunSpec {
                    entrypoint: None,
                    params: None,
                    cli_args: None,
                    initiated_by_run_id: None,
                },
            )?;
            lines.push(format!(
                "found no run, creating Run('{}') to display the html",
                run.uid
            ));
            run_uid = Some(run.uid);
        }
        Ok(Output::new(
            lines.join("\n"),
            json!({
                "uid": transform.uid,
                "key": transform.key,
                "kind": transform.kind,
                "status": format!("{status:?}").to_lowercase(),
                "run": run_uid,
                "out_of_order": out_of_order,
            }),
        ))
    }
}
