//! `lamin bionty`: import public ontologies and gene tables, list sources, validate and
//! standardize values, and walk hierarchies.

use bionty::sources::{self, SourceQuery};
use bionty::{import_source, Entity, ImportOptions, Input};
use clap::{Args, Subcommand, ValueEnum};
use lamindb_core::prelude::*;
use lamindb_core::query::hierarchy::{Reached, Walk};
use lamindb_core::query::Value as QValue;
use lamindb_curate::values::Vocabulary;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::output::{Global, Output};

/// `lamin bionty …`.
#[derive(Subcommand)]
pub enum BiontyCmd {
    /// Import a whole public source (an ontology or a gene table) into a registry, offline from
    /// a file or from a URL; without one, from the source's URL.
    Import(ImportArgs),
    /// List the sources of an entity (or of all), the default ones first.
    Sources {
        /// Entity (CellType, Gene, …); all when omitted.
        entity: Option<String>,
    },
    /// Check values against a registry: exit 0 when all validate, 4 otherwise, naming the
    /// values that do not and the synonyms they may stand for.
    Validate(ValuesArgs),
    /// Rewrite case variants and synonyms to the registry's names.
    Standardize(ValuesArgs),
    /// Show the parents (or children) of a record as a tree, DOT, Mermaid, SVG or JSON.
    Parents(ParentsArgs),
}

/// `lamin bionty import`.
#[derive(Args)]
pub struct ImportArgs {
    /// Entity (CellType, Tissue, Disease, Gene, …).
    entity: String,
    /// Source name (cl, uberon, ensembl, …); the entity's default when omitted.
    #[arg(long)]
    source: Option<String>,
    /// Source version; the file's own version when omitted.
    #[arg(long)]
    version: Option<String>,
    /// Organism (human, mouse, …); inferred from Ensembl ids for genes.
    #[arg(long)]
    organism: Option<String>,
    /// A local OBO, OBO Graphs JSON or gene table file (plain or .gz).
    #[arg(long, conflicts_with = "url")]
    file: Option<String>,
    /// A URL (https://, s3://, gs://) of such a file.
    #[arg(long)]
    url: Option<String>,
    /// Update existing records to this source (a new version) and make it the default.
    #[arg(long)]
    update_records: bool,
}

/// Values to check.
#[derive(Args)]
pub struct ValuesArgs {
    /// Entity (CellType, Gene, …).
    entity: String,
    /// Values.
    #[arg(required = true)]
    values: Vec<String>,
    /// Field to check against (default: the name field; `ontology_id`, `ensembl_gene_id`, …).
    #[arg(long)]
    field: Option<String>,
    /// Only records of this organism (genes, proteins, cell markers).
    #[arg(long)]
    organism: Option<String>,
    /// A public source file (OBO, …) to look for the values the registry lacks, as Python
    /// does with the public source after the registry.
    #[arg(long)]
    file: Option<String>,
    /// The source the file belongs to (cl, uberon, …); the entity's default when omitted.
    #[arg(long, requires = "file")]
    source: Option<String>,
}

/// Graph formats.
#[derive(Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    /// An indented tree.
    Tree,
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
    /// SVG drawing.
    Svg,
    /// JSON nodes and edges.
    Json,
}

/// `lamin bionty parents`.
#[derive(Args)]
pub struct ParentsArgs {
    /// Entity (CellType, Tissue, …).
    entity: String,
    /// The record: ontology id, name or uid.
    term: String,
    /// Walk down to the children instead.
    #[arg(long)]
    children: bool,
    /// At most this many levels.
    #[arg(long)]
    depth: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "tree")]
    format: GraphFormat,
}

impl BiontyCmd {
    pub fn run(self, g: &Global) -> Result<Output> {
        match self {
            BiontyCmd::Import(a) => import(g, a),
            BiontyCmd::Sources { entity } => list_sources(g, entity.as_deref()),
            BiontyCmd::Validate(a) => validate(g, a),
            BiontyCmd::Standardize(a) => standardize(g, a),
            BiontyCmd::Parents(a) => parents(g, a),
        }
    }
}

