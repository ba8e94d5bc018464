//! Values against the records of a registry, as Python LaminDB's `CanCurate` does it for any
//! registry (core or module): `validate` (exact), `inspect` (exact, then case and synonyms as
//! suggestions) and `standardize` (case and synonyms rewritten to the registry's names).

use std::collections::{BTreeMap, HashMap, HashSet};

use lamindb_core::db::rows::Cell;
use lamindb_core::meta::FieldType;
use lamindb_core::query::{Dynamic, Query};
use lamindb_core::{Error, Result};
use serde::Serialize;

/// The values of one field of a registry's records (within a query's filters), with their
/// synonyms when the field is the registry's name field.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// The registry (`bionty.CellType`).
    pub registry: String,
    /// The field (`name`).
    pub field: String,
    exact: HashSet<String>,
    /// Lower-cased value → the first record's value.
    folded: HashMap<String, String>,
    /// Lower-cased synonym → the first record's value.
    synonyms: HashMap<String, String>,
}

/// The outcome of [`Vocabulary::inspect`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inspection {
    /// Distinct values that validate, in first-seen order.
    pub validated: Vec<String>,
    /// Distinct values that do not, in first-seen order.
    pub non_validated: Vec<String>,
    /// Non-validated values that differ only in case or are synonyms, with the registry's value.
    pub synonyms: BTreeMap<String, String>,
    /// Empty or repeated values ignored.
    pub ignored: usize,
}

impl Inspection {
    /// The percentage of distinct values that validate.
    pub fn percent_validated(&self) -> f64 {
        let n = self.validated.len() + self.non_validated.len();
        if n == 0 {
            return 100.0;
        }
        100.0 - (self.non_validated.len() as f64 / n as f64 * 1000.0).round() / 10.0
    }

    /// Python LaminDB's log lines for this inspection of `field`.
    pub fn messages(&self, field: &str) -> Vec<String> {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let isare = |n: usize| if n == 1 { "is" } else { "are" };
        let quoted = |v: &[String]| {
            let mut s: Vec<String> = v.iter().take(10).map(|x| format!("'{x}'")).collect();
            if v.len() > 10 {
                s.push("...".into());
            }
            s.join(", ")
        };
        let mut out = Vec::new();
        let n_unique = self.validated.len() + self.non_validated.len();
        if self.ignored > 0 {
            out.push(format!(
                "received {n_unique} unique term{}, {} empty/duplicated term{} ignored",
                plural(n_unique),
                self.ignored,
                if self.ignored == 1 { " is" } else { "s are" }
            ));
        }
        let frac = self.percent_validated();
        let k = self.validated.len();
        if k > 0 {
            out.push(format!(
                "{k} unique term{} ({frac:.2}%) {} validated for {field}",
                plural(k),
                isare(k)
            ));
        }
        let m = self.non_validated.len();
        if m > 0 {
            out.push(format!(
                "{m} unique term{} ({:.2}%) {} not validated for {field}: {}",
                plural(m),
                100.0 - frac,
                isare(m),
                quoted(&self.non_validated)
            ));
        }
        if !self.synonyms.is_empty() {
            let keys: Vec<String> = self.synonyms.keys().cloned().collect();
            let casing = self
                .synonyms
                .iter()
                .any(|(k, v)| k.to_lowercase() == v.to_lowercase());
            let mut shown: Vec<String> = keys.iter().take(10).cloned().collect();
            if keys.len() > 10 {
                shown.push("...".into());
            }
            out.push(format!(
                "   detected {} unique term{} with {}synonym{}: {}",
                keys.len(),
                plural(keys.len()),
                if casing { "inconsistent casing/" } else { "" },
                plural(keys.len()),
                shown.join(", ")
            ));
            out.push("→  standardize terms via .standardize()".into());
        }
        out
    }
}

impl Vocabulary {
    /// The vocabulary of one registry of a categorical dtype, in the dtype's scope: the type's
    /// records for `cat[Record[<type uid>]]`, the records matching the bracket's filters for
    /// `cat[bionty.Disease[source__uid='…']]`.
    pub fn of_spec(
        inst: &lamindb_core::Instance,
        spec: &lamindb_core::meta::CatSpec,
    ) -> Result<Vocabulary> {
        use lamindb_core::query::Q;
        let mut q = inst.query_registry(&spec.registry)?;
        if let (Some(t), Some(_)) = (spec.type_uid(), q.meta().field("type_id")) {
            q = q.filter(Q::new("type__uid", t));
        }
        for f in spec.filters() {
            q = q.filter(Q::parse(&f)?);
        }
        Vocabulary::load(&q, spec.field.as_deref())
    }

