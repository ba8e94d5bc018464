//! Lineage graphs: which runs made an artifact from which inputs (upstream) and what was made
//! from it (downstream), as Python LaminDB's `view_lineage` draws them.
//!
//! The walk is one recursive SQL query per direction, whatever the graph's size. Nodes are
//! artifacts, collections and runs; edges go from an input to the run that read it and from a
//! run to the artifacts and collections it created. Trashed records, environments and reports
//! are not drawn.

pub mod openlineage;
pub mod source;
pub mod track;

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use serde::Serialize;
use serde_json::{json, Value};

use crate::db::models::Branch;
use crate::db::models::{Artifact, Collection, Run, Transform};
use crate::db::schema::{
    lamindb_artifact as a, lamindb_collection as c, lamindb_run as r, lamindb_transform as t,
};
use crate::instance::Instance;
use crate::records::runs::RunStatus;
use crate::{Error, Result};

/// Which way to walk from the focal artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Runs and inputs that led to the artifact.
    Upstream,
    /// Runs that read the artifact and what they made.
    Downstream,
    /// Both.
    Both,
}

/// A node of a lineage graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// `artifact_<uid>`, `collection_<uid>` or `run_<uid>`, as Python LaminDB names graph nodes.
    pub id: String,
    /// `artifact`, `collection` or `run`.
    pub kind: &'static str,
    /// The record's uid.
    pub uid: String,
    /// What to show: an artifact's key (or description, or uid); a run's transform key and
    /// entrypoint.
    pub label: String,
    /// For runs: start time; for artifacts: creation time.
    pub time: String,
    /// For runs: the status name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// For runs: the transform uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transform_uid: Option<String>,
}

/// A lineage graph around one artifact or collection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineageGraph {
    /// The id of the focal node.
    pub focus: String,
    /// Nodes, artifacts first, each group in creation order.
    pub nodes: Vec<Node>,
    /// `(from, to)` node ids, in data-flow direction, sorted.
    pub edges: Vec<(String, String)>,
}

#[derive(QueryableByName)]
struct EdgeRow {
    #[diesel(sql_type = Text)]
    node_k: String,
    #[diesel(sql_type = BigInt)]
    node_id: i64,
    #[diesel(sql_type = Text)]
    prev_k: String,
    #[diesel(sql_type = BigInt)]
    prev_id: i64,
}

// Walk state: (node kind, node id, the node it was reached from, depth). Nodes are artifacts
// ('a'), collections ('c') and runs ('r'). The recursive term has a single reference to `walk`
// on the preserved side of LEFT JOINs, which both SQLite and Postgres allow, and each join is
// driven by an index. A run leads to artifacts and to collections: a two-row constant (`kinds`)
// gives each walk row one branch per kind, so the two link tables are never joined with each
// other (no cross product) and no table is materialised. Upstream: artifact or collection → its
// creating run → the run's input artifacts and collections → …
const KINDS: &str = "(SELECT CAST('a' AS TEXT) AS t UNION ALL SELECT CAST('c' AS TEXT))";

const UPSTREAM_STEP: &str = "
    SELECT CAST(CASE WHEN w.k = 'r' THEN kinds.t ELSE 'r' END AS TEXT),
           CAST(COALESCE(art.run_id, col.run_id, inp.artifact_id, cinp.collection_id) AS BIGINT),
           w.k, w.id {depth_next}
    FROM walk w
    CROSS JOIN {kinds} kinds
    LEFT JOIN lamindb_artifact art ON w.k = 'a' AND kinds.t = 'a' AND art.id = w.id
    LEFT JOIN lamindb_collection col ON w.k = 'c' AND kinds.t = 'a' AND col.id = w.id
    LEFT JOIN lamindb_artifact_input_of_runs inp
        ON w.k = 'r' AND kinds.t = 'a' AND inp.run_id = w.id
    LEFT JOIN lamindb_collection_input_of_runs cinp
        ON w.k = 'r' AND kinds.t = 'c' AND cinp.run_id = w.id
    WHERE COALESCE(art.run_id, col.run_id, inp.artifact_id, cinp.collection_id) IS NOT NULL
        {depth_cond}";