fn import(g: &Global, a: ImportArgs) -> Result<Output> {
    let inst = g.open_tracked()?;
    let mut opts = ImportOptions::new(Entity::parse(&a.entity)?);
    opts.source = a.source;
    opts.version = a.version;
    opts.organism = a.organism;
    opts.input = a.file.or(a.url).as_deref().map(Input::parse);
    opts.update_records = a.update_records;
    let r = import_source(&inst, &opts)?;
    let text = format!(
        "imported {} {} records from {} {} ({}): {} new{}, {} parent links{}{}",
        r.read,
        r.entity,
        r.source.name,
        r.source.version,
        r.file.display(),
        r.inserted,
        if r.updated > 0 {
            format!(", {} updated", r.updated)
        } else {
            String::new()
        },
        r.parent_links,
        if r.obsolete > 0 {
            format!(", {} obsolete terms skipped", r.obsolete)
        } else {
            String::new()
        },
        if r.unknown_parents > 0 {
            format!(", {} parents outside the source", r.unknown_parents)
        } else {
            String::new()
        },
    );
    Ok(Output::new(
        text,
        serde_json::to_value(&r).unwrap_or_default(),
    ))
}

fn list_sources(g: &Global, entity: Option<&str>) -> Result<Output> {
    let inst = g.open()?;
    let entity = entity.map(Entity::parse).transpose()?;
    let all = sources::list(
        &mut inst.conn(),
        &SourceQuery {
            entity: entity.map(Entity::name),
            ..SourceQuery::default()
        },
    )?;
    let mut text = String::new();
    for s in &all {
        text.push_str(&format!(
            "{}{} {:<26} {:<12} {:<24} {:<14}{}\n",
            if s.currently_used { "*" } else { " " },
            s.uid,
            s.entity,
            s.name,
            s.organism,
            s.version,
            if s.in_db { " imported" } else { "" }
        ));
    }
    if all.is_empty() {
        text = "no sources".into();
    }
    Ok(Output::new(
        text.trim_end().to_owned(),
        serde_json::to_value(&all).unwrap_or_default(),
    ))
}

/// The registry's records of `organism` (when the entity has organisms).
fn vocabulary(inst: &Instance, a: &ValuesArgs) -> Result<(Entity, Vocabulary)> {
    let entity = Entity::parse(&a.entity)?;
    let mut q = inst.query_registry(entity.name())?;
    if let Some(o) = &a.organism {
        q = q.filter(Q::new("organism__name", o.as_str()));
    }
    let v = Vocabulary::load(&q, a.field.as_deref())?;
    if v.is_empty() {
        tracing::warn!(
            "the {entity} registry is empty; import a source first (lamin bionty import {})",
            entity.class()
        );
    }
    Ok((entity, v))
}

/// What a public source file has of the values a registry lacks.
#[derive(Default)]
struct InSource {
    /// Values that are terms of the source.
    found: Vec<String>,
    /// Values that are synonyms (or case variants) of terms, with the term.
    synonyms: BTreeMap<String, String>,
    /// Python's log lines about them.
    lines: Vec<String>,
}

