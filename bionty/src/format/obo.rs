//! OBO 1.4 flat files (and the 1.2 files still published), plain or gzip.
//!
//! A line-oriented reader rather than a full OBO grammar: an import reads only `[Term]`
//! stanzas' `id`, `name`, `def`, `synonym`, `is_a`, `relationship` and `is_obsolete`, and a
//! single pass over lines keeps MONDO (12 MB) well under the one-second import budget. Quoted
//! strings and unquoted values are unescaped as the OBO 1.4 spec says (`\"`, `\\`, `\n`, `\t`,
//! `\!`, …); a trailing `! comment` and `{qualifiers}` are dropped.

use std::io::BufRead;

use super::{normalise_version, obsolete_name, FormatError, Row, Table};

/// What to read from an OBO file.
#[derive(Debug, Clone, Default)]
pub struct OboOptions {
    /// A relation whose objects count as parents besides `is_a` (`part_of`).
    pub include_rel: Option<String>,
}

#[derive(Default)]
struct Stanza {
    line: usize,
    id: Option<String>,
    name: Option<String>,
    def: Option<String>,
    synonyms: Vec<String>,
    parents: Vec<String>,
    obsolete: bool,
}

/// Reads the live terms of an OBO file.
pub fn read(reader: impl BufRead, opts: &OboOptions) -> Result<Table, FormatError> {
    let mut table = Table::default();
    let mut stanza: Option<Stanza> = None;
    let mut in_header = true;
    let mut line_no = 0usize;
    let mut buf = String::new();
    let mut reader = reader;
    loop {
        buf.clear();
        let n = reader
            .read_line(&mut buf)
            .map_err(|e| FormatError::new(line_no + 1, format!("cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if !buf.ends_with('\n') {
            // Published OBO files end with a newline; a last line without one is a cut-off
            // download or copy, whose last term may be silently incomplete.
            return Err(FormatError::new(
                line_no,
                "the file ends in the middle of this line; it looks truncated",
            ));
        }
        let line = buf.trim_end_matches(['\n', '\r']).trim_start();
        if line.is_empty() || line.starts_with('!') {
            continue;
        }
        if line.starts_with('[') {
            let Some(kind) = line
                .strip_prefix('[')
                .and_then(|l| l.trim_end().strip_suffix(']'))
            else {
                return Err(FormatError::new(
                    line_no,
                    format!("malformed stanza header '{line}'"),
                ));
            };
            finish(&mut table, stanza.take());
            in_header = false;
            if kind == "Term" {
                stanza = Some(Stanza {
                    line: line_no,
                    ..Stanza::default()
                });
            }
            continue;
        }
        let Some((tag, value)) = split_tag(line).filter(|(t, _)| !t.contains(char::is_whitespace))
        else {
            return Err(FormatError::new(
                line_no,
                format!("expected 'tag: value', found '{line}'"),
            ));
        };
        if in_header {
            match tag {
                "data-version" => {
                    table.version = Some(normalise_version(&unquoted(value, line_no)?))
                }
                "ontology" => table.ontology = Some(unquoted(value, line_no)?),
                _ => {}
            }
            continue;
        }
        let Some(st) = stanza.as_mut() else { continue };
        match tag {
            "id" => st.id = Some(unquoted(value, line_no)?),
            "name" => st.name = Some(unquoted(value, line_no)?),
            "def" => st.def = Some(quoted(value, line_no)?.0),
            "synonym" => {
                let (text, rest) = quoted(value, line_no)?;
                if rest.split_whitespace().next() == Some("EXACT") {
                    st.synonyms.push(text);
                }
            }
            "is_a" => st.parents.push(unquoted(value, line_no)?),
            "relationship" => {
                let v = unquoted(value, line_no)?;
                let mut parts = v.split_whitespace();
                if let (Some(rel), Some(target), Some(want)) =
                    (parts.next(), parts.next(), opts.include_rel.as_deref())
                {
                    if rel == want {
                        st.parents.push(target.to_owned());
                    }
                }
            }
            "is_obsolete" => st.obsolete = unquoted(value, line_no)? == "true",
            _ => {}
        }
    }
    finish(&mut table, stanza.take());
    Ok(table)
}

fn finish(table: &mut Table, stanza: Option<Stanza>) {
    let Some(st) = stanza else { return };
    let _ = st.line;
    let name = st.name.unwrap_or_default();
    if st.obsolete || obsolete_name(&name) {
        table.obsolete += 1;
        return;
    }
    let Some(id) = st.id else { return };
    if name.is_empty() {
        return; // Python skips terms without a name
    }
    let mut parents = st.parents;
    parents.dedup();
    table.rows.push(Row {
        id: Some(id),
        name,
        description: st.def.filter(|d| !d.is_empty()),
        synonyms: st.synonyms,
        parents,
        extra: Vec::new(),
    });
}

/// Splits `tag: value` at the first unescaped colon.
fn split_tag(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b':' => return Some((line[..i].trim(), line[i + 1..].trim_start())),
            _ => i += 1,
        }
    }
    None
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'W' => ' ',
        other => other,
    }
}

