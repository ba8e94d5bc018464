//! Progress bars on stderr for large uploads and downloads; silent when stderr is not a terminal
//! or with `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use lamindb_core::util::progress::{ProgressSink, ProgressTask};
use lamindb_core::Instance;

/// Set by `--quiet`.
pub static QUIET: AtomicBool = AtomicBool::new(false);

struct Bars;

/// A bar or spinner on stderr, cleared when dropped.
pub struct Bar(ProgressBar);

impl ProgressTask for Bar {
    fn set(&self, done: u64) {
        self.0.set_position(done);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl ProgressSink for Bars {
    fn start(&self, label: &str, total: u64) -> Box<dyn ProgressTask> {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .expect("valid template"),
        );
        bar.set_message(label.to_owned());
        Box::new(Bar(bar))
    }
}

/// Shows progress bars for `inst`'s transfers when a person is watching.
pub fn attach(inst: &Instance) {
    if !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal() {
        inst.set_progress(Arc::new(Bars));
    }
}

/// A spinner with `msg` while long work without a known size runs (reading and validating a
/// dataset); cleared when dropped. None when nobody watches.
pub fn spinner(msg: &str) -> Option<Bar> {
    if QUIET.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    bar.set_message(msg.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(Bar(bar))
}
