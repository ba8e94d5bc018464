//! The CELLxGENE schema 7.1.0 rules for `uns`, `var` and `obs`, checked the way
//! `cellxgene-schema validate` checks them and reported with its sentences.
//!
//! The rules are the schema definition itself (`schema-7.1.0.yaml`, vendored from
//! cellxgene-schema 7.1.0): curie columns with their ontologies, exceptions (`unknown`,
//! `na`), allowed terms and ancestors, forbidden terms and ancestors and multi-term values;
//! categorical columns with enums and forbidden values; booleans; dependencies on other
//! columns and on `uns` (rows matching a rule are validated with that rule's constraints, the
//! rest with the column's own); the var index as feature ids. Ontology terms and genes are the
//! records of the bionty registries (import the ontologies and gene tables first); ontologies
//! that bionty has no registry for (ZFA, FBbt, WBbt, …) hold no valid terms here.
//!
//! Not checked here: `X`, `raw`, `obsm`/`obsp` contents beyond the embedding keys, the
//! `*_colors` arrays of `uns`, and the genetic-perturbation cross checks.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use lamindb_core::query::hierarchy::Walk;
use lamindb_core::{Instance, Result};
use polars::prelude::*;
use serde_json::{Map, Value};

use crate::anndata::{AnnData, Annotations};

/// The schema definition, as cellxgene-schema ships it.
const DEFINITION: &str = include_str!("schema-7.1.0.yaml");

/// The version of the CELLxGENE schema these rules are.
pub const SCHEMA_VERSION: &str = "7.1.0";

/// The bionty registry holding each ontology's terms (by `ontology_id`).
const REGISTRIES: [(&str, &str); 11] = [
    ("CL", "bionty.CellType"),
    ("UBERON", "bionty.Tissue"),
    ("EFO", "bionty.ExperimentalFactor"),
    ("MONDO", "bionty.Disease"),
    ("PATO", "bionty.Phenotype"),
    ("HsapDv", "bionty.DevelopmentalStage"),
    ("MmusDv", "bionty.DevelopmentalStage"),
    ("HANCESTRO", "bionty.Ethnicity"),
    ("AfPO", "bionty.Ethnicity"),
    ("NCBITaxon", "bionty.Organism"),
    ("CVCL", "bionty.CellLine"),
];

/// The schema definition, parsed.
fn definition() -> Value {
    serde_yaml_ng::from_str(DEFINITION).expect("the vendored CELLxGENE schema definition parses")
}

/// The terms of one registry: ontology_id → id, and id → ontology_id.
type TermIndex = (HashMap<String, i64>, HashMap<i64, String>);

/// Ontology terms and genes of an instance, loaded on first use.
struct Terms<'a> {
    inst: &'a Instance,
    registries: RefCell<HashMap<&'static str, TermIndex>>,
    genes: RefCell<Option<HashSet<String>>>,
}

impl<'a> Terms<'a> {
    fn new(inst: &'a Instance) -> Self {
        Terms {
            inst,
            registries: RefCell::default(),
            genes: RefCell::default(),
        }
    }

