//! Crash injection for tests: `LAMINDB_FAILPOINT=<name>` aborts the process at that point, as a
//! `kill -9` would. Only the crash tests set it.

use std::sync::OnceLock;

/// The environment variable that names the failpoint to trigger.
pub const FAILPOINT_ENV: &str = "LAMINDB_FAILPOINT";

/// Aborts the process if `name` is the configured failpoint.
pub(crate) fn hit(name: &str) {
    static CONFIGURED: OnceLock<Option<String>> = OnceLock::new();
    let configured = CONFIGURED.get_or_init(|| std::env::var(FAILPOINT_ENV).ok());
    if configured.as_deref() == Some(name) {
        eprintln!("failpoint '{name}' hit: aborting");
        std::process::abort();
    }
}
