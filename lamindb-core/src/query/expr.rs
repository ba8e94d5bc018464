//! Filter expressions: values, Django-style lookups and `Q` trees, and the string syntax the CLI
//! uses (`key__startswith=raw/`).

use std::fmt;

use crate::{Error, Result};

/// A value in a filter. Values always travel to the database as bind parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    /// SQL NULL (`exact` with `Null` means `IS NULL`).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text; converted to the field's type when the field is not text (`"3"` for an integer).
    Text(String),
    /// A list, for `in` and `range`.
    List(Vec<Value>),
}

impl Default for Q {
    /// The condition every row meets.
    fn default() -> Q {
        Q::And(Vec::new())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => write!(f, "'{s}'"),
            Value::List(items) => {
                write!(f, "[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $var:ident via $conv:expr),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$var($conv(v))
            }
        })*
    };
}

value_from! {
    bool => Bool via |v| v,
    i32 => Int via i64::from,
    i64 => Int via |v| v,
    u32 => Int via i64::from,
    f64 => Float via |v| v,
    f32 => Float via f64::from,
    String => Text via |v| v,
    &str => Text via str::to_owned,
    &String => Text via String::clone,
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Text(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from).collect())
            }
            other => Value::Text(other.to_string()),
        }
    }
}

/// A Django field lookup: the comparison at the end of a lookup path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// `exact` (the default): equal, or `IS NULL` for a null value.
    Exact,
    /// `iexact`: equal ignoring case.
    IExact,
    /// `contains`: substring, case-sensitive.
    Contains,
    /// `icontains`: substring, ignoring case.
    IContains,
    /// `startswith`.
    StartsWith,
    /// `istartswith`.
    IStartsWith,
    /// `endswith`.
    EndsWith,
    /// `iendswith`.
    IEndsWith,
    /// `gt`.
    Gt,
    /// `gte`.
    Gte,
    /// `lt`.
    Lt,
    /// `lte`.
    Lte,
    /// `in`: one of a list.
    In,
    /// `range`: between two values, inclusive.
    Range,
    /// `isnull`: `true` for NULL, `false` for NOT NULL.
    IsNull,
}

impl Lookup {
    /// Every lookup with its name.
    pub const ALL: [(&'static str, Lookup); 15] = [
        ("exact", Lookup::Exact),
        ("iexact", Lookup::IExact),
        ("contains", Lookup::Contains),
        ("icontains", Lookup::IContains),
        ("startswith", Lookup::StartsWith),
        ("istartswith", Lookup::IStartsWith),
        ("endswith", Lookup::EndsWith),
        ("iendswith", Lookup::IEndsWith),
        ("gt", Lookup::Gt),
        ("gte", Lookup::Gte),
        ("lt", Lookup::Lt),
        ("lte", Lookup::Lte),
        ("in", Lookup::In),
        ("range", Lookup::Range),
        ("isnull", Lookup::IsNull),
    ];

    /// The lookup called `name`.
    pub fn from_name(name: &str) -> Option<Lookup> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }

    /// The lookup's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, l)| *l == self)
            .map_or("exact", |(n, _)| n)
    }

    /// Whether the lookup matches text patterns (only text fields support these).
    pub fn is_pattern(self) -> bool {
        matches!(
            self,
            Lookup::IExact
                | Lookup::Contains
                | Lookup::IContains
                | Lookup::StartsWith
                | Lookup::IStartsWith
                | Lookup::EndsWith
                | Lookup::IEndsWith
        )
    }
}

/// A filter expression: lookups combined with and, or and not (Django's `Q`).
///
/// ```
/// use lamindb_core::query::Q;
/// let q = Q::new("suffix", ".fasta") & (Q::new("ulabels__name", "exp1") | !Q::new("size__gt", 10));
/// assert_eq!(q.lookup_paths(), vec!["suffix", "ulabels__name", "size__gt"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Q {
    /// `path=value`, the path being fields and relations joined by `__`, optionally ending in a
    /// [`Lookup`] name.
    Lookup {
        /// `ulabels__name__icontains`.
        path: String,
        /// The value compared with.
        value: Value,
    },
    /// All of these hold (an empty list is true).
    And(Vec<Q>),
    /// Any of these holds (an empty list is false).
    Or(Vec<Q>),
    /// This does not hold.
    Not(Box<Q>),
}

impl Q {
    /// A single lookup.
    pub fn new(path: impl Into<String>, value: impl Into<Value>) -> Q {
        Q::Lookup {
            path: path.into(),
            value: value.into(),
        }
    }

