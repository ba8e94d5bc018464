//! Progress of long transfers (uploads, downloads) for front ends: the CLI draws bars, libraries
//! stay silent unless they install a [`ProgressSink`] with [`Instance::set_progress`].

use std::sync::Arc;

use crate::instance::{lock, Instance};

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

impl Instance {
    /// Reports the progress of large uploads and downloads to `sink`.
    pub fn set_progress(&self, sink: Arc<dyn ProgressSink>) {
        *lock(&self.progress) = Some(sink);
    }

    /// Runs `f` with a progress callback for a transfer of `total` bytes (none when no sink is
    /// installed or the transfer is small).
    pub(crate) fn with_progress<T>(
        &self,
        label: &str,
        total: u64,
        f: impl FnOnce(Option<&(dyn Fn(u64) + Sync)>) -> T,
    ) -> T {
        let sink = lock(&self.progress).clone();
        match sink {
            Some(sink) if total >= MIN_PROGRESS_BYTES => {
                let task = sink.start(label, total);
                let cb = move |done: u64| task.set(done);
                f(Some(&cb))
            }
            _ => f(None),
        }
    }
}
