//! The Feature registry: features with Python LaminDB's get-or-create by name and dtype.

use diesel::prelude::*;
use serde_json::Value as Json;

use crate::db::models::{Branch, Feature};
use crate::db::schema::lamindb_feature as f;
use crate::db::sql_types::{JsonData, UtcTime};
use crate::meta::{Dtype, RegistryMeta};
use crate::query::Q;
use crate::records::{lock_name, Created};
use crate::{util::uid, Error, Instance, Result};

/// What to create with [`Features::create`].
#[derive(Debug, Clone, Default)]
pub struct NewFeature {
    /// Name.
    pub name: String,
    /// Dtype string (`int`, `cat[ULabel]`, …); required unless `is_type`.
    pub dtype: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Synonyms.
    pub synonyms: Vec<String>,
    /// Whether values may be missing (default true).
    pub nullable: Option<bool>,
    /// Whether validation coerces values.
    pub coerce: Option<bool>,
    /// Default value.
    pub default_value: Option<Json>,
    /// Feature type this feature belongs to.
    pub type_id: Option<i32>,
    /// Whether this is a feature type.
    pub is_type: bool,
}

impl NewFeature {
    /// A feature called `name` with `dtype`.
    pub fn new(name: impl Into<String>, dtype: impl Into<String>) -> Self {
        NewFeature {
            name: name.into(),
            dtype: Some(dtype.into()),
            ..Default::default()
        }
    }
}

/// The Feature registry; get it with [`Instance::features`].
pub struct Features<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// The Feature registry.
    pub fn features(&self) -> Features<'_> {
        Features { inst: self }
    }
}

impl Features<'_> {
    /// The feature called `name`.
    pub fn get(&self, name: &str) -> Result<Feature> {
        self.inst
            .query::<Feature>()
            .filter(Q::new("name", name) & Q::new("is_type", false))
            .one_or_none()?
            .ok_or_else(|| Error::NoRecord {
                registry: "Feature".into(),
                name: name.to_owned(),
            })
    }

    /// The uid of the type record `reference` (a uid or a name) of `registry`.
    fn type_uid(&self, registry: &RegistryMeta, reference: &str) -> Result<String> {
        let types = self.inst.query_registry(registry.name)?;
        let by = |field: &str| -> Result<Vec<String>> {
            let rows = types
                .clone()
                .filter(Q::new(field, reference) & Q::new("is_type", true))
                .rows(&["uid"])?;
            Ok(rows.rows.iter().map(|r| r[0].display()).collect())
        };
        if !by("uid")?.is_empty() {
            return Ok(reference.to_owned());
        }
        let mut named = by("name")?;
        match named.len() {
            1 => Ok(named.remove(0)),
            0 => Err(Error::NoRecord {
                registry: format!("{} type", registry.name),
                name: reference.to_owned(),
            }),
            _ => Err(Error::Conflict(format!(
                "several {} types are named '{reference}'; write the type's uid",
                registry.name
            ))),
        }
    }

    /// Gets the feature with this name (and type) or creates it. An existing feature with
    /// another dtype is an error, as in Python LaminDB.
    pub fn create(&self, spec: NewFeature) -> Result<Created<Feature>> {
        let name = spec.name.trim();
        if name.is_empty() {
            return Err(Error::Validation("a feature needs a non-empty name".into()));
        }
        crate::meta::core::FEATURE.check_len("name", name)?;
        let dtype = match (&spec.dtype, spec.is_type) {
            (Some(d), _) => {
                let parsed = Dtype::parse(d)?;
                let mut text = d.trim().to_owned();
                for s in parsed.cat_specs() {
                    let registry = self.inst.catalog().registry(&s.registry)?;
                    // Stored under the registry's own name, as Python writes it
                    // (`cat[wetlab.Compound]` → `cat[pertdb.Compound]`).
                    if s.registry != registry.name {
                        text = text.replacen(&s.registry, registry.name, 1);
                    }
                    // `cat[Record[Sample]]` names the type as Python users write it; stored is
                    // its uid, the form validation matches.
                    if let (Some(r), Some(_)) = (s.type_uid(), registry.field("is_type")) {
                        let uid = self.type_uid(registry, r)?;
                        if uid != r {
                            text = text.replacen(
                                &format!("{}[{r}", s.registry),
                                &format!("{}[{uid}", s.registry),
                                1,
                            );
                        }
                    }
                }
                Some(text)
            }
            (None, true) => None,
            (None, false) => {
                return Err(Error::Validation(format!(
                    "feature '{name}' needs a dtype (int, float, str, bool, date, datetime, dict, cat[ULabel], …)"
                )))
            }
        };
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let now = UtcTime::now();
        let synonyms = (!spec.synonyms.is_empty()).then(|| spec.synonyms.join("|"));
        let nullable = spec.nullable.or((!spec.is_type).then_some(true));
        let mut conn = self.inst.conn();
        // Parallel creates of one name wait for each other and find the first one's row.
        let (id, created) = conn.write(|c| {
            lock_name(c, crate::meta::core::FEATURE.table, spec.type_id, name)?;
            let mut q = f::table
                .filter(f::name.eq(name))
                .filter(f::branch_id.eq_any([Branch::Main.id(), self.inst.branch_id()]))
                .into_boxed();
            q = match spec.type_id {
                Some(t) => q.filter(f::type_id.eq(t)),
                None => q.filter(f::type_id.is_null()),
            };
            let existing: Option<Feature> = q
                .select(Feature::as_select())
                .order(f::id)
                .first(c)
                .optional()?;
            if let Some(existing) = existing {
                if existing.dtype != dtype {
                    return Err(Error::Validation(format!(
                        "Feature {name} already exists with dtype {}, you passed {}",
                        existing.dtype.as_deref().unwrap_or("none"),
                        dtype.as_deref().unwrap_or("none")
                    )));
                }
                return Ok((existing.id, false));
            }
            let id: i32 = diesel::insert_into(f::table)
                .values((
                    f::uid.eq(uid::random(12)),
                    f::name.eq(name),
                    f::dtype_str.eq(&dtype),
                    f::unit.eq(&spec.unit),
                    f::description.eq(&spec.description),
                    f::synonyms.eq(&synonyms),
                    f::nullable.eq(nullable),
                    f::coerce.eq(spec.coerce),
                    f::default_value.eq(spec.default_value.clone().map(JsonData)),
                    f::is_type.eq(spec.is_type),
                    f::type_id.eq(spec.type_id),
                    f::array_rank.eq(0i16),
                    f::array_size.eq(0),
                    f::is_locked.eq(false),
                    f::branch_id.eq(self.inst.branch_id()),
                    f::created_on_id.eq(self.inst.branch_id()),
                    f::space_id.eq(self.inst.space_id()),
                    f::created_by_id.eq(user_id),
                    f::run_id.eq(run_id),
                    f::created_at.eq(now),
                    f::updated_at.eq(now),
                ))
                .returning(f::id)
                .get_result(c)?;
            Ok((id, true))
        })?;
        if !created {
            tracing::info!("returning feature with same name: '{name}'");
        }
        let record = f::table
            .find(id)
            .select(Feature::as_select())
            .first(&mut *conn)?;
        Ok(Created { record, created })
    }
}
