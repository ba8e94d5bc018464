//! `lamin create`: labels, records, projects, references, features and schemas.

use lamindb_core::prelude::*;
use lamindb_core::query::{Model, Query};
use serde_json::{json, Value};

use super::list::registry_name;

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
    pub term: &'a TermOpts,
}

/// Options of `lamin create bionty.<Entity>` (custom ontology terms, genes, …).
#[derive(Debug, Default, clap::Args)]
pub struct TermOpts {
    /// Identifier of a bionty record (`ontology_id`, `ensembl_gene_id`, …).
    #[arg(long = "ontology-id")]
    pub ontology_id: Option<String>,
    /// Parent of a bionty record, by identifier, name or uid (repeatable).
    #[arg(long = "parent")]
    pub parents: Vec<String>,
    /// Synonym of a bionty record (repeatable).
    #[arg(long = "synonym")]
    pub synonyms: Vec<String>,
    /// Organism of a bionty Gene, Protein or CellMarker.
    #[arg(long)]
    pub organism: Option<String>,
    /// A field of a module record (pertdb, a lab's module), as FIELD=VALUE (repeatable):
    /// `--set type=CRISPRi`.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
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
    let spec = NewSchema {
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
    };
    // A schema with these members under another name is found and renamed, as Python does:
    // say so, rather than leave it to a log line.
    let renamed = inst
        .schemas()
        .with_definition(&spec)?
        .and_then(|s| s.name)
        .filter(|old| old != args.name);
    let created = inst.schemas().create(spec)?;
    let s = created.record;
    let members = inst.schemas().members(&s)?;
    let names: Vec<&str> = members.iter().map(|f| f.name.as_str()).collect();
    let what = match &renamed {
        Some(old) => format!(
            "schema '{old}' has this definition already; renamed it to '{}'",
            s.name.as_deref().unwrap_or("")
        ),
        None => format!(
            "{} schema '{}'",
            verb(created.created),
            s.name.as_deref().unwrap_or("")
        ),
    };
    Ok((
        format!(
            "{what} (uid {}){}",
            s.uid,
            if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            }
        ),
        json!({"id": s.id, "uid": s.uid, "name": s.name, "hash": s.hash, "n_members": s.n_members,
               "itype": s.itype, "features": names, "created": created.created,
               "renamed_from": renamed}),
    ))
}