/// An unquoted value: unescaped, up to an unescaped `!` (comment) or `{` (qualifiers), trimmed.
fn unquoted(value: &str, line: usize) -> Result<String, FormatError> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) => out.push(unescape(e)),
                None => return Err(FormatError::new(line, "a value ends with a lone backslash")),
            },
            '!' | '{' => break,
            _ => out.push(c),
        }
    }
    Ok(out.trim().to_owned())
}

/// A quoted string at the start of `value`, unescaped, and the rest of the value after it.
fn quoted(value: &str, line: usize) -> Result<(String, &str), FormatError> {
    let Some(body) = value.strip_prefix('"') else {
        return Err(FormatError::new(
            line,
            format!("expected a quoted string, found '{value}'"),
        ));
    };
    let mut out = String::with_capacity(body.len());
    let mut iter = body.char_indices();
    while let Some((i, c)) = iter.next() {
        match c {
            '\\' => match iter.next() {
                Some((_, e)) => out.push(unescape(e)),
                None => break,
            },
            '"' => return Ok((out, body[i + 1..].trim_start())),
            _ => out.push(c),
        }
    }
    Err(FormatError::new(line, "unterminated quoted string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> Table {
        read(s.as_bytes(), &OboOptions::default()).unwrap()
    }

    #[test]
    fn escapes_comments_and_scopes() {
        let t = read_str(concat!(
            "format-version: 1.4\ndata-version: v2025-10-14\nontology: hancestro\n\n",
            "[Term]\nid: AfPO:1\nname: \\!Kung\n",
            "def: \"A \\\"quoted\\\" def\\n\" []\n",
            "synonym: \"Kung\" EXACT []\nsynonym: \"rel\" RELATED []\n",
            "is_a: AfPO:0 ! parent label\nis_a: AfPO:2 {source=\"x\"} ! q\n\n",
            "[Term]\nid: AfPO:3\nname: obsolete thing\n\n",
            "[Term]\nid: AfPO:4\nis_obsolete: true\n\n[Typedef]\nid: part_of\nname: part of\n",
        ));
        assert_eq!(t.version.as_deref(), Some("2025-10-14"));
        assert_eq!(t.obsolete, 2);
        assert_eq!(t.rows.len(), 1);
        let r = &t.rows[0];
        assert_eq!(r.name, "!Kung");
        assert_eq!(r.description.as_deref(), Some("A \"quoted\" def\n"));
        assert_eq!(r.synonyms, ["Kung"]);
        assert_eq!(r.parents, ["AfPO:0", "AfPO:2"]);
    }

    #[test]
    fn include_rel_adds_parents() {
        let text = "[Term]\nid: U:1\nname: lung\nis_a: U:2\nrelationship: part_of U:3 ! x\nrelationship: has_part U:4\n";
        let plain = read(text.as_bytes(), &OboOptions::default()).unwrap();
        assert_eq!(plain.rows[0].parents, ["U:2"]);
        let opts = OboOptions {
            include_rel: Some("part_of".into()),
        };
        let with = read(text.as_bytes(), &opts).unwrap();
        assert_eq!(with.rows[0].parents, ["U:2", "U:3"]);
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let e = read(
            "[Term]\nid: X:1\ndef: \"open\n".as_bytes(),
            &OboOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        let e = read("[Term]\nid X:1\n".as_bytes(), &OboOptions::default()).unwrap_err();
        assert_eq!(e.line, 2);
        let e = read("[Term\n".as_bytes(), &OboOptions::default()).unwrap_err();
        assert_eq!(e.line, 1);
        let e = read(
            "[Term]\nid: X:1\nname: cut".as_bytes(),
            &OboOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
    }
}
