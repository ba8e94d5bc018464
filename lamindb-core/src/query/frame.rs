//! `to_dataframe()`: query results as a polars DataFrame, with related fields and feature values.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::db::rows::{Cell, Sql};
use crate::db::DbConnection;
use crate::meta::Dtype;
use crate::meta::{core, Catalog, FeatureColumn, FieldType, RegistryMeta, Via};
use crate::query::{select_expr, Query};
use crate::{Error, Result};

/// What to add to the default columns of [`Query::to_dataframe`].
#[derive(Debug, Clone, Default)]
pub struct Include<'a> {
    /// Related fields, one relation hop (`created_by__handle`, `ulabels__name`); to-many values
    /// become lists.
    pub related: &'a [&'a str],
    /// One column per feature with values on the rows (artifacts, runs, records).
    pub features: bool,
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        // Polars refuses only frames we build wrongly, never user input.
        Error::Unsupported(format!("building the DataFrame failed: {e}"))
    }
}

/// Python's default columns: `uid`, `id`, then plain fields (private ones, `updated_at` dropped),
/// then flags and timestamps, then foreign-key ids.
fn default_fields(meta: &RegistryMeta) -> Vec<&'static str> {
    const LATE: [&str; 5] = [
        "version_tag",
        "is_latest",
        "is_locked",
        "is_type",
        "created_at",
    ];
    let plain = meta.fields.iter().filter(|f| {
        !f.name.starts_with('_')
            && f.name != "updated_at"
            && !matches!(f.field_type, FieldType::ForeignKey(_))
            && !LATE.contains(&f.name)
            && f.name != "uid"
            && f.name != "id"
    });
    let mut out: Vec<&'static str> = Vec::new();
    if meta.field("uid").is_some() {
        out.push("uid");
    }
    out.push("id");
    out.extend(plain.map(|f| f.name));
    out.extend(LATE.iter().filter(|n| meta.field(n).is_some()).copied());
    out.extend(
        meta.fields
            .iter()
            .filter(|f| matches!(f.field_type, FieldType::ForeignKey(_)))
            .map(|f| f.name),
    );
    if meta.name == "Feature" {
        out.insert(3.min(out.len()), "_dtype_str");
    }
    out
}

