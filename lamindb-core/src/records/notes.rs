//! Markdown notes as records, as lamin-cli 1.21 saves them: a note `topic/sub/name.md` in a
//! development folder is the `Record` called `name` under the record types `topic` → `sub`
//! (types matched ignoring case, from the root), and its text is the record's readme block.
//! The note file carries the record's uid in its front matter (`lamindb:\n  uid: …`), so a
//! renamed file renames the record; the stored text never contains that uid.

use crate::db::models::Record;
use crate::query::{Value, Q};
use crate::records::blocks::{AddedBlock, BlockKind};
use crate::records::labels::NewLabel;
use crate::{Error, Instance, Result};

/// Reading and writing the `lamindb:` section of a note's YAML front matter, byte for byte as
/// lamin-cli does (`_notes.py`).
pub mod front_matter {
    use crate::{Error, Result};

    /// `(front matter lines, rest)` when `text` starts with a `---` … `---` block.
    fn split(text: &str) -> Option<(Vec<&str>, &str)> {
        let first_end = text.find('\n')?;
        if text[..first_end]
            .trim_end_matches('\r')
            .trim_end_matches([' ', '\t'])
            != "---"
        {
            return None;
        }
        let mut lines = Vec::new();
        let mut pos = first_end + 1;
        loop {
            let rest = &text[pos..];
            let (line, next) = match rest.find('\n') {
                Some(i) => (&rest[..i], pos + i + 1),
                None => (rest, text.len()),
            };
            let bare = line.trim_end_matches('\r');
            if bare.trim_end_matches([' ', '\t']) == "---" {
                return Some((lines, &text[next..]));
            }
            if next >= text.len() && rest.find('\n').is_none() {
                return None;
            }
            lines.push(bare);
            pos = next;
        }
    }

    fn top_key(line: &str) -> Option<&str> {
        if line.is_empty() || line.starts_with([' ', '\t', '#']) || !line.contains(':') {
            return None;
        }
        Some(line.split(':').next().unwrap_or_default().trim())
    }

    fn nested_key(line: &str) -> Option<&str> {
        if !line.starts_with([' ', '\t']) {
            return None;
        }
        let t = line.trim();
        if t.starts_with('#') {
            return None;
        }
        let key = t.split_once(':')?.0.trim();
        (!key.is_empty() && !key.contains(' ')).then_some(key)
    }

    /// Whether `line` opens the `lamindb:` section (a top-level key with no value).
    fn opens_section(line: &str) -> bool {
        top_key(line) == Some("lamindb")
            && line
                .split_once(':')
                .is_some_and(|(_, v)| v.trim().is_empty())
    }

    /// The record uid in the front matter's `lamindb:` section, if any.
    pub fn parse_uid(text: &str) -> Result<Option<String>> {
        let Some((lines, _)) = split(text) else {
            return Ok(None);
        };
        let mut inside = false;
        for line in lines {
            if top_key(line).is_some() {
                inside = opens_section(line);
                continue;
            }
            if inside && nested_key(line) == Some("uid") {
                let raw = line.trim().split_once(':').map_or("", |(_, v)| v).trim();
                let v = ['"', '\'']
                    .iter()
                    .find_map(|q| {
                        (raw.len() >= 2 && raw.starts_with(*q) && raw.ends_with(*q))
                            .then(|| &raw[1..raw.len() - 1])
                    })
                    .unwrap_or(raw);
                if v.is_empty() {
                    return Err(Error::Validation(
                        "lamindb.uid in front matter is empty.".into(),
                    ));
                }
                return Ok(Some(v.to_owned()));
            }
        }
        Ok(None)
    }

    fn join(lines: &[String], rest: &str) -> String {
        let sep = if rest.starts_with(['\n', '\r']) {
            ""
        } else {
            "\n"
        };
        format!("---\n{}\n---\n{sep}{rest}", lines.join("\n"))
    }

