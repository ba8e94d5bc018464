//! `search()` and `lookup()` with Python LaminDB's ranking and key rules.
//!
//! Candidates are the rows where any searched field contains the text (ignoring case); each is
//! ranked by the sum over fields of: exact match ×200, exact synonym (between `|`) ×200, whole
//! word or sub-phrase ×10, token prefix ×8, word start ×2, word end ×2, contains ×1. Ties keep id
//! order. Ranking runs in Rust, so it is the same on SQLite and Postgres.

use std::collections::BTreeMap;

use regex::Regex;

use crate::meta::FieldType;
use crate::query::{Model, Query, Value, Q};
use crate::{Error, Result};

/// Options of [`Query::search`].
#[derive(Debug, Clone)]
pub struct SearchOptions<'f> {
    /// Fields to search; empty means every text field of the registry.
    pub fields: &'f [&'f str],
    /// At most this many hits (Python's default is 20).
    pub limit: usize,
    /// Match case exactly.
    pub case_sensitive: bool,
}

impl Default for SearchOptions<'_> {
    fn default() -> Self {
        SearchOptions {
            fields: &[],
            limit: 20,
            case_sensitive: false,
        }
    }
}

/// A search result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// Row id.
    pub id: i64,
    /// Rank (higher is better).
    pub rank: u32,
}

struct Ranker {
    text: String,
    synonym: Regex,
    subphrase: Regex,
    startswith: Regex,
    right: Regex,
    left: Regex,
}

impl Ranker {
    fn new(text: &str) -> Ranker {
        let s = regex::escape(text);
        let re = |p: String| Regex::new(&p).expect("escaped pattern");
        Ranker {
            text: text.to_owned(),
            synonym: re(format!(r"(?:^|.*\|){s}(?:\|.*|$)")),
            subphrase: re(format!(r"(?:^|.*[ |.,;:]){s}(?:[ |.,;:].*|$)")),
            startswith: re(format!(r"(?:^|.*\|){s}[^ ]*(?:\|.*|$)")),
            right: re(format!(r"(?:^|.*[ |]){s}.*")),
            left: re(format!(r".*{s}(?:$|[ |.,;:].*)")),
        }
    }

    fn rank(&self, value: &str) -> u32 {
        let mut r = 0;
        if value == self.text {
            r += 200;
        }
        if self.synonym.is_match(value) {
            r += 200;
        }
        if self.subphrase.is_match(value) {
            r += 10;
        }
        if self.startswith.is_match(value) {
            r += 8;
        }
        if self.right.is_match(value) {
            r += 2;
        }
        if self.left.is_match(value) {
            r += 2;
        }
        if value.contains(&self.text) {
            r += 1;
        }
        r
    }
}

