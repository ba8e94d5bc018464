//! Content hashes, bit-exact with `lamindb_setup.core.hashing`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use md5::{Digest, Md5};
use sha1::Sha1;

use crate::{Error, Result};

/// Files up to this size are hashed with md5 over all bytes; larger ones with `sha1-fl`.
pub const SIZE_LIMIT_MD5: u64 = 50 * 1024 * 1024;
/// Hashes are stored truncated to this many characters (`varchar(22)`).
const HASH_LENGTH: usize = 22;

/// How a `hash` was computed; stored in `_hash_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashType {
    /// md5 over the whole file.
    Md5,
    /// sha1 over the sha1 of the first and the last 50 MiB (files above 50 MiB).
    Sha1Fl,
    /// md5 over the sorted per-file hashes of a folder.
    Md5D,
    /// md5 of a multipart upload with this many parts (from an S3 ETag).
    Md5Parts(u32),
    /// hash of an opaque ETag.
    Md5Etag,
    /// sha1 (Hugging Face blob ids).
    Sha1,
}

impl HashType {
    /// The string stored in `_hash_type`.
    pub fn as_str(&self) -> String {
        match self {
            HashType::Md5 => "md5".into(),
            HashType::Sha1Fl => "sha1-fl".into(),
            HashType::Md5D => "md5-d".into(),
            HashType::Md5Parts(n) => format!("md5-{n}"),
            HashType::Md5Etag => "md5-etag".into(),
            HashType::Sha1 => "sha1".into(),
        }
    }

    /// Parses a stored `_hash_type`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "md5" => HashType::Md5,
            "sha1-fl" => HashType::Sha1Fl,
            "md5-d" => HashType::Md5D,
            "md5-etag" => HashType::Md5Etag,
            "sha1" => HashType::Sha1,
            other => HashType::Md5Parts(other.strip_prefix("md5-")?.parse().ok()?),
        })
    }
}

/// The hash, size and file count of a file or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentHash {
    /// 22-character url-safe base64 hash.
    pub hash: String,
    /// How `hash` was computed.
    pub hash_type: HashType,
    /// Total size in bytes.
    pub size: u64,
    /// Number of files, for folders.
    pub n_files: Option<u64>,
}

/// URL-safe base64 without padding, as Python's `urlsafe_b64encode(...).strip("=")`.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn truncate(mut s: String) -> String {
    s.truncate(HASH_LENGTH);
    s
}

/// `hash_string`: b64(md5(utf-8 bytes)), 22 characters.
pub fn hash_string(s: &str) -> String {
    truncate(b64(&Md5::digest(s.as_bytes())))
}

/// `hash_set`: `hash_string` of the sorted elements joined by `:`.
pub fn hash_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let mut items: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    items.sort();
    items.dedup();
    hash_string(&items.join(":"))
}

/// `hash_dict`: md5 of `json.dumps(d, sort_keys=True)` (Python's default separators `, ` and `: `).
pub fn hash_dict(value: &serde_json::Value) -> String {
    let mut out = String::new();
    python_json_dumps(value, &mut out);
    hash_string(&out)
}

/// Python's `json.dumps(v, sort_keys=True)` with default separators and `ensure_ascii=True`.
fn python_json_dumps(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => python_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_json_dumps(v, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_json_string(k, out);
                out.push_str(": ");
                python_json_dumps(&map[k], out);
            }
            out.push('}');
        }
    }
}

fn python_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Hashes one file: md5 up to 50 MiB, `sha1-fl` above. Streams the file once.
pub fn hash_file(path: &Path) -> Result<ContentHash> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let (digest, hash_type) = if size <= SIZE_LIMIT_MD5 {
        let mut hasher = Md5::new();
        stream_into(&mut file, path, size, |chunk| hasher.update(chunk))?;
        (hasher.finalize().to_vec(), HashType::Md5)
    } else {
        let mut first = Sha1::new();
        stream_into(&mut file, path, SIZE_LIMIT_MD5, |chunk| first.update(chunk))?;
        file.seek(SeekFrom::End(-(SIZE_LIMIT_MD5 as i64)))
            .map_err(|e| Error::io(path, e))?;
        let mut last = Sha1::new();
        stream_into(&mut file, path, SIZE_LIMIT_MD5, |chunk| last.update(chunk))?;
        (sha1_fl(first, last), HashType::Sha1Fl)
    };
    Ok(file_hash(&digest, hash_type, size))
}