    fn registry_of(term: &str) -> Option<(&'static str, &'static str)> {
        let prefix = term.split(':').next()?;
        REGISTRIES
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(prefix))
            .copied()
    }

    fn with_registry<T>(
        &self,
        registry: &'static str,
        f: impl FnOnce(&TermIndex) -> T,
    ) -> Result<T> {
        if !self.registries.borrow().contains_key(registry) {
            let mut by_term = HashMap::new();
            let mut by_id = HashMap::new();
            if let Ok(q) = self.inst.query_registry(registry) {
                for r in q.rows(&["id", "ontology_id"])?.rows {
                    let (id, term) = (r[0].as_i64().unwrap_or_default(), r[1].display());
                    if !term.is_empty() {
                        by_term.insert(term.clone(), id);
                        by_id.insert(id, term);
                    }
                }
            }
            self.registries
                .borrow_mut()
                .insert(registry, (by_term, by_id));
        }
        Ok(f(&self.registries.borrow()[registry]))
    }

    /// Whether `term` is a term of `ontology` (of any known ontology when `None`).
    fn is_valid(&self, term: &str, ontology: Option<&str>) -> Result<bool> {
        let Some((prefix, registry)) = Self::registry_of(term) else {
            return Ok(false);
        };
        if ontology.is_some_and(|o| !o.eq_ignore_ascii_case(prefix)) {
            return Ok(false);
        }
        self.with_registry(registry, |(by_term, _)| by_term.contains_key(term))
    }

    /// The ancestors (or descendants) of `term`, without the term itself.
    fn walk(&self, term: &str, walk: Walk) -> Result<HashSet<String>> {
        let Some((_, registry)) = Self::registry_of(term) else {
            return Ok(HashSet::new());
        };
        let Some(id) = self.with_registry(registry, |(by_term, _)| by_term.get(term).copied())?
        else {
            return Ok(HashSet::new());
        };
        let meta = self.inst.catalog().registry(registry)?;
        let reached = self.inst.hierarchy(meta, id, walk, None)?;
        self.with_registry(registry, |(_, by_id)| {
            reached
                .nodes
                .iter()
                .filter_map(|(n, _)| by_id.get(n).cloned())
                .collect()
        })
    }

    fn is_gene(&self, id: &str) -> Result<bool> {
        if self.genes.borrow().is_none() {
            let mut genes = HashSet::new();
            if let Ok(q) = self.inst.query_registry("bionty.Gene") {
                for r in q.rows(&["ensembl_gene_id", "stable_id"])?.rows {
                    for c in r {
                        let v = c.display();
                        if !v.is_empty() {
                            genes.insert(v);
                        }
                    }
                }
            }
            *self.genes.borrow_mut() = Some(genes);
        }
        Ok(self.genes.borrow().as_ref().is_some_and(|g| g.contains(id)))
    }
}

/// A column as the rules see it: its values as text and pandas' name of its dtype.
struct Column {
    values: Vec<Option<String>>,
    /// `category`, `bool`, `object`, `int64`, `float32`, …
    dtype: String,
}

fn columns(a: &Annotations) -> HashMap<String, Column> {
    let mut out = HashMap::new();
    for c in a.df.columns() {
        let name = c.name().to_string();
        let s = c.as_materialized_series();
        let dtype = if a.categorical.contains(&name) {
            "category".to_owned()
        } else {
            match s.dtype() {
                DataType::Boolean => "bool".into(),
                DataType::String => "object".into(),
                DataType::Int64 => "int64".into(),
                DataType::UInt64 => "uint64".into(),
                DataType::Float32 => "float32".into(),
                DataType::Float64 => "float64".into(),
                other => other.to_string(),
            }
        };
        let values = s
            .cast(&DataType::String)
            .ok()
            .and_then(|s| {
                s.str()
                    .ok()
                    .map(|v| v.iter().map(|x| x.map(str::to_owned)).collect())
            })
            .unwrap_or_default();
        out.insert(name, Column { values, dtype });
    }
    out
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A definition entry that is one item or a list of them (`rule`, `dependencies`).
fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

/// Python's `str(list)`: `['a', 'b']`.
fn py_list(v: &[String]) -> String {
    let inner: Vec<String> = v.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", inner.join(", "))
}

/// The checks of one AnnData, with the errors in the order cellxgene-schema reports them.
struct Checker<'a> {
    terms: Terms<'a>,
    uns: &'a Map<String, Value>,
    errors: Vec<String>,
}