// Downstream: artifact or collection → runs that read it → the artifacts and collections they
// made → …
const DOWNSTREAM_STEP: &str = "
    SELECT CAST(CASE WHEN w.k = 'r' THEN kinds.t ELSE 'r' END AS TEXT),
           CAST(COALESCE(inp.run_id, cinp.run_id, art.id, col.id) AS BIGINT), w.k, w.id
           {depth_next}
    FROM walk w
    CROSS JOIN {kinds} kinds
    LEFT JOIN lamindb_artifact_input_of_runs inp
        ON w.k = 'a' AND kinds.t = 'a' AND inp.artifact_id = w.id
    LEFT JOIN lamindb_collection_input_of_runs cinp
        ON w.k = 'c' AND kinds.t = 'a' AND cinp.collection_id = w.id
    LEFT JOIN lamindb_artifact art ON w.k = 'r' AND kinds.t = 'a' AND art.run_id = w.id
    LEFT JOIN lamindb_collection col ON w.k = 'r' AND kinds.t = 'c' AND col.run_id = w.id
    WHERE COALESCE(inp.run_id, cinp.run_id, art.id, col.id) IS NOT NULL {depth_cond}";

fn walk_sql(step: &str, limited: bool) -> String {
    let (cols, seed_depth, next, cond) = if limited {
        (
            "k, id, pk, pid, depth",
            ", 0",
            ", w.depth + 1",
            "AND w.depth < $3",
        )
    } else {
        ("k, id, pk, pid", "", "", "")
    };
    let step = step
        .replace("{depth_next}", next)
        .replace("{depth_cond}", cond)
        .replace("{kinds}", KINDS);
    format!(
        "WITH RECURSIVE walk({cols}) AS (
            SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST('' AS TEXT), CAST(0 AS BIGINT){seed_depth}
            UNION {step}
        )
        SELECT DISTINCT k AS node_k, id AS node_id, pk AS prev_k, pid AS prev_id
        FROM walk WHERE pk <> ''"
    )
}

fn node_id(kind: &str, uid: &str) -> String {
    match kind {
        "a" => format!("artifact_{uid}"),
        "c" => format!("collection_{uid}"),
        _ => format!("run_{uid}"),
    }
}

/// Edges `(from_kind, from_id, to_kind, to_id)` in data-flow direction.
type RawEdge = (String, i64, String, i64);

fn walk(
    conn: &mut crate::db::DbConnection,
    (start_kind, start_id): (&str, i64),
    dir: Direction,
    depth: Option<u32>,
) -> Result<Vec<RawEdge>> {
    let mut edges = Vec::new();
    for (step, upstream) in [(UPSTREAM_STEP, true), (DOWNSTREAM_STEP, false)] {
        let wanted = match dir {
            Direction::Both => true,
            Direction::Upstream => upstream,
            Direction::Downstream => !upstream,
        };
        if !wanted {
            continue;
        }
        let sql = walk_sql(step, depth.is_some());
        let rows: Vec<EdgeRow> = conn.transaction::<_, Error, _>(|c| {
            if c.dialect() == crate::db::Dialect::Postgres {
                // Postgres plans the recursive step once, for a large working table, and picks
                // hash joins that scan both tables on every iteration (seconds for a long chain);
                // each iteration holds a handful of rows, so index nested loops are right.
                diesel::sql_query("SET LOCAL enable_hashjoin = off").execute(c)?;
                diesel::sql_query("SET LOCAL enable_mergejoin = off").execute(c)?;
            }
            let q = diesel::sql_query(&sql)
                .bind::<Text, _>(start_kind)
                .bind::<BigInt, _>(start_id);
            Ok(match depth {
                // One run hop is two edges (artifact → run → artifact).
                Some(d) => q
                    .bind::<Integer, _>(i32::try_from(d.saturating_mul(2)).unwrap_or(i32::MAX))
                    .load(c)?,
                None => q.load(c)?,
            })
        })?;
        for row in rows {
            edges.push(if upstream {
                (row.node_k, row.node_id, row.prev_k, row.prev_id)
            } else {
                (row.prev_k, row.prev_id, row.node_k, row.node_id)
            });
        }
    }
    Ok(edges)
}

/// Loads rows whose id is in `ids`, in chunks that stay under SQLite's bound-parameter limit.
fn in_chunks<I: Copy, T>(
    ids: &[I],
    mut load: impl FnMut(&[I]) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(5000) {
        out.extend(load(chunk)?);
    }
    Ok(out)
}

impl Instance {
    /// The lineage graph of `artifact`: `depth` run hops in `direction` (all when `None`).
    pub fn lineage(
        &self,
        artifact: &Artifact,
        direction: Direction,
        depth: Option<u32>,
    ) -> Result<LineageGraph> {
        self.lineage_from(('a', artifact.id.into()), &artifact.uid, direction, depth)
    }

