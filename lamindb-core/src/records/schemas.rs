//! Schema records: sets of features that datasets are validated against, schema types, and
//! composites of schemas in named slots (`obs`, `var.T`, …).
//!
//! A schema is found again by Python LaminDB's hash of its definition, so defining the same
//! schema twice (here or in Python) returns the first one. Validation against a schema is the
//! curation crate's job.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use diesel::prelude::*;
use serde_json::json;

use crate::db::models::{Branch, Feature, Schema};
use crate::db::schema::{
    lamindb_schema as s, lamindb_schemacomponent as sc, lamindb_schemafeature as sf,
};
use crate::db::sql_types::{JsonData, UtcTime};
use crate::db::DbConnection;
use crate::query::{Branches, Model, Q};
use crate::records::Created;
use crate::{util::uid, Error, Instance, Result};

/// Schemas whose uids Python LaminDB fixes, by hash: `itype=Feature`, the Ensembl gene
/// identifier set, and the AnnData composite of the two (with and without the deprecated
/// `itype="Composite"`).
const KNOWN_SCHEMAS: [(&str, &str); 4] = [
    ("kMi7B_N88uu-YnbTLDU-DA", "0000000000000000"),
    ("1gocc_TJ1RU2bMwDRK-WUA", "0000000000000001"),
    ("aqGWHvyY49W_PHELUMiBMw", "0000000000000002"),
    ("UR_ozz2VI2sY8ckXop2RAg", "0000000000000002"),
];

/// A feature of a schema being defined.
#[derive(Debug, Clone)]
pub struct SchemaMember {
    /// The feature.
    pub feature: Feature,
    /// Whether datasets may lack it (Python's `feature.with_config(optional=True)`).
    pub optional: bool,
}

impl From<Feature> for SchemaMember {
    fn from(feature: Feature) -> Self {
        SchemaMember {
            feature,
            optional: false,
        }
    }
}

impl SchemaMember {
    /// A feature that datasets may lack.
    pub fn optional(feature: Feature) -> Self {
        SchemaMember {
            feature,
            optional: true,
        }
    }
}

/// Members of a schema that are records of a registry other than Feature (the genes of an
/// AnnData's `var.T` feature set: `bionty.Gene` through `bionty_schemagene`).
#[derive(Debug, Clone)]
pub struct RecordMembers {
    /// The registry (`bionty.Gene`).
    pub registry: String,
    /// `(id, uid)` of each record, in member order.
    pub records: Vec<(i64, String)>,
}

/// What to create with [`Schemas::create`]; the defaults are Python LaminDB's.
#[derive(Debug, Clone)]
pub struct NewSchema {
    /// Name (required for types).
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The features, in order.
    pub features: Vec<SchemaMember>,
    /// Or: records of another registry as members (identifier sets).
    pub records: Option<RecordMembers>,
    /// The index feature (validates a DataFrame's index); it becomes the first member.
    pub index: Option<Feature>,
    /// The member registry and field when it is not `Feature`: `ULabel`, `Record`,
    /// `bionty.Gene.ensembl_gene_id`, or `Feature[<type uid>]` (see [`NewSchema::itype_of`]).
    pub itype: Option<String>,
    /// Named component schemas of a composite (e.g. `obs` and `var.T` of an AnnData).
    pub slots: Vec<(String, Schema)>,
    /// Object type of datasets: `DataFrame`, `AnnData`, … (required for composites).
    pub otype: Option<String>,
    /// The artifact suffix datasets must have (a canonical suffix such as `.parquet`).
    pub suffix: Option<String>,
    /// The dtype of all members (default: none for features, `num` otherwise).
    pub dtype: Option<String>,
    /// Whether every member must be present (default true).
    pub minimal_set: bool,
    /// Whether the members are ordered (default false).
    pub ordered_set: bool,
    /// Whether no other columns may be present (default false).
    pub maximal_set: bool,
    /// Whether validation accepts any feature (default: true without features, else false).
    pub flexible: Option<bool>,
    /// Whether validation coerces values to the dtypes.
    pub coerce: bool,
    /// Number of members of a schema that does not list them.
    pub n_members: Option<i32>,
    /// Makes this a schema type (a group of schemas).
    pub is_type: bool,
    /// The schema type this schema belongs to.
    pub type_id: Option<i32>,
}

impl Default for NewSchema {
    fn default() -> Self {
        NewSchema {
            name: None,
            description: None,
            features: Vec::new(),
            records: None,
            index: None,
            itype: None,
            slots: Vec::new(),
            otype: None,
            suffix: None,
            dtype: None,
            minimal_set: true,
            ordered_set: false,
            maximal_set: false,
            flexible: None,
            coerce: false,
            n_members: None,
            is_type: false,
            type_id: None,
        }
    }
}