    /// `text` with `uid` as its `lamindb.uid` (front matter added or updated).
    pub fn upsert_uid(text: &str, uid: &str) -> String {
        let entry = format!("  uid: {uid}");
        let Some((lines, rest)) = split(text) else {
            if text.is_empty() {
                return format!("---\nlamindb:\n{entry}\n---\n");
            }
            let sep = if text.starts_with(['\n', '\r']) {
                ""
            } else {
                "\n"
            };
            return format!("---\nlamindb:\n{entry}\n---\n{sep}{text}");
        };
        let mut out: Vec<String> = Vec::with_capacity(lines.len() + 2);
        let mut inside = false;
        let mut found_section = false;
        let mut placed = false;
        let mut section_end = None;
        for line in &lines {
            if top_key(line).is_some() {
                if inside {
                    section_end = Some(out.len());
                }
                inside = opens_section(line);
                found_section |= inside;
                out.push((*line).to_owned());
                continue;
            }
            if inside && nested_key(line) == Some("uid") {
                if !placed {
                    out.push(entry.clone());
                    placed = true;
                }
                continue;
            }
            out.push((*line).to_owned());
        }
        if inside {
            section_end = Some(out.len());
        }
        if found_section && !placed {
            out.insert(section_end.unwrap_or(out.len()), entry);
        } else if !found_section {
            out.push("lamindb:".into());
            out.push(entry);
        }
        join(&out, rest)
    }

    /// `text` without its `lamindb.uid` (what is stored): the `lamindb:` header goes when
    /// nothing else is under it, the front matter when nothing is left in it.
    pub fn strip_uid(text: &str) -> String {
        let Some((lines, rest)) = split(text) else {
            return text.to_owned();
        };
        let mut kept: Vec<String> = Vec::new();
        let mut section: Option<(String, Vec<String>)> = None;
        let flush = |kept: &mut Vec<String>, section: &mut Option<(String, Vec<String>)>| {
            if let Some((header, children)) = section.take() {
                if children.iter().any(|c| !c.trim().is_empty()) {
                    kept.push(header);
                    kept.extend(children);
                }
            }
        };
        for line in &lines {
            if top_key(line).is_some() {
                flush(&mut kept, &mut section);
                if opens_section(line) {
                    section = Some(((*line).to_owned(), Vec::new()));
                } else {
                    kept.push((*line).to_owned());
                }
                continue;
            }
            match &mut section {
                Some((_, children)) => {
                    if nested_key(line) != Some("uid") {
                        children.push((*line).to_owned());
                    }
                }
                None => kept.push((*line).to_owned()),
            }
        }
        flush(&mut kept, &mut section);
        if kept.iter().all(|l| l.trim().is_empty()) {
            return rest
                .strip_prefix("\r\n")
                .or_else(|| rest.strip_prefix('\n'))
                .or_else(|| rest.strip_prefix('\r'))
                .unwrap_or(rest)
                .to_owned();
        }
        format!("---\n{}\n---\n{rest}", kept.join("\n"))
    }
}

/// Where a note lives: its record types from the root, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotePath {
    /// Record type names, outermost first.
    pub types: Vec<String>,
    /// The note's record name (the file name without `.md`).
    pub name: String,
}

impl NotePath {
    /// Parses `topic/sub/note.md` (a path relative to the development folder). Without `.md`
    /// the last part is the name too, unless `single_needs_suffix` and there is no folder.
    /// `README.md` is never a note.
    pub fn parse(rel: &str, single_needs_suffix: bool) -> Option<NotePath> {
        let rel = rel.replace('\\', "/");
        let rel = rel.trim();
        if rel.is_empty() || rel.ends_with('/') {
            return None;
        }
        let parts: Vec<&str> = rel.split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
        {
            return None;
        }
        let last = *parts.last()?;
        if last == "README.md" {
            return None;
        }
        let name = match last.strip_suffix(".md") {
            Some(n) => n,
            None if parts.len() == 1 && single_needs_suffix => return None,
            None => last,
        };
        if name.is_empty() {
            return None;
        }
        Some(NotePath {
            types: parts[..parts.len() - 1]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            name: name.to_owned(),
        })
    }

    /// `topic/sub/name`.
    pub fn display(&self) -> String {
        let mut parts = self.types.clone();
        parts.push(self.name.clone());
        parts.join("/")
    }
}

/// A saved note.
#[derive(Debug, Clone)]
pub struct SavedNote {
    /// The note's record.
    pub record: Record,
    /// Its readme block (found when the text is unchanged).
    pub block: AddedBlock,
    /// The record's former name when the file was renamed.
    pub renamed_from: Option<String>,
    /// The file's text with the record uid in its front matter.
    pub file_text: String,
}

/// Notes of an instance; see [`Instance::notes`].
pub struct Notes<'a> {
    inst: &'a Instance,
}

