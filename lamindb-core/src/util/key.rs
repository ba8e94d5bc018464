//! Artifact keys: what Python LaminDB accepts, plus the checks that keep a key inside its storage.

use crate::{Error, Result};

/// The longest key the `key` column holds (`varchar(1024)` on Postgres).
pub const MAX_KEY_LEN: usize = 1024;

/// Checks a user-given artifact key. `path_raw_suffix` is the raw suffix of the file or folder
/// being saved; the key must end in the same suffix.
pub fn validate_key(key: &str, path_raw_suffix: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::Validation(
            "the key is empty: pass a relative path such as 'data/sample.csv'".into(),
        ));
    }
    if let Some(c) = key.chars().find(|c| c.is_control()) {
        return Err(Error::Validation(format!(
            "key {key:?} contains the control character {c:?}: keys are printable paths"
        )));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(Error::Validation(format!(
            "key is {} bytes long; at most {MAX_KEY_LEN} are allowed (Python LaminDB's column length)",
            key.len()
        )));
    }
    if key.contains(".lamindb/") || key == ".lamindb" {
        return Err(Error::Validation(format!(
            "key '{key}' points into the managed '.lamindb/' folder: choose a key outside it"
        )));
    }
    if key.contains('\\') {
        return Err(Error::Validation(format!(
            "backslashes are not allowed in key '{key}': separate folders with '/'"
        )));
    }
    if key.starts_with('/') {
        return Err(Error::Validation(format!(
            "key '{key}' is an absolute path: keys are relative to the storage root, e.g. '{}'",
            key.trim_start_matches('/')
        )));
    }
    if let Some(seg) = key.split('/').find(|s| *s == "." || *s == "..") {
        return Err(Error::Validation(format!(
            "relative path segment '{seg}' detected in key '{key}': keys may not step out of or around folders"
        )));
    }
    let key_raw = raw_suffix_of_key(key);
    if key_raw != path_raw_suffix {
        return Err(Error::Validation(format!(
            "the passed path's suffix '{path_raw_suffix}' must match the passed key's suffix '{key_raw}'"
        )));
    }
    Ok(())
}

/// The raw suffix of a key, as Python LaminDB compares it.
pub fn raw_suffix_of_key(key: &str) -> String {
    lamindb_storage::canonical_suffix(std::path::Path::new(key)).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_overlong_keys_are_refused() {
        for bad in ["a\nb.txt", "a\tb.txt", "a\u{1b}[31mb.txt"] {
            let e = validate_key(bad, ".txt").unwrap_err();
            assert!(e.to_string().contains("control character"), "{e}");
        }
        let long = format!("{}.txt", "k".repeat(MAX_KEY_LEN));
        assert!(validate_key(&long, ".txt")
            .unwrap_err()
            .to_string()
            .contains("at most 1024"));
        assert!(validate_key(&format!("{}.txt", "k".repeat(1000)), ".txt").is_ok());
    }

    #[test]
    fn rejects_bad_keys_with_reasons() {
        assert!(validate_key("data/a.csv", ".csv").is_ok());
        assert!(validate_key("data/folder", "").is_ok());
        assert!(validate_key("y.xyz", ".xyz").is_ok());
        for (key, sfx, needle) in [
            ("", ".csv", "empty"),
            ("/abs/a.csv", ".csv", "absolute"),
            ("a/../b.csv", ".csv", "'..'"),
            ("./b.csv", ".csv", "'.'"),
            ("x/.lamindb/a.csv", ".csv", ".lamindb"),
            ("a\\b.csv", ".csv", "backslash"),
            ("a.txt", ".csv", "must match"),
            ("a", ".csv", "must match"),
            ("data/folder.csv", "", "must match"),
        ] {
            let err = validate_key(key, sfx).unwrap_err().to_string();
            assert!(err.contains(needle), "{key}: {err}");
        }
    }
}
