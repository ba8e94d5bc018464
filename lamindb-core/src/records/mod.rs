//! Registries as typed records: artifacts (with their storage life cycle), labels, features,
//! schemas, transforms and runs. Each file is one registry family; they share the link writer,
//! the get-or-create lock and result type defined here.

use crate::db::DbConnection;

pub mod artifact;
pub mod blocks;
pub mod branches;
pub mod collections;
pub mod features;
pub mod generic;
pub mod labels;
pub(crate) mod links;
pub mod notes;
pub mod runs;
pub mod schemas;
pub mod transfer;

/// Takes the lock that serialises get-or-create of the record called `name` (of type
/// `type_id`) in `table` until the transaction ends (see [`DbConnection::lock`]).
pub(crate) fn lock_name(
    conn: &mut DbConnection,
    table: &str,
    type_id: Option<i32>,
    name: &str,
) -> crate::Result<()> {
    let type_key = type_id.map_or_else(String::new, |t| t.to_string());
    conn.lock(table, &format!("{type_key}/{name}"))
}

/// A record returned by a create call, and whether it is new.
#[derive(Debug, Clone)]
pub struct Created<M> {
    /// The record.
    pub record: M,
    /// `false` when a record with the same name and type existed.
    pub created: bool,
}
