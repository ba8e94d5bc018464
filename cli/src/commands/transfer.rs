//! `lamin transfer --from INSTANCE --key K`: an artifact of another instance saved into the
//! current one with its labels, features, feature values and schemas (see
//! `lamindb_core::records::transfer`).

use clap::Args;
use lamindb_core::prelude::*;
use serde_json::json;

use crate::output::{artifact_json, Global, Output};

/// `lamin transfer`.
#[derive(Args)]
pub struct TransferArgs {
    /// The instance to transfer from (`owner/name`, a name, or its storage folder).
    #[arg(long = "from", value_name = "INSTANCE")]
    from: String,
    /// Key of the artifact in that instance (its latest version).
    #[arg(long, required_unless_present = "uid")]
    key: Option<String>,
    /// uid (or prefix) of the artifact in that instance.
    #[arg(long)]
    uid: Option<String>,
}

impl TransferArgs {
    pub fn run(self, g: &Global) -> Result<Output> {
        let target = g.open_tracked()?;
        let source = Instance::connect(&self.from)?;
        let artifact = crate::output::select(&source, &self.key, &self.uid)?;
        let done = target.transfer_artifact(&source, &artifact)?;
        let a = &done.artifact;
        let text = format!(
            "→ Artifact {}: {} transferred, {} already on target\n{} ({}) is in {} (its data stays at {})",
            a.key.as_deref().unwrap_or(&a.uid),
            done.transferred,
            done.mapped,
            a.key.as_deref().unwrap_or(&a.uid),
            a.uid,
            target.slug(),
            target.root_of(a.storage_id)?.url_of(&a.storage_key())
        );
        let mut j = artifact_json(&target, a);
        j["transferred"] = json!(done.transferred);
        j["already_on_target"] = json!(done.mapped);
        j["from"] = json!(source.slug());
        Ok(Output::new(text, j))
    }
}
