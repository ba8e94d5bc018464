//! Canonical suffixes, as `lamindb_setup.core.canonical_suffix.CanonicalSuffix.extract_from_path`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

/// The simple formats Python LaminDB knows (one per line, with the dot), in upstream order.
const SIMPLE: &str = include_str!("known_suffixes.txt");
/// Multi-part formats that are one suffix.
const COMPOSITE: [&str; 5] = [
    ".anndata.zarr",
    ".vitessce.json",
    ".ome.zarr",
    ".ome.h5",
    ".ome.hdf5",
];
/// Compression encodings appended to a format (`.csv.gz`).
const ENCODINGS: [&str; 4] = [".gz", ".bz2", ".xz", ".zst"];

fn simple() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        SIMPLE
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('.'))
            .collect()
    })
}

/// Whether `suffix` (with its dot, lower case) is a simple, composite or encoding format.
pub fn is_known_suffix(suffix: &str) -> bool {
    simple().contains(suffix) || COMPOSITE.contains(&suffix) || ENCODINGS.contains(&suffix)
}

/// Python's `PurePath(name).suffixes`, lower-cased.
fn suffixes(name: &str) -> Vec<String> {
    if name.ends_with('.') {
        return Vec::new();
    }
    let name = name.trim_start_matches('.');
    name.split('.')
        .skip(1)
        .map(|p| format!(".{}", p.to_lowercase()))
        .collect()
}

/// The canonical and the raw suffix of a file or folder path.
///
/// The canonical suffix is what `lamindb_artifact.suffix` stores (`""` for unknown formats); the raw
/// suffix is what keys are compared against.
pub fn canonical_suffix(path: &Path) -> (String, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    suffix_of_name(&name)
}

fn suffix_of_name(name: &str) -> (String, String) {
    let sfx = suffixes(name);
    let last = sfx.last().cloned().unwrap_or_default();
    let both = |s: String| (s.clone(), s);
    if sfx.len() < 2 {
        let total = sfx.concat();
        if simple().contains(total.as_str()) || ENCODINGS.contains(&total.as_str()) {
            return both(total);
        }
        return (String::new(), last);
    }
    let total = sfx.concat();
    if let Some(c) = COMPOSITE.iter().find(|c| total.ends_with(*c)) {
        return both((*c).to_owned());
    }
    if simple().contains(last.as_str()) {
        return both(last);
    }
    if ENCODINGS.contains(&last.as_str()) {
        let prev = &sfx[sfx.len() - 2];
        let two = format!("{prev}{last}");
        if prev == ".tar" {
            if sfx.len() > 2 && simple().contains(sfx[sfx.len() - 3].as_str()) {
                return both(format!("{}{two}", sfx[sfx.len() - 3]));
            }
            return both(two);
        }
        if simple().contains(prev.as_str()) {
            return both(two);
        }
        return both(last);
    }
    (String::new(), last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_vectors() {
        // (path, canonical, raw) as computed by lamindb_setup 1.27.0
        let cases = [
            ("data/sample.csv", ".csv", ".csv"),
            ("myfile.abcdedf", "", ".abcdedf"),
            ("unknown.XYZ", "", ".xyz"),
            ("image.PNG", ".png", ".png"),
            ("data/sample.csv.gz", ".csv.gz", ".csv.gz"),
            ("x.JSON.GZ", ".json.gz", ".json.gz"),
            ("x.csv.ZST", ".csv.zst", ".csv.zst"),
            ("report.tsv.bz2", ".tsv.bz2", ".tsv.bz2"),
            ("archive.tar.gz", ".tar.gz", ".tar.gz"),
            ("filename.h5ad.tar.xz", ".h5ad.tar.xz", ".h5ad.tar.xz"),
            ("x.random.tar.gz", ".tar.gz", ".tar.gz"),
            ("x.tar.tar.gz", ".tar.tar.gz", ".tar.tar.gz"),
            ("file.random.gz", ".gz", ".gz"),
            ("x.gz.gz", ".gz", ".gz"),
            ("x.csv.gz.gz", ".gz", ".gz"),
            ("file.gz", ".gz", ".gz"),
            ("file.tar", ".tar", ".tar"),
            ("file.csv.tar", ".tar", ".tar"),
            ("x.tar.gz.csv", ".csv", ".csv"),
            ("data/sample.anndata.zarr", ".anndata.zarr", ".anndata.zarr"),
            ("x.Anndata.Zarr", ".anndata.zarr", ".anndata.zarr"),
            ("sample.OME.ZARR", ".ome.zarr", ".ome.zarr"),
            ("a.b.c.vitessce.json", ".vitessce.json", ".vitessce.json"),
            ("x.anndata.zarr.gz", ".zarr.gz", ".zarr.gz"),
            ("x.ome.tiff", ".tiff", ".tiff"),
            ("folder.zarr", ".zarr", ".zarr"),
            ("file.v1.2.csv", ".csv", ".csv"),
            ("file.v1.2", "", ".2"),
            ("my.data.v2", "", ".v2"),
            ("x.csv.random", "", ".random"),
            (".bashrc", "", ""),
            (".hidden.csv", ".csv", ".csv"),
            ("..csv", "", ""),
            ("file.", "", ""),
            ("noext", "", ""),
            ("dir/sub.dir/file", "", ""),
            ("file..csv", ".csv", ".csv"),
            ("x.csv ", "", ".csv "),
        ];
        for (path, canonical, raw) in cases {
            let got = canonical_suffix(Path::new(path));
            assert_eq!(got, (canonical.to_owned(), raw.to_owned()), "{path}");
        }
    }
}
