//! `lamin switch`, `lamin merge`, `lamin update`, `lamin get`: the current branch and space,
//! merging branches, and the few fields of a record the CLI edits in place (as lamin-cli).

use clap::Args;
use lamindb_core::instance::settings::Context;
use lamindb_core::prelude::*;
use lamindb_core::records::branches::{BranchStatus, Place};
use serde_json::json;

use crate::output::{current_dir, Global, Output};

/// `lamin switch`.
#[derive(Args)]
pub struct SwitchArgs {
    /// The branch (or, after the older keywords `branch`/`space`, the branch or space).
    #[arg(num_args = 0..=2)]
    target: Vec<String>,
    /// Create the branch, then switch to it.
    #[arg(short = 'c', long)]
    create: bool,
    /// Switch the current space instead.
    #[arg(long, value_name = "NAME")]
    space: Option<String>,
    /// The branch (same as the positional name).
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
}

impl SwitchArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let (space, branch) = match self.target.as_slice() {
            [kw, name] if kw == "space" => {
                tracing::warn!(
                    "'lamin switch space <name>' is deprecated: use 'lamin switch --space {name}'"
                );
                (Some(name.clone()), None)
            }
            [kw, name] if kw == "branch" => {
                tracing::warn!(
                    "'lamin switch branch <name>' is deprecated: use 'lamin switch {name}'"
                );
                (None, Some(name.clone()))
            }
            [name] => (self.space.clone(), Some(name.clone())),
            [] => (self.space.clone(), self.branch.clone()),
            other => {
                return Err(Error::Validation(format!(
                    "lamin switch takes one branch name, not {}",
                    other.join(" ")
                )))
            }
        };
        let inst = g.open()?;
        let cwd = current_dir()?;
        if let Some(name) = space {
            let s = inst.branches().space(&name).map_err(|_| {
                Error::NotFound(format!(
                    "Space '{name}', please check whether you have the correct `uid` or `name` (`lamin list space`)."
                ))
            })?;
            Context::Space.select(inst.settings(), &cwd, &s.uid, &s.name)?;
            return Ok(Output::new(
                format!("switched to {}", s.name),
                json!({ "space": s.name, "uid": s.uid }),
            ));
        }
        let name = branch.ok_or_else(|| {
            Error::Validation("name the branch: lamin switch NAME (or -c NAME to create it)".into())
        })?;
        let mut lines = Vec::new();
        let b = if self.create {
            let b = inst.branches().create(&name, None).map_err(|e| match e {
                Error::AlreadyExists(m) => {
                    Error::AlreadyExists(format!("{m} Omit -c/--create to switch to it."))
                }
                e => e,
            })?;
            lines.push(format!("created branch: {}", b.name));
            b
        } else {
            inst.branches().find(&name)?.ok_or_else(|| {
                Error::NotFound(format!(
                    "Branch '{name}' does not exist. To create and switch, run: lamin switch -c {name}"
                ))
            })?
        };
        Context::Branch.select(inst.settings(), &cwd, &b.uid, &b.name)?;
        lines.push(format!("switched to {}", b.name));
        Ok(Output::new(
            lines.join("\n"),
            json!({ "branch": b.name, "uid": b.uid }),
        ))
    }
}

/// `lamin merge`.
#[derive(Args)]
pub struct MergeArgs {
    /// The branch to merge into the current one.
    branch: String,
}

impl MergeArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let source = inst.branches().get(&self.branch)?;
        let target = inst.branches().current()?;
        if source.id == target.id {
            return Ok(Output::new(
                "source and target branch are identical, nothing to merge",
                json!({ "moved": [] }),
            ));
        }
        let merged = inst.branches().merge(&source, &target)?;
        let moved: usize = merged.moved.iter().map(|(_, n)| n).sum();
        Ok(Output::new(
            format!(
                "merged branch '{}' into '{}' ({moved} record(s) moved)",
                source.name, target.name
            ),
            json!({
                "source": source.name,
                "target": target.name,
                "moved": merged.moved.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(),
                "demoted": merged.demoted,
            }),
        ))
    }
}

