//! The Feature registry: features with Python LaminDB's get-or-create by name and dtype.

use diesel::prelude::*;
use serde_json::Value as Json;

use crate::db::models::{Branch, Feature};
use crate::db::sql_types::UtcTime;
use crate::meta::Dtype;
use crate::query::Q;
use crate::records::Created;
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
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no feature named '{name}'; create it with `lamin create feature {name} --dtype <dtype>`"
                ))
            })
    }

    /// Gets the feature with this name (and type) or creates it. An existing feature with
    /// another dtype is an error, as in Python LaminDB.
    pub fn create(&self, spec: NewFeature) -> Result<Created<Feature>> {
        let name = spec.name.trim();
        if name.is_empty() {
            return Err(Error::Validation("a feature needs a non-empty name".into()));
        }
        let dtype = match (&spec.dtype, spec.is_type) {
            (Some(d), _) => {
                let parsed = Dtype::parse(d)?;
                for s in parsed.cat_specs() {
                    self.inst.catalog().registry(&s.registry)?;
                }
                Some(d.trim().to_owned())
            }
            (None, true) => None,
            (None, false) => {
                return Err(Error::Validation(format!(
                    "feature '{name}' needs a dtype (int, float, str, bool, date, datetime, dict, cat[ULabel], …)"
                )))
            }
        };
        let existing = self
            .inst
            .query::<Feature>()
            .filter(Q::new("name", name) & Q::new("type_id", spec.type_id))
            .first()?;
        if let Some(f) = existing {
            if f.dtype != dtype {
                return Err(Error::Validation(format!(
                    "Feature {name} already exists with dtype {}, you passed {}",
                    f.dtype.as_deref().unwrap_or("none"),
                    dtype.as_deref().unwrap_or("none")
                )));
            }
            tracing::info!("returning feature with same name: '{name}'");
            return Ok(Created {
                record: f,
                created: false,
            });
        }
        let run_id = self.inst.current_run()?.map(|r| r.id);
        let user_id = self.inst.user().id;
        let now = UtcTime::now();
        let synonyms = (!spec.synonyms.is_empty()).then(|| spec.synonyms.join("|"));
        let nullable = spec.nullable.or((!spec.is_type).then_some(true));
        let mut conn = self.inst.conn();
        let id: i32 = diesel::insert_into(crate::db::schema::lamindb_feature::table)
            .values((
                crate::db::schema::lamindb_feature::uid.eq(uid::random(12)),
                crate::db::schema::lamindb_feature::name.eq(name),
                crate::db::schema::lamindb_feature::dtype_str.eq(&dtype),
                crate::db::schema::lamindb_feature::unit.eq(&spec.unit),
                crate::db::schema::lamindb_feature::description.eq(&spec.description),
                crate::db::schema::lamindb_feature::synonyms.eq(&synonyms),
                crate::db::schema::lamindb_feature::nullable.eq(nullable),
                crate::db::schema::lamindb_feature::coerce.eq(spec.coerce),
                crate::db::schema::lamindb_feature::default_value.eq(spec
                    .default_value
                    .clone()
                    .map(crate::db::sql_types::JsonData)),
                crate::db::schema::lamindb_feature::is_type.eq(spec.is_type),
                crate::db::schema::lamindb_feature::type_id.eq(spec.type_id),
                crate::db::schema::lamindb_feature::array_rank.eq(0i16),
                crate::db::schema::lamindb_feature::array_size.eq(0),
                crate::db::schema::lamindb_feature::is_locked.eq(false),
                crate::db::schema::lamindb_feature::branch_id.eq(Branch::Main.id()),
                crate::db::schema::lamindb_feature::created_on_id.eq(Branch::Main.id()),
                crate::db::schema::lamindb_feature::space_id.eq(1i16),
                crate::db::schema::lamindb_feature::created_by_id.eq(user_id),
                crate::db::schema::lamindb_feature::run_id.eq(run_id),
                crate::db::schema::lamindb_feature::created_at.eq(now),
                crate::db::schema::lamindb_feature::updated_at.eq(now),
            ))
            .returning(crate::db::schema::lamindb_feature::id)
            .get_result(&mut *conn)?;
        let record = crate::db::schema::lamindb_feature::table
            .find(id)
            .select(Feature::as_select())
            .first(&mut *conn)?;
        Ok(Created {
            record,
            created: true,
        })
    }
}