    /// The lineage graph of `collection`, as [`Instance::lineage`] draws an artifact's.
    pub fn collection_lineage(
        &self,
        collection: &Collection,
        direction: Direction,
        depth: Option<u32>,
    ) -> Result<LineageGraph> {
        self.lineage_from(
            ('c', collection.id.into()),
            &collection.uid,
            direction,
            depth,
        )
    }

    fn lineage_from(
        &self,
        (kind, id): (char, i64),
        focus_uid: &str,
        direction: Direction,
        depth: Option<u32>,
    ) -> Result<LineageGraph> {
        let mut conn = self.conn();
        let raw = walk(&mut conn, (&kind.to_string(), id), direction, depth)?;
        let mut ids: BTreeMap<char, BTreeSet<i64>> = BTreeMap::new();
        ids.entry(kind).or_default().insert(id);
        for (fk, fid, tk, tid) in &raw {
            for (k, id) in [(fk, *fid), (tk, *tid)] {
                ids.entry(k.chars().next().unwrap_or('r'))
                    .or_default()
                    .insert(id);
            }
        }
        let of = |k: char| -> Result<Vec<i32>> {
            ids.get(&k)
                .into_iter()
                .flatten()
                .map(|id| {
                    i32::try_from(*id)
                        .map_err(|_| Error::Conflict(format!("id {id} is out of range")))
                })
                .collect()
        };
        let (art_ids, col_ids) = (of('a')?, of('c')?);
        let run_ids: Vec<i64> = ids.get(&'r').into_iter().flatten().copied().collect();
        let artifacts: Vec<Artifact> = in_chunks(&art_ids, |c| {
            Ok(a::table
                .filter(a::id.eq_any(c))
                .select(Artifact::as_select())
                .load(&mut *conn)?)
        })?;
        let collections: Vec<Collection> = in_chunks(&col_ids, |chunk| {
            Ok(c::table
                .filter(c::id.eq_any(chunk))
                .select(Collection::as_select())
                .load(&mut *conn)?)
        })?;
        let runs: Vec<(Run, Transform)> = in_chunks(&run_ids, |c| {
            Ok(r::table
                .inner_join(t::table.on(t::id.eq(r::transform_id)))
                .filter(r::id.eq_any(c))
                .select((Run::as_select(), Transform::as_select()))
                .load(&mut *conn)?)
        })?;
        drop(conn);

        let visible = |branch_id: i32| {
            branch_id == Branch::Main.id()
                || branch_id == Branch::Archive.id()
                || branch_id == self.branch_id()
        };
        let mut names: BTreeMap<(char, i64), String> = BTreeMap::new();
        let mut nodes = Vec::new();
        let mut shown_artifacts: Vec<&Artifact> = artifacts
            .iter()
            .filter(|x| (kind == 'a' && i64::from(x.id) == id) || visible(x.branch_id))
            .collect();
        shown_artifacts.sort_by_key(|x| (x.created_at, x.id));
        for x in shown_artifacts {
            let node = node_id("a", &x.uid);
            names.insert(('a', i64::from(x.id)), node.clone());
            nodes.push(Node {
                id: node,
                kind: "artifact",
                uid: x.uid.clone(),
                label: x
                    .key
                    .clone()
                    .or_else(|| x.description.clone())
                    .unwrap_or_else(|| x.uid.clone()),
                time: x.created_at.to_string(),
                status: None,
                transform_uid: None,
            });
        }
        let mut shown_collections: Vec<&Collection> = collections
            .iter()
            .filter(|x| (kind == 'c' && i64::from(x.id) == id) || visible(x.branch_id))
            .collect();
        shown_collections.sort_by_key(|x| (x.created_at, x.id));
        for x in shown_collections {
            let node = node_id("c", &x.uid);
            names.insert(('c', i64::from(x.id)), node.clone());
            nodes.push(Node {
                id: node,
                kind: "collection",
                uid: x.uid.clone(),
                label: x.key.clone(),
                time: x.created_at.to_string(),
                status: None,
                transform_uid: None,
            });
        }
        let mut runs = runs;
        runs.sort_by_key(|(x, _)| (x.started_at, x.id));
        for (run, tr) in &runs {
            let node = node_id("r", &run.uid);
            names.insert(('r', run.id), node.clone());
            let label = match &run.entrypoint {
                Some(e) if !tr.key.ends_with(e.as_str()) => format!("{}: {e}", tr.key),
                _ => tr.key.clone(),
            };
            nodes.push(Node {
                id: node,
                kind: "run",
                uid: run.uid.clone(),
                label,
                time: run.started_at.to_string(),
                status: RunStatus::from_code(run.status_code).map(RunStatus::as_str),
                transform_uid: Some(tr.uid.clone()),
            });
        }
        let key = |k: &str, id: i64| names.get(&(k.chars().next().unwrap_or('r'), id)).cloned();
        let edges: BTreeSet<(String, String)> = raw
            .iter()
            .filter_map(|(fk, fid, tk, tid)| Some((key(fk, *fid)?, key(tk, *tid)?)))
            .collect();
        // Runs cut off by hidden artifacts may be left without edges; they are still shown, as
        // they made or read something on the path.
        Ok(LineageGraph {
            focus: node_id(&kind.to_string(), focus_uid),
            nodes,
            edges: edges.into_iter().collect(),
        })
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', "<br/>")
}

impl LineageGraph {
    /// The node with `id`.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Graphviz DOT: artifacts as white boxes (the focal one highlighted), runs in violet.
    pub fn to_dot(&self) -> String {
        let mut s = String::from(
            "digraph lineage {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\"];\n  edge [arrowsize=0.6];\n",
        );
        for n in &self.nodes {
            let (fill, label) = if n.kind == "run" {
                (
                    "#e7e0f7",
                    format!("{}\nrun at {}", n.label, short_time(&n.time)),
                )
            } else if n.id == self.focus {
                ("#f6d55c", n.label.clone())
            } else {
                ("white", n.label.clone())
            };
            s.push_str(&format!(
                "  \"{}\" [label=\"{}\", fillcolor=\"{fill}\"];\n",
                n.id,
                dot_escape(&label)
            ));
        }
        for (from, to) in &self.edges {
            s.push_str(&format!("  \"{from}\" -> \"{to}\";\n"));
        }
        s.push_str("}\n");
        s
    }