fn column<'c>(name: &str, cells: impl Iterator<Item = &'c Cell>, ft: FieldType) -> Result<Column> {
    let name: PlSmallStr = name.into();
    Ok(match ft {
        FieldType::Int | FieldType::ForeignKey(_) => {
            Column::new(name, cells.map(Cell::as_i64).collect::<Vec<_>>())
        }
        FieldType::Float => Column::new(
            name,
            cells
                .map(|c| match c {
                    Cell::Float(x) => Some(*x),
                    Cell::Int(i) => Some(*i as f64),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        FieldType::Bool => Column::new(
            name,
            cells
                .map(|c| match c {
                    Cell::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        FieldType::DateTime => Column::new(
            name,
            cells
                .map(|c| match c {
                    Cell::Time(t) => Some(t.0.timestamp_micros()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )
        .cast(&DataType::Datetime(
            TimeUnit::Microseconds,
            Some(TimeZone::UTC),
        ))?,
        _ => Column::new(
            name,
            cells
                .map(|c| match c {
                    Cell::Null => None,
                    other => Some(other.display()),
                })
                .collect::<Vec<_>>(),
        ),
    })
}

/// `(host id, value)` pairs of a related field, whether it is to-many, and its type.
type Related = (Vec<(i64, Cell)>, bool, FieldType);

/// `(host id, value)` pairs of a one-hop related field for the given host ids.
fn related_values(
    conn: &mut DbConnection,
    catalog: &Catalog,
    meta: &'static RegistryMeta,
    path: &str,
    ids: &[i64],
) -> Result<Related> {
    let parts: Vec<&str> = path.split("__").collect();
    let [rel, field] = parts[..] else {
        return Err(Error::Unsupported(format!(
            "include '{path}': write one relation and one field, like created_by__handle or ulabels__name"
        )));
    };
    let (target_table, from_sql, host_col, to_many) =
        if let Some((fk, target)) = meta.foreign_key(rel) {
            (
                target,
                format!(
                    "\"{}\" h JOIN \"{target}\" r ON r.\"id\" = h.\"{}\"",
                    meta.table, fk.name
                ),
                "h.\"id\"".to_owned(),
                false,
            )
        } else if let Some(r) = catalog.relation(meta, rel) {
            match r.via {
                Via::Link {
                    link,
                    source,
                    target,
                } => (
                    r.target,
                    format!(
                        "\"{}\" h JOIN \"{}\" r ON r.\"id\" = h.\"{target}\"",
                        link.table, r.target
                    ),
                    format!("h.\"{source}\""),
                    true,
                ),
                Via::Reverse { column } => (
                    r.target,
                    format!("\"{}\" r", r.target),
                    format!("r.\"{column}\""),
                    true,
                ),
            }
        } else {
            return Err(Error::Validation(format!(
                "include '{path}': {} has no relation '{rel}'; relations: {}",
                meta.name,
                catalog.lookup_names(meta).join(", ")
            )));
        };
    let target = catalog
        .by_table(target_table)
        .ok_or_else(|| Error::Unsupported(format!("{target_table} is not linked")))?;
    let f = target.field(field).ok_or_else(|| {
        Error::Validation(format!(
            "include '{path}': {} has no field '{field}'",
            target.name
        ))
    })?;
    let mut out = Vec::new();
    let mut sql = Sql::default();
    let dialect = conn.dialect();
    let (expr, kind) = select_expr(dialect, "r", f);
    sql.push(&format!(
        "SELECT CAST({host_col} AS BIGINT) AS i0, {expr} AS {}1 FROM {from_sql} WHERE ",
        kind.tag()
    ))
    .in_ids(dialect, &host_col, ids);
    if to_many {
        sql.push(" ORDER BY 1, 2");
    }
    for mut r in sql.load(conn)? {
        let v = r.0.pop().unwrap_or(Cell::Null);
        out.push((r.0[0].as_i64().unwrap_or_default(), v));
    }
    Ok((out, to_many, f.field_type))
}

/// Tables of the registries that categorical features (`cat[…]`, `list[cat[…]]`) point to.
fn categorical_registries(
    conn: &mut DbConnection,
    catalog: &Catalog,
) -> Result<std::collections::BTreeSet<&'static str>> {
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT DISTINCT \"_dtype_str\" AS t0 FROM \"{}\" WHERE \"_dtype_str\" LIKE '%cat[%'",
        core::FEATURE.table
    ));
    let mut out = std::collections::BTreeSet::new();
    for row in sql.load(conn)? {
        let Some(text) = row.0[0].as_str() else {
            continue;
        };
        if let Ok(d) = Dtype::parse(text) {
            out.extend(
                d.cat_specs()
                    .iter()
                    .filter_map(|s| catalog.find(&s.registry))
                    .map(|r| r.table),
            );
        }
    }
    Ok(out)
}

/// `(host id, feature name, dtype, value)` for every feature value of the hosts.
fn feature_values(
    conn: &mut DbConnection,
    catalog: &Catalog,
    host: &RegistryMeta,
    ids: &[i64],
) -> Result<Vec<(i64, String, String, serde_json::Value)>> {
    let mut out = Vec::new();
    let dialect = conn.dialect();
    let feature = core::FEATURE.table;
    let Some(values) = catalog.value_store(host) else {
        return Ok(out);
    };
    let (from, host_col) = values.source();
    let mut sql = Sql::default();
    sql.push(&format!("SELECT CAST({host_col} AS BIGINT) AS i0, f.\"name\" AS t1, f.\"_dtype_str\" AS t2, v.\"value\" AS j3 FROM {from} JOIN \"{feature}\" f ON f.\"id\" = v.\"feature_id\" WHERE "));
    sql.in_ids(dialect, &host_col, ids);
    // Categorical values: the label links of this host that carry a feature, for the registries
    // some categorical feature points to (a union over every link table costs a probe per id and
    // table).
    let categorical = categorical_registries(conn, catalog)?;
    for link in catalog.label_links(host) {
        if link.feature == FeatureColumn::Absent || !categorical.contains(link.value) {
            continue;
        }
        let Some(label) = catalog.by_table(link.value) else {
            continue;
        };
        let name_field = label.name_field.unwrap_or("id");
        sql.push(&format!(
                " UNION ALL SELECT CAST(k.\"{}\" AS BIGINT), f.\"name\", f.\"_dtype_str\", {} FROM \"{}\" k JOIN \"{}\" l ON l.\"id\" = k.\"{}\" JOIN \"{feature}\" f ON f.\"id\" = k.\"feature_id\" WHERE ",
                link.host_column,
                match dialect {
                    crate::db::Dialect::Sqlite => format!("json_quote(CAST(l.\"{name_field}\" AS TEXT))"),
                    crate::db::Dialect::Postgres => format!("to_jsonb(CAST(l.\"{name_field}\" AS TEXT))"),
                },
                link.table,
                label.table,
                link.value_column,
            ));
        sql.in_ids(dialect, &format!("k.\"{}\"", link.host_column), ids);
    }
    for r in sql.load(conn)? {
        let v = match &r.0[3] {
            Cell::Json(j) => j.clone(),
            Cell::Text(t) => {
                serde_json::from_str(t).unwrap_or(serde_json::Value::String(t.clone()))
            }
            _ => serde_json::Value::Null,
        };
        out.push((
            r.0[0].as_i64().unwrap_or_default(),
            r.0[1].display(),
            r.0[2].display(),
            v,
        ));
    }
    Ok(out)
}

impl<M> Query<'_, M> {
    /// The matching rows as a DataFrame: Python LaminDB's default columns (uid, id, the plain
    /// fields, flags and timestamps, foreign-key ids), or uid, id, the name field and what
    /// `include` asks for. Ordered by `-id` unless ordered; all rows unless limited.
    pub fn to_dataframe(&self, include: &Include<'_>) -> Result<DataFrame> {
        let meta = self.meta();
        let fields: Vec<&str> = if include.related.is_empty() && !include.features {
            default_fields(meta)
        } else {
            let mut f = vec!["uid", "id"];
            if let Some(n) = meta.name_field {
                f.push(n);
            }
            f.retain(|n| meta.field(n).is_some());
            f.dedup();
            f
        };
        let q = if self.order.is_empty() {
            self.clone().order_by("-id")
        } else {
            self.clone()
        };
        let mut conn = self.instance().conn();
        let rows = q.rows_with(&mut conn, &fields)?;
        let id_col = rows.column("id").expect("id is selected");
        let ids: Vec<i64> = rows
            .rows
            .iter()
            .map(|r| r[id_col].as_i64().unwrap_or_default())
            .collect();
        let pos: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut columns: Vec<Column> = Vec::new();
        for (i, name) in rows.columns.iter().enumerate() {
            let ft = meta.field(name).map_or(FieldType::Text, |f| f.field_type);
            columns.push(column(name, rows.rows.iter().map(|r| &r[i]), ft)?);
        }
        for path in include.related {
            let (pairs, to_many, ft) =
                related_values(&mut conn, self.instance().catalog(), meta, path, &ids)?;
            if to_many {
                let mut lists: Vec<Vec<String>> = vec![Vec::new(); ids.len()];
                for (host, v) in pairs {
                    if let (Some(&p), false) = (pos.get(&host), v == Cell::Null) {
                        lists[p].push(v.display());
                    }
                }
                let series: Vec<Series> = lists
                    .into_iter()
                    .map(|l| Series::new("".into(), l))
                    .collect();
                columns.push(Column::new((*path).into(), series));
            } else {
                let mut vals = vec![Cell::Null; ids.len()];
                for (host, v) in pairs {
                    if let Some(&p) = pos.get(&host) {
                        vals[p] = v;
                    }
                }
                columns.push(column(path, vals.iter(), ft)?);
            }
        }
        if include.features {
            if !meta.holds_features() {
                return Err(Error::Validation(format!(
                    "{} rows have no feature values; features exist on artifacts, runs and records",
                    meta.name
                )));
            }
            let mut by_feature: BTreeMap<String, (String, Vec<Vec<serde_json::Value>>)> =
                BTreeMap::new();
            let catalog = self.instance().catalog();
            for (host, name, dtype, v) in feature_values(&mut conn, catalog, meta, &ids)? {
                let Some(&p) = pos.get(&host) else { continue };
                let entry = by_feature
                    .entry(name)
                    .or_insert_with(|| (dtype, vec![Vec::new(); ids.len()]));
                entry.1[p].push(v);
            }
            for (name, (dtype, mut values)) in by_feature {
                let multi = values.iter().any(|v| v.len() > 1);
                let d = Dtype::parse(&dtype).unwrap_or(Dtype::Object);
                let col = match (&d, multi) {
                    (Dtype::Int, false) => Column::new(
                        name.into(),
                        values
                            .iter()
                            .map(|v| v.first().and_then(serde_json::Value::as_i64))
                            .collect::<Vec<_>>(),
                    ),
                    (Dtype::Float | Dtype::Num, false) => Column::new(
                        name.into(),
                        values
                            .iter()
                            .map(|v| v.first().and_then(serde_json::Value::as_f64))
                            .collect::<Vec<_>>(),
                    ),
                    (Dtype::Bool, false) => Column::new(
                        name.into(),
                        values
                            .iter()
                            .map(|v| v.first().and_then(serde_json::Value::as_bool))
                            .collect::<Vec<_>>(),
                    ),
                    (_, true) if d.is_categorical() => {
                        let series: Vec<Series> = values
                            .iter_mut()
                            .map(|v| {
                                let mut names: Vec<String> = v
                                    .iter()
                                    .map(|x| x.as_str().unwrap_or_default().to_owned())
                                    .collect();
                                names.sort();
                                Series::new("".into(), names)
                            })
                            .collect();
                        Column::new(name.into(), series)
                    }
                    _ => Column::new(
                        name.into(),
                        values
                            .iter()
                            .map(|v| match v.as_slice() {
                                [] => None,
                                [serde_json::Value::String(s)] => Some(s.clone()),
                                [one] => Some(one.to_string()),
                                many => Some(serde_json::Value::Array(many.to_vec()).to_string()),
                            })
                            .collect::<Vec<_>>(),
                    ),
                };
                columns.push(col);
            }
        }
        Ok(DataFrame::new(ids.len(), columns)?)
    }
}