impl<M> Query<'_, M> {
    /// Rows ranked by how well `text` matches their text fields (within this query's filters).
    pub fn search(&self, text: &str, opts: &SearchOptions<'_>) -> Result<Vec<Hit>> {
        let text = text.trim();
        if text.len() > crate::query::compile::MAX_PATTERN_LEN {
            return Err(Error::Validation(format!(
                "the search text is {} bytes long; at most {} are searched",
                text.len(),
                crate::query::compile::MAX_PATTERN_LEN
            )));
        }
        let meta = self.meta();
        let text_fields: Vec<&str> = meta
            .fields
            .iter()
            .filter(|f| f.field_type == FieldType::Text)
            .map(|f| f.name)
            .collect();
        if let Some(bad) = opts.fields.iter().find(|f| !text_fields.contains(f)) {
            return Err(Error::Validation(format!(
                "cannot search {}.{bad}: search covers text fields ({})",
                meta.name,
                text_fields.join(", ")
            )));
        }
        let fields = if opts.fields.is_empty() {
            text_fields
        } else {
            opts.fields.to_vec()
        };
        if text.is_empty() {
            // Python ranks every row by its number of empty fields; an empty search lists rows.
            let ids = self.clone().order_by("id").limit(opts.limit as i64).ids()?;
            return Ok(ids.into_iter().map(|id| Hit { id, rank: 0 }).collect());
        }
        let candidates = Q::Or(
            fields
                .iter()
                .map(|f| Q::new(format!("{f}__icontains"), Value::from(text)))
                .collect(),
        );
        let mut cols = vec!["id"];
        cols.extend(fields.iter().copied());
        let rows = self.clone().filter(candidates).order_by("id").rows(&cols)?;
        let needle = if opts.case_sensitive {
            text.to_owned()
        } else {
            text.to_lowercase()
        };
        let ranker = Ranker::new(&needle);
        let mut hits: Vec<Hit> = rows
            .rows
            .iter()
            .map(|r| {
                let rank = r[1..]
                    .iter()
                    .map(|c| {
                        let v = c.as_str().unwrap_or_default();
                        if opts.case_sensitive {
                            ranker.rank(v)
                        } else {
                            ranker.rank(&v.to_lowercase())
                        }
                    })
                    .sum();
                Hit {
                    id: r[0].as_i64().unwrap_or_default(),
                    rank,
                }
            })
            .filter(|h| h.rank > 0)
            .collect();
        hits.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.id.cmp(&b.id)));
        hits.truncate(opts.limit);
        Ok(hits)
    }

    /// Python's `lookup()`: every value of `field` (default: the name field) under a key made of
    /// its characters `[0-9a-zA-Z_]` (other runs become `_`), lower-cased and prefixed `ln_` when
    /// it does not start with a letter; each key maps to the ids having that value.
    pub fn lookup(&self, field: Option<&str>) -> Result<BTreeMap<String, Vec<i64>>> {
        let meta = self.meta();
        let field = field.or(meta.name_field).ok_or_else(|| {
            Error::Validation(format!("{} has no name field; pass a field", meta.name))
        })?;
        let rows = self.clone().order_by("id").rows(&["id", field])?;
        let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for r in &rows.rows {
            let Some(key) = r[1].as_str().and_then(lookup_key) else {
                continue;
            };
            out.entry(key)
                .or_default()
                .push(r[0].as_i64().unwrap_or_default());
        }
        Ok(out)
    }
}

impl<M: Model> Query<'_, M> {
    /// The records of [`Query::search`], best first.
    pub fn search_records(&self, text: &str, opts: &SearchOptions<'_>) -> Result<Vec<M>> {
        let ids: Vec<i64> = self.search(text, opts)?.into_iter().map(|h| h.id).collect();
        let mut conn = self.instance().conn();
        M::load_by_ids(&mut conn, &ids)
    }
}

const PY_KEYWORDS: [&str; 32] = [
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// The attribute name `lookup()` gives a value; `None` for an empty value.
pub fn lookup_key(value: &str) -> Option<String> {
    let mut key = String::with_capacity(value.len());
    let mut in_run = false;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            key.push(c.to_ascii_lowercase());
            in_run = false;
        } else if !in_run {
            key.push('_');
            in_run = true;
        }
    }
    if key.is_empty() {
        return None;
    }
    if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        key = format!("ln_{key}");
    }
    if PY_KEYWORDS.contains(&key.as_str()) {
        key.push('_');
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_like_python() {
        // Ranks observed in Python LaminDB 2.12.1 for the search "p53" (all fields, one field
        // holding the name): exact 423, synonym 223, prefix token 23, whole word 15, …
        let r = Ranker::new("p53");
        assert_eq!(r.rank("p53"), 423);
        assert_eq!(r.rank("p53|tumor protein"), 223);
        assert_eq!(r.rank("p53.1"), 23);
        assert_eq!(r.rank("p53 pathway"), 15);
        assert_eq!(r.rank("pathway of p53"), 15);
        assert_eq!(r.rank("related to p53 stuff"), 15);
        assert_eq!(r.rank("p53-like"), 11);
        assert_eq!(r.rank("tp53"), 3);
        assert_eq!(r.rank("xp53"), 3);
        assert_eq!(r.rank("p53x yz"), 3);
        assert_eq!(r.rank("p5"), 0);
    }

    #[test]
    fn lookup_keys_like_python() {
        assert_eq!(lookup_key("1st label").unwrap(), "ln_1st_label");
        assert_eq!(lookup_key("Hello World!").unwrap(), "hello_world_");
        assert_eq!(lookup_key("hello-world").unwrap(), "hello_world");
        assert_eq!(lookup_key("__x").unwrap(), "ln___x");
        assert_eq!(lookup_key("Äbc").unwrap(), "ln__bc");
        assert_eq!(
            lookup_key("p53|tumor protein").unwrap(),
            "p53_tumor_protein"
        );
        assert_eq!(lookup_key("class").unwrap(), "class_");
        assert_eq!(lookup_key(""), None);
    }
}
