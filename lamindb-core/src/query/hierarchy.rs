//! Hierarchies: ancestors and descendants of a record through its registry's `parents` link
//! (ULabels, Records, Projects, bionty's ontology terms), with one recursive SQL query rather
//! than a query per node.

use serde::Serialize;

use crate::db::rows::{Bind, Cell, Sql};
use crate::meta::{RegistryMeta, Via};
use crate::{Error, Instance, Result};

/// Which way to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Towards the roots (`parents`).
    Up,
    /// Towards the leaves (`children`).
    Down,
}

/// One edge of a hierarchy, by record id: `child` has `parent` among its parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// The child's id.
    pub child: i64,
    /// The parent's id.
    pub parent: i64,
}

/// Records reached from a start record, each at its shortest distance, with the edges walked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reached {
    /// `(id, distance)`, nearest first, then by id.
    pub nodes: Vec<(i64, i64)>,
    /// Edges between the start record and the records reached.
    pub edges: Vec<Edge>,
}

impl Instance {
    /// The records above (`Up`) or below (`Down`) record `id` of `meta`, at most `depth` links
    /// away (`None`: all).
    pub fn hierarchy(
        &self,
        meta: &'static RegistryMeta,
        id: i64,
        walk: Walk,
        depth: Option<u32>,
    ) -> Result<Reached> {
        let rel = self
            .catalog()
            .relation(meta, "parents")
            .ok_or_else(|| Error::Validation(format!("{} records have no parents", meta.name)))?;
        let Via::Link {
            link,
            source,
            target,
        } = rel.via
        else {
            return Err(Error::Validation(format!(
                "{} records have no parents",
                meta.name
            )));
        };
        // child → parent columns; walking down swaps them.
        let (from, to) = match walk {
            Walk::Up => (source, target),
            Walk::Down => (target, source),
        };
        let limit = i64::from(depth.unwrap_or(u32::MAX / 2));
        let mut sql = Sql::default();
        sql.push(&format!(
            "WITH RECURSIVE walk(node, dist) AS (SELECT \"{to}\", 1 FROM \"{t}\" WHERE \"{from}\" = ",
            t = link.table
        ))
        .bind(Bind::Int(id))
        .push(&format!(
            " UNION SELECT l.\"{to}\", w.dist + 1 FROM \"{t}\" l JOIN walk w ON l.\"{from}\" = w.node WHERE w.dist < ",
            t = link.table
        ))
        .bind(Bind::Int(limit))
        .push(") SELECT CAST(node AS BIGINT) AS i0, CAST(MIN(dist) AS BIGINT) AS i1 FROM walk GROUP BY node ORDER BY 2, 1");
        let mut conn = self.conn();
        let nodes: Vec<(i64, i64)> = sql
            .load(&mut conn)?
            .into_iter()
            .filter_map(|r| Some((r.0[0].as_i64()?, r.0[1].as_i64()?)))
            .filter(|(n, _)| *n != id)
            .collect();
        let mut ids: Vec<i64> = nodes.iter().map(|(n, _)| *n).collect();
        ids.push(id);
        let mut sql = Sql::default();
        sql.push(&format!(
            "SELECT CAST(\"{source}\" AS BIGINT) AS i0, CAST(\"{target}\" AS BIGINT) AS i1 FROM \"{}\" WHERE ",
            link.table
        ))
        .in_ids(conn.dialect(), &format!("\"{source}\""), &ids)
        .push(" AND ")
        .in_ids(conn.dialect(), &format!("\"{target}\""), &ids)
        .push(" ORDER BY 1, 2");
        let edges = sql
            .load(&mut conn)?
            .into_iter()
            .filter_map(|r| match (&r.0[0], &r.0[1]) {
                (Cell::Int(c), Cell::Int(p)) => Some(Edge {
                    child: *c,
                    parent: *p,
                }),
                _ => None,
            })
            .collect();
        Ok(Reached { nodes, edges })
    }
}
