//! `lamin lineage` and `lamin openlineage`: where data came from and what was made of it.

use clap::Args;
use lamindb_core::prelude::*;
use serde_json::Value;

use crate::output::{Global, Output, Select};

/// `lamin lineage`.
#[derive(Args)]
pub struct LineageArgs {
    /// `artifact` (the default) or `collection`.
    #[arg(value_parser = ["artifact", "collection"])]
    entity: Option<String>,
    #[command(flatten)]
    select: Select,
    /// At most this many runs away from the artifact (default: all).
    #[arg(long)]
    depth: Option<u32>,
    /// upstream, downstream or both.
    #[arg(long, default_value = "both")]
    direction: String,
    /// dot, mermaid, json or svg (svg needs Graphviz's `dot`).
    #[arg(long, default_value = "dot")]
    format: String,
}

impl LineageArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let direction = match self.direction.as_str() {
            "both" => lamindb_core::Direction::Both,
            "upstream" | "up" => lamindb_core::Direction::Upstream,
            "downstream" | "down" => lamindb_core::Direction::Downstream,
            other => {
                return Err(Error::Validation(format!(
                    "--direction '{other}' is not one of: upstream, downstream, both"
                )))
            }
        };
        let inst = g.open()?;
        let graph = if self.entity.as_deref() == Some("collection") {
            let c = super::collections::select(
                &inst,
                self.select.key.as_deref(),
                self.select.uid.as_deref(),
            )?;
            inst.collection_lineage(&c, direction, self.depth)?
        } else {
            let a = self.select.artifact(&inst)?;
            inst.lineage(&a, direction, self.depth)?
        };
        let text = match self.format.as_str() {
            "dot" => graph.to_dot(),
            "mermaid" => graph.to_mermaid(),
            "json" => serde_json::to_string_pretty(&graph.to_json()).expect("json"),
            "svg" => graph.to_svg()?,
            other => {
                return Err(Error::Validation(format!(
                    "--format '{other}' is not one of: dot, mermaid, json, svg"
                )))
            }
        };
        Ok(Output::new(text.trim_end().to_owned(), graph.to_json()))
    }
}

/// `lamin openlineage`.
#[derive(Args)]
pub struct OpenlineageArgs {
    /// uid of a run (repeatable); default every run.
    #[arg(long)]
    run: Vec<String>,
}

impl OpenlineageArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let selected: Vec<Run> = if self.run.is_empty() {
            inst.runs()
                .recent(i64::MAX)?
                .into_iter()
                .rev()
                .map(|(r, _)| r)
                .collect()
        } else {
            self.run
                .iter()
                .map(|u| inst.runs().get(u))
                .collect::<Result<_>>()?
        };
        let mut events = Vec::new();
        for r in &selected {
            events.extend(inst.openlineage_events(r)?);
        }
        let text = events
            .iter()
            .map(|e| serde_json::to_string(e).expect("json"))
            .collect::<Vec<_>>()
            .join("\n");
        Ok(Output::new(text, Value::Array(events)))
    }
}
