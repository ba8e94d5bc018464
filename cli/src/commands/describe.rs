//! Human-readable renderings of artifacts.

use lamindb_core::prelude::*;

fn human_size(n: Option<i64>) -> String {
    n.map_or_else(|| "-".into(), lamindb_core::annotate::describe::human_size)
}

/// A table of artifacts, one per line.
pub fn artifact_table(rows: &[Artifact]) -> String {
    if rows.is_empty() {
        return "no artifacts".into();
    }
    let mut s = format!(
        "{:<20}  {:<7}  {:>10}  {:<6}  {}\n",
        "uid", "version", "size", "latest", "key / description"
    );
    for a in rows {
        let label = a
            .key
            .clone()
            .or_else(|| a.description.clone())
            .unwrap_or_default();
        s.push_str(&format!(
            "{:<20}  {:<7}  {:>10}  {:<6}  {}\n",
            a.uid,
            a.version(),
            human_size(a.size),
            a.is_latest,
            label
        ));
    }
    s.pop();
    s
}

/// A table of runs, one per line.
pub fn run_table(rows: &[(Run, Transform)]) -> String {
    if rows.is_empty() {
        return "no runs".into();
    }
    let mut s = format!(
        "{:<16}  {:<9}  {:<19}  {}\n",
        "uid", "status", "started_at", "transform"
    );
    for (r, t) in rows {
        s.push_str(&format!(
            "{:<16}  {:<9}  {:<19}  {} ({})\n",
            r.uid,
            r.status().map(RunStatus::as_str).unwrap_or("?"),
            r.started_at.to_string().get(..19).unwrap_or_default(),
            t.key,
            t.uid
        ));
    }
    s.pop();
    s
}

/// A table of transforms, one per line.
pub fn transform_table(rows: &[Transform]) -> String {
    if rows.is_empty() {
        return "no transforms".into();
    }
    let mut s = format!("{:<16}  {:<8}  {:<6}  {}\n", "uid", "kind", "latest", "key");
    for t in rows {
        s.push_str(&format!(
            "{:<16}  {:<8}  {:<6}  {}\n",
            t.uid, t.kind, t.is_latest, t.key
        ));
    }
    s.pop();
    s
}

fn artifact_line(a: &Artifact) -> String {
    let label = a
        .key
        .clone()
        .or_else(|| a.description.clone())
        .unwrap_or_default();
    format!("{} {label}", a.uid)
}

fn list_block(s: &mut String, title: &str, items: &[String], last: bool) {
    let (branch, pipe) = if last {
        ("└──", "    ")
    } else {
        ("├──", "│   ")
    };
    s.push_str(&format!("{branch} {title} ({})\n", items.len()));
    for (i, item) in items.iter().enumerate() {
        let mark = if i + 1 == items.len() {
            "└──"
        } else {
            "├──"
        };
        s.push_str(&format!("{pipe}{mark} {item}\n"));
    }
}

/// The describe tree of a run: transform, status, times, params, inputs, outputs, nested runs,
/// environment and report.
pub fn run_tree(inst: &Instance, run: &Run, tr: &Transform) -> Result<String> {
    let runs = inst.runs();
    let mut s = format!(
        "Run: {} ({})\n",
        run.uid,
        run.status().map(RunStatus::as_str).unwrap_or("?")
    );
    s.push_str(&format!(
        "├── transform: {} ({}, {})\n",
        tr.key, tr.uid, tr.kind
    ));
    if let Some(e) = &run.entrypoint {
        s.push_str(&format!("├── entrypoint: {e}\n"));
    }
    s.push_str(&format!("├── started_at: {}\n", run.started_at));
    if let Some(f) = &run.finished_at {
        s.push_str(&format!("├── finished_at: {f}\n"));
    }
    if let Some(p) = &run.params {
        s.push_str(&format!("├── params: {}\n", p.0));
    }
    if let Some(c) = &run.cli_args {
        s.push_str(&format!("├── cli_args: {c}\n"));
    }
    if let Some(parent) = run.initiated_by_run_id {
        let p = runs.by_id(parent)?;
        s.push_str(&format!("├── initiated_by_run: {}\n", p.uid));
    }
    for (label, id) in [
        ("environment", run.environment_id),
        ("report", run.report_id),
    ] {
        if let Some(id) = id {
            if let Ok(a) = inst.artifacts().by_id(id) {
                let path = inst.root_of(a.storage_id)?.url_of(&a.storage_key());
                s.push_str(&format!("├── {label}: {} {path}\n", a.uid));
            }
        }
    }
    let children: Vec<String> = runs
        .children(run)?
        .iter()
        .map(|c| {
            let key = inst
                .transforms()
                .by_id(c.transform_id)
                .map(|t| t.key)
                .unwrap_or_default();
            format!(
                "{} {key} ({})",
                c.uid,
                c.status().map(RunStatus::as_str).unwrap_or("?")
            )
        })
        .collect();
    if !children.is_empty() {
        list_block(&mut s, "nested runs", &children, false);
    }
    let inputs: Vec<String> = runs.inputs(run)?.iter().map(artifact_line).collect();
    list_block(&mut s, "inputs", &inputs, false);
    let outputs: Vec<String> = runs
        .outputs(run)?
        .iter()
        .chain(runs.recreated(run)?.iter())
        .map(artifact_line)
        .collect();
    list_block(&mut s, "outputs", &outputs, true);
    s.pop();
    Ok(s)
}