    /// A Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        let mut s = String::from("flowchart TD\n");
        for n in &self.nodes {
            if n.kind == "run" {
                let label = format!("{}\nrun at {}", n.label, short_time(&n.time));
                s.push_str(&format!("  {}([\"{}\"])\n", n.id, mermaid_escape(&label)));
            } else {
                s.push_str(&format!("  {}[\"{}\"]\n", n.id, mermaid_escape(&n.label)));
            }
        }
        for (from, to) in &self.edges {
            s.push_str(&format!("  {from} --> {to}\n"));
        }
        s.push_str("  classDef run fill:#e7e0f7,stroke:#7c5fc6\n  classDef focus fill:#f6d55c\n");
        let runs: Vec<&str> = self
            .nodes
            .iter()
            .filter(|n| n.kind == "run")
            .map(|n| n.id.as_str())
            .collect();
        if !runs.is_empty() {
            s.push_str(&format!("  class {} run\n", runs.join(",")));
        }
        s.push_str(&format!("  class {} focus\n", self.focus));
        s
    }

    /// The graph as JSON: `{focus, nodes, edges: [{from, to}]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "focus": self.focus,
            "nodes": self.nodes,
            "edges": self.edges.iter().map(|(f, t)| json!({"from": f, "to": t})).collect::<Vec<_>>(),
        })
    }

    /// SVG rendered by Graphviz's `dot`, which must be on `PATH`.
    pub fn to_svg(&self) -> Result<String> {
        use std::io::Write;
        let mut child = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Unsupported(format!(
                    "rendering SVG needs Graphviz's `dot` on PATH ({e}); install Graphviz (e.g. `apt install graphviz`) or use --format dot"
                ))
            })?;
        let dot = self.to_dot();
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || stdin.write_all(dot.as_bytes()));
        let out = child
            .wait_with_output()
            .map_err(|e| Error::Unsupported(format!("running `dot` failed: {e}")))?;
        let _ = writer.join();
        if !out.status.success() {
            return Err(Error::Unsupported(format!(
                "`dot -Tsvg` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        String::from_utf8(out.stdout)
            .map_err(|e| Error::Unsupported(format!("`dot` wrote invalid UTF-8: {e}")))
    }
}

fn short_time(t: &str) -> &str {
    // "2026-11-21 10:11:12.123456 UTC" → "2026-11-21 10:11:12"
    t.get(..19).unwrap_or(t)
}
