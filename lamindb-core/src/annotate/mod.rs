//! Features and their values on artifacts, runs and records; label annotations.
//!
//! Where values live is read from the registry descriptions ([`crate::meta`]): simple values
//! (numbers, text, dates, dicts, lists) of artifacts and runs are shared JsonValue rows, found
//! again by `(feature, hash)` as Python LaminDB does, records keep one row per feature in their
//! own value table, and categorical values (`cat[ULabel]`, `cat[bionty.CellType]`, …) are rows of
//! the host's label link to that registry, carrying the feature.

pub mod describe;
pub mod pyrepr;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::db::models::{Artifact, Branch, Record, Run};
use crate::db::rows::{Bind, Sql};
use crate::db::sql_types::UtcTime;
use crate::db::{DbConnection, Dialect};
use crate::meta::{core, Catalog, Dtype, FeatureColumn, FieldType, LinkMeta, RegistryMeta, Values};
use crate::query::features::FeatureInfo;
use crate::query::{Compiler, Value, Q};
use crate::records::links::insert_link;
use crate::{Error, Instance, Result};

impl Instance {
    /// Feature values and labels of an artifact, run or record.
    pub fn annotations(&self, host: impl Into<Host>) -> Annotations<'_> {
        Annotations {
            inst: self,
            host: host.into(),
        }
    }
}

/// A record that carries feature values and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// An artifact id.
    Artifact(i32),
    /// A run id.
    Run(i64),
    /// A record id.
    Record(i32),
    /// A transform id (labels only: transforms have no feature values).
    Transform(i32),
}

impl From<&Artifact> for Host {
    fn from(a: &Artifact) -> Self {
        Host::Artifact(a.id)
    }
}
impl From<&Run> for Host {
    fn from(r: &Run) -> Self {
        Host::Run(r.id)
    }
}
impl From<&crate::db::models::Transform> for Host {
    fn from(t: &crate::db::models::Transform) -> Self {
        Host::Transform(t.id)
    }
}
impl From<&Record> for Host {
    fn from(r: &Record) -> Self {
        Host::Record(r.id)
    }
}

impl Host {
    fn id(self) -> i64 {
        match self {
            Host::Artifact(i) | Host::Record(i) | Host::Transform(i) => i64::from(i),
            Host::Run(i) => i,
        }
    }

    /// The host's registry.
    pub fn meta(self) -> &'static RegistryMeta {
        match self {
            Host::Artifact(_) => &core::ARTIFACT,
            Host::Run(_) => &core::RUN,
            Host::Record(_) => &core::RECORD,
            Host::Transform(_) => &core::TRANSFORM,
        }
    }
}

/// A label linked to a host, as [`Annotations::labels`] lists them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkedLabel {
    /// Registry name (`ULabel`, `bionty.CellType`).
    pub registry: &'static str,
    /// The host's accessor of the link (`ulabels`, `cell_types`).
    pub accessor: &'static str,
    /// Label id.
    pub id: i64,
    /// The label's name-field value.
    pub name: String,
    /// The feature the link carries, if any.
    pub feature: Option<String>,
    /// That feature's dtype.
    pub feature_dtype: Option<String>,
}

/// Feature values and labels of one host; get it with [`Instance::annotations`].
pub struct Annotations<'a> {
    inst: &'a Instance,
    host: Host,
}

/// One validated value ready to store.
enum Prepared {
    Json(Json),
    Labels(Vec<(&'static LinkMeta, i64)>),
}

fn python_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "None",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::String(_) => "str",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
    }
}

/// The dtype a feature for value `v` would get (for "create it first" hints), as Python's
/// `infer_convert_dtype_key_value` names it.
pub fn infer_dtype(v: &Json) -> String {
    match v {
        Json::Bool(_) => "bool".into(),
        Json::Number(n) if n.is_f64() => "float".into(),
        Json::Number(_) => "int".into(),
        Json::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
            "date".into()
        }
        Json::String(_) => "str".into(),
        Json::Object(_) => "dict".into(),
        Json::Array(items) => match items.first() {
            Some(first) => format!("list[{}]", infer_dtype(first)),
            None => "list[str]".into(),
        },
        Json::Null => "?".into(),
    }
}

