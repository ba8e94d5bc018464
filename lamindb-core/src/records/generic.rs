//! Records of any registry (a module's included) created from a name and field values, for
//! registries without a dedicated API.

use crate::db::rows::{Bind, Sql};
use crate::meta::FieldType;
use crate::records::lock_name;
use crate::util::uid;
use crate::{Error, Instance, Result};

/// What [`Instance::create_record`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CreatedRecord {
    /// Id.
    pub id: i64,
    /// uid.
    pub uid: String,
    /// Whether the record is new.
    pub created: bool,
}

impl Instance {
    /// Creates a record of `registry` named `name`, with other `fields` given as text (converted
    /// to each field's type), or returns the existing one: the record with `uid` when one is
    /// given (registries whose uids are derived from their content), else the record with this
    /// name. Unknown or unsettable fields and over-long values are errors naming the registry's
    /// fields or limit; nothing is written then.
    pub fn create_record(
        &self,
        registry: &str,
        name: &str,
        fields: &[(String, String)],
        given_uid: Option<String>,
    ) -> Result<CreatedRecord> {
        let meta = self.catalog().registry(registry)?;
        let name_field = meta.name_field.ok_or_else(|| {
            Error::Validation(format!("{} records have no name field", meta.name))
        })?;
        if name.trim().is_empty() {
            return Err(Error::Validation(format!(
                "a {} record needs a name",
                meta.name
            )));
        }
        meta.check_len(name_field, name)?;
        let mut values = Vec::with_capacity(fields.len());
        for (field, value) in fields {
            let settable = !matches!(field.as_str(), "id" | "uid" | "created_by_id" | "run_id")
                && field != name_field;
            let f = meta.field(field).filter(|_| settable).ok_or_else(|| {
                Error::Validation(format!(
                    "{} has no settable field '{field}'; fields: {}",
                    meta.name,
                    meta.field_names()
                ))
            })?;
            let bad = |what: &str| {
                Error::Validation(format!(
                    "{} {field} must be {what}, not '{value}'",
                    meta.name
                ))
            };
            let bind = match f.field_type {
                FieldType::Int | FieldType::ForeignKey(_) => {
                    Bind::Int(value.trim().parse().map_err(|_| bad("an integer"))?)
                }
                FieldType::Float => Bind::Float(value.trim().parse().map_err(|_| bad("a number"))?),
                FieldType::Bool => Bind::Bool(match value.trim() {
                    "true" | "True" | "1" => true,
                    "false" | "False" | "0" => false,
                    _ => return Err(bad("true or false")),
                }),
                _ => {
                    meta.check_len(field, value)?;
                    Bind::Text(value.clone())
                }
            };
            values.push((f.name, bind));
        }
        let uid_len = meta.uid_len.unwrap_or(16);
        let user = self.user().id;
        let run = self.current_run()?.map(|r| r.id);
        let (branch, space) = (self.branch_id(), self.space_id());
        let table = meta.table;
        let mut conn = self.conn();
        conn.write(|c| {
            let find = |c: &mut crate::db::DbConnection,
                        col: &str,
                        v: &str|
             -> Result<Option<(i64, String)>> {
                let mut q = Sql::default();
                q.push(&format!(
                    "SELECT CAST(id AS BIGINT) AS i0, uid AS t1 FROM \"{table}\" WHERE \"{col}\" = "
                ))
                .bind(Bind::Text(v.to_owned()))
                .push(" ORDER BY id LIMIT 1");
                Ok(q.load(c)?.first().map(|r| {
                    (
                        r.0[0].as_i64().unwrap_or_default(),
                        r.0[1].as_str().unwrap_or_default().to_owned(),
                    )
                }))
            };
            let existing = match &given_uid {
                Some(u) => find(c, "uid", u)?,
                None => {
                    // Parallel creates of one name wait for each other and find the first one.
                    lock_name(c, table, None, name)?;
                    find(c, name_field, name)?
                }
            };
            if let Some((id, uid)) = existing {
                return Ok(CreatedRecord {
                    id,
                    uid,
                    created: false,
                });
            }
            let uid = given_uid.clone().unwrap_or_else(|| uid::random(uid_len));
            let mut sql = Sql::default();
            sql.push(&format!("INSERT INTO \"{table}\" (uid, \"{name_field}\""));
            let mut binds = vec![Bind::Text(uid.clone()), Bind::Text(name.to_owned())];
            // New records go to the current branch and space.
            for (col, bind) in [
                ("created_by_id", Some(Bind::Int(user.into()))),
                ("run_id", run.map(Bind::Int)),
                ("branch_id", Some(Bind::Int(branch.into()))),
                ("created_on_id", Some(Bind::Int(branch.into()))),
                ("space_id", Some(Bind::Int(space.into()))),
            ] {
                if let (Some(b), Some(_)) = (bind, meta.field(col)) {
                    sql.push(&format!(", \"{col}\""));
                    binds.push(b);
                }
            }
            for (col, b) in &values {
                sql.push(&format!(", \"{col}\""));
                binds.push(b.clone());
            }
            sql.push(") VALUES (");
            for (i, b) in binds.into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(b);
            }
            sql.push(")");
            sql.execute(c)?;
            let (id, uid) = find(c, "uid", &uid)?
                .ok_or_else(|| Error::Conflict(format!("the new {} record vanished", meta.name)))?;
            Ok(CreatedRecord {
                id,
                uid,
                created: true,
            })
        })
    }
}

