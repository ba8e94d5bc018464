//! Markdown notes in a development folder (`lamin save topic/note.md`, `lamin load
//! topic/note`), saved as records with a readme, and README.md kept as an artifact plus a
//! README block — as lamin-cli 1.21 does. Errors exit 1 with `Error: …` on stderr, as there.

use std::path::{Path, PathBuf};

use lamindb_core::instance::settings;
use lamindb_core::prelude::*;
use lamindb_core::records::notes::NotePath;
use serde_json::json;

use crate::output::{Global, Output};

/// lamin-cli's failure: the message on stderr, exit code 1.
fn failed(e: Error) -> Output {
    eprintln!("Error: {e}");
    let mut out = Output::new("", json!({ "error": e.to_string() }));
    out.exit_code = 1;
    out
}

/// The development folder of `inst` around the working folder, if any.
fn dev_dir(inst: &Instance) -> Result<Option<PathBuf>> {
    let cwd = crate::output::current_dir()?;
    Ok(settings::dev_dir(&cwd, &inst.slug()))
}

/// The note `path` stands for: a `.md` file under the development folder (not README.md).
pub fn note_path(inst: &Instance, path: &Path) -> Result<Option<NotePath>> {
    if path.extension().and_then(|e| e.to_str()) != Some("md") {
        return Ok(None);
    }
    let Some(dev) = dev_dir(inst)? else {
        return Ok(None);
    };
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let abs = canon(&std::path::absolute(path).map_err(|e| Error::io(path, e))?);
    let Ok(rel) = abs.strip_prefix(canon(&dev)) else {
        return Ok(None);
    };
    Ok(NotePath::parse(&rel.to_string_lossy(), false))
}

/// `lamin save NOTE.md`: the note's record and its new readme version; the file gets the
/// record's uid in its front matter.
pub fn save(g: &Global, path: &Path, forced: bool, key_given: bool) -> Result<Output> {
    let inst = g.open()?;
    if forced && path.extension().and_then(|e| e.to_str()) != Some("md") {
        return Ok(failed(Error::Validation(
            "Saving as registry='record' requires a .md file.".into(),
        )));
    }
    if key_given {
        println!("! key is ignored for records, record identity comes from path");
    }
    let Some(target) = note_path(&inst, path)? else {
        return Ok(failed(Error::Validation(
            "To save as record, pass a markdown path under dev-dir in the form <topic>/<subtopic>/.../<note>.md or <note>.md.".into(),
        )));
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let saved = match inst.notes().save(&target, &text) {
        Ok(s) => s,
        Err(e) => return Ok(failed(e)),
    };
    if saved.file_text != text {
        // Atomically: another `lamin save` of the note may be reading it right now.
        lamindb_core::util::fs::write_atomic(path, &saved.file_text)?;
    }
    let mut lines = Vec::new();
    if let Some(old) = &saved.renamed_from {
        lines.push(format!(
            "→ renamed record: {old} → {}",
            saved.record.name.as_deref().unwrap_or_default()
        ));
    }
    lines.push(format!(
        "→ saved note content: RecordBlock('{}')",
        saved.block.uid
    ));
    Ok(Output::new(
        lines.join("\n"),
        json!({
            "record": saved.record.uid,
            "name": saved.record.name,
            "block": saved.block.uid,
            "created_block": saved.block.created,
            "renamed_from": saved.renamed_from,
        }),
    ))
}

/// Whether `lamin load TARGET` names a note (`topic/note`, `note.md`) or a record URL.
pub fn is_load_target(target: &str) -> bool {
    target.contains("/record/") || NotePath::parse(target, true).is_some()
}

/// `lamin load topic/sub/note` (or a `…/record/<uid>` URL): writes the note file, under the
/// development folder's type folders when inside one, else flat in the working folder.
pub fn load(g: &Global, target: &str) -> Result<Output> {
    let inst = g.open()?;
    let record = if let Some((_, uid)) = target.rsplit_once("/record/") {
        let uid = uid.trim_end_matches('/');
        let found = inst
            .query::<Record>()
            .branches(Branches::All)
            .filter(Q::new("uid__startswith", uid))
            .order_by("-created_at")
            .limit(1)
            .all()?;
        match found.into_iter().next() {
            Some(r) => r,
            None => {
                return Ok(failed(Error::NotFound(format!(
                    "Record with uid={uid} does not exist."
                ))))
            }
        }
    } else {
        let path = NotePath::parse(target, true)
            .ok_or_else(|| Error::Validation(format!("'{target}' names no note")))?;
        match inst.notes().find(&path) {
            Ok(r) => r,
            Err(e) => return Ok(failed(e)),
        }
    };
    let name = record.name.clone().unwrap_or_default();
    let dest = match dev_dir(&inst)? {
        Some(dev) => {
            let mut p = dev;
            for t in inst.notes().types_of(&record)? {
                p.push(t);
            }
            p.join(format!("{name}.md"))
        }
        None => crate::output::current_dir()?.join(format!("{name}.md")),
    };
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let text = inst.notes().file_text(&record)?;
    std::fs::write(&dest, text).map_err(|e| Error::io(&dest, e))?;
    Ok(Output::new(
        format!("→ note is here: {}", dest.display()),
        json!({ "record": record.uid, "path": dest }),
    ))
}

/// `lamin load README.md`: the newest README.md artifact, written to the development folder
/// (or the working folder).
pub fn load_readme(g: &Global) -> Result<Output> {
    let inst = g.open()?;
    let a = inst.artifacts().newest_by_key("README.md")?;
    let src = inst.artifacts().cache(&a)?;
    let dir = match dev_dir(&inst)? {
        Some(d) => d,
        None => crate::output::current_dir()?,
    };
    let dest = super::artifacts::copy_out(&src, &dir, std::ffi::OsStr::new("README.md"))?;
    Ok(Output::new(
        format!("→ README is here: {}", dest.display()),
        json!({ "uid": a.uid, "path": dest }),
    ))
}
