//! `lamin storage list|add`: the instance's storage locations.

use clap::Subcommand;
use lamindb_core::prelude::*;
use serde_json::{json, Value};

use crate::output::{Global, Output};

/// `lamin storage …`.
#[derive(Subcommand)]
pub enum StorageAction {
    /// The instance's storage locations.
    List,
    /// Add a storage location (a folder, s3://bucket/prefix, gs://…); --read-only to only
    /// register objects that live there.
    Add {
        /// The root.
        root: String,
        /// Never write to or delete from it.
        #[arg(long)]
        read_only: bool,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
}

impl StorageAction {
    pub fn run(self, g: &Global) -> Result<Output> {
        let inst = g.open()?;
        let storages = inst.storages();
        let shown = |st: &Storage| {
            json!({
                "uid": st.uid,
                "root": st.root,
                "type": st.kind,
                "description": st.description,
                "managed": storages.is_managed(st),
                "default": st.id == inst.storage().id,
            })
        };
        match self {
            StorageAction::List => {
                let rows = storages.list()?;
                let text = rows
                    .iter()
                    .map(|st| {
                        format!(
                            "{}  {:<9}  {}{}",
                            st.uid,
                            if storages.is_managed(st) {
                                "managed"
                            } else {
                                "read-only"
                            },
                            st.root,
                            if st.id == inst.storage().id {
                                "  (default)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                Ok(Output::new(
                    text,
                    Value::Array(rows.iter().map(shown).collect()),
                ))
            }
            StorageAction::Add {
                root,
                read_only,
                description,
            } => {
                let st = storages.add(&root, read_only, description.as_deref())?;
                Ok(Output::new(
                    format!(
                        "added {} storage {} ({})",
                        if read_only { "read-only" } else { "managed" },
                        st.root,
                        st.uid
                    ),
                    shown(&st),
                ))
            }
        }
    }
}
