//! Features as filters see them: name, id and parsed dtype.

use std::collections::BTreeMap;

use crate::db::rows::{Bind, Sql};
use crate::db::DbConnection;
use crate::meta::{core, Dtype};
use crate::{Error, Result};

/// A feature as filters and annotation need it.
#[derive(Debug, Clone)]
pub(crate) struct FeatureInfo {
    pub id: i64,
    pub name: String,
    pub dtype_str: String,
    pub dtype: Dtype,
}

impl FeatureInfo {
    /// The non-type feature called `name` on the main branch.
    pub fn by_name(conn: &mut DbConnection, name: &str) -> Result<Option<FeatureInfo>> {
        let mut found = Self::by_names(conn, &[name])?;
        Ok(found.remove(name))
    }

    /// The non-type features with these names; an error when a name is ambiguous.
    pub fn by_names(
        conn: &mut DbConnection,
        names: &[&str],
    ) -> Result<BTreeMap<String, FeatureInfo>> {
        let mut out = BTreeMap::new();
        if names.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::default();
        sql.push(&format!("SELECT CAST(\"id\" AS BIGINT) AS i0, \"name\" AS t1, \"_dtype_str\" AS t2 FROM \"{}\" WHERE \"is_type\" = FALSE AND \"branch_id\" = 1 AND \"name\" IN (", core::FEATURE.table));
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Bind::Text((*n).to_owned()));
        }
        sql.push(") ORDER BY \"id\"");
        for row in sql.load(conn)? {
            let name = row.0[1].as_str().unwrap_or_default().to_owned();
            let dtype_str = row.0[2].as_str().unwrap_or("object").to_owned();
            if out.contains_key(&name) {
                return Err(Error::Conflict(format!(
                    "several features are named '{name}'; rename one or use feature ids"
                )));
            }
            out.insert(
                name.clone(),
                FeatureInfo {
                    id: row.0[0].as_i64().unwrap_or_default(),
                    dtype: Dtype::parse(&dtype_str)?,
                    name,
                    dtype_str,
                },
            );
        }
        Ok(out)
    }
}
