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

/// Removes what references row `id` of `target` before the row is deleted, in every table of
/// every module: rows that must reference it (link tables) are deleted, nullable references
/// (a run's report, an artifact's run) are cleared.
pub fn unlink_references(conn: &mut DbConnection, target: &str, id: i64) -> Result<()> {
    for r in references_to(conn, target)? {
        let sql = if r.nullable {
            format!(
                "UPDATE \"{}\" SET \"{}\" = NULL WHERE \"{}\" = $1",
                r.table, r.column, r.column
            )
        } else {
            format!("DELETE FROM \"{}\" WHERE \"{}\" = $1", r.table, r.column)
        };
        diesel::sql_query(sql)
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(())
}

/// A column of a table, as the database catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Column {
    /// Column name.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Whether the column may be NULL.
    #[diesel(sql_type = Bool)]
    pub nullable: bool,
    /// The table whose `id` the column references, if it is a foreign key.
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub references: Option<String>,
    /// The declared type, lower case (`integer`, `varchar(20)`, `jsonb`, `timestamp with time
    /// zone`, …).
    #[diesel(sql_type = Text)]
    pub data_type: String,
}

/// The columns of `table`, in definition order (empty when the table does not exist).
pub fn columns(conn: &mut DbConnection, table: &str) -> Result<Vec<Column>> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT i.name AS name, (i.\"notnull\" = 0 AND i.pk = 0) AS nullable, \
                    (SELECT f.\"table\" FROM pragma_foreign_key_list($1) f WHERE f.\"from\" = i.name) AS \"references\", \
                    LOWER(i.type) AS data_type \
             FROM pragma_table_info($1) i ORDER BY i.cid"
        }
        Dialect::Postgres => {
            "SELECT c.column_name::text AS name, (c.is_nullable = 'YES') AS nullable, \
                    (SELECT ref.relname::text FROM pg_constraint con \
                       JOIN pg_class cl ON cl.oid = con.conrelid \
                       JOIN pg_class ref ON ref.oid = con.confrelid \
                       JOIN pg_namespace ns ON ns.oid = cl.relnamespace \
                       JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey) \
                     WHERE con.contype = 'f' AND cl.relname = c.table_name AND ns.nspname = c.table_schema \
                       AND att.attname = c.column_name LIMIT 1) AS \"references\", \
                    LOWER(c.data_type::text) AS data_type \
             FROM information_schema.columns c \
             WHERE c.table_schema = current_schema() AND c.table_name = $1 \
             ORDER BY c.ordinal_position"
        }
    };
    Ok(diesel::sql_query(sql).bind::<Text, _>(table).load(conn)?)
}