impl NewSchema {
    /// A schema of these features.
    pub fn of_features(features: impl IntoIterator<Item = impl Into<SchemaMember>>) -> Self {
        NewSchema {
            features: features.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// A schema type called `name`.
    pub fn type_named(name: impl Into<String>) -> Self {
        NewSchema {
            name: Some(name.into()),
            is_type: true,
            ..Default::default()
        }
    }

    /// Members are the features of the feature type `feature_type` (`itype` `Feature[<uid>]`).
    pub fn itype_of(mut self, feature_type: &Feature) -> Self {
        self.itype = Some(format!("Feature[{}]", feature_type.uid));
        self
    }

    /// Sets the name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// The Schema registry; get it with [`Instance::schemas`].
pub struct Schemas<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// The Schema registry.
    pub fn schemas(&self) -> Schemas<'_> {
        Schemas { inst: self }
    }
}

/// A schema definition with Python's defaults applied: the columns to store and what the hash
/// is computed from.
#[derive(Debug, Clone, PartialEq)]
struct Definition {
    dtype: Option<String>,
    itype: Option<String>,
    minimal_set: bool,
    ordered_set: bool,
    maximal_set: bool,
    flexible: bool,
    flexible_default: bool,
    coerce: bool,
    suffix: Option<String>,
    n_members: Option<i32>,
    index_uid: Option<String>,
    /// `(feature id, uid, optional)` in member order, the index first.
    members: Vec<(i32, String, bool)>,
    /// Members that are records of another registry: `(id, uid)`, and their link table.
    records: Vec<(i64, String)>,
    /// `(table, schema column, record column)`.
    record_link: Option<(&'static str, &'static str, &'static str)>,
    /// `(slot, component id, component hash)`.
    slots: Vec<(String, i32, String)>,
    is_type: bool,
}

impl Definition {
    /// Python LaminDB's schema hash: the sorted `code=value` tokens of the definition, joined by
    /// `:` and hashed; `None` for types.
    fn hash(&self) -> Option<String> {
        use lamindb_storage::hash_string;
        if self.is_type {
            return None;
        }
        let py = |b: bool| if b { "True" } else { "False" };
        let mut toks = Vec::new();
        if let Some(d) = &self.dtype {
            toks.push(format!("a={d}"));
        }
        if let Some(i) = &self.itype {
            toks.push(format!("b={i}"));
        }
        toks.push(format!("c={}", py(self.minimal_set)));
        toks.push(format!("d={}", py(self.ordered_set)));
        toks.push(format!("e={}", py(self.maximal_set)));
        if self.flexible != self.flexible_default {
            toks.push(format!("f={}", py(self.flexible)));
        }
        if self.coerce {
            toks.push("g=True".into());
        }
        if let Some(sfx) = &self.suffix {
            toks.push(format!("m={sfx}"));
        }
        if let Some(n) = self.n_members {
            toks.push(format!("h={n}"));
        }
        if let Some(i) = &self.index_uid {
            toks.push(format!("k={i}"));
        }
        if !self.members.is_empty() || !self.records.is_empty() {
            let mut uids: Vec<String> = self
                .members
                .iter()
                .map(|(_, u, opt)| if *opt { format!("{u}(i)") } else { u.clone() })
                .chain(self.records.iter().map(|(_, u)| u.clone()))
                .collect();
            if !self.ordered_set {
                uids.sort();
            }
            toks.push(format!("j={}", hash_string(&uids.join(":"))));
        }
        if !self.slots.is_empty() {
            let mut parts: Vec<String> = self
                .slots
                .iter()
                .map(|(k, _, h)| format!("{k}={h}"))
                .collect();
            parts.sort();
            toks.push(format!("l={}", hash_string(&parts.join(":"))));
        }
        toks.sort();
        Some(hash_string(&toks.join(":")))
    }