impl Instance {
    /// Markdown notes saved as records.
    pub fn notes(&self) -> Notes<'_> {
        Notes { inst: self }
    }
}

impl Notes<'_> {
    /// The record type at the end of `types`, each matched ignoring case under the one before.
    fn resolve_types(&self, types: &[String]) -> Result<Option<Record>> {
        let mut parent: Option<Record> = None;
        let mut walked: Vec<&str> = Vec::new();
        for seg in types {
            let found = self
                .inst
                .query::<Record>()
                .filter(
                    Q::new("name__iexact", seg.as_str())
                        & Q::new("is_type", true)
                        & Q::new(
                            "type_id",
                            parent
                                .as_ref()
                                .map_or(Value::Null, |p| Value::Int(p.id.into())),
                        ),
                )
                .limit(1)
                .all()?
                .into_iter()
                .next();
            let under = if walked.is_empty() {
                "<root>".to_owned()
            } else {
                walked.join("/")
            };
            walked.push(seg);
            parent = Some(found.ok_or_else(|| {
                Error::NotFound(format!(
                    "Record type '{seg}' not found under '{under}'. Expected hierarchy segment '{}'. Create it first.",
                    walked.join("/")
                ))
            })?);
        }
        Ok(parent)
    }

    /// The record of the note at `path`, if it exists.
    pub fn find(&self, path: &NotePath) -> Result<Record> {
        let parent = self.resolve_types(&path.types)?;
        self.named(&path.name, parent.as_ref())?.ok_or_else(|| {
            Error::NotFound(format!(
                "Record note '{}' does not exist. Save it first.",
                path.display()
            ))
        })
    }

    fn named(&self, name: &str, parent: Option<&Record>) -> Result<Option<Record>> {
        Ok(self
            .inst
            .query::<Record>()
            .filter(
                Q::new("name", name)
                    & Q::new(
                        "type_id",
                        parent.map_or(Value::Null, |p| Value::Int(p.id.into())),
                    ),
            )
            .limit(1)
            .all()?
            .into_iter()
            .next())
    }

    /// Saves the note at `path` with file text `text`: the record named by the front matter's
    /// uid (renamed to the file's name if it differs) or by the path (created when missing,
    /// under existing types), and the text without the uid as its readme.
    pub fn save(&self, path: &NotePath, text: &str) -> Result<SavedNote> {
        let records = self.inst.records();
        let mut renamed_from = None;
        let record = match front_matter::parse_uid(text)? {
            Some(uid) => {
                let found = self
                    .inst
                    .query::<Record>()
                    .branches(crate::query::Branches::All)
                    .filter(Q::new("uid", uid.as_str()))
                    .all()?
                    .into_iter()
                    .next()
                    .ok_or_else(|| {
                        Error::NotFound(format!(
                            "Record with uid '{uid}' from lamindb.uid does not exist."
                        ))
                    })?;
                let old = found.name.clone().unwrap_or_default();
                if old == path.name {
                    found
                } else {
                    let parent = match found.type_id {
                        Some(t) => Some(records.by_id(t)?),
                        None => None,
                    };
                    if self
                        .named(&path.name, parent.as_ref())?
                        .is_some_and(|r| r.uid != found.uid)
                    {
                        return Err(Error::Conflict(format!(
                            "Cannot rename record '{old}' to '{}': a record with that name already exists under the same type.",
                            path.name
                        )));
                    }
                    self.inst.set_field(
                        &crate::meta::core::RECORD,
                        found.id.into(),
                        "name",
                        &path.name,
                    )?;
                    renamed_from = Some(old);
                    records.by_id(found.id)?
                }
            }
            None => {
                let parent = self.resolve_types(&path.types)?;
                match self.named(&path.name, parent.as_ref())? {
                    Some(r) => r,
                    None => {
                        // A note under a sheet (a type with a schema) is one of its rows; any
                        // other note is itself a page that may hold notes.
                        let is_frame = parent.as_ref().is_some_and(|p| p.schema_id.is_some());
                        let mut spec = NewLabel::new(path.name.as_str());
                        if let Some(p) = &parent {
                            spec = spec.of_type(p.id);
                        }
                        if !is_frame {
                            spec = spec.as_type();
                        }
                        records.create(spec)?.record
                    }
                }
            }
        };
        let file_text = front_matter::upsert_uid(text, &record.uid);
        let block = self.inst.blocks().add(
            &crate::meta::core::RECORD,
            record.id.into(),
            BlockKind::Readme,
            &front_matter::strip_uid(&file_text),
        )?;
        Ok(SavedNote {
            record,
            block,
            renamed_from,
            file_text,
        })
    }

    /// The type names from the root down to `record`'s type.
    pub fn types_of(&self, record: &Record) -> Result<Vec<String>> {
        let mut chain = Vec::new();
        let mut next = record.type_id;
        while let Some(id) = next {
            let t = self.inst.records().by_id(id)?;
            chain.push(t.name.clone().unwrap_or_default());
            next = t.type_id;
        }
        chain.reverse();
        Ok(chain)
    }

    /// The note file's text of `record`: its latest readme with its uid in the front matter.
    pub fn file_text(&self, record: &Record) -> Result<String> {
        let readme = self
            .inst
            .blocks()
            .of(&crate::meta::core::RECORD, record.id.into())?
            .into_iter()
            .rev()
            .find(|(kind, _, _)| kind == "readme")
            .map(|(_, _, content)| content)
            .unwrap_or_default();
        Ok(front_matter::upsert_uid(&readme, &record.uid))
    }
}