/// Which record `lamin update`/`lamin get` act on.
#[derive(Args)]
pub struct RecordArgs {
    /// artifact, transform, collection, project or branch (default: the current one).
    entity: String,
    /// Key (artifact, transform, collection).
    #[arg(long)]
    key: Option<String>,
    /// uid.
    #[arg(long)]
    uid: Option<String>,
    /// Name (project, branch).
    #[arg(long)]
    name: Option<String>,
}

/// The entities with a description the CLI edits.
const DESCRIBED: [&str; 4] = ["artifact", "transform", "collection", "project"];

impl RecordArgs {
    /// The branch named, else the current one.
    fn branch(&self, inst: &Instance) -> Result<Place> {
        match self.uid.as_deref().or(self.name.as_deref()) {
            Some(n) => inst.branches().get(n),
            None => inst.branches().current(),
        }
    }

    /// The registry and row id of the record.
    fn find(&self, inst: &Instance) -> Result<(&'static lamindb_core::meta::RegistryMeta, i64)> {
        let entity = self.entity.to_ascii_lowercase();
        if !DESCRIBED.contains(&entity.as_str()) && entity != "branch" {
            return Err(Error::Validation(format!(
                "'{entity}' is not one of artifact, transform, collection, project, branch"
            )));
        }
        crate::output::find_record(
            inst,
            &entity,
            &crate::output::RecordRef {
                uid: self.uid.as_deref(),
                name: self.name.as_deref(),
                key: self.key.as_deref(),
            },
        )
    }

    fn check(&self, description: bool, status: bool) -> Result<()> {
        let entity = self.entity.to_ascii_lowercase();
        if status && entity != "branch" {
            return Err(Error::Validation(
                "--status is only supported for entity 'branch'.".into(),
            ));
        }
        if description && !DESCRIBED.contains(&entity.as_str()) {
            return Err(Error::Validation(format!(
                "--description is only supported for: {}.",
                DESCRIBED.join(", ")
            )));
        }
        if description == status {
            return Err(Error::Validation(
                "pass one of --description and --status".into(),
            ));
        }
        Ok(())
    }
}

/// `lamin update`.
#[derive(Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    record: RecordArgs,
    /// New description (artifact, transform, collection, project).
    #[arg(long)]
    description: Option<String>,
    /// New status of a branch: closed, merged, standalone, draft or review.
    #[arg(long)]
    status: Option<String>,
}

impl UpdateArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        self.record
            .check(self.description.is_some(), self.status.is_some())?;
        let inst = g.open()?;
        if let Some(s) = &self.status {
            let status = BranchStatus::parse(s)?;
            let branch = self.record.branch(&inst)?;
            inst.branches().set_status(&branch, status)?;
            return Ok(Output::new(
                format!("updated branch: status='{}'", status.as_str()),
                json!({ "branch": branch.name, "status": status.as_str() }),
            ));
        }
        let description = self.description.as_deref().unwrap_or_default();
        let (registry, id) = self.record.find(&inst)?;
        inst.set_field(registry, id, "description", description)?;
        Ok(Output::new(
            format!("updated {}: description", self.record.entity),
            json!({ "entity": self.record.entity, "description": description }),
        ))
    }
}

/// `lamin get`.
#[derive(Args)]
pub struct GetArgs {
    #[command(flatten)]
    record: RecordArgs,
    /// Print the description.
    #[arg(long)]
    description: bool,
    /// Print a branch's status.
    #[arg(long)]
    status: bool,
}

impl GetArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        self.record.check(self.description, self.status)?;
        let inst = g.open()?;
        let (field, value) = if self.status {
            let b = self.record.branch(&inst)?;
            (
                "status",
                b.status.map(BranchStatus::as_str).map(str::to_owned),
            )
        } else {
            let (registry, id) = self.record.find(&inst)?;
            ("description", inst.get_field(registry, id, "description")?)
        };
        Ok(Output::new(
            value.clone().unwrap_or_else(|| "None".into()),
            json!({ field: value }),
        ))
    }
}
