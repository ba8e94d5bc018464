//! Registries as typed records: artifacts (with their storage life cycle), labels, features,
//! schemas, transforms and runs. Each file is one registry family; they share the link writer
//! and the get-or-create result type defined here.

pub mod artifact;
pub mod features;
pub mod labels;
pub(crate) mod links;
pub mod runs;
pub mod schemas;

/// A record returned by a create call, and whether it is new.
#[derive(Debug, Clone)]
pub struct Created<M> {
    /// The record.
    pub record: M,
    /// `false` when a record with the same name and type existed.
    pub created: bool,
}
