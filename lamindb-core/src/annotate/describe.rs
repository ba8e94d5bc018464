//! `describe()`: an artifact's identity, provenance, storage path, feature values and labels,
//! gathered with a fixed number of queries (at most six, whatever the annotations) and printed
//! as the tree Python LaminDB prints.

use std::collections::BTreeMap;
use std::fmt;

use crate::annotate::{typed_json_values_of, Host};
use crate::db::models::{Artifact, Branch, Run, Transform};
use crate::meta::Dtype;
use crate::{Instance, Result};

/// One line of a Features section: `(feature, dtype shown, values)`.
pub type FeatureLine = (String, String, Vec<String>);

/// Everything `describe()` shows about an artifact.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArtifactDescription {
    /// The artifact.
    #[serde(skip)]
    pub artifact: Artifact,
    /// Where its data lives.
    pub path: String,
    /// The creating run and its transform.
    #[serde(skip)]
    pub run: Option<(Run, Transform)>,
    /// Handle of the creating user.
    pub created_by: String,
    /// Name (or uid) of the schema the artifact was validated with.
    pub schema: Option<String>,
    /// `(feature, dtype shown, values)`: categorical features first, each group by name.
    pub features: Vec<(String, String, Vec<String>)>,
    /// `(accessor, registry, names)` of every linked label, directly or through a feature.
    pub labels: Vec<(String, String, Vec<String>)>,
    /// For a dataset validated by a schema: its inferred feature set per slot (`columns`,
    /// `obs`, `var.T`, …).
    pub dataset_features: Vec<DatasetSlot>,
}

/// One slot of a validated dataset, as describe's "Dataset features" shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatasetSlot {
    /// `columns`, `obs`, `var.T`, …
    pub slot: String,
    /// Members of the slot's feature set.
    pub n_members: Option<i32>,
    /// What the members are, when not features (`bionty.Gene.ensembl_gene_id`).
    pub itype: Option<String>,
    /// The features, as `(feature, dtype shown, values)` (values for categorical features).
    pub features: Vec<FeatureLine>,
}

/// A size in bytes as Python LaminDB prints it (`2.0 KB`, decimal units).
pub fn human_size(n: i64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < units.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn branch_name(id: i32) -> &'static str {
    Branch::from_id(id).map_or("other", Branch::name)
}

fn show_dtype(dtype: &str) -> String {
    match Dtype::parse(dtype) {
        Ok(d) if d.is_categorical() => d
            .cat_specs()
            .iter()
            .map(|s| s.registry.clone())
            .collect::<Vec<_>>()
            .join("|"),
        _ => dtype.to_owned(),
    }
}