    /// `_aux` as Python writes it: optional member uids under `af.1`, the index under `af.3`.
    fn aux(&self) -> Option<serde_json::Value> {
        let optional: Vec<&str> = self
            .members
            .iter()
            .filter(|(_, _, o)| *o)
            .map(|(_, u, _)| u.as_str())
            .collect();
        let mut af = serde_json::Map::new();
        if !optional.is_empty() {
            af.insert("1".into(), json!(optional));
        }
        if let Some(i) = &self.index_uid {
            af.insert("3".into(), json!(i));
        }
        (!af.is_empty()).then(|| json!({ "af": af }))
    }
}

/// Whether `suffix` is what Python LaminDB calls canonical: the suffix it would give a file
/// ending in it.
fn is_canonical_suffix(suffix: &str) -> bool {
    lamindb_storage::canonical_suffix(Path::new(&format!("file{suffix}"))).0 == suffix
}

impl Schemas<'_> {
    /// The schema with this uid, or else the one with this name.
    pub fn get(&self, name_or_uid: &str) -> Result<Schema> {
        if let Some(found) = self
            .inst
            .query::<Schema>()
            .filter(Q::new("uid", name_or_uid))
            .first()?
        {
            return Ok(found);
        }
        let mut named = self
            .inst
            .query::<Schema>()
            .filter(Q::new("name", name_or_uid))
            .order_by("id")
            .limit(2)
            .all()?;
        match named.len() {
            0 => Err(Error::NoRecord {
                registry: "Schema".into(),
                name: name_or_uid.to_owned(),
            }),
            1 => Ok(named.remove(0)),
            _ => Err(Error::Conflict(format!(
                "several schemas are named '{name_or_uid}'; pass a uid"
            ))),
        }
    }

    /// The features of `schema` in member order (the index first).
    pub fn members(&self, schema: &Schema) -> Result<Vec<Feature>> {
        let ids: Vec<i64> = sf::table
            .filter(sf::schema_id.eq(schema.id))
            .order(sf::id)
            .select(sf::feature_id)
            .load::<i32>(&mut *self.inst.conn())?
            .into_iter()
            .map(i64::from)
            .collect();
        Feature::load_by_ids(&mut self.inst.conn(), &ids)
    }