#[cfg(test)]
mod tests {
    use super::front_matter::*;
    use super::NotePath;

    #[test]
    fn front_matter_as_lamin_cli_writes_it() {
        assert_eq!(upsert_uid("", "u"), "---\nlamindb:\n  uid: u\n---\n");
        assert_eq!(
            upsert_uid("# Title\n", "uid123"),
            "---\nlamindb:\n  uid: uid123\n---\n\n# Title\n"
        );
        assert_eq!(
            upsert_uid("---\ntitle: Hello\n---\n\n# Body\n", "abc"),
            "---\ntitle: Hello\nlamindb:\n  uid: abc\n---\n\n# Body\n"
        );
        assert_eq!(
            upsert_uid("---\n---\n# Body\n", "z"),
            "---\nlamindb:\n  uid: z\n---\n\n# Body\n"
        );
        let once = upsert_uid("# T\n", "u1");
        assert_eq!(upsert_uid(&once, "u1"), once);
        assert_eq!(parse_uid(&once).unwrap().as_deref(), Some("u1"));
        assert_eq!(parse_uid("# none").unwrap(), None);
        assert_eq!(
            parse_uid("---\nlamindb:\n  uid: 'q1'\n---\n")
                .unwrap()
                .as_deref(),
            Some("q1")
        );
        assert!(parse_uid("---\nlamindb:\n  uid:\n---\n").is_err());
        assert_eq!(
            strip_uid("---\nlamindb:\n  uid: uid123\n---\n\nIntro:\n"),
            "Intro:\n"
        );
        assert_eq!(
            strip_uid("---\ntitle: Hello\nlamindb:\n  uid: uid123\n---\n\n# Body\n"),
            "---\ntitle: Hello\n---\n\n# Body\n"
        );
        let other = "---\nlamindb:\n  source: notion\n---\n\n# Body\n";
        assert_eq!(strip_uid(other), other);
        // A plain body round-trips byte for byte.
        let body = "# B\n\ntext\n";
        assert_eq!(strip_uid(&upsert_uid(body, "U")), body);
        // Other front matter keeps its place, before the lamindb section.
        let f = upsert_uid("---\ntitle: Keep me\n---\n# Original\n\nhello\n", "U");
        assert_eq!(
            f,
            "---\ntitle: Keep me\nlamindb:\n  uid: U\n---\n\n# Original\n\nhello\n"
        );
        assert_eq!(
            strip_uid(&f),
            "---\ntitle: Keep me\n---\n\n# Original\n\nhello\n"
        );
    }

    #[test]
    fn note_paths() {
        let p = NotePath::parse("topic/sub/note.md", true).unwrap();
        assert_eq!(
            (p.types.as_slice(), p.name.as_str()),
            (&["topic".to_owned(), "sub".to_owned()][..], "note")
        );
        assert_eq!(NotePath::parse("note.md", true).unwrap().types.len(), 0);
        assert!(NotePath::parse("note", true).is_none());
        assert_eq!(NotePath::parse("a/note", true).unwrap().name, "note");
        assert!(NotePath::parse("README.md", false).is_none());
        assert!(NotePath::parse("a/../b.md", false).is_none());
        assert!(NotePath::parse("a/", false).is_none());
    }
}