/// Checks `v` against a simple dtype and returns the value to store.
fn convert_simple(dtype: &Dtype, v: &Json) -> std::result::Result<Json, String> {
    let ok = |b: bool, what: &str| {
        if b {
            Ok(v.clone())
        } else {
            Err(format!("expected {what}"))
        }
    };
    match dtype {
        Dtype::Int => ok(v.is_i64() || v.is_u64(), "an integer"),
        // JSON does not keep `1.0` apart from `1` everywhere, so integers are accepted as floats.
        Dtype::Float => match v {
            Json::Number(n) => Ok(Json::from(n.as_f64().unwrap_or(f64::NAN))),
            _ => Err("expected a float".into()),
        },
        Dtype::Num => ok(v.is_number(), "a number"),
        Dtype::Str | Dtype::Path | Dtype::Url => ok(v.is_string(), "a string"),
        Dtype::Bool => ok(v.is_boolean(), "true or false"),
        Dtype::Date => match v.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(v.clone()),
            _ => Err("expected an ISO date such as 2024-01-31".into()),
        },
        Dtype::Datetime => match v.as_str() {
            Some(s)
                if UtcTime::parse(s).is_some()
                    || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok() =>
            {
                Ok(v.clone())
            }
            _ => Err("expected an ISO datetime such as 2024-01-31T12:00:00".into()),
        },
        Dtype::Dict => ok(v.is_object(), "a dict (JSON object)"),
        Dtype::Object => Ok(v.clone()),
        Dtype::List(inner) => match v {
            Json::Array(items) => items
                .iter()
                .map(|i| convert_simple(inner, i))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(Json::Array),
            _ => Err(format!("expected a list of {}", inner.as_str())),
        },
        Dtype::Cat(_) => Err("categorical".into()),
    }
}