/// `sha1-fl`: sha1 over the sha1s of the first and the last 50 MiB.
fn sha1_fl(first: Sha1, last: Sha1) -> Vec<u8> {
    let mut outer = Sha1::new();
    outer.update(first.finalize());
    outer.update(last.finalize());
    outer.finalize().to_vec()
}

fn file_hash(digest: &[u8], hash_type: HashType, size: u64) -> ContentHash {
    ContentHash {
        hash: truncate(b64(digest)),
        hash_type,
        size,
        n_files: None,
    }
}

/// Copies the file `src` to `dst` and hashes the bytes as they are copied, as [`hash_file`]
/// hashes a file, so that what was stored can be compared with what was recorded. The size is
/// the number of bytes copied. Read errors name `src`, write errors `dst` (a full disk is the
/// target's problem).
pub(crate) fn copy_hashing(src: &Path, dst: &Path) -> Result<ContentHash> {
    use std::io::Write;
    let mut input = File::open(src).map_err(|e| Error::io(src, e))?;
    let size = input.metadata().map_err(|e| Error::io(src, e))?.len();
    let mut output = File::create(dst).map_err(|e| Error::io(dst, e))?;
    let md5 = size <= SIZE_LIMIT_MD5;
    let last_from = size.saturating_sub(SIZE_LIMIT_MD5);
    let (mut m, mut first, mut last) = (Md5::new(), Sha1::new(), Sha1::new());
    // Small files are the common case in bulk saves: a buffer their size (+1 to see the end).
    let mut buf = vec![0u8; (size as usize + 1).clamp(8 << 10, 1 << 20)];
    let mut offset: u64 = 0;
    loop {
        let n = input.read(&mut buf).map_err(|e| Error::io(src, e))?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        output.write_all(chunk).map_err(|e| Error::io(dst, e))?;
        if md5 {
            m.update(chunk);
        } else {
            let end = offset + n as u64;
            if offset < SIZE_LIMIT_MD5 {
                first.update(&chunk[..(SIZE_LIMIT_MD5.min(end) - offset) as usize]);
            }
            if end > last_from {
                last.update(&chunk[(last_from.saturating_sub(offset)) as usize..]);
            }
        }
        offset += n as u64;
    }
    output.flush().map_err(|e| Error::io(dst, e))?;
    Ok(if md5 {
        file_hash(&m.finalize(), HashType::Md5, offset)
    } else {
        file_hash(&sha1_fl(first, last), HashType::Sha1Fl, offset)
    })
}

fn stream_into(file: &mut File, path: &Path, mut n: u64, mut f: impl FnMut(&[u8])) -> Result<()> {
    let mut buf = vec![0u8; (1 << 20).min(n.max(1) as usize)];
    while n > 0 {
        let want = buf.len().min(n as usize);
        let got = file
            .read(&mut buf[..want])
            .map_err(|e| Error::io(path, e))?;
        if got == 0 {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "file shrank while hashing",
                ),
            ));
        }
        f(&buf[..got]);
        n -= got as u64;
    }
    Ok(())
}

/// The files under `dir`, recursively. Links to files count as those files; a link to a folder or
/// a dangling link is an error ([`Error::Link`]).
pub(crate) fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(path, e.into())
        })?;
        if entry.path_is_symlink() && !entry.path().is_file() {
            // A link to a folder (which may lead out of the folder or into a cycle) or a dangling
            // link would be dropped silently; refuse instead. Links to files are followed.
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            return Err(Error::Link {
                path: entry.into_path(),
                target,
            });
        }
        if entry.path().is_file() {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Hashes a folder (`md5-d`): every file hashed as by [`hash_file`] (in parallel), the hash strings
/// sorted, md5 of each, md5 over the concatenated digests. File names do not enter the hash.
pub fn hash_dir(dir: &Path) -> Result<ContentHash> {
    hash_dir_with_progress(dir, None)
}

/// Total size of the files under `dir`.
pub fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for f in files_under(dir)? {
        total += std::fs::metadata(&f).map_err(|e| Error::io(&f, e))?.len();
    }
    Ok(total)
}

