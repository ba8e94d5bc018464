//! One file per command group; each defines its arguments and how it runs.

pub mod annotate;
pub mod artifacts;
pub mod bionty;
pub mod branches;
pub mod collections;
pub mod create;
pub mod describe;
pub mod instance;
pub mod lineage;
pub mod list;
pub mod notes;
pub mod runs;
pub mod settings;
pub mod storage;
pub mod transfer;
pub mod transforms;
pub mod validate;
