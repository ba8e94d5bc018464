//! Progress bars on stderr for large uploads, downloads and validations; silent when stderr is
//! not a terminal or with `--quiet`. Bars and spinners share one [`MultiProgress`], so a bar
//! that starts under a spinner draws below it instead of over it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use lamindb_core::util::progress::{ProgressSink, ProgressTask, Unit};
use lamindb_core::Instance;

/// Set by `--quiet`.
pub static QUIET: AtomicBool = AtomicBool::new(false);

/// Every bar and spinner of the process.
static MULTI: std::sync::LazyLock<MultiProgress> = std::sync::LazyLock::new(MultiProgress::new);

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
    fn start(&self, label: &str, total: u64, unit: Unit) -> Box<dyn ProgressTask> {
        let bar = MULTI.add(ProgressBar::new(total));
        let template = match unit {
            Unit::Bytes => {
                "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}"
            }
            Unit::Values => "{msg} {wide_bar} {human_pos}/{human_len} values eta {eta}",
        };
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
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
    let bar = MULTI.add(ProgressBar::new_spinner());
    bar.set_message(msg.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(Bar(bar))
}