/// The describe tree of a transform: identity, versions, latest runs and the start of its source.
pub fn transform_tree(inst: &Instance, tr: &Transform) -> Result<String> {
    let mut s = format!("Transform: {} ({})\n", tr.key, tr.uid);
    s.push_str(&format!(
        "├── kind: {}  hash: {}  is_latest: {}\n",
        tr.kind,
        tr.hash.as_deref().unwrap_or("-"),
        tr.is_latest
    ));
    if let Some(d) = &tr.description {
        s.push_str(&format!("├── description: {d}\n"));
    }
    s.push_str(&format!("├── created_at: {}\n", tr.created_at));
    let versions: Vec<String> = inst
        .transforms()
        .versions(tr)?
        .iter()
        .map(|v| {
            let mark = if v.uid == tr.uid { " ←" } else { "" };
            format!("{} {}{mark}", v.uid, v.created_at)
        })
        .collect();
    list_block(&mut s, "versions", &versions, false);
    let runs: Vec<String> = inst
        .runs()
        .of_transform(tr)?
        .iter()
        .take(10)
        .map(|r| {
            format!(
                "{} {} ({})",
                r.uid,
                r.started_at,
                r.status().map(RunStatus::as_str).unwrap_or("?")
            )
        })
        .collect();
    let has_source = tr.source_code.is_some();
    list_block(&mut s, "runs (latest 10)", &runs, !has_source);
    if let Some(src) = &tr.source_code {
        let lines: Vec<String> = src.lines().take(20).map(str::to_owned).collect();
        list_block(&mut s, "source (first 20 lines)", &lines, true);
    }
    s.pop();
    Ok(s)
}

/// The describe tree of a collection: identity, versions, the run that made it, its members in
/// order and the runs that read it.
pub fn collection_tree(inst: &Instance, c: &Collection) -> Result<String> {
    let mut s = format!("Collection: {} ({})\n", c.key, c.uid);
    if let Some(d) = &c.description {
        s.push_str(&format!("│ description: {d}\n"));
    }
    let versions = inst.collections().versions(c)?;
    s.push_str(&format!(
        "│ version: {} of {}{}\n",
        versions.len() - versions.iter().position(|v| v.id == c.id).unwrap_or(0),
        versions.len(),
        if c.is_latest { " (latest)" } else { "" }
    ));
    s.push_str(&format!(
        "│ hash: {} · created_at: {}\n",
        c.hash.as_deref().unwrap_or(""),
        c.created_at
    ));
    if let Some(run_id) = c.run_id {
        let run = inst.runs().by_id(run_id)?;
        let tr = inst.transforms().by_id(run.transform_id)?;
        s.push_str(&format!("│ run: {} ({})\n", run.uid, tr.key));
    }
    let members: Vec<String> = inst
        .collections()
        .members(c)?
        .iter()
        .map(artifact_line)
        .collect();
    list_block(&mut s, "Artifacts", &members, false);
    let runs = inst.collections().reading_runs(c)?;
    let readers: Vec<String> = runs.iter().map(|r| r.uid.clone()).collect();
    list_block(&mut s, "Input of runs", &readers, true);
    Ok(s.trim_end().to_owned())
}

/// `lamin describe`.
#[derive(clap::Args)]
pub struct DescribeArgs {
    /// What to describe: artifact, run, transform, schema, or a record of any registry by --uid
    /// (bionty.CellType, ulabel, …).
    #[arg(default_value = "artifact")]
    entity: String,
    /// The record's name (schemas: `lamin describe schema NAME`), same as --name.
    #[arg(value_name = "NAME")]
    target: Option<String>,
    /// Key of the artifact or transform.
    #[arg(long)]
    key: Option<String>,
    /// uid (or prefix) of the record.
    #[arg(long)]
    uid: Option<String>,
    /// Name of the record (schemas).
    #[arg(long)]
    name: Option<String>,
}

