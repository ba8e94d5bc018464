//! Progress of long transfers (uploads, downloads) for front ends: the CLI draws bars, libraries
//! stay silent unless they install a [`ProgressSink`] with `Instance::set_progress`.

/// Transfers smaller than this report no progress.
pub const MIN_PROGRESS_BYTES: u64 = 8 << 20;

/// One transfer in progress; dropping it ends it.
pub trait ProgressTask: Send + Sync {
    /// `done` of the total bytes are through.
    fn set(&self, done: u64);
}

/// Receives transfers as they start.
pub trait ProgressSink: Send + Sync {
    /// A transfer of `total` bytes described by `label` starts.
    fn start(&self, label: &str, total: u64) -> Box<dyn ProgressTask>;
}
