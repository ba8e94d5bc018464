//! Source files from a local path or a URL: `http(s)://` with ureq, `s3://`, `gs://` and `hf://`
//! through lamindb-storage; remote files are cached under `<cache>/bionty/…` next to a checksum
//! that is verified before a cached copy is reused.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use lamindb_core::instance::settings::cache_dir;
use lamindb_core::{Error, Instance, Result};
use lamindb_storage::StorageRoot;
use md5::{Digest, Md5};

/// Where a source file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A local file.
    File(PathBuf),
    /// A URL (`https://…`, `s3://…`, `gs://…`, `file://…`).
    Url(String),
}

impl Input {
    /// A path or URL as a user writes it.
    pub fn parse(s: &str) -> Input {
        match s.split_once("://") {
            Some(("file", rest)) => Input::File(PathBuf::from(rest)),
            Some(_) => Input::Url(s.to_owned()),
            None => Input::File(PathBuf::from(s)),
        }
    }

    /// How the input reads in messages.
    pub fn describe(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Url(u) => u.clone(),
        }
    }
}

fn is_owl(url: &str) -> bool {
    url.split(['?', '#'])
        .next()
        .is_some_and(|u| u.ends_with(".owl"))
}

/// The URL to read for a source's catalogue URL: OBO Foundry publishes every release as OBO
/// next to OWL (`…/releases/V/cl.owl` and `…/releases/V/cl.obo`), and OBO is what imports read.
pub fn obo_variant(url: &str) -> String {
    match url.strip_suffix(".owl") {
        Some(stem) if url.starts_with("http://purl.obolibrary.org/obo/") => format!("{stem}.obo"),
        _ => url.to_owned(),
    }
}

/// The md5 of a file, hex.
pub fn md5_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The local file for `input`: the path itself, or a verified cached copy of the URL
/// (downloaded when missing or when the copy no longer matches its checksum).
pub fn local_file(inst: Option<&Instance>, input: &Input) -> Result<PathBuf> {
    let url = match input {
        Input::Url(u) if is_owl(u) => {
            return Err(Error::Unsupported(format!(
                "{u} is OWL, which lamindb-rs does not read; import the source's OBO or OBO Graphs JSON file"
            )))
        }
        Input::File(p) => {
            return if p.is_file() {
                Ok(p.clone())
            } else {
                Err(Error::NotFound(format!("no file at {}", p.display())))
            }
        }
        Input::Url(u) => u,
    };
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let dest = cache_dir().join("bionty").join(scheme).join(
        rest.split(['?', '#'])
            .next()
            .unwrap_or(rest)
            .trim_matches('/'),
    );
    let sidecar = dest.with_file_name(format!(
        "{}.md5",
        dest.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    if dest.is_file() {
        if let Ok(recorded) = std::fs::read_to_string(&sidecar) {
            if recorded.trim() == md5_file(&dest)? {
                return Ok(dest);
            }
            tracing::warn!(
                "cached copy of {url} does not match its checksum; downloading it again"
            );
        }
    }
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let unreachable = |e: String| {
        Error::NotFound(format!(
            "cannot download {url} ({e}); download the file yourself and import it from a local path (`--file` in the CLI)"
        ))
    };
    match scheme {
        "http" | "https" => download_http(inst, url, &dest).map_err(unreachable)?,
        _ => {
            let (root, key) = rest
                .rsplit_once('/')
                .ok_or_else(|| Error::Validation(format!("{url} names no file")))?;
            let root = StorageRoot::parse(&format!("{scheme}://{root}"))?;
            root.download(key, &dest, None)
                .map_err(|e| unreachable(e.to_string()))?;
        }
    }
    std::fs::write(&sidecar, md5_file(&dest)?).map_err(|e| io(&sidecar, e))?;
    Ok(dest)
}

fn download_http(
    inst: Option<&Instance>,
    url: &str,
    dest: &Path,
) -> std::result::Result<(), String> {
    let resp = ureq::get(url).call().map_err(|e| e.to_string())?;
    let total: u64 = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut reader = resp.into_body().into_reader();
    let tmp = dest.with_extension("partial");
    let mut copy = |progress: Option<&(dyn Fn(u64) + Sync)>| -> std::result::Result<(), String> {
        let mut out = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        loop {
            let n = reader.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).map_err(|e| e.to_string())?;
            done += n as u64;
            if let Some(p) = progress {
                p(done);
            }
        }
        if total > 0 && done != total {
            return Err(format!("received {done} of {total} bytes"));
        }
        out.sync_all().map_err(|e| e.to_string())
    };
    let result = match inst {
        Some(inst) => inst.with_progress(&format!("downloading {url}"), total, copy),
        None => copy(None),
    };
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, dest).map_err(|e| e.to_string())
}