/// [`hash_dir`], reporting the bytes hashed so far after each file.
pub fn hash_dir_with_progress(
    dir: &Path,
    progress: Option<crate::remote::Progress<'_>>,
) -> Result<ContentHash> {
    let done = std::sync::atomic::AtomicU64::new(0);
    let files = files_under(dir)?;
    if files.is_empty() {
        return Err(Error::EmptyFolder {
            path: dir.to_path_buf(),
        });
    }
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len());
    let chunk = files.len().div_ceil(workers);
    let results: Vec<Result<Vec<ContentHash>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let done = &done;
                scope.spawn(move || {
                    part.iter()
                        .map(|f| {
                            let h = hash_file(f)?;
                            let now = done.fetch_add(h.size, std::sync::atomic::Ordering::Relaxed)
                                + h.size;
                            if let Some(p) = progress {
                                p(now);
                            }
                            Ok(h)
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("hash worker panicked"))
            .collect()
    });
    let mut hashes = Vec::with_capacity(files.len());
    let mut size = 0;
    for part in results {
        for h in part? {
            size += h.size;
            hashes.push(h.hash);
        }
    }
    let n_files = hashes.len() as u64;
    Ok(ContentHash {
        hash: hash_from_hashes(hashes),
        hash_type: HashType::Md5D,
        size,
        n_files: Some(n_files),
    })
}

/// `hash_from_hashes_list`: the per-file hash strings sorted, md5 of each, md5 over the
/// concatenated digests (the `md5-d` hash of a folder).
pub fn hash_from_hashes(mut hashes: Vec<String>) -> String {
    hashes.sort();
    let mut concat = Vec::with_capacity(hashes.len() * 16);
    for h in &hashes {
        concat.extend_from_slice(&Md5::digest(h.as_bytes()));
    }
    truncate(b64(&Md5::digest(&concat)))
}

fn hex_to_b64(hex: &str) -> Option<String> {
    if hex.len() % 2 != 0 || hex.is_empty() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    Some(truncate(b64(&bytes?)))
}

/// The hash of a cloud object from its entity tag, without downloading it, as Python LaminDB
/// computes it: an S3 ETag is the md5 in hex (`md5`), or `<hex>-<parts>` for multipart uploads
/// (`md5-<parts>`); any other tag (HTTP servers, other stores) is hashed as a string
/// (`md5-etag`).
pub fn hash_from_etag(etag: &str, s3_semantics: bool) -> (String, HashType) {
    let etag = etag.trim_matches('"');
    if s3_semantics {
        match etag.split_once('-') {
            None => {
                if let Some(h) = hex_to_b64(etag).filter(|_| etag.len() == 32) {
                    return (h, HashType::Md5);
                }
            }
            Some((hex, parts)) => {
                if let (Some(h), Ok(n)) = (hex_to_b64(hex), parts.parse::<u32>()) {
                    return (h, HashType::Md5Parts(n));
                }
            }
        }
    }
    (hash_string(etag), HashType::Md5Etag)
}

/// The hash of a Google Cloud Storage object from its entity tag, as Python LaminDB derives it
/// from the object's MD5 (`md5Hash`): the XML API's ETag is that MD5, as hex (or base64, as
/// fake-gcs-server writes it). Composite objects have no MD5; their ETag is hashed as text.
pub fn hash_from_gcs_etag(etag: &str) -> (String, HashType) {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let etag = etag.trim_matches('"');
    if etag.len() == 32 {
        if let Some(h) = hex_to_b64(etag) {
            return (h, HashType::Md5);
        }
    }
    match STANDARD.decode(etag) {
        Ok(md5) if md5.len() == 16 => (truncate(b64(&md5)), HashType::Md5),
        _ => (hash_string(etag), HashType::Md5Etag),
    }
}

/// Hashes a file or a folder, whichever `path` is.
pub fn hash_path(path: &Path) -> Result<ContentHash> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        hash_dir(path)
    } else {
        hash_file(path)
    }
}

#[cfg(test)]
mod etag_tests {
    use super::*;