    /// The components of a composite schema by slot, in the order they were given.
    pub fn slots(&self, schema: &Schema) -> Result<Vec<(String, Schema)>> {
        let rows: Vec<(Option<String>, i32)> = sc::table
            .filter(sc::composite_id.eq(schema.id))
            .order(sc::id)
            .select((sc::slot, sc::component_id))
            .load(&mut *self.inst.conn())?;
        let ids: Vec<i64> = rows.iter().map(|r| i64::from(r.1)).collect();
        let by_id: HashMap<i32, Schema> = Schema::load_by_ids(&mut self.inst.conn(), &ids)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|(slot, id)| Some((slot.unwrap_or_default(), by_id.get(&id)?.clone())))
            .collect())
    }

    /// The index feature of `schema`, if it has one.
    pub fn index(&self, schema: &Schema) -> Result<Option<Feature>> {
        let uid = schema
            .aux
            .as_ref()
            .and_then(|a| a.0.pointer("/af/3"))
            .and_then(|v| v.as_str());
        match uid {
            Some(u) => Ok(self
                .inst
                .query::<Feature>()
                .filter(Q::new("uid", u))
                .first()?),
            None => Ok(None),
        }
    }

    /// The members datasets may lack.
    pub fn optionals(&self, schema: &Schema) -> Result<Vec<Feature>> {
        let uids: Vec<String> = schema
            .aux
            .as_ref()
            .and_then(|a| a.0.pointer("/af/1"))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        self.inst
            .query::<Feature>()
            .filter(Q::new("uid__in", uids))
            .order_by("id")
            .all()
    }

    /// The schema with `spec`'s definition (members, settings, slots), if one exists: the one
    /// [`Schemas::create`] returns instead of making a new one (and renames, when `spec`
    /// names it differently).
    pub fn with_definition(&self, spec: &NewSchema) -> Result<Option<Schema>> {
        let name = spec
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let Some(hash) = self.define(spec, name)?.hash() else {
            return Ok(None);
        };
        self.inst
            .query::<Schema>()
            .branches(Branches::All)
            .filter(Q::new("hash", hash.as_str()) & !Q::new("branch_id", Branch::Trash.id()))
            .order_by("id")
            .first()
    }

    /// Gets the schema with the same definition (Python LaminDB's hash) or creates it.
    ///
    /// A passed name or description that differs from the found schema's is stored on it. A
    /// schema type is found by name. A schema with the same name and another definition is
    /// redefined in place, as in Python LaminDB, unless datasets were validated with it: then
    /// the call fails, because redefining would change what their validation meant.
    pub fn create(&self, spec: NewSchema) -> Result<Created<Schema>> {
        let name = spec
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let def = self.define(&spec, name.as_deref())?;
        let hash = def.hash();
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let mut conn = self.inst.conn();
        // Parallel creates of one definition or name wait for each other and find the first
        // one's schema.
        conn.write(|c| {
            let mut locks = Vec::new();
            if let Some(h) = &hash {
                locks.push(("schema-hash", h.as_str()));
            }
            if let Some(n) = &name {
                locks.push(("schema-name", n.as_str()));
            }
            c.lock_all(&locks)?;
            if let Some(h) = &hash {
                let same = self
                    .inst
                    .query::<Schema>()
                    .branches(Branches::All)
                    .filter(Q::new("hash", h.as_str()) & !Q::new("branch_id", Branch::Trash.id()))
                    .order_by("id")
                    .limit(1)
                    .ids_with(c)?;
                if let Some(id) = same.first() {
                    let found = load(c, *id as i32)?;
                    tracing::info!(uid = %found.uid, "returning schema with same hash");
                    let record = update_descriptors(c, found, name.as_deref(), &spec)?;
                    return Ok(Created {
                        record,
                        created: false,
                    });
                }
            }
            if let Some(n) = &name {
                let mut q = Q::new("name", n.as_str());
                if spec.type_id.is_some() {
                    q = q & Q::new("type_id", spec.type_id);
                }
                let same_name = self
                    .inst
                    .query::<Schema>()
                    .filter(q)
                    .order_by("id")
                    .limit(1)
                    .ids_with(c)?;
                if let Some(id) = same_name.first() {
                    let found = load(c, *id as i32)?;
                    tracing::info!(name = %n, "returning schema with same name");
                    if found.is_type || spec.is_type {
                        if found.is_type != spec.is_type {
                            return Err(Error::Conflict(format!(
                                "a schema{} named '{n}' exists; pick another name",
                                if found.is_type { " type" } else { "" }
                            )));
                        }
                        let record = update_descriptors(c, found, None, &spec)?;
                        return Ok(Created {
                            record,
                            created: false,
                        });
                    }
                    let record = redefine(c, found, &def, hash.clone(), &spec, user_id, run_id)?;
                    return Ok(Created {
                        record,
                        created: false,
                    });
                }
            }
            let record = insert(
                c,
                name.clone(),
                &def,
                hash.clone(),
                &spec,
                user_id,
                run_id,
                (self.inst.branch_id(), self.inst.space_id()),
            )?;
            Ok(Created {
                record,
                created: true,
            })
        })
    }

    /// Checks the spec and applies Python LaminDB's defaults.
    fn define(&self, spec: &NewSchema, name: Option<&str>) -> Result<Definition> {
        if spec.is_type && name.is_none() {
            return Err(Error::Validation(
                "a schema type needs a name, e.g. NewSchema::type_named(\"ProteinPanel\")".into(),
            ));
        }
        if spec.features.is_empty()
            && spec.records.is_none()
            && spec.index.is_none()
            && spec.slots.is_empty()
            && spec.itype.is_none()
            && !spec.is_type
        {
            return Err(Error::Validation(
                "Please pass features or slots or itype or set is_type=True".into(),
            ));
        }
        let mut features: Vec<SchemaMember> = Vec::with_capacity(spec.features.len() + 1);
        if let Some(i) = &spec.index {
            features.push(SchemaMember::from(i.clone()));
        }
        features.extend(spec.features.iter().cloned());
        self.check_features(&features)?;

        let (records, record_link) = match &spec.records {
            None => (Vec::new(), None),
            Some(rm) => {
                if !features.is_empty() {
                    return Err(Error::Validation(
                        "a schema's members are features or records of one registry, not both"
                            .into(),
                    ));
                }
                let meta = self.inst.catalog().registry(&rm.registry)?;
                let link = self
                    .inst
                    .catalog()
                    .links()
                    .find(|l| l.host == crate::meta::core::SCHEMA.table && l.value == meta.table)
                    .ok_or_else(|| {
                        Error::Validation(format!(
                            "{} records cannot be schema members: no link table to lamindb_schema",
                            meta.name
                        ))
                    })?;
                if spec
                    .itype
                    .as_deref()
                    .is_some_and(|i| !i.starts_with(meta.name))
                {
                    return Err(Error::Validation(format!(
                        "itype '{}' does not fit members of {}",
                        spec.itype.as_deref().unwrap_or_default(),
                        meta.name
                    )));
                }
                (
                    rm.records.clone(),
                    Some((link.table, link.host_column, link.value_column)),
                )
            }
        };
        let itype = match (&spec.itype, features.is_empty()) {
            (Some(i), false) if !i.starts_with("Feature") => {
                return Err(Error::Validation(format!(
                    "itype '{i}' does not fit the features: a schema of features has itype 'Feature'"
                )))
            }
            (Some(i), _) => Some(self.check_itype(i)?),
            (None, false) => Some("Feature".to_owned()),
            (None, true) => spec.records.as_ref().map(|r| r.registry.clone()),
        };
        let dtype = match &spec.dtype {
            Some(d) => Some(d.trim().to_owned()),
            None if itype.as_deref().is_some_and(|i| i.starts_with("Feature")) => None,
            None => Some("num".to_owned()),
        };
        let only_external = spec.slots.len() == 1
            && spec.slots[0].0 == "__external__"
            && features.is_empty()
            && itype.is_none();
        if !spec.slots.is_empty() && spec.otype.is_none() && !only_external {
            return Err(Error::Validation(
                "Please pass otype != None for composite schemas (e.g. otype \"AnnData\")".into(),
            ));
        }
        let mut slot_names = BTreeSet::new();
        let mut slots = Vec::with_capacity(spec.slots.len());
        for (slot, component) in &spec.slots {
            if slot.trim().is_empty() || !slot_names.insert(slot.as_str()) {
                return Err(Error::Validation(format!(
                    "slot names must be non-empty and distinct; '{slot}' is not"
                )));
            }
            let stored = self
                .inst
                .query::<Schema>()
                .branches(Branches::All)
                .filter(Q::new("id", component.id) & Q::new("uid", component.uid.as_str()))
                .first()?;
            let Some(stored) = stored else {
                return Err(Error::Validation(format!(
                    "schema for {slot} (uid {}) must be saved in this instance before use",
                    component.uid
                )));
            };
            // Python formats a missing hash (a schema type) as `None`.
            slots.push((
                slot.clone(),
                stored.id,
                stored.hash.unwrap_or_else(|| "None".into()),
            ));
        }
        if let Some(sfx) = &spec.suffix {
            if !is_canonical_suffix(sfx) {
                return Err(Error::Validation(format!(
                    "Invalid suffix '{sfx}'. Please pass a canonical suffix such as .csv, .parquet or .zarr: https://docs.lamin.ai/lamindb.base.types"
                )));
            }
        }
        if let Some(t) = spec.type_id {
            let parent = self
                .inst
                .query::<Schema>()
                .branches(Branches::All)
                .filter(Q::new("id", t))
                .first()?
                .ok_or_else(|| Error::NotFound(format!("no schema with id {t} to use as type")))?;
            if !parent.is_type {
                return Err(Error::Validation(format!(
                    "You can only assign a schema with `is_type=True` as `type` to another schema, but '{}' (uid {}) doesn't have it",
                    parent.name.as_deref().unwrap_or(""),
                    parent.uid
                )));
            }
        }
        let n_members = if !records.is_empty() {
            Some(records.len() as i32)
        } else if features.is_empty() {
            spec.n_members
        } else {
            Some(features.len() as i32)
        };
        let flexible_default = n_members.is_none();
        Ok(Definition {
            dtype,
            itype,
            minimal_set: spec.minimal_set,
            ordered_set: spec.ordered_set,
            maximal_set: spec.maximal_set,
            flexible: spec.flexible.unwrap_or(flexible_default),
            flexible_default,
            coerce: spec.coerce,
            suffix: spec.suffix.clone(),
            n_members,
            index_uid: spec.index.as_ref().map(|f| f.uid.clone()),
            members: features
                .iter()
                .map(|m| (m.feature.id, m.feature.uid.clone(), m.optional))
                .collect(),
            records,
            record_link,
            slots,
            is_type: spec.is_type,
        })
    }

    /// Members must be distinct features saved in this instance.
    fn check_features(&self, features: &[SchemaMember]) -> Result<()> {
        let mut seen = BTreeSet::new();
        for m in features {
            if !seen.insert(m.feature.id) {
                return Err(Error::Validation(format!(
                    "feature '{}' is listed twice (as index and member, or twice as member)",
                    m.feature.name
                )));
            }
        }
        if features.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = features.iter().map(|m| i64::from(m.feature.id)).collect();
        let stored: HashMap<i32, String> = Feature::load_by_ids(&mut self.inst.conn(), &ids)?
            .into_iter()
            .map(|f| (f.id, f.uid))
            .collect();
        for m in features {
            if stored.get(&m.feature.id) != Some(&m.feature.uid) {
                return Err(Error::Validation(format!(
                    "Can only create schema from validated features: feature '{}' (uid {}) is not saved in this instance",
                    m.feature.name, m.feature.uid
                )));
            }
        }
        Ok(())
    }

    /// An itype names a linked registry (`ULabel`, `bionty.Gene.symbol`) or a saved feature
    /// type (`Feature[<uid>]`).
    fn check_itype(&self, itype: &str) -> Result<String> {
        let itype = itype.trim();
        if let Some(uid) = itype
            .strip_prefix("Feature[")
            .and_then(|r| r.strip_suffix(']'))
        {
            let found = self
                .inst
                .query::<Feature>()
                .filter(Q::new("uid", uid) & Q::new("is_type", true))
                .exists()?;
            if !found {
                return Err(Error::Validation(format!(
                    "itype '{itype}' names no saved feature type; save the feature type first"
                )));
            }
            return Ok(itype.to_owned());
        }
        let parsed = crate::meta::Dtype::parse(&format!("cat[{itype}]"))
            .map_err(|e| Error::Validation(format!("invalid itype '{itype}': {e}")))?;
        for spec in parsed.cat_specs() {
            self.inst.catalog().registry(&spec.registry)?;
        }
        Ok(itype.to_owned())
    }
}

