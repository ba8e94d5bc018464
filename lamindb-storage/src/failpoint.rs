//! Fault injection for tests. `LAMINDB_FAILPOINT=<name>` aborts the process at that point, as a
//! `kill -9` would. `LAMINDB_FAILPOINT=pause:<name>` stops there instead: the process creates
//! `<name>.reached` in `LAMINDB_FAILPOINT_DIR` and waits (up to a minute) for `<name>.go`, so a
//! test can change the world (a file being saved, say) at exactly that step. Only tests set them.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The environment variable that names the failpoint to trigger.
pub const FAILPOINT_ENV: &str = "LAMINDB_FAILPOINT";
/// The folder of the markers of `pause:` failpoints.
pub const FAILPOINT_DIR_ENV: &str = "LAMINDB_FAILPOINT_DIR";

/// Aborts or pauses the process if `name` is the configured failpoint.
pub fn hit(name: &str) {
    static CONFIGURED: OnceLock<Option<String>> = OnceLock::new();
    let configured = CONFIGURED.get_or_init(|| std::env::var(FAILPOINT_ENV).ok());
    match configured.as_deref() {
        Some(c) if c == name => {
            eprintln!("failpoint '{name}' hit: aborting");
            std::process::abort();
        }
        Some(c) if c.strip_prefix("pause:") == Some(name) => pause(name),
        _ => {}
    }
}

fn pause(name: &str) {
    let dir = PathBuf::from(std::env::var_os(FAILPOINT_DIR_ENV).unwrap_or_else(|| ".".into()));
    let _ = std::fs::write(dir.join(format!("{name}.reached")), b"");
    let go = dir.join(format!("{name}.go"));
    for _ in 0..600 {
        if go.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