    #[test]
    fn etags_hash_like_python_lamindb() {
        // md5("hello\n") = b1946ac92492d2347c6235b4d2611184
        let (h, t) = hash_from_etag("\"b1946ac92492d2347c6235b4d2611184\"", true);
        assert_eq!((h.as_str(), t), ("sZRqySSS0jR8YjW00mERhA", HashType::Md5));
        assert_eq!(h, hash_string("hello\n"));
        let (h, t) = hash_from_etag("b1946ac92492d2347c6235b4d2611184-3", true);
        assert_eq!(
            (h.as_str(), t),
            ("sZRqySSS0jR8YjW00mERhA", HashType::Md5Parts(3))
        );
        let (h, t) = hash_from_etag("\"5f2b-61a7\"", false);
        assert_eq!((h, t), (hash_string("5f2b-61a7"), HashType::Md5Etag));
        let (g, t) = hash_from_gcs_etag("\"b1946ac92492d2347c6235b4d2611184\"");
        assert_eq!((g.as_str(), t), ("sZRqySSS0jR8YjW00mERhA", HashType::Md5));
        // fake-gcs-server's ETag is the md5Hash in base64, which Python reads.
        let (g, t) = hash_from_gcs_etag("\"sZRqySSS0jR8YjW00mERhA==\"");
        assert_eq!((g.as_str(), t), ("sZRqySSS0jR8YjW00mERhA", HashType::Md5));
        let (_, t) = hash_from_gcs_etag("CKih16GjycICEAE=");
        assert_eq!(t, HashType::Md5Etag);
        let (_, t) = hash_from_etag("7", true);
        assert_eq!(t, HashType::Md5Etag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hash_string_matches_python() {
        // hashlib.md5(b"").digest() -> urlsafe b64
        assert_eq!(hash_string(""), "1B2M2Y8AsgTpgAmY7PhCfg");
    }

    #[test]
    fn known_vectors_from_python_lamindb() {
        let dir = tempfile::tempdir().unwrap();
        let hello = dir.path().join("hello.txt");
        std::fs::write(&hello, b"hello\n").unwrap();
        let h = hash_file(&hello).unwrap();
        assert_eq!(
            (h.hash.as_str(), h.hash_type, h.size),
            ("sZRqySSS0jR8YjW00mERhA", HashType::Md5, 6)
        );

        let folder = dir.path().join("folder");
        std::fs::create_dir_all(folder.join("b")).unwrap();
        std::fs::write(folder.join("a"), b"1").unwrap();
        std::fs::write(folder.join("b/c"), b"2").unwrap();
        let h = hash_path(&folder).unwrap();
        assert_eq!(h.hash, "Rk5agZt409Ql9aNASmbGlg");
        assert_eq!(
            (h.hash_type, h.size, h.n_files),
            (HashType::Md5D, 2, Some(2))
        );

        assert_eq!(hash_set(["y", "x"]), "2tPVBBUHRRqUsy4FdDgkGQ");
        assert_eq!(
            hash_dict(&serde_json::json!({"b": 1, "a": [1, 2]})),
            "vSrkP8i5TjQWigabbCBgtw"
        );
        assert_eq!(
            hash_dict(&serde_json::json!({"k": "\u{e9}"})),
            "KULvU7sHUhCy4JgshoDmbQ"
        );

        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(hash_path(&empty), Err(Error::EmptyFolder { .. })));
    }

    #[test]
    fn large_files_use_sha1_first_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let bytes: Vec<u8> = (0..62_914_560u64).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let h = hash_file(&path).unwrap();
        assert_eq!(
            (h.hash.as_str(), h.hash_type),
            ("sp_JIpl94P1kNgy51J3sLX", HashType::Sha1Fl)
        );
        std::fs::write(&path, &bytes[..52_428_800]).unwrap();
        assert_eq!(hash_file(&path).unwrap().hash, "3W44Ct3v_5UwbvG_2jY37w");
        std::fs::write(&path, &bytes[..52_428_801]).unwrap();
        let h = hash_file(&path).unwrap();
        assert_eq!(
            (h.hash.as_str(), h.hash_type),
            ("2Y-qIegYfDU3oH6VDyMaUu", HashType::Sha1Fl)
        );
    }

    #[test]
    fn hash_type_round_trip() {
        for t in [
            HashType::Md5,
            HashType::Sha1Fl,
            HashType::Md5D,
            HashType::Md5Parts(7),
            HashType::Md5Etag,
            HashType::Sha1,
        ] {
            assert_eq!(HashType::parse(&t.as_str()), Some(t));
        }
        assert_eq!(HashType::parse("nonsense"), None);
    }

    #[test]
    fn python_json_dumps_format() {
        let mut out = String::new();
        python_json_dumps(&serde_json::json!({"b": 1, "a": [1, "x\u{e9}"]}), &mut out);
        assert_eq!(out, r#"{"a": [1, "x\u00e9"], "b": 1}"#);
    }

    proptest! {
        #[test]
        fn hash_string_is_22_url_safe_chars(s in ".*") {
            let h = hash_string(&s);
            prop_assert_eq!(h.len(), 22);
            prop_assert!(h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        }

        #[test]
        fn hash_set_ignores_order(mut v in proptest::collection::vec("[a-z]{1,5}", 1..8)) {
            let a = hash_set(&v);
            v.reverse();
            prop_assert_eq!(a, hash_set(&v));
        }

        #[test]
        fn file_hash_equals_md5_of_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("f");
            std::fs::write(&p, &bytes).unwrap();
            let h = hash_file(&p).unwrap();
            prop_assert_eq!(h.hash, truncate(b64(&Md5::digest(&bytes))));
            prop_assert_eq!(h.size, bytes.len() as u64);
        }
    }
}
