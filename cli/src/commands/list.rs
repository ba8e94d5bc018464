//! `lamin list` (any registry, with filters) and `lamin search`.

use lamindb_core::meta::RegistryMeta;
use lamindb_core::prelude::*;
use lamindb_core::query::search::SearchOptions;
use lamindb_core::query::{Cell, Dynamic, Query, Rows};
use serde_json::Value;

/// The registry a CLI name means (`artifacts`, `ulabel`, `bionty.CellType`).
pub fn registry_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "artifacts" | "runs" | "transforms" | "ulabels" | "records" | "projects" | "references"
        | "features" | "schemas" | "storages" | "users" | "collections" | "branches" | "spaces" => {
            lower
                .strip_suffix("es")
                .filter(|s| s.ends_with("ch"))
                .unwrap_or_else(|| lower.strip_suffix('s').unwrap_or(&lower))
                .to_owned()
        }
        _ => name.to_owned(),
    }
}

/// Parses `--filter` expressions into one condition.
pub fn filters(exprs: &[String]) -> Result<Q> {
    Ok(Q::And(
        exprs.iter().map(|e| Q::parse(e)).collect::<Result<_>>()?,
    ))
}

/// The columns shown for a registry in tables.
pub fn display_fields(meta: &RegistryMeta) -> Vec<&'static str> {
    let mut out = vec!["id"];
    for f in [
        "uid",
        meta.name_field.unwrap_or("uid"),
        "ontology_id",
        "ensembl_gene_id",
        "_dtype_str",
        "type_id",
        "description",
    ] {
        if meta.field(f).is_some() && !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Rows as an aligned text table.
pub fn table(rows: &Rows) -> String {
    if rows.is_empty() {
        return "no records".into();
    }
    let cells: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::display).collect())
        .collect();
    let widths: Vec<usize> = rows
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count().min(60))
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |vals: Vec<&str>| {
        vals.iter()
            .zip(&widths)
            .map(|(v, w)| {
                let v: String = v.chars().take(60).collect();
                format!("{v:<w$}")
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(rows.columns.iter().map(String::as_str).collect())];
    for r in &cells {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// `lamin list REGISTRY --filter …` for any registry.
pub fn list_generic(inst: &Instance, q: Query<'_, Dynamic>, limit: i64) -> Result<(String, Value)> {
    let fields = display_fields(q.meta());
    let is_schema = q.meta().name == "Schema";
    let mut rows = q.order_by("-id").limit(limit).rows(&fields)?;
    if is_schema {
        add_members(inst, &mut rows)?;
    }
    Ok((table(&rows), rows.to_json()))
}

/// Adds a `members` column to listed schemas: their features, their slots, or what an
/// identifier set holds (`765 bionty.Gene.ensembl_gene_id`).
fn add_members(inst: &Instance, rows: &mut Rows) -> Result<()> {
    let uid_col = rows.column("uid").unwrap_or(1);
    let schemas = inst.schemas();
    rows.columns.push("members".into());
    for row in &mut rows.rows {
        let s = schemas.get(&row[uid_col].display())?;
        let slots = schemas.slots(&s)?;
        let shown = if !slots.is_empty() {
            let names: Vec<String> = slots
                .iter()
                .map(|(slot, c)| format!("{slot}: {}", lamindb_curate::schemas::label(c)))
                .collect();
            names.join(", ")
        } else {
            let names: Vec<String> = schemas.members(&s)?.into_iter().map(|f| f.name).collect();
            match (names.len(), s.n_members, s.itype.as_deref()) {
                (0, Some(n), Some(i)) => format!("{n} {i}"),
                (0, _, Some(i)) => format!("any {i}"),
                (0, _, None) => String::new(),
                (n, _, _) if n > 6 => format!("{}, … ({n})", names[..5].join(", ")),
                _ => names.join(", "),
            }
        };
        row.push(Cell::Text(shown));
    }
    Ok(())
}

/// `lamin search REGISTRY TEXT`.
pub fn search(
    inst: &Instance,
    registry: &str,
    text: &str,
    fields: &[String],
    limit: usize,
) -> Result<(String, Value)> {
    let mut q = inst.query_registry(&registry_name(registry))?;
    if q.meta().name == "Artifact" {
        // Run logs and environments are no search results, as `lamin list` hides them.
        q = q.exclude(Q::new("kind__startswith", "__lamindb"));
    }
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let hits = q.search(
        text,
        &SearchOptions {
            fields: &fields,
            limit,
            case_sensitive: false,
        },
    )?;
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let shown = display_fields(q.meta());
    let rows = q
        .clone()
        .branches(Branches::All)
        .filter(Q::new("id__in", ids.clone()))
        .rows(&shown)?;
    let mut ordered = Rows {
        columns: std::iter::once("rank".to_owned())
            .chain(rows.columns.iter().cloned())
            .collect(),
        rows: Vec::new(),
    };
    for h in &hits {
        if let Some(r) = rows.rows.iter().find(|r| r[0].as_i64() == Some(h.id)) {
            let mut row = vec![Cell::Int(h.rank.into())];
            row.extend(r.iter().cloned());
            ordered.rows.push(row);
        }
    }
    Ok((table(&ordered), ordered.to_json()))
}

/// `lamin list`.
#[derive(clap::Args)]
pub struct ListArgs {
    /// The registry (`artifacts`, `runs`, `transforms`, `ulabels`, `records`, `projects`,
    /// `features`, or any module registry such as `bionty.CellType`).
    registry: String,
    /// A filter FIELD[__LOOKUP]=VALUE (repeatable, all must hold), e.g. `suffix=.fasta`,
    /// `ulabels__name=My experiment`, `size__gt=1000`, `n_cells__gt=100` (a feature).
    #[arg(long = "filter", value_name = "EXPR")]
    filters: Vec<String>,
    /// Only keys starting with this prefix.
    #[arg(long)]
    key_prefix: Option<String>,
    /// Include every version, not only the latest.
    #[arg(long)]
    all_versions: bool,
    /// List the trash.
    #[arg(long)]
    trash: bool,
    /// At most this many rows.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Add columns, as Python's `to_dataframe(include=…)`: `features` (one column per feature
    /// with values) or a related field (`ulabels__name`, `created_by__handle`; repeatable).
    #[arg(long, value_name = "FIELD")]
    include: Vec<String>,
}

/// A DataFrame cell as JSON.
fn cell_json(v: polars::prelude::AnyValue<'_>) -> Value {
    use polars::prelude::AnyValue;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_owned()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Float32(f) => serde_json::json!(f),
        AnyValue::Float64(f) => serde_json::json!(f),
        AnyValue::List(s) => Value::Array(s.iter().map(cell_json).collect()),
        other => match other.extract::<i64>() {
            Some(i) => serde_json::json!(i),
            None => Value::String(other.to_string()),
        },
    }
}

/// A DataFrame as an aligned text table and as a JSON array of row objects.
pub(crate) fn frame_output(df: &polars::prelude::DataFrame) -> (String, Value) {
    let names: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(df.height());
    let rows = (0..df.height())
        .map(|i| {
            let mut row = serde_json::Map::new();
            let mut shown = Vec::with_capacity(names.len());
            for col in df.columns() {
                let v = col.get(i).map(cell_json).unwrap_or(Value::Null);
                shown.push(match &v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                });
                row.insert(col.name().to_string(), v);
            }
            cells.push(shown);
            Value::Object(row)
        })
        .collect();
    let widths: Vec<usize> = names
        .iter()
        .enumerate()
        .map(|(j, n)| {
            cells
                .iter()
                .map(|r| r[j].chars().count())
                .chain([n.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |vals: &[String]| {
        vals.iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut text = vec![line(&names)];
    text.extend(cells.iter().map(|r| line(r)));
    (text.join("\n"), Value::Array(rows))
}

impl ListArgs {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        use crate::output::{artifact_json, Output};
        let inst = g.open()?;
        let cond = filters(&self.filters)?;
        let trash = Branches::Only(Branch::Trash.id());
        // One registry, one listing: `artifacts`, `artifact` and `Artifact` are the same.
        let meta = inst.catalog().registry(&registry_name(&self.registry))?;
        let related: Vec<&str> = self
            .include
            .iter()
            .map(String::as_str)
            .filter(|i| *i != "features")
            .collect();
        let include = lamindb_core::query::frame::Include {
            related: &related,
            features: self.include.iter().any(|i| i == "features"),
        };
        let opts = ListOptions {
            key_prefix: self.key_prefix.clone(),
            all_versions: self.all_versions,
            trash: self.trash,
            limit: Some(self.limit),
            filter: cond.clone(),
        };
        if !self.include.is_empty() {
            let df = match meta.name {
                "Artifact" => inst.artifacts().list_query(&opts).to_dataframe(&include)?,
                name => {
                    let mut q = inst.query_registry(name)?.filter(cond).limit(self.limit);
                    if self.trash {
                        q = q.branches(trash);
                    }
                    q.to_dataframe(&include)?
                }
            };
            let (text, json) = frame_output(&df);
            return Ok(Output::new(text, json));
        }
        match meta.name {
            "Artifact" => {
                let rows = inst.artifacts().list(&opts)?;
                Ok(Output::new(
                    super::describe::artifact_table(&rows),
                    Value::Array(rows.iter().map(|a| artifact_json(&inst, a)).collect()),
                ))
            }
            // Runs and transforms keep their table and JSON shape, filtered or not.
            "Run" => {
                let rows = if self.filters.is_empty() {
                    inst.runs().recent(self.limit)?
                } else {
                    ids(&inst, "Run", cond, self.limit)?
                        .into_iter()
                        .map(|id| {
                            let r = inst.runs().by_id(id)?;
                            let t = inst.transforms().by_id(r.transform_id)?;
                            Ok((r, t))
                        })
                        .collect::<Result<Vec<_>>>()?
                };
                let json = Value::Array(
                    rows.iter()
                        .map(|(r, t)| super::runs::run_json(r, t))
                        .collect(),
                );
                Ok(Output::new(super::describe::run_table(&rows), json))
            }
            "Transform" => {
                let rows = if self.filters.is_empty() {
                    inst.transforms().recent(self.limit)?
                } else {
                    ids(&inst, "Transform", cond, self.limit)?
                        .into_iter()
                        .map(|id| inst.transforms().by_id(id as i32))
                        .collect::<Result<Vec<_>>>()?
                };
                let json = serde_json::to_value(&rows).expect("json");
                Ok(Output::new(super::describe::transform_table(&rows), json))
            }
            name => {
                let mut q = inst.query_registry(name)?.filter(cond);
                if self.trash {
                    q = q.branches(trash);
                } else if !self.all_versions && meta.field("is_latest").is_some() {
                    // Versioned registries (collections, blocks) list their latest versions.
                    q = q.filter(Q::new("is_latest", true));
                }
                if let Some(p) = &self.key_prefix {
                    q = q.filter(Q::new("key__startswith", p.as_str()));
                }
                let (text, json) = list_generic(&inst, q, self.limit)?;
                Ok(Output::new(text, json))
            }
        }
    }
}

/// The ids of `registry`'s rows matching `cond`, newest first.
fn ids(inst: &Instance, registry: &str, cond: Q, limit: i64) -> Result<Vec<i64>> {
    Ok(inst
        .query_registry(registry)?
        .filter(cond)
        .order_by("-id")
        .limit(limit)
        .rows(&["id"])?
        .rows
        .iter()
        .filter_map(|r| r[0].as_i64())
        .collect())
}

/// `lamin search`.
#[derive(clap::Args)]
pub struct SearchArgs {
    /// The registry (`ulabels`, `records`, `artifacts`, `bionty.CellType`, …).
    registry: String,
    /// The text.
    text: String,
    /// Search only this field (repeatable).
    #[arg(long = "field")]
    fields: Vec<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

impl SearchArgs {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        let inst = g.open()?;
        let (text, json) = search(&inst, &self.registry, &self.text, &self.fields, self.limit)?;
        Ok(crate::output::Output::new(text, json))
    }
}
