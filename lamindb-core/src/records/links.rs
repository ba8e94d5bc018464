//! Writing rows of link tables, as the registry descriptions lay them out.

use crate::db::rows::{Bind, Sql};
use crate::db::sql_types::UtcTime;
use crate::db::DbConnection;
use crate::meta::{FeatureColumn, LinkMeta};
use crate::Result;

/// Inserts a link row unless the same (host, label, feature) link exists.
pub(crate) fn insert_link(
    conn: &mut DbConnection,
    link: &LinkMeta,
    host_id: i64,
    label_id: i64,
    feature_id: Option<i64>,
    user_id: i32,
    run_id: Option<i64>,
) -> Result<()> {
    let has_feature = link.feature != FeatureColumn::Absent;
    let mut cols = vec![link.host_column, link.value_column];
    if has_feature {
        cols.push("feature_id");
    }
    if link.tracks.created_at {
        cols.push("created_at");
    }
    if link.tracks.created_by {
        cols.push("created_by_id");
    }
    if link.tracks.run {
        cols.push("run_id");
    }
    let mut sql = Sql::default();
    sql.push(&format!(
        "INSERT INTO \"{}\" ({}) SELECT ",
        link.table,
        cols.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    sql.bind(Bind::Int(host_id))
        .push(", ")
        .bind(Bind::Int(label_id));
    if has_feature {
        sql.push(", ").bind_opt(feature_id.map(Bind::Int));
    }
    if link.tracks.created_at {
        sql.push(", ").bind_time(conn.dialect(), UtcTime::now());
    }
    if link.tracks.created_by {
        sql.push(", ").bind(Bind::Int(user_id.into()));
    }
    if link.tracks.run {
        sql.push(", ").bind_opt(run_id.map(Bind::Int));
    }
    sql.push(&format!(
        " WHERE NOT EXISTS (SELECT 1 FROM \"{}\" WHERE \"{}\" = ",
        link.table, link.host_column
    ));
    sql.bind(Bind::Int(host_id));
    sql.push(&format!(" AND \"{}\" = ", link.value_column))
        .bind(Bind::Int(label_id));
    if has_feature {
        match feature_id {
            Some(f) => sql.push(" AND \"feature_id\" = ").bind(Bind::Int(f)),
            None => sql.push(" AND \"feature_id\" IS NULL"),
        };
    }
    sql.push(")");
    sql.execute(conn)?;
    Ok(())
}