/// Whether any text in `v` (strings, keys) holds a NUL character, which Postgres' jsonb and
/// text columns refuse.
fn has_nul(v: &Json) -> bool {
    match v {
        Json::String(s) => s.contains('\0'),
        Json::Array(items) => items.iter().any(has_nul),
        Json::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// The hash Python LaminDB gives a JsonValue: `hash_dict` for dicts, else `hash_string(str(v))`.
pub fn json_value_hash(v: &Json) -> String {
    match v {
        Json::Object(_) => lamindb_storage::hash_dict(v),
        other => lamindb_storage::hash_string(&pyrepr::str_of(other)),
    }
}

impl Annotations<'_> {
    /// The host.
    pub fn host(&self) -> Host {
        self.host
    }

    /// Links labels to the host without a feature (`artifact.ulabels.add(...)`). `registry` is
    /// `ULabel`, `Record`, `Project` or `Reference`; linking twice is a no-op.
    pub fn add_labels(&self, registry: &str, ids: &[i64]) -> Result<()> {
        let catalog = self.inst.catalog();
        let label = catalog.registry(registry)?;
        let link = catalog
            .label_link(self.host.meta(), label, false)
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "{} records cannot be annotated with {} labels",
                    self.host.meta().name,
                    label.name
                ))
            })?;
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let mut conn = self.inst.conn();
        conn.write(|conn| {
            self.check_host(conn)?;
            for id in ids {
                insert_link(conn, link, self.host.id(), *id, None, user_id, run_id)?;
            }
            Ok(())
        })
    }

    /// Removes label links added without a feature.
    pub fn remove_labels(&self, registry: &str, ids: &[i64]) -> Result<()> {
        let catalog = self.inst.catalog();
        let label = catalog.registry(registry)?;
        let Some(link) = catalog.label_link(self.host.meta(), label, false) else {
            return Ok(());
        };
        let mut conn = self.inst.conn();
        for id in ids {
            let mut sql = Sql::default();
            sql.push(&format!(
                "DELETE FROM \"{}\" WHERE \"{}\" = ",
                link.table, link.host_column
            ));
            sql.bind(Bind::Int(self.host.id()));
            sql.push(&format!(" AND \"{}\" = ", link.value_column))
                .bind(Bind::Int(*id));
            if link.feature != FeatureColumn::Absent {
                sql.push(" AND \"feature_id\" IS NULL");
            }
            sql.execute(&mut conn)?;
        }
        Ok(())
    }

    fn check_host(&self, conn: &mut DbConnection) -> Result<()> {
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT CAST(\"id\" AS BIGINT) AS i0 FROM \"{}\" WHERE \"id\" = ",
            self.host.meta().table
        ));
        sql.bind(Bind::Int(self.host.id()));
        if sql.load(conn)?.is_empty() {
            return Err(Error::NotFound(format!(
                "{} {} does not exist",
                self.host.meta().name,
                self.host.id()
            )));
        }
        Ok(())
    }

    /// Validates and adds feature values (`{"gc_content": 0.55, "cell_type": "T cell"}`). All
    /// problems are reported together and nothing is stored unless every value is valid.
    pub fn add_values(&self, values: &serde_json::Map<String, Json>) -> Result<()> {
        self.store_values(values, false)
    }

    /// Like [`Self::add_values`], but first removes the existing values of these features.
    pub fn set_values(&self, values: &serde_json::Map<String, Json>) -> Result<()> {
        self.store_values(values, true)
    }

    fn store_values(&self, values: &serde_json::Map<String, Json>, replace: bool) -> Result<()> {
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let host_name = self.host.meta().name;
        let catalog = self.inst.catalog();
        let mut conn = self.inst.conn();
        conn.write(|conn| {
            self.check_host(conn)?;
            let names: Vec<&str> = values.keys().map(String::as_str).collect();
            let features = FeatureInfo::by_names(conn, &names)?;
            let unknown: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !features.contains_key(*n))
                .collect();
            if !unknown.is_empty() {
                return Err(Error::UnknownFeatures {
                    features: unknown
                        .iter()
                        .map(|n| ((*n).to_owned(), infer_dtype(&values[*n])))
                        .collect(),
                });
            }
            let mut problems = Vec::new();
            let mut prepared: Vec<(&FeatureInfo, Prepared)> = Vec::new();
            for (name, value) in values {
                let f = &features[name];
                if value.is_null() {
                    continue;
                }
                if has_nul(value) {
                    problems.push(format!(
                        "'{name}': text cannot contain the NUL character (\\u0000)"
                    ));
                    continue;
                }
                if f.dtype.is_categorical() {
                    match resolve_labels(conn, catalog, self.host, f, value, self.inst.branch_id())
                    {
                        Ok(links) => prepared.push((f, Prepared::Labels(links))),
                        Err(msg) => {
                            problems.push(format!("'{name}' ({})={value}: {msg}", f.dtype_str))
                        }
                    }
                } else {
                    match convert_simple(&f.dtype, value) {
                        Ok(v) => prepared.push((f, Prepared::Json(v))),
                        Err(msg) => problems.push(format!(
                            "'{name}' ({})={value}: {msg}, got {}",
                            f.dtype_str,
                            python_type(value)
                        )),
                    }
                }
            }
            if !problems.is_empty() {
                return Err(Error::Validation(format!(
                    "Failed to add features on {host_name} (id={}): {}",
                    self.host.id(),
                    problems.join("; ")
                )));
            }
            for (f, p) in prepared {
                if replace {
                    remove_feature_values(conn, catalog, self.host, f, None)?;
                }
                match p {
                    Prepared::Json(v) => store_json(
                        conn,
                        catalog,
                        self.host,
                        f,
                        &v,
                        user_id,
                        run_id,
                        (self.inst.branch_id(), self.inst.space_id()),
                    )?,
                    Prepared::Labels(links) => {
                        for (link, id) in links {
                            insert_link(
                                conn,
                                link,
                                self.host.id(),
                                id,
                                Some(f.id),
                                user_id,
                                run_id,
                            )?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Removes the values of feature `name` (only `value` when given; categorical values are
    /// given by their name).
    pub fn remove_values(&self, name: &str, value: Option<&Json>) -> Result<()> {
        let catalog = self.inst.catalog();
        let mut conn = self.inst.conn();
        conn.write(|conn| {
            let f = FeatureInfo::by_name(conn, name)?
                .ok_or_else(|| Error::NotFound(format!("no feature named '{name}'")))?;
            let n = remove_feature_values(conn, catalog, self.host, &f, value)?;
            if n == 0 {
                tracing::warn!(
                    "no feature '{name}'{} found on {} {}",
                    value
                        .map(|v| format!(" with value {v}"))
                        .unwrap_or_default(),
                    self.host.meta().name,
                    self.host.id()
                );
            }
            Ok(())
        })
    }

    /// The feature values: one value as itself, several as a sorted list; categorical values by
    /// the label's name field.
    pub fn get_values(&self) -> Result<BTreeMap<String, Json>> {
        let mut conn = self.inst.conn();
        let mut grouped: BTreeMap<String, Vec<Json>> = BTreeMap::new();
        for (name, _, v) in typed_json_values_of(&mut conn, self.inst.catalog(), self.host)? {
            grouped.entry(name).or_default().push(v);
        }
        for l in self.labels_with(&mut conn)? {
            if let Some(f) = l.feature {
                grouped.entry(f).or_default().push(Json::String(l.name));
            }
        }
        Ok(grouped
            .into_iter()
            .map(|(k, mut vs)| {
                if vs.len() == 1 {
                    (k, vs.pop().expect("one"))
                } else {
                    vs.sort_by_key(|a| a.to_string());
                    (k, Json::Array(vs))
                }
            })
            .collect())
    }

    /// Every label linked to the host, with or without a feature.
    pub fn labels(&self) -> Result<Vec<LinkedLabel>> {
        let mut conn = self.inst.conn();
        self.labels_with(&mut conn)
    }

    pub(crate) fn labels_with(&self, conn: &mut DbConnection) -> Result<Vec<LinkedLabel>> {
        // One UNION query over every label link of this host keeps describe() bounded.
        let catalog = self.inst.catalog();
        let links: Vec<(&'static LinkMeta, &'static RegistryMeta)> = catalog
            .label_links(self.host.meta())
            .filter_map(|l| catalog.by_table(l.value).map(|r| (l, r)))
            .collect();
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::default();
        for (i, (link, label)) in links.iter().enumerate() {
            let name_field = label.name_field.unwrap_or("id");
            let name_expr = match label.field(name_field).map(|f| f.field_type) {
                Some(FieldType::Text) => format!("l.\"{name_field}\""),
                _ => format!("CAST(l.\"{name_field}\" AS TEXT)"),
            };
            let (feature_expr, feature_join) = if link.feature == FeatureColumn::Absent {
                ("NULL AS t3, NULL".to_owned(), String::new())
            } else {
                (
                    "f.\"name\" AS t3, f.\"_dtype_str\"".to_owned(),
                    format!(
                        "LEFT JOIN \"{}\" f ON f.\"id\" = k.\"feature_id\"",
                        core::FEATURE.table
                    ),
                )
            };
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            // The link's position in `links` identifies it in the result (column 0).
            sql.push(&format!(
                "SELECT CAST({i} AS BIGINT) AS i0, CAST(l.\"id\" AS BIGINT) AS i1, {name_expr} AS t2, {feature_expr} AS t4, CAST(k.\"id\" AS BIGINT) AS i5 FROM \"{}\" k JOIN \"{}\" l ON l.\"id\" = k.\"{}\" {feature_join} WHERE k.\"{}\" = ",
                link.table, label.table, link.value_column, link.host_column
            ));
            sql.bind(Bind::Int(self.host.id()));
        }
        sql.push(" ORDER BY 1, 6");
        let rows = sql.load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let (link, label) = links.get(usize::try_from(r.0[0].as_i64()?).ok()?)?;
                Some(LinkedLabel {
                    registry: label.name,
                    accessor: link.accessor,
                    id: r.0[1].as_i64().unwrap_or_default(),
                    name: r.0[2].display(),
                    feature: r.0[3].as_str().map(str::to_owned),
                    feature_dtype: r.0[4].as_str().map(str::to_owned),
                })
            })
            .collect())
    }
}

/// `(feature name, dtype, value)` of the simple values of `host`, ordered by feature name.
pub(crate) fn typed_json_values_of(
    conn: &mut DbConnection,
    catalog: &Catalog,
    host: Host,
) -> Result<Vec<(String, String, Json)>> {
    let Some(values) = catalog.value_store(host.meta()) else {
        return Ok(Vec::new());
    };
    let (from, host_col) = values.source();
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT f.\"name\" AS t0, v.\"value\" AS j1, f.\"_dtype_str\" AS t2 FROM {from} JOIN \"{}\" f ON f.\"id\" = v.\"feature_id\" WHERE {host_col} = ",
        core::FEATURE.table
    ));
    sql.bind(Bind::Int(host.id()));
    sql.push(" ORDER BY 1, 2");
    Ok(sql
        .load(conn)?
        .into_iter()
        .map(|r| {
            let name = r.0[0].display();
            let v = match &r.0[1] {
                crate::query::Cell::Json(j) => j.clone(),
                _ => Json::Null,
            };
            (name, r.0[2].display(), v)
        })
        .collect())
}

/// Resolves categorical values (a name or a list of names) to link rows.
/// Labels on `branch` or main are found.
fn resolve_labels(
    conn: &mut DbConnection,
    catalog: &Catalog,
    host: Host,
    f: &FeatureInfo,
    value: &Json,
    branch: i32,
) -> std::result::Result<Vec<(&'static LinkMeta, i64)>, String> {
    let names: Vec<String> = match value {
        Json::String(s) => vec![s.clone()],
        Json::Array(items) if f.dtype.is_categorical() => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("expected names, got {v}"))
            })
            .collect::<std::result::Result<_, _>>()?,
        other => return Err(format!("expected a name, got {}", python_type(other))),
    };
    let mut out = Vec::new();
    let mut missing = names.clone();
    for spec in f.dtype.cat_specs() {
        let label = catalog
            .registry(&spec.registry)
            .map_err(|e| e.to_string())?;
        let Some(link) = catalog.label_link(host.meta(), label, true) else {
            return Err(format!(
                "{} cannot hold {} values",
                host.meta().name,
                label.name
            ));
        };
        let field = spec.field.as_deref().or(label.name_field).unwrap_or("name");
        let mut c = Compiler::new(conn, catalog);
        c.sql.push(&format!(
            "SELECT CAST(l.\"id\" AS BIGINT) AS i0, CAST(l.\"{field}\" AS TEXT) AS t1 FROM \"{}\" l WHERE ",
            label.table
        ));
        let mut q = Q::new(format!("{field}__in"), Value::from(names.clone()));
        if let Some(type_uid) = spec.type_uid() {
            q = q & Q::new("type__uid", type_uid);
        }
        if label.has_branches() {
            q = q & Q::new(
                "branch_id__in",
                Value::from(vec![i64::from(Branch::Main.id()), i64::from(branch)]),
            );
        }
        c.condition(label, "l", &q).map_err(|e| e.to_string())?;
        let rows = c.sql.load(c.conn).map_err(|e| e.to_string())?;
        let mut by_name: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for r in rows {
            by_name
                .entry(r.0[1].display())
                .or_default()
                .push(r.0[0].as_i64().unwrap_or_default());
        }
        for n in &names {
            match by_name.get(n).map(Vec::as_slice) {
                Some([id]) => {
                    out.push((link, *id));
                    missing.retain(|m| m != n);
                }
                Some([_, _, ..]) => {
                    return Err(format!(
                    "Cannot unambiguously resolve '{n}' for feature '{}'; several {} records match",
                    f.name, label.name
                ))
                }
                _ => {}
            }
        }
    }
    if !missing.is_empty() {
        let registry = f
            .dtype
            .cat_specs()
            .first()
            .map_or("ULabel", |s| s.registry.as_str());
        return Err(format!(
            "{} term{} not validated in feature '{}': {}\n    → fix typos, remove non-existent values, or create them as {} records first",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            f.name,
            missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", "),
            registry
        ));
    }
    Ok(out)
}

