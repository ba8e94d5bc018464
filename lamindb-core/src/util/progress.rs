//! Progress of long work (uploads, downloads, validation of big files) for front ends: the CLI
//! draws bars, libraries stay silent unless they install a [`ProgressSink`] with
//! `Instance::set_progress`.

/// Transfers smaller than this report no progress.
pub const MIN_PROGRESS_BYTES: u64 = 8 << 20;

/// Validations of fewer values (rows × columns) than this report no progress.
pub const MIN_PROGRESS_VALUES: u64 = 1 << 20;

/// What a task counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes transferred or hashed.
    Bytes,
    /// Values (rows × columns) validated.
    Values,
}

impl Unit {
    /// Below this total, work reports no progress.
    pub fn threshold(self) -> u64 {
        match self {
            Unit::Bytes => MIN_PROGRESS_BYTES,
            Unit::Values => MIN_PROGRESS_VALUES,
        }
    }
}

/// One task in progress; dropping it ends it.
pub trait ProgressTask: Send + Sync {
    /// `done` of the total are through.
    fn set(&self, done: u64);
}

/// Receives tasks as they start.
pub trait ProgressSink: Send + Sync {
    /// A task of `total` units described by `label` starts.
    fn start(&self, label: &str, total: u64, unit: Unit) -> Box<dyn ProgressTask>;
}