/// Stores a differing name, description or type on a found schema, as Python does.
fn update_descriptors(
    conn: &mut DbConnection,
    found: Schema,
    name: Option<&str>,
    spec: &NewSchema,
) -> Result<Schema> {
    let new_name = name.filter(|n| found.name.as_deref() != Some(*n));
    let new_desc = spec
        .description
        .as_deref()
        .filter(|d| found.description.as_deref() != Some(*d));
    let new_type = spec.type_id.filter(|t| found.type_id != Some(*t));
    if new_name.is_none() && new_desc.is_none() && new_type.is_none() {
        return Ok(found);
    }
    for (what, old, new) in [
        ("name", found.name.clone(), new_name.map(str::to_owned)),
        (
            "description",
            found.description.clone(),
            new_desc.map(str::to_owned),
        ),
        (
            "type_id",
            found.type_id.map(|t| t.to_string()),
            new_type.map(|t| t.to_string()),
        ),
    ] {
        if let Some(new) = new {
            tracing::info!(
                "updated {what} from {} to {new}",
                old.as_deref().unwrap_or("None")
            );
        }
    }
    diesel::update(s::table.find(found.id))
        .set((
            s::name.eq(new_name.map(str::to_owned).or(found.name.clone())),
            s::description.eq(new_desc.map(str::to_owned).or(found.description.clone())),
            s::type_id.eq(new_type.or(found.type_id)),
            s::updated_at.eq(UtcTime::now()),
        ))
        .execute(conn)?;
    load(conn, found.id)
}

