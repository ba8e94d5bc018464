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
        if kind == TransformKind::Notebook {
            if let Some(existing) = uid
                .as_deref()
                .map(|u| pinned(&inst, u))
                .transpose()?
                .flatten()
            {
                return save_notebook_run(
                    &inst,
                    &existing,
                    &path,
                    (&source, description.as_deref()),
                    lines,
                );
            }
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

/// The transform a notebook's `ln.track("…")` pins, if it exists: that version (16
/// characters), or the newest version of the family (12).
fn pinned(inst: &Instance, uid: &str) -> Result<Option<Transform>> {
    let mut rows = inst
        .query::<Transform>()
        .filter(Q::new("uid__startswith", uid))
        .all()?;
    rows.retain(|t| uid.len() < 16 || t.uid == uid);
    rows.sort_by(|a, b| a.uid.cmp(&b.uid));
    Ok(rows.pop())
}

/// Asks `question` on stdout and reads the answer from stdin (`y` proceeds), as lamin-cli
/// does before it overwrites a saved source or report.
pub(crate) fn confirm(question: &str) -> bool {
    use std::io::{BufRead, Write};
    print!("{question} (y/n) ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer.trim() == "y"
}

/// `lamin save NOTEBOOK` for a notebook whose transform exists (Python LaminDB's
/// `save_context_core` from the CLI): its source and title are stored (after confirmation when
/// another source is), its latest run (started by `ln.track()` in the notebook, else a new one)
/// gets the environment Python recorded and an html report of the notebook with its outputs.
fn save_notebook_run(
    inst: &Instance,
    transform: &Transform,
    path: &Path,
    (source, title): (&str, Option<&str>),
    mut lines: Vec<String>,
) -> Result<Output> {
    let hash = lamindb_storage::hash_string(source);
    let mut transform = transform.clone();
    match transform.hash.as_deref() {
        None => transform = inst.transforms().set_source(&transform, source, &hash, title)?,
        Some(h) if h != hash => {
            if confirm(&format!(
                "You are about to overwrite existing source code (hash '{h}') for Transform('{}'). Proceed?",
                transform.uid
            )) {
                transform = inst.transforms().set_source(&transform, source, &hash, title)?;
            } else {
                lines.push("! Please re-run `ln.track()` to make a new version".into());
                let mut out = Output::new(lines.join("\n"), json!({ "uid": transform.uid }));
                out.exit_code = 1;
                return Ok(out);
            }
        }
        Some(_) => lines.push("source code is already saved".into()),
    }
    let run = match inst.runs().of_transform(&transform)?.into_iter().next() {
        Some(r) => r,
        None => {
            let r = inst.runs().start(&transform, &RunSpec::default())?;
            lines.push(format!(
                "found no run, creating Run('{}') to display the html",
                r.uid
            ));
            r
        }
    };
    let mut run = run;
    if run.environment_id.is_none() {
        // The environment `ln.track()` wrote for this run, else the packages of `python`.
        let written = settings::cache_dir()
            .join("environments")
            .join(format!("run_{}", run.uid))
            .join("run_env_pip.txt");
        let text = std::fs::read_to_string(&written)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| super::runs::python_packages("python"));
        if let Some(text) = text {
            run = lamindb_core::lineage::track::save_environment(
                inst,
                &run,
                "requirements.txt",
                &text,
            )?;
        }
    }
    let html = lamindb_core::lineage::source::notebook_report_html(path)?;
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "notebook".into());
    let report_path = dir.path().join(format!("{name}.html"));
    std::fs::write(&report_path, &html).map_err(|e| Error::io(&report_path, e))?;
    let save_report = match run.report_id {
        None => true,
        Some(id) => {
            let old = inst.artifacts().by_id(id)?;
            let new_hash = lamindb_storage::hash_string(&html);
            if old.hash.as_deref() == Some(new_hash.as_str()) {
                lines.push("report is already saved".into());
                false
            } else if confirm(&format!(
                "You are about to overwrite an existing report (hash '{}') for Run('{}'). Proceed?",
                old.hash.as_deref().unwrap_or_default(),
                run.uid
            )) {
                true
            } else {
                lines.push("keeping old report".into());
                false
            }
        }
    };
    if save_report {
        let saved = inst.artifacts().save(NewArtifactSpec {
            path: report_path.clone(),
            description: Some(format!("Report of run {}", run.uid)),
            kind: Some(lamindb_core::records::artifact::RUN_KIND.into()),
            run: lamindb_core::records::artifact::RunLink::Untracked,
            ..Default::default()
        })?;
        run = inst.runs().set_report(&run, &saved.artifact)?;
        lines.push(format!("saved report of Run('{}')", run.uid));
    }
    lines.push(format!(
        "saved Transform('{}', key='{}')",
        transform.uid, transform.key
    ));
    Ok(Output::new(
        lines.join("\n"),
        json!({
            "uid": transform.uid,
            "key": transform.key,
            "kind": transform.kind,
            "hash": transform.hash,
            "run": run.uid,
            "report": run.report_id,
            "environment": run.environment_id,
        }),
    ))
}