/// Stores a simple value: a shared JsonValue (artifacts, runs) or the record's RecordJson row.
#[allow(clippy::too_many_arguments)]
fn store_json(
    conn: &mut DbConnection,
    catalog: &Catalog,
    host: Host,
    f: &FeatureInfo,
    v: &Json,
    user_id: i32,
    run_id: Option<i64>,
    (branch, space): (i32, i16),
) -> Result<()> {
    let pg = conn.dialect() == Dialect::Postgres;
    let json_bind = |sql: &mut Sql| {
        if pg {
            sql.push("CAST(")
                .bind(Bind::Text(v.to_string()))
                .push(" AS JSONB)");
        } else {
            sql.bind(Bind::Text(v.to_string()));
        }
    };
    let link = match catalog.value_store(host.meta()) {
        Some(Values::Shared(link)) => link,
        Some(Values::Own { table, host_column }) => {
            let mut sql = Sql::default();
            sql.push(&format!(
                "SELECT CAST(\"id\" AS BIGINT) AS i0 FROM \"{table}\" WHERE \"{host_column}\" = "
            ));
            sql.bind(Bind::Int(host.id()))
                .push(" AND \"feature_id\" = ")
                .bind(Bind::Int(f.id));
            if !sql.load(conn)?.is_empty() {
                return Err(Error::Conflict(format!(
                    "{} {} already has a value for feature '{}'; use set_values to replace it",
                    host.meta().name,
                    host.id(),
                    f.name
                )));
            }
            let mut sql = Sql::default();
            sql.push(&format!(
                "INSERT INTO \"{table}\" (\"{host_column}\", \"feature_id\", \"value\") VALUES ("
            ));
            sql.bind(Bind::Int(host.id()))
                .push(", ")
                .bind(Bind::Int(f.id))
                .push(", ");
            json_bind(&mut sql);
            sql.push(")");
            sql.execute(conn)?;
            return Ok(());
        }
        None => {
            return Err(Error::Unsupported(format!(
                "{} records hold no feature values",
                host.meta().name
            )))
        }
    };
    let hash = json_value_hash(v);
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT CAST(\"id\" AS BIGINT) AS i0 FROM \"{}\" WHERE \"feature_id\" = ",
        link.value
    ));
    sql.bind(Bind::Int(f.id))
        .push(" AND \"hash\" = ")
        .bind(Bind::Text(hash.clone()));
    let existing = sql.load_ints(conn)?.first().copied();
    let value_id = match existing {
        Some(id) => id,
        None => {
            let mut sql = Sql::default();
            sql.push(&format!("INSERT INTO \"{}\" (\"value\", \"hash\", \"feature_id\", \"is_locked\", \"branch_id\", \"created_on_id\", \"space_id\", \"created_by_id\", \"run_id\", \"created_at\") VALUES (", link.value));
            json_bind(&mut sql);
            sql.push(", ")
                .bind(Bind::Text(hash))
                .push(", ")
                .bind(Bind::Int(f.id));
            // is_locked, branch_id, created_on_id, space_id
            sql.push(", FALSE, ")
                .bind(Bind::Int(branch.into()))
                .push(", ")
                .bind(Bind::Int(branch.into()))
                .push(", ")
                .bind(Bind::Int(space.into()))
                .push(", ")
                .bind(Bind::Int(user_id.into()))
                .push(", ");
            sql.bind_opt(run_id.map(Bind::Int));
            sql.push(", ").bind_time(conn.dialect(), UtcTime::now());
            sql.push(") RETURNING CAST(\"id\" AS BIGINT) AS i0");
            sql.load_ints(conn)?
                .first()
                .copied()
                .ok_or_else(|| Error::Conflict("inserting a JsonValue returned no id".into()))?
        }
    };
    insert_link(conn, link, host.id(), value_id, None, user_id, run_id)
}

