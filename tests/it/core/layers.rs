//! The layers of lamindb-core point one way: a module uses only modules below it, so no two
//! modules import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// lamindb-core's top-level modules, bottom up (ARCHITECTURE.md shows the same order).
const LAYERS: [&str; 9] = [
    "error", "util", "db", "meta", "instance", "query", "records", "annotate", "lineage",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a line, without its comment.
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or_default()
}

/// Identifiers after `crate::` (and inside `crate::{…}` lists) on a line.
fn crate_refs(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code(line);
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(list) = after.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            for item in list[..end].split(',') {
                let head = item.trim().split("::").next().unwrap_or_default();
                out.push(head.to_owned());
            }
        } else {
            let head: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(head);
        }
        rest = after;
        if rest.is_empty() {
            break;
        }
        rest = &rest[1..];
    }
    out
}

#[test]
fn modules_depend_only_on_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lamindb-core/src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let layers: Vec<String> = LAYERS.iter().map(|l| l.to_string()).collect();
    // Every module of lib.rs has a place in the order.
    for l in lib.lines() {
        let l = l.trim();
        if let Some(m) = l
            .strip_prefix("pub mod ")
            .or_else(|| l.strip_prefix("mod "))
            .and_then(|m| m.strip_suffix(';'))
        {
            assert!(
                LAYERS.contains(&m),
                "module {m} of lib.rs has no layer in LAYERS"
            );
        }
    }
    let mut reexports: BTreeMap<String, String> = BTreeMap::new();
    let mut in_use: Option<String> = None;
    for line in lib.lines() {
        let l = line.trim();
        if let Some(path) = l.strip_prefix("pub use ") {
            let module = path.split("::").next().unwrap().to_owned();
            if layers.contains(&module) {
                in_use = Some(module);
            }
        }
        if let Some(m) = &in_use {
            let names = l.rsplit("::").next().unwrap_or(l);
            for name in names.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if name.chars().next().is_some_and(char::is_uppercase) {
                    reexports.insert(name.to_owned(), m.clone());
                }
            }
            if l.ends_with(';') {
                in_use = None;
            }
        }
    }
    let rank = |m: &str| layers.iter().position(|l| l == m);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for r in crate_refs(line) {
                let target = reexports.get(&r).cloned().unwrap_or(r);
                if target != module && rank(&target).is_some() {
                    edges
                        .entry(module.clone())
                        .or_default()
                        .insert((target, format!("{}:{}", rel.display(), n + 1)));
                }
            }
        }
    }
    // Inside a layer, no two files import each other either (`records::artifact` may use
    // `records::runs`, not both ways).
    let mut inner: BTreeSet<(String, String)> = BTreeSet::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let parts: Vec<String> = rel
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned()
            })
            .collect();
        let [layer, file] = &parts[..] else { continue };
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines() {
            let c = code(line);
            for prefix in [format!("crate::{layer}::"), "super::".to_owned()] {
                for (i, _) in c.match_indices(&prefix) {
                    let other: String = c[i + prefix.len()..]
                        .chars()
                        .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                        .collect();
                    if !other.is_empty() && &other != file && file != "mod" {
                        inner.insert((format!("{layer}::{file}"), format!("{layer}::{other}")));
                    }
                }
            }
        }
    }
    let mut wrong = Vec::new();
    for (a, b) in &inner {
        if inner.contains(&(b.clone(), a.clone())) && a < b {
            wrong.push(format!("{a} and {b} import each other"));
        }
    }
    for (module, targets) in &edges {
        for (target, at) in targets {
            if rank(target) > rank(module) {
                wrong.push(format!("{module} uses {target} (a higher layer) at {at}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