/// Inserts a new schema with its member and slot links.
/// (On `branch` and in `space`, the current ones.)
#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut DbConnection,
    name: Option<String>,
    def: &Definition,
    hash: Option<String>,
    spec: &NewSchema,
    user_id: i32,
    run_id: Option<i64>,
    (branch, space): (i32, i16),
) -> Result<Schema> {
    let uid = hash
        .as_deref()
        .and_then(|h| KNOWN_SCHEMAS.iter().find(|(kh, _)| *kh == h))
        .map(|(_, u)| (*u).to_owned())
        .unwrap_or_else(|| uid::random(16));
    let now = UtcTime::now();
    let id = conn.write(|c| {
        let id: i32 = diesel::insert_into(s::table)
            .values((
                s::uid.eq(&uid),
                s::name.eq(&name),
                s::description.eq(&spec.description),
                s::n_members.eq(def.n_members),
                s::coerce.eq(def.coerce.then_some(true)),
                s::flexible.eq(Some(def.flexible)),
                s::itype.eq(&def.itype),
                s::otype.eq(&spec.otype),
                s::dtype_str.eq(&def.dtype),
                s::hash.eq(&hash),
                s::minimal_set.eq(def.minimal_set),
                s::ordered_set.eq(def.ordered_set),
                s::maximal_set.eq(def.maximal_set),
                s::suffix.eq(&def.suffix),
                s::is_type.eq(def.is_type),
                s::type_id.eq(spec.type_id),
                s::aux.eq(def.aux().map(JsonData)),
                s::is_locked.eq(false),
                s::branch_id.eq(branch),
                s::created_on_id.eq(branch),
                s::space_id.eq(space),
                s::created_by_id.eq(user_id),
                s::run_id.eq(run_id),
                s::created_at.eq(now),
                s::updated_at.eq(now),
            ))
            .returning(s::id)
            .get_result(c)?;
        write_members(c, id, def, user_id, run_id, now)?;
        Ok(id)
    })?;
    load(conn, id)
}