impl Checker<'_> {
    /// `_validate_curie_str`.
    fn curie_str(&mut self, term_str: &str, column: &str, c: &Value) -> Result<()> {
        if strs(c.get("exceptions")).iter().any(|e| e == term_str) {
            return Ok(());
        }
        if strs(c.get("ontologies")) == ["NA"] {
            self.errors.push(format!(
                "'{term_str}' in '{column}' is not a valid value of '{column}'."
            ));
            return Ok(());
        }
        if let Some(multi) = c.get("multi_term") {
            let delimiter = multi
                .get("delimiter")
                .and_then(Value::as_str)
                .unwrap_or(" || ");
            let ids: Vec<&str> = term_str.split(delimiter).collect();
            let extra = (ids.len() > 1)
                .then(|| multi.get("multi_term_constraints"))
                .flatten();
            for id in &ids {
                self.curie(id, column, c)?;
                if let Some(m) = extra {
                    self.curie(id, column, m)?;
                }
            }
            let sorted = ids.windows(2).all(|w| w[0].trim() <= w[1].trim());
            if multi.get("sorted").and_then(Value::as_bool) == Some(true)
                && ids.len() > 1
                && !sorted
            {
                self.errors.push(format!(
                    "'{term_str}' in '{column}' is not in ascending lexical order."
                ));
            }
            if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
                self.errors
                    .push(format!("'{term_str}' in '{column}' contains duplicates."));
            }
            return Ok(());
        }
        self.curie(term_str, column, c)
    }

    /// `_validate_curie`.
    fn curie(&mut self, term: &str, column: &str, c: &Value) -> Result<()> {
        let forbidden = c.get("forbidden");
        if strs(forbidden.and_then(|f| f.get("terms")))
            .iter()
            .any(|t| t == term)
        {
            self.errors
                .push(format!("'{term}' in '{column}' is not allowed."));
            return Ok(());
        }
        let ontologies = strs(c.get("ontologies"));
        let mut valid = false;
        for o in &ontologies {
            valid |= self.terms.is_valid(term, Some(o))?;
        }
        if !valid {
            self.errors.push(format!(
                "'{term}' in '{column}' is not a valid ontology term id of '{}'.",
                ontologies.join(", ")
            ));
            return Ok(());
        }
        if let Some(anc) = forbidden
            .and_then(|f| f.get("ancestors"))
            .and_then(Value::as_object)
        {
            let ancestors = self.terms.walk(term, Walk::Up)?;
            for a in anc.values().flat_map(|v| strs(Some(v))) {
                if ancestors.contains(&a) {
                    self.errors.push(format!(
                        "'{term}' in '{column}' is not allowed. Descendant terms of '{a}' are not allowed."
                    ));
                    self.errors
                        .push(format!("'{term}' in '{column}' is not allowed."));
                    return Ok(());
                }
            }
        }
        if let Some(allowed) = c.get("allowed") {
            let mut ok = false;
            if let Some(terms) = allowed.get("terms").and_then(Value::as_object) {
                for (ontology, list) in terms {
                    let list = strs(Some(list));
                    if self.terms.is_valid(term, Some(ontology))?
                        && (list == ["all"] || list.iter().any(|t| t == term))
                    {
                        ok = true;
                    }
                }
            }
            if !ok {
                if let Some(anc) = allowed.get("ancestors").and_then(Value::as_object) {
                    let ancestors = self.terms.walk(term, Walk::Up)?;
                    for a in anc.values().flat_map(|v| strs(Some(v))) {
                        if self.terms.is_valid(&a, None)? && ancestors.contains(&a) {
                            ok = true;
                        }
                    }
                }
            }
            if !ok {
                self.errors
                    .push(format!("'{term}' in '{column}' is not an allowed term id."));
            }
        }
        Ok(())
    }

    /// The rows a dependency rule matches (`_validate_single_dependency_rule`), with its part of
    /// the error suffix; `None` when the rule's column or uns key is missing.
    fn rule(
        &self,
        rule: &Value,
        cols: &HashMap<String, Column>,
        n: usize,
    ) -> Result<Option<(Vec<bool>, Option<String>)>> {
        let mut to_match: HashSet<String> = HashSet::new();
        let mut to_exclude: HashSet<String> = HashSet::new();
        for (key, set) in [
            ("match_ancestors_inclusive", &mut to_match),
            ("exclude_ancestors_inclusive", &mut to_exclude),
        ] {
            for a in strs(rule.get(key).and_then(|r| r.get("ancestors"))) {
                set.extend(self.terms.walk(&a, Walk::Down)?);
                set.insert(a);
            }
        }
        to_match.extend(strs(rule.get("match_exact").and_then(|r| r.get("terms"))));
        to_exclude.extend(strs(rule.get("exclude_exact").and_then(|r| r.get("terms"))));
        let test = |v: Option<&str>| {
            let v = v.unwrap_or_default();
            (to_match.is_empty() || to_match.contains(v))
                && (to_exclude.is_empty() || !to_exclude.contains(v))
        };
        if let Some(col) = rule.get("column").and_then(Value::as_str) {
            let Some(c) = cols.get(col) else {
                return Ok(None);
            };
            let mask: Vec<bool> = c.values.iter().map(|v| test(v.as_deref())).collect();
            let mut matched: Vec<String> = Vec::new();
            for (v, m) in c.values.iter().zip(&mask) {
                let v = v.clone().unwrap_or_default();
                if *m && !matched.contains(&v) {
                    matched.push(v);
                }
            }
            return Ok(Some((
                mask,
                Some(format!("when '{col}' is in {}", py_list(&matched))),
            )));
        }
        if let Some(key) = rule.get("uns_key").and_then(Value::as_str) {
            let Some(v) = self.uns.get(key) else {
                return Ok(None);
            };
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            return Ok(Some((
                vec![test(Some(&text)); n],
                Some(format!("when '{key}' is '{text}'")),
            )));
        }
        if let Some(key) = rule.get("exclude_uns_key").and_then(Value::as_str) {
            return Ok(Some((vec![!self.uns.contains_key(key); n], None)));
        }
        if let Some(key) = rule.get("exclude_obs_key").and_then(Value::as_str) {
            return Ok(Some((
                vec![!cols.contains_key(key); n],
                Some(format!("when obs key '{key}' is not present")),
            )));
        }
        Ok(None)
    }

    /// All rules of a dependency (AND), with the error suffix.
    fn dependency(
        &self,
        dep: &Value,
        cols: &HashMap<String, Column>,
        n: usize,
    ) -> Result<Option<(Vec<bool>, String)>> {
        let rules = one_or_many(dep.get("rule"));
        let mut combined: Option<Vec<bool>> = None;
        let mut suffixes = Vec::new();
        for r in rules {
            if let Some((mask, suffix)) = self.rule(r, cols, n)? {
                combined = Some(match combined {
                    Some(c) => c.iter().zip(&mask).map(|(a, b)| *a && *b).collect(),
                    None => mask,
                });
                suffixes.extend(suffix);
            }
        }
        Ok(combined.map(|m| {
            let suffix = dep
                .get("error_message_suffix")
                .and_then(Value::as_str)
                .map_or_else(|| suffixes.join("; or "), |s| s.trim().to_owned());
            (m, suffix)
        }))
    }

    /// Whether a missing column is required (the list branch of `_validate_dependency_rule`).
    fn required(
        &self,
        name: &str,
        deps: &[&Value],
        cols: &HashMap<String, Column>,
        n: usize,
    ) -> Result<bool> {
        let mut uns_required = None;
        let mut presence_rules = false;
        let mut required_by_obs = false;
        for dep in deps {
            let rules = one_or_many(dep.get("rule"));
            let has_uns = rules
                .iter()
                .any(|r| r.get("uns_key").is_some() || r.get("exclude_uns_key").is_some());
            let has_presence = rules.iter().any(|r| {
                let col = r.get("column").and_then(Value::as_str);
                col == Some(name)
                    || (col.is_some()
                        && ["match_exact", "exclude_exact"].iter().any(|k| {
                            strs(r.get(*k).and_then(|m| m.get("terms"))).contains(&"na".into())
                        }))
            });
            presence_rules |= has_presence;
            let Some((mask, _)) = self.dependency(dep, cols, n)? else {
                continue;
            };
            let any = mask.iter().any(|m| *m);
            let forbidden = dep.get("type").and_then(Value::as_str) == Some("forbidden");
            if has_uns && any && uns_required.is_none() {
                uns_required = Some(!forbidden);
            }
            if has_presence && any && !forbidden {
                required_by_obs = true;
            }
        }
        Ok(match uns_required {
            Some(false) => false,
            _ => !presence_rules || required_by_obs,
        })
    }

    /// `_validate_column` on the rows `rows` of a column.
    fn column(
        &mut self,
        df: &str,
        name: &str,
        col: &Column,
        rows: &[usize],
        def: &Value,
        default_suffix: Option<&str>,
    ) -> Result<()> {
        let before = self.errors.len();
        let values: Vec<Option<&str>> = rows.iter().map(|i| col.values[*i].as_deref()).collect();
        let mut distinct: Vec<&str> = Vec::new();
        for v in values.iter().flatten() {
            if !distinct.contains(v) {
                distinct.push(v);
            }
        }
        let ty = def.get("type").and_then(Value::as_str).unwrap_or_default();
        if def.get("unique").and_then(Value::as_bool) == Some(true)
            && distinct.len() != values.len()
        {
            self.errors.push(format!(
                "Column '{name}' in dataframe '{df}' is not unique."
            ));
        }
        if def.get("forbidden_when_all_na").and_then(Value::as_bool) == Some(true)
            && values.iter().all(|v| *v == Some("na"))
        {
            self.errors.push(format!("Column '{name}' in dataframe '{df}' MUST NOT be present when all values are 'na'. Remove it from h5ad and try again."));
        }
        if (ty == "bool" || ty == "feature_is_filtered") && col.dtype != "bool" {
            self.errors.push(format!(
                "Column '{name}' in dataframe '{df}' must be boolean, not '{}'.",
                col.dtype
            ));
        }
        if ty == "feature_is_filtered" && col.dtype == "bool" && values.contains(&Some("true")) {
            self.errors.push(format!(
                "Column '{name}' in dataframe '{df}' must only contain 'False' values when there is no raw matrix."
            ));
        }
        if ty == "categorical" {
            if col.dtype != "category" {
                self.errors.push(format!(
                    "Column '{name}' in dataframe '{df}' must be categorical, not {}.",
                    col.dtype
                ));
            } else {
                if def.get("subtype").and_then(Value::as_str) == Some("str")
                    && distinct.iter().any(|v| v.trim().is_empty())
                {
                    self.errors.push(format!(
                        "Column '{name}' in dataframe '{df}' must not contain empty values."
                    ));
                }
                if def.get("enum").is_none() && values.iter().any(Option::is_none) {
                    self.errors.push(format!(
                        "Column '{name}' in dataframe '{df}' must not contain NaN values."
                    ));
                }
                let forbidden = strs(def.get("forbidden"));
                let bad: Vec<String> = distinct
                    .iter()
                    .filter(|v| forbidden.iter().any(|f| f == *v))
                    .map(|v| (*v).to_owned())
                    .collect();
                if !forbidden.is_empty() && !bad.is_empty() {
                    self.errors.push(format!(
                        "Column '{name}' in dataframe '{df}' contains forbidden values '{}'. Values must not be one of {}",
                        py_list(&bad),
                        py_list(&forbidden)
                    ));
                }
            }
        }
        if let Some(e) = def.get("enum") {
            let allowed = strs(Some(e));
            let bad: Vec<String> = distinct
                .iter()
                .filter(|v| !allowed.iter().any(|a| a == *v))
                .map(|v| (*v).to_owned())
                .collect();
            if !bad.is_empty() {
                self.errors.push(format!(
                    "Column '{name}' in dataframe '{df}' contains invalid values '{}'. Values must be one of {}",
                    py_list(&bad),
                    py_list(&allowed)
                ));
            }
        }
        if ty == "curie" {
            if values.iter().any(Option::is_none) {
                self.errors.push(format!(
                    "Column '{name}' in dataframe '{df}' must not contain NaN values."
                ));
            } else if let Some(c) = def.get("curie_constraints") {
                for v in &distinct {
                    self.curie_str(v, name, c)?;
                }
            }
        }
        let suffix = def
            .get("error_message_suffix")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
            .or(default_suffix.map(str::to_owned));
        if let Some(s) = suffix.filter(|s| !s.is_empty()) {
            for e in &mut self.errors[before..] {
                e.push(' ');
                e.push_str(&s);
            }
        }
        Ok(())
    }

    /// cellxgene-schema infers a feature's organism from the gene table that has it, so an
    /// id that no table has is reported as an organism it cannot infer.
    fn feature_ids(&mut self, ids: &[String], path: &str) -> Result<()> {
        for id in ids {
            if !self.terms.is_gene(id)? {
                self.errors.push(format!(
                    "Could not infer organism from feature ID '{id}' in '{path}', make sure it is a valid ID."
                ));
            }
        }
        Ok(())
    }

    fn uns(&mut self, def: &Value) -> Result<()> {
        let keys = def
            .get("keys")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, kdef) in &keys {
            let Some(value) = self.uns.get(key) else {
                if kdef.get("required").and_then(Value::as_bool) == Some(true) {
                    self.errors
                        .push(format!("'{key}' in 'uns' is not present."));
                }
                continue;
            };
            if kdef.get("type").and_then(Value::as_str) == Some("string") {
                match value.as_str() {
                    None => self.errors.push(format!(
                        "'{value}' in 'uns['{key}']' is not valid, it must be a string."
                    )),
                    Some(s) if s != s.trim_end() => self.errors.push(format!(
                        "'{s}' in 'uns['{key}']' is not valid, it contains trailing spaces."
                    )),
                    Some(s) if s != s.trim_start() => self.errors.push(format!(
                        "'{s}' in 'uns['{key}']' is not valid, it contains leading spaces."
                    )),
                    Some(s) if s.contains("  ") => self.errors.push(format!(
                        "'{s}' in 'uns['{key}']' is not valid, it contains double spaces."
                    )),
                    Some(s) => {
                        let allowed = strs(kdef.get("enum"));
                        if kdef.get("enum").is_some() && !allowed.iter().any(|a| a == s) {
                            self.errors.push(format!(
                                "'{s}' in 'uns['{key}']' is not valid. Allowed terms: {}.",
                                py_list(&allowed)
                            ));
                        }
                    }
                }
            }
        }
        for (key, value) in self.uns {
            if value.as_str() == Some("") || value.as_array().is_some_and(Vec::is_empty) {
                self.errors
                    .push(format!("uns['{key}'] cannot be an empty value."));
            }
            if let Some(c) = keys
                .get(key)
                .filter(|k| k.get("type").and_then(Value::as_str) == Some("curie"))
                .and_then(|k| k.get("curie_constraints"))
            {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                self.curie_str(&text, key, c)?;
            }
        }
        Ok(())
    }

    fn dataframe(&mut self, name: &str, a: &Annotations, def: &Value) -> Result<()> {
        let n = a.index.len();
        let cols = columns(a);
        if let Some(idx) = def.get("index") {
            let col = Column {
                values: a.index.iter().cloned().map(Some).collect(),
                dtype: "object".into(),
            };
            let rows: Vec<usize> = (0..n).collect();
            self.column(name, "index", &col, &rows, idx, None)?;
            if idx.get("type").and_then(Value::as_str) == Some("feature_id") {
                self.feature_ids(&a.index, name)?;
            }
        }
        for c in strs(def.get("deprecated_columns")) {
            if cols.contains_key(&c) {
                self.errors.push(format!(
                    "The field '{c}' is present in '{name}', but it is deprecated."
                ));
            }
        }
        let Some(defs) = def.get("columns").and_then(Value::as_object) else {
            return Ok(());
        };
        for (cname, cdef) in defs {
            let deps = one_or_many(cdef.get("dependencies"));
            let Some(col) = cols.get(cname) else {
                if cdef.get("required").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                if !deps.is_empty() && !self.required(cname, &deps, &cols, n)? {
                    continue;
                }
                self.errors
                    .push(format!("Dataframe '{name}' is missing column '{cname}'."));
                continue;
            };
            // Rows matched by a dependency are validated by its constraints; the rest by
            // the column's own.
            let mut matched = vec![false; n];
            for dep in &deps {
                let Some((mask, suffix)) = self.dependency(dep, &cols, n)? else {
                    continue;
                };
                let rows: Vec<usize> = (0..n).filter(|i| mask[*i]).collect();
                if dep.get("type").and_then(Value::as_str) == Some("forbidden") {
                    continue;
                }
                if !rows.is_empty() {
                    let sfx = (!suffix.is_empty()).then_some(suffix.as_str());
                    self.column(name, cname, col, &rows, dep, sfx)?;
                }
                for i in rows {
                    matched[i] = true;
                }
            }
            let rest: Vec<usize> = (0..n).filter(|i| !matched[*i]).collect();
            if !rest.is_empty() {
                self.column(name, cname, col, &rest, cdef, None)?;
            }
        }
        Ok(())
    }
}

/// Checks `adata` against the CELLxGENE schema 7.1.0 rules for `uns`, `var` and `obs`; returns
/// cellxgene-schema's error sentences (empty when valid).
pub fn validate(inst: &Instance, adata: &AnnData) -> Result<Vec<String>> {
    let def = definition();
    let components = &def["components"];
    let mut c = Checker {
        terms: Terms::new(inst),
        uns: &adata.uns,
        errors: Vec::new(),
    };
    c.uns(&components["uns"])?;
    c.dataframe("var", &adata.var, &components["var"])?;
    if adata.obsm.is_empty() {
        c.errors.push("No embeddings found in 'adata.obsm'.".into());
    } else if !adata.obsm.iter().any(|(k, _)| k.starts_with("X_")) {
        c.errors
            .push("At least one embedding in 'obsm' has to have a key with an 'X_' prefix.".into());
    }
    c.dataframe("obs", &adata.obs, &components["obs"])?;
    Ok(c.errors)
}
