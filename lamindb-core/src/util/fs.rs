//! File writes that readers never see half done.

use std::path::Path;

use crate::{Error, Result};

/// Writes `text` to `path` through a temporary file beside it and a rename, so a concurrent
/// reader sees the old or the new content, never a truncated file.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