/// The options given that `registry` has no use for; they are refused rather than ignored.
fn inapplicable(registry: &str, args: &CreateArgs<'_>) -> Vec<&'static str> {
    let o = args.schema;
    let schema_only = [
        ("--features", !o.features.is_empty()),
        ("--optional", !o.optional.is_empty()),
        ("--index", o.index.is_some()),
        ("--ordered-set", o.ordered_set),
        ("--maximal-set", o.maximal_set),
        ("--flexible", o.flexible),
        ("--otype", o.otype.is_some()),
        ("--itype", o.itype.is_some()),
        ("--suffix", o.suffix.is_some()),
    ];
    let feature_only = [
        ("--dtype", args.dtype.is_some()),
        ("--unit", args.unit.is_some()),
    ];
    let t = args.term;
    let term_only = [
        ("--ontology-id", t.ontology_id.is_some()),
        ("--parent", !t.parents.is_empty()),
        ("--synonym", !t.synonyms.is_empty()),
        ("--organism", t.organism.is_some()),
    ];
    let module_only = [("--set", !t.set.is_empty())];
    let label_only = [
        ("--type", args.type_name.is_some()),
        ("--is-type", args.is_type),
    ];
    let given: Vec<(&'static str, bool)> = match registry {
        "schema" => feature_only
            .into_iter()
            .chain(term_only)
            .chain(module_only)
            .collect(),
        "feature" => schema_only
            .into_iter()
            .chain(term_only)
            .chain(module_only)
            .collect(),
        r if r.starts_with("bionty.") => schema_only
            .into_iter()
            .chain(feature_only)
            .chain(label_only)
            .chain(module_only)
            .chain([("--coerce", o.coerce)])
            .collect(),
        r if is_module_record(r) => schema_only
            .into_iter()
            .chain(feature_only)
            .chain(label_only)
            .chain(term_only)
            .chain([("--coerce", o.coerce)])
            .collect(),
        _ => schema_only
            .into_iter()
            .chain(feature_only)
            .chain(term_only)
            .chain(module_only)
            .chain([("--coerce", o.coerce)])
            .collect(),
    };
    given
        .into_iter()
        .filter(|(_, g)| *g)
        .map(|(f, _)| f)
        .collect()
}

/// Whether `registry` names a record of a module registry other than bionty's (pertdb, a lab's
/// module, one loaded with --module-path).
fn is_module_record(registry: &str) -> bool {
    registry.contains('.') && !registry.starts_with("bionty.")
}

/// `lamin create <module>.<Registry> NAME [--set FIELD=VALUE …]`: pertdb records with their
/// checked types and Python's uids, any other module's records generically.
fn create_module_record(inst: &Instance, args: &CreateArgs<'_>) -> Result<(String, Value)> {
    let mut fields: Vec<(String, String)> = args
        .term
        .set
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| Error::Validation(format!("--set takes FIELD=VALUE, not '{kv}'")))
        })
        .collect::<Result<_>>()?;
    if let Some(d) = args.description {
        fields.push(("description".into(), d.to_owned()));
    }
    let meta = inst.catalog().registry(args.registry)?;
    let c = if meta.name.starts_with("pertdb.") {
        wetlab::create(inst, meta.name, args.name, &fields)?
    } else {
        inst.create_record(meta.name, args.name, &fields, None)?
    };
    Ok((
        format!(
            "{} {} '{}' (uid {})",
            verb(c.created),
            meta.name,
            args.name,
            c.uid
        ),
        json!({"id": c.id, "uid": c.uid, "name": args.name, "created": c.created}),
    ))
}

/// `lamin create bionty.<Entity> NAME`: a custom term (or gene, …) with Python's uid.
fn create_term(inst: &Instance, args: &CreateArgs<'_>) -> Result<(String, Value)> {
    let entity = bionty::Entity::parse(args.registry)?;
    let t = args.term;
    let c = bionty::records::create_term(
        inst,
        entity,
        &bionty::records::NewTerm {
            name: args.name.to_owned(),
            id: t.ontology_id.clone(),
            description: args.description.map(str::to_owned),
            synonyms: t.synonyms.clone(),
            parents: t.parents.clone(),
            organism: t.organism.clone(),
        },
    )?;
    Ok((
        format!(
            "{} {entity} '{}' (uid {}){}",
            verb(c.created),
            args.name,
            c.uid,
            if c.parent_links > 0 {
                format!(", {} parent links", c.parent_links)
            } else {
                String::new()
            }
        ),
        json!({"id": c.id, "uid": c.uid, "name": args.name, "created": c.created, "parent_links": c.parent_links}),
    ))
}

/// `lamin create ulabel|record|project|reference|feature NAME`.
pub fn create(inst: &Instance, args: &CreateArgs<'_>) -> Result<(String, Value)> {
    let registry = registry_name(args.registry).to_ascii_lowercase();
    let unused = inapplicable(&registry, args);
    if !unused.is_empty() {
        return Err(Error::Validation(format!(
            "{} {} not apply to `lamin create {registry}`; nothing was created",
            unused.join(", "),
            if unused.len() == 1 { "does" } else { "do" }
        )));
    }
    if registry == "schema" {
        return create_schema(inst, args);
    }
    if registry.starts_with("bionty.") {
        return create_term(inst, args);
    }
    if is_module_record(&registry) {
        return create_module_record(inst, args);
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
            coerce: args.schema.coerce.then_some(true),
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
            "cannot create '{other}': create ulabel, record, project, reference, feature, schema or a bionty registry (bionty.CellType, …)"
        )))
        }
    };
    let verb = verb(created);
    Ok((
        format!("{verb} {registry} '{}' (uid {uid})", args.name),
        json!({"id": id, "uid": uid, "name": args.name, "created": created}),
    ))
}