/// The non-validated values that a public source file has (as values or synonyms), with
/// Python's lines for them.
fn in_source(
    inst: &Instance,
    entity: Entity,
    a: &ValuesArgs,
    missing: &[String],
) -> Result<InSource> {
    let Some(file) = &a.file else {
        return Ok(Default::default());
    };
    let source = sources::name_or_default(&mut inst.conn(), entity, a.source.as_deref())?;
    let path = bionty::fetch::local_file(Some(inst), &Input::parse(file))?;
    let table = bionty::import::read_table(entity, &path, &source)?;
    let field = a.field.as_deref().unwrap_or(entity.name_field());
    let by_id = field == entity.id_field();
    let public = Vocabulary::from_terms(
        entity.name(),
        field,
        table.rows.iter().filter_map(|r| {
            let value = if by_id {
                r.id.as_deref()?
            } else {
                r.name.as_str()
            };
            Some((
                value,
                if by_id {
                    &[][..]
                } else {
                    r.synonyms.as_slice()
                },
            ))
        }),
    );
    let insp = public.inspect(missing);
    let class = entity.class();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let quoted = |v: &[String]| {
        v.iter()
            .map(|x| format!("'{x}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = Vec::new();
    if !insp.validated.is_empty() {
        lines.push(format!(
            "   detected {} {class} term{} in public source for {field}: {}",
            insp.validated.len(),
            plural(insp.validated.len()),
            quoted(&insp.validated)
        ));
    }
    if !insp.synonyms.is_empty() {
        let keys: Vec<String> = insp.synonyms.keys().cloned().collect();
        lines.push(format!(
            "   detected {} {class} term{} in public source as synonym{}: {}",
            keys.len(),
            plural(keys.len()),
            plural(keys.len()),
            quoted(&keys)
        ));
    }
    if !insp.validated.is_empty() || !insp.synonyms.is_empty() {
        lines.push(format!(
            "→  add records from public source to your {class} registry via `lamin bionty import {class} --file …`"
        ));
    }
    let unmatched: Vec<String> = insp
        .non_validated
        .iter()
        .filter(|v| !insp.synonyms.contains_key(*v))
        .cloned()
        .collect();
    if !unmatched.is_empty() {
        lines.push(format!(
            "   couldn't validate {} term{}: {}",
            unmatched.len(),
            plural(unmatched.len()),
            quoted(&unmatched)
        ));
        lines.push(format!(
            "→  if you are sure, create new record{} via `lamin create {} NAME`",
            plural(unmatched.len()),
            entity.name()
        ));
    }
    Ok(InSource {
        found: insp.validated,
        synonyms: insp.synonyms,
        lines,
    })
}

fn validate(g: &Global, a: ValuesArgs) -> Result<Output> {
    let inst = g.open()?;
    let (entity, v) = vocabulary(&inst, &a)?;
    let insp = v.inspect(&a.values);
    let missing: Vec<String> = insp
        .non_validated
        .iter()
        .filter(|x| !insp.synonyms.contains_key(*x))
        .cloned()
        .collect();
    let public = in_source(&inst, entity, &a, &missing)?;
    let mut text = insp.messages(&v.field);
    text.extend(public.lines);
    let mut out = Output::new(
        text.join("\n"),
        json!({
            "registry": v.registry,
            "field": v.field,
            "validated": insp.validated,
            "non_validated": insp.non_validated,
            "synonyms": insp.synonyms,
            "in_public_source": public.found,
            "public_source_synonyms": public.synonyms,
            "all_validated": insp.non_validated.is_empty(),
        }),
    );
    if !insp.non_validated.is_empty() {
        out.exit_code = 4;
    }
    Ok(out)
}

fn standardize(g: &Global, a: ValuesArgs) -> Result<Output> {
    let inst = g.open()?;
    let (_, v) = vocabulary(&inst, &a)?;
    let (values, mapping) = v.standardize(&a.values, false);
    Ok(Output::new(
        values.join("\n"),
        json!({"values": values, "mapping": mapping}),
    ))
}

struct Node {
    id: i64,
    uid: String,
    name: String,
    key: String,
}

fn nodes(inst: &Instance, entity: Entity, ids: &[i64]) -> Result<Vec<Node>> {
    let key_field = if entity.meta().field(entity.id_field()).is_some() {
        entity.id_field()
    } else {
        "uid"
    };
    let list = QValue::List(ids.iter().map(|i| QValue::Int(*i)).collect());
    let rows = inst
        .query_registry(entity.name())?
        .filter(Q::new("id__in", list))
        .rows(&["id", "uid", entity.name_field(), key_field])?;
    Ok(rows
        .rows
        .iter()
        .map(|r| Node {
            id: r[0].as_i64().unwrap_or_default(),
            uid: r[1].display(),
            name: r[2].display(),
            key: r[3].display(),
        })
        .collect())
}

fn parents(g: &Global, a: ParentsArgs) -> Result<Output> {
    let inst = g.open()?;
    let entity = Entity::parse(&a.entity)?;
    let start = bionty::records::find(&inst, entity, &a.term)?;
    let walk = if a.children { Walk::Down } else { Walk::Up };
    let reached = inst.hierarchy(entity.meta(), start, walk, a.depth)?;
    let mut ids: Vec<i64> = reached.nodes.iter().map(|(n, _)| *n).collect();
    ids.push(start);
    let nodes = nodes(&inst, entity, &ids)?;
    let text = match a.format {
        GraphFormat::Tree => tree(&nodes, &reached, start, walk),
        GraphFormat::Dot => dot(&nodes, &reached, start),
        GraphFormat::Mermaid => mermaid(&nodes, &reached, start),
        GraphFormat::Svg => svg(&nodes, &reached, start, walk),
        GraphFormat::Json => String::new(),
    };
    let json = json!({
        "start": start,
        "nodes": nodes.iter().map(|n| {
            let distance = reached.nodes.iter().find(|(id, _)| *id == n.id).map_or(0, |(_, d)| *d);
            json!({"id": n.id, "uid": n.uid, "name": n.name, "key": n.key, "distance": distance})
        }).collect::<Vec<Value>>(),
        "edges": reached.edges,
    });
    let text = if matches!(a.format, GraphFormat::Json) {
        serde_json::to_string_pretty(&json).unwrap_or_default()
    } else {
        text
    };
    Ok(Output::new(text, json))
}

fn label(n: &Node) -> String {
    if n.key == n.name || n.key.is_empty() {
        n.name.clone()
    } else {
        format!("{} ({})", n.name, n.key)
    }
}

fn node(nodes: &[Node], id: i64) -> Option<&Node> {
    nodes.iter().find(|n| n.id == id)
}

/// An indented tree from the start record, one line per path step (shared ancestors repeat,
/// as in an outline of the ontology).
fn tree(nodes: &[Node], r: &Reached, start: i64, walk: Walk) -> String {
    fn go(
        out: &mut String,
        nodes: &[Node],
        r: &Reached,
        at: i64,
        depth: usize,
        walk: Walk,
        seen: &mut Vec<i64>,
    ) {
        if let Some(n) = node(nodes, at) {
            out.push_str(&format!("{}{}\n", "  ".repeat(depth), label(n)));
        }
        if seen.contains(&at) {
            return;
        }
        seen.push(at);
        let mut next: Vec<i64> = r
            .edges
            .iter()
            .filter_map(|e| match walk {
                Walk::Up if e.child == at => Some(e.parent),
                Walk::Down if e.parent == at => Some(e.child),
                _ => None,
            })
            .collect();
        next.sort_by_key(|id| node(nodes, *id).map(|n| n.name.clone()));
        for n in next {
            go(out, nodes, r, n, depth + 1, walk, seen);
        }
        seen.pop();
    }
    let mut out = String::new();
    go(&mut out, nodes, r, start, 0, walk, &mut Vec::new());
    out.trim_end().to_owned()
}

fn quote_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(nodes: &[Node], r: &Reached, start: i64) -> String {
    let mut out = String::from("digraph {\n  rankdir=BT;\n  node [shape=box, style=\"rounded,filled\", fillcolor=honeydew];\n");
    for n in nodes {
        let fill = if n.id == start {
            ", fillcolor=\"#10b981\""
        } else {
            ""
        };
        out.push_str(&format!(
            "  \"{}\" [label=\"{}\"{fill}];\n",
            n.uid,
            quote_dot(&label(n))
        ));
    }
    for e in &r.edges {
        if let (Some(c), Some(p)) = (node(nodes, e.child), node(nodes, e.parent)) {
            out.push_str(&format!("  \"{}\" -> \"{}\";\n", c.uid, p.uid));
        }
    }
    out.push('}');
    out
}

fn mermaid(nodes: &[Node], r: &Reached, start: i64) -> String {
    let mut out = String::from("flowchart BT\n");
    for n in nodes {
        out.push_str(&format!(
            "  {}[\"{}\"]\n",
            n.uid,
            label(n).replace('"', "#quot;")
        ));
    }
    for e in &r.edges {
        if let (Some(c), Some(p)) = (node(nodes, e.child), node(nodes, e.parent)) {
            out.push_str(&format!("  {} --> {}\n", c.uid, p.uid));
        }
    }
    if let Some(n) = node(nodes, start) {
        out.push_str(&format!("  style {} fill:#10b981\n", n.uid));
    }
    out.trim_end().to_owned()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A layered drawing: the start record at the bottom (or top, walking down), each record one
/// row per distance, edges as lines.
fn svg(nodes: &[Node], r: &Reached, start: i64, walk: Walk) -> String {
    let distance = |id: i64| {
        r.nodes
            .iter()
            .find(|(n, _)| *n == id)
            .map_or(0, |(_, d)| *d)
    };
    let max = r.nodes.iter().map(|(_, d)| *d).max().unwrap_or(0);
    let mut layers: Vec<Vec<&Node>> = vec![Vec::new(); max as usize + 1];
    for n in nodes {
        layers[distance(n.id) as usize].push(n);
    }
    for l in &mut layers {
        l.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let (w, h, gap_x, gap_y) = (220.0_f64, 36.0_f64, 20.0_f64, 50.0_f64);
    let widest = layers.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let width = widest * (w + gap_x) + gap_x;
    let height = (max as f64 + 1.0) * (h + gap_y) + gap_y;
    let mut pos = std::collections::HashMap::new();
    for (d, layer) in layers.iter().enumerate() {
        let row = match walk {
            Walk::Up => max as usize - d,
            Walk::Down => d,
        };
        let offset = (width - layer.len() as f64 * (w + gap_x) + gap_x) / 2.0;
        for (i, n) in layer.iter().enumerate() {
            let x = offset + i as f64 * (w + gap_x);
            let y = gap_y + row as f64 * (h + gap_y);
            pos.insert(n.id, (x, y));
        }
    }
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for e in &r.edges {
        if let (Some((cx, cy)), Some((px, py))) = (pos.get(&e.child), pos.get(&e.parent)) {
            let (y1, y2) = if cy > py {
                (*cy, py + h)
            } else {
                (cy + h, *py)
            };
            out.push_str(&format!(
                "  <line x1=\"{:.1}\" y1=\"{y1:.1}\" x2=\"{:.1}\" y2=\"{y2:.1}\" stroke=\"#888\"/>\n",
                cx + w / 2.0,
                px + w / 2.0
            ));
        }
    }
    for n in nodes {
        let Some((x, y)) = pos.get(&n.id) else {
            continue;
        };
        let fill = if n.id == start { "#10b981" } else { "#f0fff0" };
        let mut text = label(n);
        if text.chars().count() > 34 {
            text = text.chars().take(33).collect::<String>() + "…";
        }
        out.push_str(&format!(
            "  <g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w}\" height=\"{h}\" rx=\"6\" fill=\"{fill}\" stroke=\"#333\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>\n",
            xml(&label(n)),
            x + w / 2.0,
            y + h / 2.0 + 4.0,
            xml(&text)
        ));
    }
    out.push_str("</svg>");
    out
}
