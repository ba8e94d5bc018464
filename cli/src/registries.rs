//! `lamin list` with filters, `lamin search`, `lamin create` and `lamin annotate`.

use lamindb_core::annotate::Host;
use lamindb_core::meta::RegistryMeta;
use lamindb_core::prelude::*;
use lamindb_core::query::search::SearchOptions;
use lamindb_core::query::{Cell, Dynamic, Model, Query, Rows};
use serde_json::{json, Map, Value};

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
pub fn list_generic(q: Query<'_, Dynamic>, limit: i64) -> Result<(String, Value)> {
    let fields = display_fields(q.meta());
    let rows = q.order_by("-id").limit(limit).rows(&fields)?;
    Ok((table(&rows), rows.to_json()))
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

/// Arguments of `lamin create`.
pub struct CreateArgs<'a> {
    pub registry: &'a str,
    pub name: &'a str,
    pub dtype: Option<&'a str>,
    pub type_name: Option<&'a str>,
    pub is_type: bool,
    pub description: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub schema: &'a SchemaOpts,
}

/// Options of `lamin create schema`.
#[derive(Debug, Default, clap::Args)]
pub struct SchemaOpts {
    /// Features of a schema, in order (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// Features of a schema that datasets may lack.
    #[arg(long, value_delimiter = ',')]
    pub optional: Vec<String>,
    /// Index feature of a schema.
    #[arg(long)]
    pub index: Option<String>,
    /// The schema's members are ordered.
    #[arg(long)]
    pub ordered_set: bool,
    /// Datasets may have no columns beyond the schema's features.
    #[arg(long)]
    pub maximal_set: bool,
    /// Validation accepts features beyond the listed ones.
    #[arg(long)]
    pub flexible: bool,
    /// Validation coerces values to the features' dtypes.
    #[arg(long)]
    pub coerce: bool,
    /// Object type of datasets (DataFrame, AnnData, …).
    #[arg(long)]
    pub otype: Option<String>,
    /// Member registry of a schema without features (ULabel, bionty.Gene.ensembl_gene_id, …).
    #[arg(long)]
    pub itype: Option<String>,
    /// Artifact suffix datasets must have (.parquet, .csv, …).
    #[arg(long)]
    pub suffix: Option<String>,
}

/// The id of the type called `name` (`--type`) among the `is_type` rows of `q`'s registry.
fn type_id<M: Model>(
    q: Query<'_, M>,
    name: Option<&str>,
    id: impl Fn(&M) -> i32,
) -> Result<Option<i32>> {
    name.map(|t| {
        q.filter(Q::new("name", t) & Q::new("is_type", true))
            .one()
            .map(|m| id(&m))
    })
    .transpose()
}

/// How `lamin create` reports a get-or-create.
fn verb(created: bool) -> &'static str {
    if created {
        "created"
    } else {
        "found existing"
    }
}

/// `lamin create schema NAME`.
fn create_schema(inst: &Instance, args: &CreateArgs<'_>) -> Result<(String, Value)> {
    let o = args.schema;
    let feature = |n: &str| inst.features().get(n);
    let mut members: Vec<SchemaMember> = Vec::new();
    for n in &o.features {
        members.push(feature(n)?.into());
    }
    for n in &o.optional {
        members.push(SchemaMember::optional(feature(n)?));
    }
    let type_id = type_id(inst.query::<Schema>(), args.type_name, |s| s.id)?;
    let created = inst.schemas().create(NewSchema {
        name: Some(args.name.to_owned()),
        description: args.description.map(str::to_owned),
        features: members,
        index: o.index.as_deref().map(feature).transpose()?,
        itype: o.itype.clone(),
        otype: o.otype.clone(),
        suffix: o.suffix.clone(),
        dtype: args.dtype.map(str::to_owned),
        ordered_set: o.ordered_set,
        maximal_set: o.maximal_set,
        flexible: o.flexible.then_some(true),
        coerce: o.coerce,
        is_type: args.is_type,
        type_id,
        ..Default::default()
    })?;
    let s = created.record;
    let members = inst.schemas().members(&s)?;
    let verb = verb(created.created);
    let names: Vec<&str> = members.iter().map(|f| f.name.as_str()).collect();
    Ok((
        format!(
            "{verb} schema '{}' (uid {}){}",
            s.name.as_deref().unwrap_or(""),
            s.uid,
            if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            }
        ),
        json!({"id": s.id, "uid": s.uid, "name": s.name, "hash": s.hash, "n_members": s.n_members,
               "itype": s.itype, "features": names, "created": created.created}),
    ))
}

/// `lamin create ulabel|record|project|reference|feature NAME`.
pub fn create(inst: &Instance, args: &CreateArgs<'_>) -> Result<(String, Value)> {
    let registry = registry_name(args.registry).to_ascii_lowercase();
    if registry == "schema" {
        return create_schema(inst, args);
    }
    if registry == "feature" {
        let type_id = type_id(inst.query::<Feature>(), args.type_name, |f| f.id)?;
        let created = inst.features().create(NewFeature {
            name: args.name.to_owned(),
            dtype: args.dtype.map(str::to_owned),
            unit: args.unit.map(str::to_owned),
            description: args.description.map(str::to_owned),
            type_id,
            is_type: args.is_type,
            ..Default::default()
        })?;
        let f = created.record;
        let verb = verb(created.created);
        return Ok((
            format!(
                "{verb} feature '{}' ({}, uid {})",
                f.name,
                f.dtype.as_deref().unwrap_or("type"),
                f.uid
            ),
            json!({"id": f.id, "uid": f.uid, "name": f.name, "dtype": f.dtype, "created": created.created}),
        ));
    }
    let mut spec = NewLabel::new(args.name);
    spec.description = args.description.map(str::to_owned);
    spec.is_type = args.is_type;
    macro_rules! make {
        ($labels:expr) => {{
            let labels = $labels;
            spec.type_id = type_id(labels.query(), args.type_name, |l| l.id)?;
            let c = labels.create(spec)?;
            (c.record.id, c.record.uid.clone(), c.created)
        }};
    }
    let (id, uid, created) = match registry.as_str() {
        "ulabel" => make!(inst.ulabels()),
        "record" => make!(inst.records()),
        "project" => make!(inst.projects()),
        "reference" => make!(inst.references()),
        other => {
            return Err(Error::Validation(format!(
            "cannot create '{other}': create ulabel, record, project, reference, feature or schema"
        )))
        }
    };
    let verb = verb(created);
    Ok((
        format!("{verb} {registry} '{}' (uid {uid})", args.name),
        json!({"id": id, "uid": uid, "name": args.name, "created": created}),
    ))
}

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
