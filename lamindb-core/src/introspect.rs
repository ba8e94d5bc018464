//! Reading the database catalog, for code that must cover tables of every module.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::db::{DbConnection, Dialect};
use crate::Result;

/// A column that references another table's `id`.
#[derive(Debug, Clone, QueryableByName)]
pub struct Reference {
    /// Referencing table.
    #[diesel(sql_type = Text)]
    pub table: String,
    /// Referencing column.
    #[diesel(sql_type = Text)]
    pub column: String,
    /// Whether the column may be NULL.
    #[diesel(sql_type = Bool)]
    pub nullable: bool,
}

/// Every column in the database that references `target`.
pub fn references_to(conn: &mut DbConnection, target: &str) -> Result<Vec<Reference>> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT m.name AS \"table\", f.\"from\" AS \"column\", \
                    (i.\"notnull\" = 0) AS nullable \
             FROM sqlite_master m \
             JOIN pragma_foreign_key_list(m.name) f \
             JOIN pragma_table_info(m.name) i ON i.name = f.\"from\" \
             WHERE m.type = 'table' AND f.\"table\" = $1 \
             ORDER BY 1, 2"
        }
        Dialect::Postgres => {
            "SELECT cl.relname::text AS \"table\", att.attname::text AS \"column\", \
                    (NOT att.attnotnull) AS nullable \
             FROM pg_constraint con \
             JOIN pg_class cl ON cl.oid = con.conrelid \
             JOIN pg_class ref ON ref.oid = con.confrelid \
             JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey) \
             JOIN pg_namespace ns ON ns.oid = cl.relnamespace \
             WHERE con.contype = 'f' AND ref.relname = $1 AND ns.nspname = current_schema() \
             ORDER BY 1, 2"
        }
    };
    Ok(diesel::sql_query(sql).bind::<Text, _>(target).load(conn)?)
}