impl DescribeArgs {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        use crate::output::{artifact_json, Output};
        use serde_json::json;
        let inst = g.open()?;
        let sel = &crate::output::Select {
            key: self.key.clone(),
            uid: self.uid.clone(),
        };
        let name = self.name.as_deref().or(self.target.as_deref());
        match self.entity.as_str() {
            "schema" | "schemas" => {
                let id = sel.uid.as_deref().or(name).ok_or_else(|| {
                    Error::Validation(
                        "describe a schema by name or uid: lamin describe schema NAME".into(),
                    )
                })?;
                let schema = inst.schemas().get(id)?;
                let (text, json) = schema_tree(&inst, &schema)?;
                Ok(Output::new(text, json))
            }
            "artifact" | "artifacts" => {
                let a = sel.artifact(&inst)?;
                let d = inst.describe_artifact(&a)?;
                let mut json = artifact_json(&inst, &a);
                json["features"] = json!(d.features);
                json["labels"] = json!(d.labels);
                json["dataset_features"] = json!(d.dataset_features);
                Ok(Output::new(d.to_string(), json))
            }
            "run" | "runs" => {
                let uid = sel.uid.as_deref().ok_or_else(|| {
                    Error::Validation("describe a run by its uid: pass --uid".into())
                })?;
                let run = inst.runs().get(uid)?;
                let tr = inst.transforms().by_id(run.transform_id)?;
                Ok(Output::new(
                    run_tree(&inst, &run, &tr)?,
                    super::runs::run_json(&run, &tr),
                ))
            }
            "transform" | "transforms" => {
                let tr = match (&sel.uid, &sel.key) {
                    (Some(u), _) => inst.transforms().get(u)?,
                    (None, Some(k)) => inst.transforms().get_by_key(k)?,
                    (None, None) => return Err(Error::Validation("pass --key or --uid".into())),
                };
                Ok(Output::new(
                    transform_tree(&inst, &tr)?,
                    serde_json::to_value(&tr).expect("json"),
                ))
            }
            "collection" | "collections" => {
                let c = super::collections::select(&inst, sel.key.as_deref(), sel.uid.as_deref())?;
                Ok(Output::new(
                    collection_tree(&inst, &c)?,
                    super::collections::collection_json(&inst, &c)?,
                ))
            }
            other => describe_record(&inst, other, sel, name),
        }
    }
}

/// A schema as Python's `Schema.describe()` shows it: its settings, members (with optional and
/// index marks) and, for a composite, each slot's schema with its members.
fn schema_tree(inst: &Instance, schema: &Schema) -> Result<(String, serde_json::Value)> {
    use serde_json::json;
    let schemas = inst.schemas();
    let label = |s: &Schema| match &s.name {
        Some(n) => format!("{n} ({})", s.uid),
        None => s.uid.clone(),
    };
    let members = |s: &Schema| -> Result<(Vec<String>, Vec<serde_json::Value>)> {
        let optional: Vec<i32> = schemas.optionals(s)?.iter().map(|f| f.id).collect();
        let index = schemas.index(s)?.map(|f| f.id);
        let mut lines = Vec::new();
        let mut json = Vec::new();
        for f in schemas.members(s)? {
            let dtype = f.dtype.clone().unwrap_or_default();
            let mut marks = Vec::new();
            if optional.contains(&f.id) {
                marks.push("optional");
            }
            if index == Some(f.id) {
                marks.push("index");
            }
            lines.push(
                format!("{:<24}{:<28}{}", f.name, dtype, marks.join(", "))
                    .trim_end()
                    .to_owned(),
            );
            json.push(json!({"name": f.name, "dtype": dtype, "optional": optional.contains(&f.id), "index": index == Some(f.id)}));
        }
        Ok((lines, json))
    };
    let settings = |s: &Schema| {
        let mut parts = Vec::new();
        for (k, v) in [
            ("otype", &s.otype),
            ("itype", &s.itype),
            ("dtype", &s.dtype),
            ("suffix", &s.suffix),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}: {v}"));
            }
        }
        parts.push(format!(
            "minimal_set: {}  maximal_set: {}  ordered_set: {}",
            s.minimal_set, s.maximal_set, s.ordered_set
        ));
        parts.push(format!(
            "flexible: {}  coerce: {}  n_members: {}",
            s.flexible.map_or("-".into(), |b| b.to_string()),
            s.coerce.map_or("-".into(), |b| b.to_string()),
            s.n_members.map_or("-".into(), |n| n.to_string())
        ));
        parts
    };
    let mut text = format!("Schema: {}\n", label(schema));
    let slots = schemas.slots(schema)?;
    let (lines, member_json) = members(schema)?;
    let mut blocks: Vec<(String, Vec<String>)> = vec![("settings".into(), settings(schema))];
    if !lines.is_empty() {
        blocks.push((format!("members ({})", lines.len()), lines));
    }
    let mut slot_json = serde_json::Map::new();
    for (slot, component) in &slots {
        let (lines, mj) = members(component)?;
        let mut body = settings(component);
        body.extend(lines);
        blocks.push((format!("{slot}: {}", label(component)), body));
        slot_json.insert(
            slot.clone(),
            json!({"uid": component.uid, "name": component.name, "itype": component.itype, "members": mj}),
        );
    }
    for (i, (head, body)) in blocks.iter().enumerate() {
        let last = i + 1 == blocks.len();
        text.push_str(&format!("{}{head}\n", if last { "└── " } else { "├── " }));
        for line in body {
            text.push_str(&format!(
                "{}    {line}\n",
                if last { "    " } else { "│   " }
            ));
        }
    }
    text.pop();
    let mut json = serde_json::to_value(schema).unwrap_or_default();
    json["members"] = json!(member_json);
    json["slots"] = serde_json::Value::Object(slot_json);
    Ok((text, json))
}

