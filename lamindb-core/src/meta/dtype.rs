//! The feature dtype grammar of Python LaminDB (`Feature._dtype_str`).
//!
//! ```text
//! dtype := simple | "list[" dtype "]" | "cat[" spec ("|" spec)* "]" | "cat"
//! spec  := registry ["[" bracket "]"] ["." field]
//! ```

use crate::{Error, Result};

/// A parsed feature dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum Dtype {
    /// `num`: any number.
    Num,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `str`.
    Str,
    /// `bool`.
    Bool,
    /// `date` (ISO `YYYY-MM-DD`).
    Date,
    /// `datetime` (ISO 8601); also `datetime64[ns, UTC]`.
    Datetime,
    /// `dict`: a JSON object.
    Dict,
    /// `path`.
    Path,
    /// `url`.
    Url,
    /// `object`: anything.
    Object,
    /// `list[T]`.
    List(Box<Dtype>),
    /// `cat[...]`: values are records of one of these registries.
    Cat(Vec<CatSpec>),
}

/// One registry of a categorical dtype (`bionty.CellType.ontology_id`, `Record[<type uid>]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CatSpec {
    /// Registry name as written (`ULabel`, `bionty.CellType`).
    pub registry: String,
    /// The field values are matched on; `None` means the registry's name field.
    pub field: Option<String>,
    /// The bracket content: a type uid and/or filters.
    pub bracket: Option<String>,
}

impl CatSpec {
    /// The uid of the type record values must belong to (`Record[<uid>]`).
    pub fn type_uid(&self) -> Option<&str> {
        let b = self.bracket.as_deref()?;
        let first = b.split(',').next()?.trim();
        (!first.contains('=') && !first.is_empty()).then_some(first)
    }

    /// The bracket's filters as `field=value` (quotes removed, Python's `True`/`False` as
    /// `true`/`false`): `[source__uid='XyZ']` → `source__uid=XyZ`.
    pub fn filters(&self) -> Vec<String> {
        let Some(b) = self.bracket.as_deref() else {
            return Vec::new();
        };
        split_top(b, ',')
            .into_iter()
            .filter_map(|item| {
                let (k, v) = item.split_once('=')?;
                let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
                let v = match v {
                    "True" => "true",
                    "False" => "false",
                    v => v,
                };
                Some(format!("{}={v}", k.trim()))
            })
            .collect()
    }
}

const SIMPLE: [(&str, Dtype); 12] = [
    ("num", Dtype::Num),
    ("int", Dtype::Int),
    ("float", Dtype::Float),
    ("str", Dtype::Str),
    ("bool", Dtype::Bool),
    ("date", Dtype::Date),
    ("datetime", Dtype::Datetime),
    ("datetime64[ns, UTC]", Dtype::Datetime),
    ("dict", Dtype::Dict),
    ("path", Dtype::Path),
    ("url", Dtype::Url),
    ("object", Dtype::Object),
];

impl Dtype {
    /// Parses a dtype string.
    pub fn parse(s: &str) -> Result<Dtype> {
        let s = s.trim();
        if let Some((_, d)) = SIMPLE.iter().find(|(name, _)| *name == s) {
            return Ok(d.clone());
        }
        if let Some(inner) = s.strip_prefix("list[").and_then(|r| r.strip_suffix(']')) {
            return Ok(Dtype::List(Box::new(Dtype::parse(inner)?)));
        }
        if s == "cat" {
            return Ok(Dtype::Cat(vec![CatSpec {
                registry: "ULabel".into(),
                field: None,
                bracket: None,
            }]));
        }
        if let Some(inner) = s.strip_prefix("cat[").and_then(|r| r.strip_suffix(']')) {
            let specs = split_top(inner, '|')
                .into_iter()
                .map(parse_spec)
                .collect::<Result<Vec<_>>>()?;
            return Ok(Dtype::Cat(specs));
        }
        Err(invalid(s))
    }