    /// Loads `field` (the registry's name field when `None`) of the records `query` selects.
    /// Synonyms are used when the field is the name field and the registry has `synonyms`.
    pub fn load(query: &Query<'_, Dynamic>, field: Option<&str>) -> Result<Vocabulary> {
        let meta = query.meta();
        let name_field = meta.name_field.unwrap_or("name");
        let field = field.unwrap_or(name_field);
        match meta.field(field).map(|f| f.field_type) {
            Some(FieldType::Text) => {}
            Some(_) => {
                return Err(Error::Validation(format!(
                    "{}.{field} is not a text field; validate against a text field such as {name_field}",
                    meta.name
                )))
            }
            None => {
                return Err(Error::Validation(format!(
                    "{} has no field '{field}'; fields: {}",
                    meta.name,
                    meta.field_names()
                )))
            }
        }
        let with_synonyms = field == name_field && meta.field("synonyms").is_some();
        let fields: Vec<&str> = if with_synonyms {
            vec![field, "synonyms"]
        } else {
            vec![field]
        };
        let rows = query.clone().order_by("id").rows(&fields)?;
        let mut v = Vocabulary {
            registry: meta.name.to_owned(),
            field: field.to_owned(),
            ..Vocabulary::default()
        };
        for row in &rows.rows {
            let Some(value) = row[0].as_str() else {
                continue;
            };
            let synonyms = match row.get(1) {
                Some(Cell::Text(syns)) => syns.as_str(),
                _ => "",
            };
            v.add(value, synonyms.split('|'));
        }
        Ok(v)
    }

    /// A vocabulary of values not (yet) in a registry — a public source's terms — from
    /// `(value, synonyms)` pairs, matched as [`Vocabulary::load`]'s are.
    pub fn from_terms<'a>(
        registry: &str,
        field: &str,
        terms: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Vocabulary {
        let mut v = Vocabulary {
            registry: registry.to_owned(),
            field: field.to_owned(),
            ..Vocabulary::default()
        };
        for (value, synonyms) in terms {
            v.add(value, synonyms.iter().map(String::as_str));
        }
        v
    }

    fn add<'a>(&mut self, value: &str, synonyms: impl Iterator<Item = &'a str>) {
        self.exact.insert(value.to_owned());
        self.folded
            .entry(value.to_lowercase())
            .or_insert_with(|| value.to_owned());
        for s in synonyms.filter(|s| !s.is_empty() && *s != value) {
            self.synonyms
                .entry(s.to_lowercase())
                .or_insert_with(|| value.to_owned());
        }
    }

    /// How many distinct values the registry holds.
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    /// Whether the registry holds no values.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Whether each value is a value of the field exactly (case-sensitive), as `validate`.
    pub fn validate<S: AsRef<str>>(&self, values: &[S]) -> Vec<bool> {
        values
            .iter()
            .map(|v| self.exact.contains(v.as_ref()))
            .collect()
    }

    /// The registry's value that `value` stands for: itself when exact, else (unless
    /// `case_sensitive`) the value equal ignoring case, else the value it is a synonym of.
    pub fn standard_of(&self, value: &str, case_sensitive: bool) -> Option<&str> {
        if let Some(v) = self.exact.get(value) {
            return Some(v);
        }
        let lower = value.to_lowercase();
        if !case_sensitive {
            if let Some(v) = self.folded.get(&lower) {
                return Some(v);
            }
        }
        self.synonyms.get(&lower).map(String::as_str)
    }

    /// Validated and non-validated distinct values, with suggestions for the latter.
    pub fn inspect<S: AsRef<str>>(&self, values: &[S]) -> Inspection {
        let mut seen = HashSet::new();
        let mut out = Inspection::default();
        for v in values {
            let v = v.as_ref();
            if v.is_empty() || !seen.insert(v) {
                out.ignored += 1;
                continue;
            }
            if self.exact.contains(v) {
                out.validated.push(v.to_owned());
            } else {
                out.non_validated.push(v.to_owned());
                if let Some(s) = self.standard_of(v, false) {
                    out.synonyms.insert(v.to_owned(), s.to_owned());
                }
            }
        }
        out
    }

    /// The values with case variants and synonyms replaced by the registry's values (others
    /// unchanged), and the mapping of what changed.
    pub fn standardize<S: AsRef<str>>(
        &self,
        values: &[S],
        case_sensitive: bool,
    ) -> (Vec<String>, BTreeMap<String, String>) {
        let mut mapping = BTreeMap::new();
        let out = values
            .iter()
            .map(|v| {
                let v = v.as_ref();
                match self.standard_of(v, case_sensitive) {
                    Some(s) if s != v => {
                        mapping.insert(v.to_owned(), s.to_owned());
                        s.to_owned()
                    }
                    _ => v.to_owned(),
                }
            })
            .collect();
        (out, mapping)
    }
}