impl Instance {
    /// Gathers what `describe()` shows about `artifact`.
    pub fn describe_artifact(&self, artifact: &Artifact) -> Result<ArtifactDescription> {
        let path = self
            .root_of(artifact.storage_id)?
            .url_of(&artifact.storage_key());
        let run = match artifact.run_id {
            Some(id) => {
                let run = self.runs().by_id(id)?;
                let tr = self.transforms().by_id(run.transform_id)?;
                Some((run, tr))
            }
            None => None,
        };
        let created_by = if artifact.created_by_id == self.user().id {
            self.user().handle.clone()
        } else {
            self.query::<crate::db::models::User>()
                .filter(crate::query::Q::new("id", artifact.created_by_id))
                .first()?
                .map_or_else(|| artifact.created_by_id.to_string(), |u| u.handle)
        };
        let schema = match artifact.schema_id {
            Some(id) => self
                .query::<crate::db::models::Schema>()
                .filter(crate::query::Q::new("id", id))
                .first()?
                .map(|s| s.name.unwrap_or(s.uid)),
            None => None,
        };
        let host = Host::Artifact(artifact.id);
        let (values, linked) = {
            let mut conn = self.conn();
            let values = typed_json_values_of(&mut conn, self.catalog(), host)?;
            let linked = self.annotations(host).labels_with(&mut conn)?;
            (values, linked)
        };
        let mut cat: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        let mut labels: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for l in linked {
            // Labels are listed by accessor whether linked directly or through a categorical
            // feature, as Python does; feature values also appear under their feature.
            let names = labels
                .entry((format!(".{}", l.accessor), l.registry.to_owned()))
                .or_default();
            if !names.contains(&l.name) {
                names.push(l.name.clone());
            }
            if let Some(f) = l.feature {
                let dtype = show_dtype(l.feature_dtype.as_deref().unwrap_or(l.registry));
                cat.entry(f)
                    .or_insert_with(|| (dtype, Vec::new()))
                    .1
                    .push(l.name);
            }
        }
        let mut simple: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for (name, dtype, v) in values {
            let shown = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            simple
                .entry(name)
                .or_insert_with(|| (dtype, Vec::new()))
                .1
                .push(shown);
        }
        // A validated dataset's feature sets (one query, only for such artifacts); their
        // features are listed under "Dataset features" rather than "Features", as in Python.
        let mut dataset_features: Vec<DatasetSlot> = Vec::new();
        if artifact.schema_id.is_some() {
            let mut sql = crate::db::rows::Sql::default();
            sql.push(
                "SELECT COALESCE(a.slot, '') AS t0, CAST(s.n_members AS BIGINT) AS i0, COALESCE(s.itype, '') AS t1, \
                 CAST(s.id AS BIGINT) AS i1, COALESCE(s._dtype_str, '') AS t2 \
                 FROM lamindb_artifactschema a JOIN lamindb_schema s ON s.id = a.schema_id \
                 WHERE a.artifact_id = ",
            )
            .bind(crate::db::rows::Bind::Int(artifact.id.into()))
            .push(" ORDER BY a.slot");
            // Loaded first: listing record members takes the connection again.
            let slots = sql.load(&mut self.conn())?;
            for row in slots {
                let itype = row.0[2].display();
                let itype = (!itype.is_empty() && itype != "Feature").then_some(itype);
                // Members that are records (the genes of `var.T`): their names, as Python lists
                // the first 20 with the schema's dtype.
                let features = match &itype {
                    Some(i) => self
                        .record_member_names(row.0[3].as_i64().unwrap_or_default(), i)?
                        .into_iter()
                        .map(|n| (n, row.0[4].display(), Vec::new()))
                        .collect(),
                    None => Vec::new(),
                };
                dataset_features.push(DatasetSlot {
                    slot: row.0[0].display(),
                    n_members: row.0[1].display().parse().ok(),
                    itype,
                    features,
                });
            }
            let mut sql = crate::db::rows::Sql::default();
            sql.push(
                "SELECT COALESCE(a.slot, '') AS t0, f.name AS t1, f._dtype_str AS t2 \
                 FROM lamindb_artifactschema a \
                 JOIN lamindb_schemafeature m ON m.schema_id = a.schema_id \
                 JOIN lamindb_feature f ON f.id = m.feature_id \
                 WHERE a.artifact_id = ",
            )
            .bind(crate::db::rows::Bind::Int(artifact.id.into()))
            .push(" ORDER BY a.slot, m.id");
            for row in sql.load(&mut self.conn())? {
                let (slot, name, dtype) =
                    (row.0[0].display(), row.0[1].display(), row.0[2].display());
                let mut vals = cat.remove(&name).map(|(_, v)| v).unwrap_or_default();
                vals.sort();
                if let Some(s) = dataset_features.iter_mut().find(|s| s.slot == slot) {
                    s.features.push((name, dtype, vals));
                }
            }
        }
        let features = cat
            .into_iter()
            .chain(simple)
            .map(|(name, (dtype, mut vals))| {
                vals.sort();
                (name, dtype, vals)
            })
            .collect();
        Ok(ArtifactDescription {
            artifact: artifact.clone(),
            path,
            run,
            created_by,
            schema,
            features,
            labels: labels.into_iter().map(|((a, r), n)| (a, r, n)).collect(),
            dataset_features,
        })
    }
}

impl Instance {
    /// The names of up to 20 record members (not features) of schema `schema_id` whose itype
    /// is `itype` (`bionty.Gene.ensembl_gene_id` → gene symbols through `bionty_schemagene`).
    fn record_member_names(&self, schema_id: i64, itype: &str) -> Result<Vec<String>> {
        let parsed = crate::meta::Dtype::parse(&format!("cat[{itype}]"));
        let Some(spec) = parsed.as_ref().ok().and_then(|d| d.cat_specs().first()) else {
            return Ok(Vec::new());
        };
        let Ok(meta) = self.catalog().registry(&spec.registry) else {
            return Ok(Vec::new());
        };
        let Some(link) = self
            .catalog()
            .links()
            .find(|l| l.host == crate::meta::core::SCHEMA.table && l.value == meta.table)
        else {
            return Ok(Vec::new());
        };
        let name = meta.name_field.unwrap_or("uid");
        let mut sql = crate::db::rows::Sql::default();
        sql.push(&format!(
            "SELECT r.\"{name}\" AS t0 FROM \"{}\" l JOIN \"{}\" r ON r.id = l.\"{}\" WHERE l.\"{}\" = ",
            link.table, meta.table, link.value_column, link.host_column
        ))
        .bind(crate::db::rows::Bind::Int(schema_id))
        .push(&format!(" ORDER BY r.\"{name}\" LIMIT 20"));
        Ok(sql
            .load(&mut self.conn())?
            .iter()
            .map(|r| r.0[0].display())
            .collect())
    }
}