    /// The name of a simple dtype (`int`), or `list`/`cat` for the compound ones.
    pub fn as_str(&self) -> &'static str {
        match self {
            Dtype::List(_) => "list",
            Dtype::Cat(_) => "cat",
            other => SIMPLE
                .iter()
                .find(|(_, d)| d == other)
                .map_or("object", |(n, _)| n),
        }
    }

    /// Whether values are records of a registry (also inside `list[...]`).
    pub fn is_categorical(&self) -> bool {
        match self {
            Dtype::Cat(_) => true,
            Dtype::List(inner) => inner.is_categorical(),
            _ => false,
        }
    }

    /// The categorical specs (also inside `list[...]`).
    pub fn cat_specs(&self) -> &[CatSpec] {
        match self {
            Dtype::Cat(specs) => specs,
            Dtype::List(inner) => inner.cat_specs(),
            _ => &[],
        }
    }
}

fn invalid(s: &str) -> Error {
    Error::Validation(format!(
        "invalid dtype '{s}': use num, int, float, str, bool, date, datetime, dict, path, url, object, list[<dtype>] or cat[<Registry>[.field]] such as cat[ULabel] or cat[bionty.CellType.ontology_id]"
    ))
}

/// Splits at `sep` outside brackets.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_spec(spec: &str) -> Result<CatSpec> {
    let spec = spec.trim();
    let (head, bracket, after) = match spec.find('[') {
        Some(open) => {
            let close = spec.rfind(']').ok_or_else(|| invalid(spec))?;
            (
                &spec[..open],
                Some(spec[open + 1..close].to_owned()),
                &spec[close + 1..],
            )
        }
        None => (spec, None, ""),
    };
    let mut parts: Vec<&str> = head.split('.').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(invalid(spec));
    }
    // `module.Class` when the first part is lower case (`bionty.CellType`).
    let registry = if parts[0].starts_with(|c: char| c.is_ascii_lowercase()) && parts.len() >= 2 {
        let r = format!("{}.{}", parts[0], parts[1]);
        parts.drain(..2);
        r
    } else {
        parts.remove(0).to_owned()
    };
    let mut field = parts.first().map(|s| (*s).to_owned());
    if let Some(f) = after.strip_prefix('.') {
        field = Some(f.to_owned());
    } else if !after.is_empty() {
        return Err(invalid(spec));
    }
    Ok(CatSpec {
        registry,
        field,
        bracket,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_examples() {
        assert_eq!(Dtype::parse("int").unwrap(), Dtype::Int);
        assert_eq!(
            Dtype::parse("list[float]").unwrap(),
            Dtype::List(Box::new(Dtype::Float))
        );
        let d = Dtype::parse("cat[ULabel]").unwrap();
        assert_eq!(d.cat_specs()[0].registry, "ULabel");
        let d = Dtype::parse("cat[Record[RruXu32xbI8reyUY]]").unwrap();
        assert_eq!(d.cat_specs()[0].type_uid(), Some("RruXu32xbI8reyUY"));
        let d = Dtype::parse("cat[bionty.CellType.ontology_id]").unwrap();
        assert_eq!(d.cat_specs()[0].registry, "bionty.CellType");
        assert_eq!(d.cat_specs()[0].field.as_deref(), Some("ontology_id"));
        let d = Dtype::parse("cat[bionty.Disease[source__uid='abc']]").unwrap();
        assert_eq!(d.cat_specs()[0].type_uid(), None);
        let d = Dtype::parse("cat[bionty.Tissue.ontology_id|bionty.CellType.ontology_id]").unwrap();
        assert_eq!(d.cat_specs().len(), 2);
        assert!(Dtype::parse("list[cat[bionty.CellType]]")
            .unwrap()
            .is_categorical());
        for bad in ["integer", "cat[", "cat[]", "list[nope]", "cat[Bad Name]"] {
            assert!(Dtype::parse(bad).is_err(), "{bad}");
        }
    }
}
