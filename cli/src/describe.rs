//! Human-readable renderings of artifacts.

use lamindb_core::prelude::*;

fn human_size(n: Option<i64>) -> String {
    let Some(n) = n else { return "-".into() };
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < units.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn branch_name(id: i32) -> &'static str {
    match id {
        -1 => "trash",
        0 => "archive",
        1 => "main",
        _ => "other",
    }
}

/// The describe tree of an artifact, in the shape Python LaminDB prints.
pub fn artifact_tree(inst: &Instance, a: &Artifact) -> Result<String> {
    let title = a
        .key
        .clone()
        .or_else(|| a.description.clone())
        .unwrap_or_else(|| a.uid.clone());
    let path = inst.storage_root().path_of(&a.storage_key())?;
    let pair = |l: String, r: String| format!("│   {l:<34} {r}\n");
    let mut s = format!("Artifact: {title} ({})\n", a.version());
    s.push_str(&format!(
        "├── uid: {:<29} hash: {}\n",
        a.uid,
        a.hash.as_deref().unwrap_or("-")
    ));
    s.push_str(&pair(
        format!("size: {}", human_size(a.size)),
        format!("suffix: {}", a.suffix),
    ));
    s.push_str(&pair(
        format!("kind: {}", a.kind.as_deref().unwrap_or("-")),
        format!(
            "n_files: {}",
            a.n_files.map(|n| n.to_string()).unwrap_or("-".into())
        ),
    ));
    s.push_str(&pair(
        format!("branch: {}", branch_name(a.branch_id)),
        format!("is_latest: {}", a.is_latest),
    ));
    s.push_str(&pair(
        format!("created_at: {}", a.created_at),
        format!(
            "created_by: {}",
            if a.created_by_id == inst.user().id {
                inst.user().handle.clone()
            } else {
                a.created_by_id.to_string()
            }
        ),
    ));
    if let Some(d) = &a.description {
        s.push_str(&format!("│   description: {d}\n"));
    }
    s.push_str(&format!("└── storage/path: {}", path.display()));
    Ok(s)
}

/// A table of artifacts, one per line.
pub fn artifact_table(rows: &[Artifact]) -> String {
    if rows.is_empty() {
        return "no artifacts".into();
    }
    let mut s = format!(
        "{:<20}  {:<7}  {:>10}  {:<6}  {}\n",
        "uid", "version", "size", "latest", "key / description"
    );
    for a in rows {
        let label = a
            .key
            .clone()
            .or_else(|| a.description.clone())
            .unwrap_or_default();
        s.push_str(&format!(
            "{:<20}  {:<7}  {:>10}  {:<6}  {}\n",
            a.uid,
            a.version(),
            human_size(a.size),
            a.is_latest,
            label
        ));
    }
    s.pop();
    s
}