/// A record of any registry, by uid: its fields, and its parents and children where the
/// registry has a hierarchy.
/// A record of any registry, by `--uid`, `--name` (its name field) or `--key`; a branch
/// defaults to the current one.
fn describe_record(
    inst: &Instance,
    registry: &str,
    sel: &crate::output::Select,
    name: Option<&str>,
) -> Result<crate::output::Output> {
    use lamindb_core::query::hierarchy::Walk;
    let (meta, id) = crate::output::find_record(
        inst,
        registry,
        &crate::output::RecordRef {
            uid: sel.uid.as_deref(),
            name,
            key: sel.key.as_deref(),
        },
    )?;
    let rows = inst
        .query_registry(meta.name)?
        .branches(lamindb_core::query::Branches::All)
        .filter(Q::new("id", id))
        .rows(&[])?;
    let Some(row) = rows.rows.first() else {
        return Err(Error::NotFound(format!(
            "{} {id} does not exist",
            meta.name
        )));
    };
    let value = name
        .or(sel.key.as_deref())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            row[rows.column(meta.name_field.unwrap_or("uid")).unwrap_or(0)].display()
        });
    let uid = row[rows.column("uid").unwrap_or(0)].display();
    let mut text = format!("{}: {value} ({uid})\n", meta.name);
    let mut json = serde_json::Map::new();
    for (col, cell) in rows.columns.iter().zip(row) {
        json.insert(col.clone(), serde_json::to_value(cell).unwrap_or_default());
        let shown = cell.display();
        if !shown.is_empty() && !col.starts_with('_') && col != "uid" {
            text.push_str(&format!("  {col}: {shown}\n"));
        }
    }
    if inst.catalog().relation(meta, "parents").is_some() {
        let id = row[rows.column("id").unwrap_or(0)]
            .as_i64()
            .unwrap_or_default();
        let name_field = meta.name_field.unwrap_or("uid");
        for (label, walk) in [("parents", Walk::Up), ("children", Walk::Down)] {
            let reached = inst.hierarchy(meta, id, walk, Some(1))?;
            let ids: Vec<lamindb_core::query::Value> = reached
                .nodes
                .iter()
                .map(|(n, _)| lamindb_core::query::Value::Int(*n))
                .collect();
            let names: Vec<String> = if ids.is_empty() {
                Vec::new()
            } else {
                inst.query_registry(meta.name)?
                    .filter(Q::new("id__in", lamindb_core::query::Value::List(ids)))
                    .order_by(name_field)
                    .rows(&[name_field])?
                    .rows
                    .iter()
                    .map(|r| r[0].display())
                    .collect()
            };
            if !names.is_empty() {
                text.push_str(&format!("  .{label}: {}\n", names.join(", ")));
            }
            json.insert(label.into(), serde_json::json!(names));
        }
    }
    Ok(crate::output::Output::new(
        text.trim_end().to_owned(),
        serde_json::Value::Object(json),
    ))
}