impl Instance {
    /// The text field `field` of row `id` of `registry` (a declared text field).
    pub fn get_field(
        &self,
        registry: &crate::meta::RegistryMeta,
        id: i64,
        field: &str,
    ) -> Result<Option<String>> {
        let column = text_field(registry, field)?;
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT \"{column}\" AS t0 FROM \"{}\" WHERE id = ",
            registry.table
        ))
        .bind(Bind::Int(id));
        let rows = q.load(&mut self.conn())?;
        let row = rows
            .first()
            .ok_or_else(|| Error::NotFound(format!("{} {id} does not exist", registry.name)))?;
        Ok(row.0[0].as_str().map(str::to_owned))
    }

    /// Sets the text field `field` of row `id` of `registry` (a declared text field; its length
    /// limit is checked).
    pub fn set_field(
        &self,
        registry: &crate::meta::RegistryMeta,
        id: i64,
        field: &str,
        value: &str,
    ) -> Result<()> {
        let column = text_field(registry, field)?;
        if let Some(max) = registry
            .fields
            .iter()
            .find(|f| f.name == column)
            .and_then(|f| f.max_len)
            .filter(|max| value.chars().count() > *max)
        {
            return Err(Error::Validation(format!(
                "{}.{column} holds at most {max} characters; the value has {}",
                registry.name,
                value.chars().count()
            )));
        }
        let mut u = Sql::default();
        u.push(&format!(
            "UPDATE \"{}\" SET \"{column}\" = ",
            registry.table
        ))
        .bind(Bind::Text(value.to_owned()))
        .push(" WHERE id = ")
        .bind(Bind::Int(id));
        if u.execute(&mut self.conn())? == 0 {
            return Err(Error::NotFound(format!(
                "{} {id} does not exist",
                registry.name
            )));
        }
        Ok(())
    }
}

/// The column of text field `field` of `registry`, or an error naming its text fields.
fn text_field(registry: &crate::meta::RegistryMeta, field: &str) -> Result<&'static str> {
    registry
        .fields
        .iter()
        .find(|f| f.name == field && matches!(f.field_type, FieldType::Text))
        .map(|f| f.name)
        .ok_or_else(|| {
            Error::Validation(format!(
                "{} has no text field '{field}'; its text fields: {}",
                registry.name,
                registry
                    .fields
                    .iter()
                    .filter(|f| matches!(f.field_type, FieldType::Text))
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

impl Instance {
    /// Moves row `id` of `registry` to the trash (branch -1), as Python's `record.delete()`.
    pub fn trash_record(&self, registry: &crate::meta::RegistryMeta, id: i64) -> Result<()> {
        if !registry.has_branches() {
            return Err(Error::Unsupported(format!(
                "{} records have no trash; delete them permanently",
                registry.name
            )));
        }
        let mut u = Sql::default();
        u.push(&format!(
            "UPDATE \"{}\" SET branch_id = -1 WHERE id = ",
            registry.table
        ))
        .bind(Bind::Int(id));
        if u.execute(&mut self.conn())? == 0 {
            return Err(Error::NotFound(format!(
                "{} {id} does not exist",
                registry.name
            )));
        }
        Ok(())
    }

    /// Deletes row `id` of `registry` for good, in one transaction: rows that must reference
    /// it (link tables, its readme and comments) go with it, nullable references to it are
    /// cleared — Django's cascade, table by table, for every module.
    pub fn delete_record(&self, registry: &crate::meta::RegistryMeta, id: i64) -> Result<()> {
        let mut conn = self.conn();
        conn.write(|c| {
            crate::db::introspect::unlink_references(c, registry.table, id)?;
            let mut d = Sql::default();
            d.push(&format!("DELETE FROM \"{}\" WHERE id = ", registry.table))
                .bind(Bind::Int(id));
            if d.execute(c)? == 0 {
                return Err(Error::NotFound(format!(
                    "{} {id} does not exist",
                    registry.name
                )));
            }
            Ok(())
        })
    }
}
