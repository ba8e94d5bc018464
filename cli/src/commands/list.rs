//! `lamin list` (any registry, with filters) and `lamin search`.

use lamindb_core::meta::RegistryMeta;
use lamindb_core::prelude::*;
use lamindb_core::query::search::SearchOptions;
use lamindb_core::query::{Cell, Dynamic, Query, Rows};
use serde_json::Value;

/// The registry a CLI name means (`artifacts`, `ulabel`, `bionty.CellType`).
pub fn registry_name(name: &str) -> String {
    let singular = match name {
        "artifacts" | "runs" | "transforms" | "ulabels" | "records" | "projects" | "references"
        | "features" | "schemas" | "storages" | "users" | "collections" | "branches" | "spaces" => {
            name.strip_suffix("es")
                .filter(|s| s.ends_with("ch"))
                .unwrap_or_else(|| name.strip_suffix('s').unwrap_or(name))
        }
        other => other,
    };
    singular.to_owned()
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
    let q = inst.query_registry(&registry_name(registry))?;
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
}

impl ListArgs {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        use crate::output::{artifact_json, Output};
        let inst = g.open()?;
        let cond = filters(&self.filters)?;
        let registry = self.registry.as_str();
        let trash = Branches::Only(Branch::Trash.id());
        match registry {
            "artifacts" | "artifact" => {}
            "runs" | "run" if self.filters.is_empty() => {
                let rows = inst.runs().recent(self.limit)?;
                let json = Value::Array(
                    rows.iter()
                        .map(|(r, t)| super::runs::run_json(r, t))
                        .collect(),
                );
                return Ok(Output::new(super::describe::run_table(&rows), json));
            }
            "transforms" | "transform" if self.filters.is_empty() => {
                let rows = inst.transforms().recent(self.limit)?;
                let json = serde_json::to_value(&rows).expect("json");
                return Ok(Output::new(super::describe::transform_table(&rows), json));
            }
            _ => {
                let mut q = inst.query_registry(&registry_name(registry))?.filter(cond);
                if self.trash {
                    q = q.branches(trash);
                }
                let (text, json) = list_generic(&inst, q, self.limit)?;
                return Ok(Output::new(text, json));
            }
        }
        let rows = inst.artifacts().list(&ListOptions {
            key_prefix: self.key_prefix,
            all_versions: self.all_versions,
            trash: self.trash,
            limit: Some(self.limit),
            filter: cond,
        })?;
        Ok(Output::new(
            super::describe::artifact_table(&rows),
            Value::Array(rows.iter().map(|a| artifact_json(&inst, a)).collect()),
        ))
    }
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