    /// Parses `path=value` (`suffix=.fasta`, `size__gt=100`, `key__in=a,b`,
    /// `ulabels__name=My experiment`). Values stay text and are converted to the field's type
    /// when the query is compiled; for `in` and `range` they are split at commas. `null` (with
    /// `exact`) means NULL, `true`/`false` work for `isnull` and boolean fields.
    pub fn parse(expr: &str) -> Result<Q> {
        let (path, raw) = expr.split_once('=').ok_or_else(|| {
            Error::Validation(format!(
                "filter '{expr}' has no '=': write FIELD[__LOOKUP]=VALUE, e.g. suffix=.fasta or size__gt=100"
            ))
        })?;
        let path = path.trim();
        if path.is_empty() {
            return Err(Error::Validation(format!(
                "filter '{expr}' names no field: write FIELD[__LOOKUP]=VALUE"
            )));
        }
        if let Some(bad) = path
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
        {
            return Err(Error::Validation(format!(
                "filter field '{path}' contains '{bad}': field paths use letters, digits and '__' between parts"
            )));
        }
        let lookup = path.rsplit("__").next().and_then(Lookup::from_name);
        // Values may be quoted as in Python (`suffix='.fasta'`); quotes keep commas and `null`
        // literal.
        let unquote = |v: &str| -> (String, bool) {
            let t = v.trim();
            for q in ['\'', '"'] {
                if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
                    return (t[1..t.len() - 1].to_owned(), true);
                }
            }
            (v.to_owned(), false)
        };
        let value = match lookup {
            Some(Lookup::In) | Some(Lookup::Range) => {
                if raw.is_empty() {
                    Value::List(Vec::new())
                } else {
                    Value::List(raw.split(',').map(|s| Value::Text(unquote(s).0)).collect())
                }
            }
            _ => match unquote(raw) {
                (_, false) if raw == "null" => Value::Null,
                (text, _) => Value::Text(text),
            },
        };
        Ok(Q::new(path, value))
    }

    /// Every lookup path in the expression, in order.
    pub fn lookup_paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Q::Lookup { path, .. } => out.push(path),
            Q::And(items) | Q::Or(items) => items.iter().for_each(|q| q.collect_paths(out)),
            Q::Not(q) => q.collect_paths(out),
        }
    }
}

impl std::ops::BitAnd for Q {
    type Output = Q;
    fn bitand(self, rhs: Q) -> Q {
        match self {
            Q::And(mut items) => {
                items.push(rhs);
                Q::And(items)
            }
            other => Q::And(vec![other, rhs]),
        }
    }
}

impl std::ops::BitOr for Q {
    type Output = Q;
    fn bitor(self, rhs: Q) -> Q {
        match self {
            Q::Or(mut items) => {
                items.push(rhs);
                Q::Or(items)
            }
            other => Q::Or(vec![other, rhs]),
        }
    }
}

impl std::ops::Not for Q {
    type Output = Q;
    fn not(self) -> Q {
        Q::Not(Box::new(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_filters() {
        assert_eq!(
            Q::parse("suffix=.fasta").unwrap(),
            Q::new("suffix", ".fasta")
        );
        assert_eq!(
            Q::parse("ulabels__name=My experiment").unwrap(),
            Q::new("ulabels__name", "My experiment")
        );
        assert_eq!(
            Q::parse("key__in=a,b").unwrap(),
            Q::new("key__in", vec!["a", "b"])
        );
        assert_eq!(Q::parse("key=null").unwrap(), Q::new("key", Value::Null));
        assert_eq!(Q::parse("x=a=b").unwrap(), Q::new("x", "a=b"));
        assert!(Q::parse("nokey").is_err());
        assert!(Q::parse("=3").is_err());
        assert!(Q::parse("a;drop table x=3")
            .unwrap_err()
            .to_string()
            .contains("contains ';'"));
    }

    #[test]
    fn combinators_flatten() {
        let q = Q::new("a", 1) & Q::new("b", 2) & Q::new("c", 3);
        assert!(matches!(&q, Q::And(items) if items.len() == 3));
        let q = Q::new("a", 1) | Q::new("b", 2) | Q::new("c", 3);
        assert!(matches!(&q, Q::Or(items) if items.len() == 3));
        assert_eq!((!Q::new("a", 1)).lookup_paths(), vec!["a"]);
    }
}