/// Deletes the host's values of feature `f` (only `value` when given); returns how many.
fn remove_feature_values(
    conn: &mut DbConnection,
    catalog: &Catalog,
    host: Host,
    f: &FeatureInfo,
    value: Option<&Json>,
) -> Result<usize> {
    if f.dtype.is_categorical() {
        let mut n = 0;
        for spec in f.dtype.cat_specs() {
            let Some(label) = catalog.find(&spec.registry) else {
                continue;
            };
            let Some(link) = catalog.label_link(host.meta(), label, true) else {
                continue;
            };
            let mut sql = Sql::default();
            sql.push(&format!(
                "DELETE FROM \"{}\" WHERE \"{}\" = ",
                link.table, link.host_column
            ));
            sql.bind(Bind::Int(host.id()))
                .push(" AND \"feature_id\" = ")
                .bind(Bind::Int(f.id));
            if let Some(v) = value {
                let name = v.as_str().ok_or_else(|| {
                    Error::Validation(format!("categorical values are removed by name, got {v}"))
                })?;
                let field = spec.field.as_deref().or(label.name_field).unwrap_or("name");
                sql.push(&format!(
                    " AND \"{}\" IN (SELECT \"id\" FROM \"{}\" WHERE \"{field}\" = ",
                    link.value_column, label.table
                ));
                sql.bind(Bind::Text(name.to_owned())).push(")");
            }
            n += sql.execute(conn)?;
        }
        return Ok(n);
    }
    let mut sql = Sql::default();
    match catalog.value_store(host.meta()) {
        Some(Values::Own { table, host_column }) => {
            sql.push(&format!(
                "DELETE FROM \"{table}\" WHERE \"{host_column}\" = "
            ));
            sql.bind(Bind::Int(host.id()))
                .push(" AND \"feature_id\" = ")
                .bind(Bind::Int(f.id));
            if let Some(v) = value {
                // Own values are compared by their JSON text.
                sql.push(if conn.dialect() == Dialect::Postgres {
                    " AND CAST(\"value\" AS TEXT) = CAST(CAST("
                } else {
                    " AND json(\"value\") = json("
                });
                sql.bind(Bind::Text(v.to_string()));
                sql.push(if conn.dialect() == Dialect::Postgres {
                    " AS JSONB) AS TEXT)"
                } else {
                    ")"
                });
            }
        }
        Some(Values::Shared(link)) => {
            sql.push(&format!(
                "DELETE FROM \"{}\" WHERE \"{}\" = ",
                link.table, link.host_column
            ));
            sql.bind(Bind::Int(host.id()));
            sql.push(&format!(
                " AND \"{}\" IN (SELECT \"id\" FROM \"{}\" WHERE \"feature_id\" = ",
                link.value_column, link.value
            ));
            sql.bind(Bind::Int(f.id));
            if let Some(v) = value {
                let v = convert_simple(&f.dtype, v).unwrap_or_else(|_| v.clone());
                sql.push(" AND \"hash\" = ")
                    .bind(Bind::Text(json_value_hash(&v)));
            }
            sql.push(")");
        }
        None => return Ok(0),
    }
    sql.execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_value_hashes_match_python() {
        // Verified against Python LaminDB 2.12.1.
        assert_eq!(json_value_hash(&json!(3)), "7MvIfktc4v4oMI_Z8qe68w");
        assert_eq!(json_value_hash(&json!(true)), "-CfPRi9ihI3zfF4elKTadA");
        assert_eq!(
            json_value_hash(&json!("2024-01-02")),
            "rjVKDBiSZ--foGOKGfO31A"
        );
    }

    #[test]
    fn simple_values_are_checked_against_the_dtype() {
        assert!(convert_simple(&Dtype::Int, &json!(3)).is_ok());
        assert!(convert_simple(&Dtype::Int, &json!(3.5)).is_err());
        assert_eq!(
            convert_simple(&Dtype::Float, &json!(3)).unwrap(),
            json!(3.0)
        );
        assert!(convert_simple(&Dtype::Str, &json!(3)).is_err());
        assert!(convert_simple(&Dtype::Date, &json!("2024-01-02")).is_ok());
        assert!(convert_simple(&Dtype::Date, &json!("02.01.2024")).is_err());
        assert!(convert_simple(&Dtype::List(Box::new(Dtype::Int)), &json!([1, 2])).is_ok());
        assert!(convert_simple(&Dtype::List(Box::new(Dtype::Int)), &json!([1, "x"])).is_err());
    }
}