/// Python's answer to a known name with a new definition: the schema is redefined in place.
fn redefine(
    conn: &mut DbConnection,
    found: Schema,
    def: &Definition,
    hash: Option<String>,
    spec: &NewSchema,
    user_id: i32,
    run_id: Option<i64>,
) -> Result<Schema> {
    let used = uses(conn, &found)?;
    if used > 0 {
        return Err(Error::Conflict(format!(
            "schema '{}' (uid {}) has another definition and validates {used} dataset(s) or composite(s); redefining it would change what their validation meant: pass another name",
            found.name.as_deref().unwrap_or(""),
            found.uid
        )));
    }
    tracing::warn!(uid = %found.uid, "redefining schema '{}'", found.name.as_deref().unwrap_or(""));
    let now = UtcTime::now();
    conn.write(|c| {
        diesel::update(s::table.find(found.id))
            .set((
                s::description.eq(spec.description.clone().or(found.description.clone())),
                s::n_members.eq(def.n_members),
                s::coerce.eq(def.coerce.then_some(true)),
                s::flexible.eq(Some(def.flexible)),
                s::itype.eq(&def.itype),
                s::otype.eq(spec.otype.clone().or(found.otype.clone())),
                s::dtype_str.eq(&def.dtype),
                s::hash.eq(&hash),
                s::minimal_set.eq(def.minimal_set),
                s::ordered_set.eq(def.ordered_set),
                s::maximal_set.eq(def.maximal_set),
                s::suffix.eq(&def.suffix),
                s::aux.eq(def.aux().map(JsonData)),
                s::updated_at.eq(now),
            ))
            .execute(c)?;
        diesel::delete(sf::table.filter(sf::schema_id.eq(found.id))).execute(c)?;
        diesel::delete(sc::table.filter(sc::composite_id.eq(found.id))).execute(c)?;
        write_members(c, found.id, def, user_id, run_id, now)?;
        Ok(())
    })?;
    load(conn, found.id)
}

/// How many artifacts, collections and composites use `schema`.
fn uses(conn: &mut DbConnection, schema: &Schema) -> Result<i64> {
    use crate::db::schema::{
        lamindb_artifact as a, lamindb_artifactschema as asc, lamindb_collection as col,
    };
    let artifacts: i64 = a::table
        .filter(a::schema_id.eq(schema.id))
        .count()
        .get_result(conn)?;
    let slots: i64 = asc::table
        .filter(asc::schema_id.eq(schema.id))
        .count()
        .get_result(conn)?;
    let collections: i64 = col::table
        .filter(col::schema_id.eq(schema.id))
        .count()
        .get_result(conn)?;
    let composites: i64 = sc::table
        .filter(sc::component_id.eq(schema.id))
        .count()
        .get_result(conn)?;
    Ok(artifacts + slots + collections + composites)
}

/// The schema row `id`.
fn load(conn: &mut DbConnection, id: i32) -> Result<Schema> {
    Ok(s::table.find(id).select(Schema::as_select()).first(conn)?)
}