impl fmt::Display for ArtifactDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.artifact;
        let title = a
            .key
            .clone()
            .or_else(|| a.description.clone())
            .unwrap_or_else(|| a.uid.clone());
        writeln!(f, "Artifact: {title} ({})", a.version())?;
        if let Some(d) = &a.description {
            writeln!(f, "|   description: {d}")?;
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        let run = self
            .run
            .as_ref()
            .map(|(r, t)| format!("run: {} ({})", &r.uid[..7.min(r.uid.len())], t.key))
            .unwrap_or_default();
        pairs.push((format!("uid: {}", a.uid), run));
        if a.kind.is_some() || a.otype.is_some() {
            pairs.push((
                a.kind
                    .as_ref()
                    .map(|k| format!("kind: {k}"))
                    .unwrap_or_default(),
                a.otype
                    .as_ref()
                    .map(|o| format!("otype: {o}"))
                    .unwrap_or_default(),
            ));
        }
        pairs.push((
            format!("hash: {}", a.hash.as_deref().unwrap_or("-")),
            a.size
                .map(|s| format!("size: {}", human_size(s)))
                .unwrap_or_default(),
        ));
        if a.n_files.is_some() || a.n_observations.is_some() {
            pairs.push((
                a.n_files
                    .map(|n| format!("n_files: {n}"))
                    .unwrap_or_default(),
                a.n_observations
                    .map(|n| format!("n_observations: {n}"))
                    .unwrap_or_default(),
            ));
        }
        if let Some(schema) = &self.schema {
            pairs.push((format!("schema: {schema}"), String::new()));
        }
        pairs.push((
            format!("branch: {}", branch_name(a.branch_id)),
            "space: all".into(),
        ));
        pairs.push((
            format!(
                "created_at: {} UTC",
                a.created_at.0.format("%Y-%m-%d %H:%M:%S")
            ),
            format!("created_by: {}", self.created_by),
        ));
        for (i, (l, r)) in pairs.iter().enumerate() {
            let lead = if i == 0 { "├── " } else { "│   " };
            let line = format!("{lead}{l:<37}{r}");
            writeln!(f, "{}", line.trim_end())?;
        }
        let has_dataset = !self.dataset_features.is_empty();
        let has_features = !self.features.is_empty();
        let has_labels = !self.labels.is_empty();
        let last = |cond: bool| if cond { "├── " } else { "└── " };
        write!(
            f,
            "{}storage/path: {}",
            last(has_dataset || has_features || has_labels),
            self.path
        )?;
        if has_dataset {
            let more = has_features || has_labels;
            write!(f, "\n{}Dataset features", last(more))?;
            let pipe = if more { "│   " } else { "    " };
            for (i, s) in self.dataset_features.iter().enumerate() {
                let is_last = i + 1 == self.dataset_features.len();
                let branch = if is_last { "└── " } else { "├── " };
                let inner = if is_last { "    " } else { "│   " };
                // Python: `obs (3)`, `var.T (765 bionty.Gene.ensembl_gene_id)`.
                let n = s.n_members.map_or(s.features.len(), |n| n as usize);
                let itype = s
                    .itype
                    .as_deref()
                    .map(|i| format!(" {i}"))
                    .unwrap_or_default();
                write!(f, "\n{pipe}{branch}{} ({n}{itype})", s.slot)?;
                for (name, dtype, vals) in &s.features {
                    let shown: Vec<&str> = vals.iter().take(10).map(String::as_str).collect();
                    let more = if vals.len() > 10 { ", …" } else { "" };
                    let line = format!("{name:<20}{dtype:<25}{}{more}", shown.join(", "));
                    write!(f, "\n{pipe}{inner}    {}", line.trim_end())?;
                }
            }
        }
        if has_features {
            write!(f, "\n{}Features", last(has_labels))?;
            let pipe = if has_labels { "│   " } else { "    " };
            for (i, (name, dtype, vals)) in self.features.iter().enumerate() {
                let shown: Vec<&str> = vals.iter().take(10).map(String::as_str).collect();
                let more = if vals.len() > 10 { ", …" } else { "" };
                let branch = if i == 0 { "└── " } else { "    " };
                write!(
                    f,
                    "\n{pipe}{branch}{name:<20}{dtype:<25}{}{more}",
                    shown.join(", ")
                )?;
            }
        }
        if has_labels {
            write!(f, "\n└── Labels")?;
            for (i, (accessor, registry, names)) in self.labels.iter().enumerate() {
                let branch = if i == 0 { "└── " } else { "    " };
                write!(
                    f,
                    "\n    {branch}{accessor:<20}{registry:<25}{}",
                    names.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

/// Counts the SQL statements `f` sends over this instance's connection (for tests and
/// benchmarks that guard query counts).
pub fn count_queries<T>(inst: &Instance, f: impl FnOnce() -> T) -> (T, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let n = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&n);
    {
        let mut conn = inst.conn();
        diesel::Connection::set_instrumentation(
            &mut *conn,
            move |e: diesel::connection::InstrumentationEvent<'_>| {
                if let diesel::connection::InstrumentationEvent::StartQuery { .. } = e {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            },
        );
    }
    let out = f();
    let mut conn = inst.conn();
    diesel::Connection::set_instrumentation(
        &mut *conn,
        diesel::connection::get_default_instrumentation()
            .unwrap_or_else(|| Box::new(None::<Box<dyn diesel::connection::Instrumentation>>)),
    );
    (out, n.load(Ordering::Relaxed))
}