/// `lamin create`.
#[derive(clap::Args)]
pub struct CreateCmd {
    /// ulabel, record, project, reference, feature, schema, branch, space, collection or a
    /// bionty registry (bionty.CellType, …).
    registry: String,
    /// Its name.
    #[arg(required_unless_present = "name_opt")]
    name: Option<String>,
    /// Its name (the older spelling `lamin create branch --name NAME`).
    #[arg(long = "name", hide = true)]
    name_opt: Option<String>,
    /// The dtype of a feature: int, float, str, bool, date, datetime, dict,
    /// list[...], cat[ULabel], cat[Record[<type uid>]], …
    #[arg(long)]
    dtype: Option<String>,
    /// Name of the type (an `--is-type` record of the same registry) it belongs to.
    #[arg(long = "type")]
    type_name: Option<String>,
    /// Make it a type.
    #[arg(long)]
    is_type: bool,
    /// Description.
    #[arg(long)]
    description: Option<String>,
    /// Unit of a feature.
    #[arg(long)]
    unit: Option<String>,
    #[command(flatten)]
    schema: SchemaOpts,
    #[command(flatten)]
    term: TermOpts,
    #[command(flatten)]
    collection: super::collections::CollectionOpts,
    /// Put the new record in this space (default: the current space, `lamin switch --space`).
    #[arg(long)]
    space: Option<String>,
}

impl CreateCmd {
    pub fn run(self, g: &crate::output::Global) -> Result<crate::output::Output> {
        let inst = g.open()?;
        let name = self
            .name
            .clone()
            .or(self.name_opt.clone())
            .unwrap_or_default();
        if self.registry.eq_ignore_ascii_case("branch") {
            let b = inst.branches().create(&name, self.description.as_deref())?;
            return Ok(crate::output::Output::new(
                format!("created branch: {}", b.name),
                serde_json::json!({ "id": b.id, "uid": b.uid, "name": b.name }),
            ));
        }
        if self.registry.eq_ignore_ascii_case("space") {
            let sp = inst
                .branches()
                .create_space(&name, self.description.as_deref())?;
            return Ok(crate::output::Output::new(
                format!(
                    "created space: {} (it groups records; access permissions need LaminHub)",
                    sp.name
                ),
                serde_json::json!({ "id": sp.id, "uid": sp.uid, "name": sp.name }),
            ));
        }
        if self.registry.eq_ignore_ascii_case("collection") {
            return super::collections::create(
                &inst,
                &name,
                self.description.as_deref(),
                &self.collection,
            );
        }
        if self.collection.given() {
            return Err(Error::Validation(format!(
                "--artifact and --filter apply to `create collection`, not to {}",
                self.registry
            )));
        }
        let space = match &self.space {
            Some(s) => Some(inst.branches().space(s)?),
            None => None,
        };
        let (text, json) = create(
            &inst,
            &CreateArgs {
                registry: &self.registry,
                name: &name,
                dtype: self.dtype.as_deref(),
                type_name: self.type_name.as_deref(),
                is_type: self.is_type,
                description: self.description.as_deref(),
                unit: self.unit.as_deref(),
                schema: &self.schema,
                term: &self.term,
            },
        )?;
        if let (Some(sp), Some(id)) = (&space, json["id"].as_i64()) {
            let table = inst
                .catalog()
                .registry(&registry_name(&self.registry))?
                .table;
            inst.branches().put_in_space(table, id, sp)?;
        }
        Ok(crate::output::Output::new(text, json))
    }
}