/// Writes the member links (in member order) and slot links of `def` for schema `id`.
fn write_members(
    conn: &mut DbConnection,
    id: i32,
    def: &Definition,
    user_id: i32,
    run_id: Option<i64>,
    now: UtcTime,
) -> Result<()> {
    // One statement per member: diesel's multi-row insert is not available on the
    // multi-backend connection, and schemas have few members.
    for (feature, _, _) in &def.members {
        diesel::insert_into(sf::table)
            .values((sf::schema_id.eq(id), sf::feature_id.eq(*feature)))
            .execute(conn)?;
    }
    if let Some((table, host_column, value_column)) = def.record_link {
        for (record, _) in &def.records {
            let mut sql = crate::db::rows::Sql::default();
            sql.push(&format!(
                "INSERT INTO \"{table}\" (\"{host_column}\", \"{value_column}\") VALUES ("
            ))
            .bind(crate::db::rows::Bind::Int(i64::from(id)))
            .push(", ")
            .bind(crate::db::rows::Bind::Int(*record))
            .push(")");
            sql.execute(conn)?;
        }
    }
    for (slot, component, _) in &def.slots {
        diesel::insert_into(sc::table)
            .values((
                sc::composite_id.eq(id),
                sc::component_id.eq(*component),
                sc::slot.eq(Some(slot)),
                sc::created_by_id.eq(user_id),
                sc::run_id.eq(run_id),
                sc::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(members: &[(&str, bool)]) -> Definition {
        Definition {
            dtype: None,
            itype: Some("Feature".into()),
            minimal_set: true,
            ordered_set: false,
            maximal_set: false,
            flexible: false,
            flexible_default: false,
            coerce: false,
            suffix: None,
            n_members: Some(members.len() as i32),
            index_uid: None,
            members: members
                .iter()
                .map(|(u, o)| (0, u.to_string(), *o))
                .collect(),
            records: Vec::new(),
            record_link: None,
            slots: Vec::new(),
            is_type: false,
        }
    }

    const X: &str = "AAAAAAAAAAAA";
    const Y: &str = "BBBBBBBBBBBB";

    // Vectors computed with Python LaminDB 2.12.1 (`ln.Schema(...).hash`) for features with
    // uids X and Y.
    #[test]
    fn hashes_match_python() {
        let h = |d: Definition| d.hash().unwrap();
        assert_eq!(h(def(&[(X, false), (Y, false)])), "cbI0hmtM_lF6sJ5Ff2lAxw");
        assert_eq!(h(def(&[(Y, false), (X, false)])), "cbI0hmtM_lF6sJ5Ff2lAxw");
        let ordered = |m: &[(&str, bool)]| Definition {
            ordered_set: true,
            ..def(m)
        };
        assert_eq!(
            h(ordered(&[(X, false), (Y, false)])),
            "wVKu9Vk3-HXX7ih_sFa9zw"
        );
        assert_eq!(
            h(ordered(&[(Y, false), (X, false)])),
            "OyY7X4BUXcePLmMDS7spFQ"
        );
        assert_eq!(h(def(&[(X, false)])), "WFM4JD2q-eS-wA9Ds2Wkjw");
        assert_eq!(h(def(&[(X, false), (Y, true)])), "EQqqSPM6h-PRLZMjdwOuLg");
        assert_eq!(
            h(Definition {
                index_uid: Some(X.into()),
                ..def(&[(X, false), (Y, false)])
            }),
            "aCl3mk8moctXCtn5QUCdOg"
        );
        assert_eq!(
            h(Definition {
                dtype: Some("num".into()),
                ..def(&[(X, false), (Y, false)])
            }),
            "-SSgHETOEWthe6Hm832TxA"
        );
    }

    #[test]
    fn hashes_of_member_less_schemas_match_python() {
        let bare = |itype: &str, dtype: Option<&str>| Definition {
            dtype: dtype.map(str::to_owned),
            itype: Some(itype.into()),
            flexible: true,
            flexible_default: true,
            n_members: None,
            ..def(&[])
        };
        // `Schema(itype=Feature)` is a known schema with a fixed uid.
        let feature = bare("Feature", None).hash().unwrap();
        assert_eq!(feature, "kMi7B_N88uu-YnbTLDU-DA");
        assert!(KNOWN_SCHEMAS
            .iter()
            .any(|(h, u)| *h == feature && *u == "0000000000000000"));
        assert_eq!(
            bare("ULabel", Some("num")).hash().unwrap(),
            "nD7tGEx2yGvydIJsRBIu9A"
        );
        assert_eq!(
            bare("Record", Some("num")).hash().unwrap(),
            "dBQeDSu8LCoUiItj-dTQlw"
        );
        assert_eq!(
            bare("bionty.Gene.ensembl_gene_id", Some("num"))
                .hash()
                .unwrap(),
            "1gocc_TJ1RU2bMwDRK-WUA"
        );
        // A flexible default that is overridden enters the hash.
        assert_eq!(
            Definition {
                flexible: false,
                ..bare("Feature", None)
            }
            .hash()
            .unwrap(),
            "izFgeVpC4dDMNTuscvY_MA"
        );
        assert_eq!(
            Definition {
                flexible: false,
                flexible_default: false,
                n_members: Some(5),
                ..bare("Feature", None)
            }
            .hash()
            .unwrap(),
            "mbM3ymjBP5ZxqQpkx7SCkA"
        );
        assert_eq!(
            Definition {
                is_type: true,
                ..bare("Feature", None)
            }
            .hash(),
            None
        );
    }

    #[test]
    fn aux_holds_optionals_and_index() {
        let d = Definition {
            index_uid: Some(X.into()),
            ..def(&[(X, false), (Y, true)])
        };
        assert_eq!(d.aux().unwrap(), json!({"af": {"1": [Y], "3": X}}));
        assert_eq!(def(&[(X, false)]).aux(), None);
    }

    #[test]
    fn canonical_suffixes() {
        assert!(is_canonical_suffix(".parquet"));
        assert!(is_canonical_suffix(".csv"));
        assert!(!is_canonical_suffix(".foo"));
        assert!(!is_canonical_suffix("parquet"));
    }
}
