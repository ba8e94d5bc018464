//! Validating a DataFrame (in memory, or a parquet / CSV / TSV file) against a Schema: every
//! failure collected in one [`Report`], not the first one only.
//!
//! Checks, as Python LaminDB's `DataFrameCurator` makes them: the schema's required features
//! are columns (missing ones are reported; with `maximal_set`, extra columns too); each
//! column's dtype matches its feature's (`int`, `float`, `num`, `str`, `bool`, `date`,
//! `datetime`, `cat[…]`), or casts to it when the schema or feature coerces; non-nullable
//! features have no nulls; values of categorical features are records of their registry —
//! exact matches validate, case variants and synonyms are reported as suggestions that
//! [`DataFrameCurator::standardize`] applies.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use lamindb_core::db::models::{Artifact, Feature, Schema};
use lamindb_core::meta::{CatSpec, Dtype};
use lamindb_core::{Error, Instance, Result};
use polars::prelude::*;
use serde::Serialize;

use crate::table::Table;
use crate::values::Vocabulary;

/// One failure of a validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// A required feature has no column.
    MissingColumn {
        /// Feature.
        feature: String,
        /// Its dtype.
        dtype: String,
    },
    /// A column that is no feature of a schema with `maximal_set`.
    ExtraColumn {
        /// Column.
        column: String,
    },
    /// A column whose values are not of its feature's dtype.
    Dtype {
        /// Column.
        column: String,
        /// The feature's dtype.
        expected: String,
        /// The column's type.
        found: String,
        /// Whether coercing (the schema's or feature's `coerce`) would make it valid.
        coercible: bool,
    },
    /// Nulls in a feature that is not nullable.
    Nulls {
        /// Column.
        column: String,
        /// How many.
        count: usize,
    },
    /// A rule of the schema that the data breaks, in the words of the rule's own validator
    /// (e.g. cellxgene-schema's sentences for the CELLxGENE schema).
    Rule {
        /// What is wrong.
        message: String,
    },
    /// Values of a categorical feature that are no records of its registry.
    NonValidated {
        /// Column.
        column: String,
        /// Registry (and field) the values must be in.
        registry: String,
        /// The values with how many rows have each, most frequent first.
        values: Vec<(String, usize)>,
        /// Values that are case variants or synonyms, with the registry's value.
        synonyms: BTreeMap<String, String>,
    },
}

/// The outcome of [`DataFrameCurator::validate`].
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The schema validated against.
    pub schema: String,
    /// Rows of the DataFrame.
    pub n_rows: usize,
    /// Every failure.
    pub problems: Vec<Problem>,
    /// What was found but does not fail validation (values of a non-maximal set that no
    /// registry knows).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    /// Whether the DataFrame is valid.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_valid() {
            write!(
                f,
                "✓ {} rows are valid against schema '{}'",
                self.n_rows, self.schema
            )?;
            for n in &self.notes {
                write!(f, "\n  {n}")?;
            }
            return Ok(());
        }
        writeln!(
            f,
            "✗ {} problem{} against schema '{}' ({} rows):",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" },
            self.schema,
            self.n_rows
        )?;
        for p in &self.problems {
            // Python LaminDB's (pandera's) sentences, with what lamin adds after them.
            match p {
                Problem::Rule { message } => writeln!(f, "  {message}")?,
                Problem::MissingColumn { feature, dtype } => writeln!(
                    f,
                    "  column '{feature}' not in dataframe (feature '{feature}', dtype {dtype}, is required)"
                )?,
                Problem::ExtraColumn { column } => writeln!(
                    f,
                    "  column '{column}' not in DataFrameSchema (the schema is a maximal set)"
                )?,
                Problem::Dtype {
                    column,
                    expected,
                    found,
                    coercible,
                } => {
                    writeln!(
                        f,
                        "  Column '{column}' failed dtype check for '{expected}': got {found}"
                    )?;
                    if *coercible {
                        writeln!(
                            f,
                            "    ▶ Hint: Consider setting `feature.coerce = True` (lamin create feature … --coerce) or `schema.coerce = True`: every value converts"
                        )?;
                    }
                }
                Problem::Nulls { column, count } => writeln!(
                    f,
                    "  non-nullable series '{column}' contains null values ({count} row{})",
                    if *count == 1 { "" } else { "s" }
                )?,
                Problem::NonValidated {
                    column,
                    registry,
                    values,
                    synonyms,
                } => {
                    let shown: Vec<String> = values
                        .iter()
                        .take(10)
                        .map(|(v, n)| format!("'{v}' ({n})"))
                        .collect();
                    writeln!(
                        f,
                        "  {} term{} not validated in feature '{column}': {}{} [{registry}]",
                        values.len(),
                        if values.len() == 1 { "" } else { "s" },
                        shown.join(", "),
                        if values.len() > 10 { ", ..." } else { "" }
                    )?;
                    if !synonyms.is_empty() {
                        let pairs: Vec<String> = synonyms
                            .iter()
                            .map(|(a, b)| format!("\"{a}\" → \"{b}\""))
                            .collect();
                        writeln!(
                            f,
                            "    {} synonym{} found: {}",
                            synonyms.len(),
                            if synonyms.len() == 1 { "" } else { "s" },
                            pairs.join(", ")
                        )?;
                        writeln!(
                            f,
                            "    → curate synonyms via: lamin validate … --standardize OUT (Python: curator.cat.standardize(\"{column}\"))"
                        )?;
                    }
                    if values.len() > synonyms.len() {
                        writeln!(
                            f,
                            "    → fix typos, remove non-existent values, or create records via: lamin validate … --add-new {column}"
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads a DataFrame from parquet, CSV or TSV (plain or `.gz`), by the file's name.
pub fn read_table(path: &Path) -> Result<DataFrame> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bad = |e: PolarsError| Error::Validation(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if name.ends_with(".parquet") {
        return ParquetReader::new(file).finish().map_err(bad);
    }
    let sep = if name.ends_with(".tsv") || name.ends_with(".tsv.gz") {
        b'\t'
    } else if name.ends_with(".csv") || name.ends_with(".csv.gz") {
        b','
    } else {
        return Err(Error::Unsupported(format!(
            "{}: validate parquet, csv or tsv files (plain or .gz)",
            path.display()
        )));
    };
    CsvReadOptions::default()
        .with_has_header(true)
        .with_parse_options(
            CsvParseOptions::default()
                .with_separator(sep)
                .with_try_parse_dates(true),
        )
        .into_reader_with_file_handle(file)
        .finish()
        .map_err(bad)
}

/// A DataFrame (in memory, or a parquet file read in slices) and the schema it should
/// satisfy.
pub struct DataFrameCurator<'a> {
    inst: &'a Instance,
    table: Table,
    schema: Schema,
    /// `(feature, required)` in schema order.
    features: Vec<(Feature, bool)>,
    /// The schema's `__external__` slot: features of the dataset that are no columns.
    external: Option<Schema>,
    /// Their values ([`DataFrameCurator::with_external`]).
    external_values: serde_json::Map<String, serde_json::Value>,
    /// Slots `attrs` and `attrs:<key>…`: the DataFrame's attrs (of a parquet file written by
    /// pandas), and nested dicts of them.
    attrs: Vec<(String, Schema)>,
}

/// The message Python LaminDB gives when a schema's external features have no values.
const NO_EXTERNAL: &str =
    "External features slot is defined in schema but no external features were provided.";

/// One row of the scalars (and lists of strings) of a dict, as Python's dict curators make it.
pub(crate) fn one_row(values: &serde_json::Map<String, serde_json::Value>) -> Result<DataFrame> {
    use serde_json::Value;
    let mut columns = Vec::new();
    for (k, v) in values {
        let name: PlSmallStr = k.as_str().into();
        let s = match v {
            Value::String(s) => Series::new(name, [s.as_str()]),
            Value::Bool(b) => Series::new(name, [*b]),
            Value::Number(n) if n.is_i64() => Series::new(name, [n.as_i64().unwrap_or_default()]),
            Value::Number(n) => Series::new(name, [n.as_f64().unwrap_or_default()]),
            Value::Array(a) if a.iter().all(Value::is_string) => {
                let items: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                Series::new(name, [Series::new("".into(), items)])
            }
            // Nested dicts and mixed lists are no feature values of a row.
            _ => continue,
        };
        columns.push(s.into_column());
    }
    DataFrame::new(1, columns).map_err(|e| Error::Validation(e.to_string()))
}

/// Whether a column's polars dtype satisfies a feature dtype.
fn dtype_matches(d: &Dtype, found: &DataType) -> bool {
    match d {
        Dtype::Int => found.is_integer(),
        Dtype::Float => found.is_float(),
        Dtype::Num => found.is_primitive_numeric(),
        Dtype::Str | Dtype::Path | Dtype::Url | Dtype::Cat(_) => {
            matches!(found, DataType::String | DataType::Null)
        }
        Dtype::Bool => matches!(found, DataType::Boolean),
        Dtype::Date => matches!(found, DataType::Date),
        Dtype::Datetime => matches!(found, DataType::Datetime(..)),
        // `list[T]`: a list column whose elements are of T.
        Dtype::List(inner) => matches!(found, DataType::List(f) if dtype_matches(inner, f)),
        Dtype::Object | Dtype::Dict => true,
    }
}

/// The elements of a list column (values of `list[cat[…]]` features are validated one by
/// one); other columns as they are.
fn flat(col: &Series) -> Result<Series> {
    col.explode(ExplodeOptions {
        empty_as_null: false,
        keep_nulls: false,
    })
    .map_err(|e| Error::Validation(e.to_string()))
}

/// The polars type a feature dtype coerces to.
fn target(d: &Dtype) -> Option<DataType> {
    Some(match d {
        Dtype::Int => DataType::Int64,
        Dtype::Float | Dtype::Num => DataType::Float64,
        Dtype::Str | Dtype::Cat(_) | Dtype::Path | Dtype::Url => DataType::String,
        Dtype::Bool => DataType::Boolean,
        Dtype::Date => DataType::Date,
        Dtype::Datetime => DataType::Datetime(TimeUnit::Microseconds, None),
        _ => return None,
    })
}

impl<'a> DataFrameCurator<'a> {
    /// A curator of `df` against the schema named (or with uid) `schema`. Built-in schemas
    /// such as `valid_features` (uid `0000000000000000`) are created on first use, as Python
    /// does.
    pub fn new(inst: &'a Instance, df: DataFrame, schema: &str) -> Result<Self> {
        Self::with_schema(inst, df, crate::schemas::resolve(inst, schema)?)
    }

    /// A curator of the file at `path`: a parquet file is validated column by column in
    /// slices of rows (never loaded whole); CSV and TSV files are read into memory.
    pub fn from_path(inst: &'a Instance, path: &Path, schema: &str) -> Result<Self> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let table = if name.ends_with(".parquet") {
            Table::parquet(path)?
        } else {
            Table::memory(read_table(path)?)
        };
        Self::with_table(inst, table, crate::schemas::resolve(inst, schema)?)
    }

    /// A curator of `df` against `schema` (a saved schema, e.g. a slot of a composite).
    pub fn with_schema(inst: &'a Instance, df: DataFrame, schema: Schema) -> Result<Self> {
        Self::with_table(inst, Table::memory(df), schema)
    }

    /// A curator of `table` against `schema`.
    pub fn with_table(inst: &'a Instance, mut table: Table, schema: Schema) -> Result<Self> {
        let schemas = inst.schemas();
        if let Some(index) = schemas.index(&schema)? {
            table.index_as(&index.name);
        }
        let optionals: Vec<i32> = schemas.optionals(&schema)?.iter().map(|f| f.id).collect();
        let mut features: Vec<(Feature, bool)> = schemas
            .members(&schema)?
            .into_iter()
            .map(|f| {
                let required = !optionals.contains(&f.id);
                (f, required)
            })
            .collect();
        // A flexible schema (by default one of any features, `itype = Feature` without
        // members): the other columns that are features are validated as such too.
        let flexible = schema.flexible.unwrap_or(features.is_empty())
            && schema.itype.as_deref().is_none_or(|i| i == "Feature");
        if flexible {
            for c in table.columns() {
                if features.iter().any(|(f, _)| f.name == c) {
                    continue;
                }
                if let Ok(f) = inst.features().get(&c) {
                    features.push((f, false));
                }
            }
        }
        let mut external = None;
        let mut attrs = Vec::new();
        for (slot, component) in schemas.slots(&schema)? {
            if slot == "__external__" {
                external = Some(component);
            } else if slot == "attrs" || slot.starts_with("attrs:") {
                attrs.push((slot, component));
            } else {
                return Err(Error::Validation(format!(
                    "schema '{}' has slot '{slot}': a DataFrame schema's slots are attrs, attrs:<key>… and __external__",
                    crate::schemas::label(&schema)
                )));
            }
        }
        Ok(DataFrameCurator {
            inst,
            table,
            schema,
            features,
            external,
            external_values: serde_json::Map::new(),
            attrs,
        })
    }

    /// The values of the dataset's external features (Python's `features=` of a
    /// `DataFrameCurator`): validated against the schema's `__external__` slot and saved as
    /// the artifact's feature values.
    pub fn with_external(mut self, values: serde_json::Map<String, serde_json::Value>) -> Self {
        self.external_values = values;
        self
    }

    /// The DataFrame (standardized, once [`DataFrameCurator::standardize`] ran); a parquet
    /// file is read into memory for it.
    pub fn dataframe(&mut self) -> Result<&DataFrame> {
        Ok(self.table.load()?)
    }

    /// Whether the data has column `name`.
    pub fn has_column(&self, name: &str) -> bool {
        self.table.has(name)
    }

    fn coerces(&self, f: &Feature) -> bool {
        f.coerce.or(self.schema.coerce).unwrap_or(false)
    }

    /// The vocabulary of one registry of a categorical dtype.
    fn vocabulary(&self, spec: &CatSpec) -> Result<Vocabulary> {
        Vocabulary::of_spec(self.inst, spec)
    }

    /// Validates; the report lists every failure.
    pub fn validate(&self) -> Result<Report> {
        let mut problems = Vec::new();
        let columns = self.table.columns();
        // Progress counts the values of the one pass every present feature column gets.
        let present = self
            .features
            .iter()
            .filter(|(f, _)| self.table.has(&f.name))
            .count();
        let progress = self.inst.progress_task(
            "validating",
            (self.table.height() * present) as u64,
            lamindb_core::util::progress::Unit::Values,
        );
        let mut done = 0u64;
        for (f, required) in &self.features {
            let dtype_str = f.dtype.clone().unwrap_or_default();
            let Some(found) = self.table.dtype(&f.name) else {
                if *required {
                    problems.push(Problem::MissingColumn {
                        feature: f.name.clone(),
                        dtype: dtype_str,
                    });
                }
                continue;
            };
            let dtype = Dtype::parse(&dtype_str)?;
            let cast = (!dtype_matches(&dtype, &found)).then(|| target(&dtype));
            // One pass: nulls, and whether every value casts when the dtype differs.
            let (mut nulls, mut castable) = (0, true);
            self.table.for_each_chunk(&f.name, |col| {
                nulls += col.null_count();
                if let Some(t) = &cast {
                    castable &= t.as_ref().is_some_and(|t| col.strict_cast(t).is_ok());
                }
                done += col.len() as u64;
                if let Some(p) = &progress {
                    p.set(done);
                }
                Ok(())
            })?;
            if cast.is_some() && !(castable && self.coerces(f)) {
                problems.push(Problem::Dtype {
                    column: f.name.clone(),
                    expected: dtype_str.clone(),
                    found: found.to_string(),
                    coercible: castable,
                });
                continue;
            }
            if nulls > 0 && f.nullable == Some(false) {
                problems.push(Problem::Nulls {
                    column: f.name.clone(),
                    count: nulls,
                });
            }
            if dtype.is_categorical() {
                problems.extend(self.check_categories(&f.name, dtype.cat_specs())?);
            }
        }
        for (slot, component) in &self.attrs {
            match self.attrs_frame(slot)? {
                Some(df) => {
                    let inner = DataFrameCurator::with_schema(self.inst, df, component.clone())?;
                    problems.extend(inner.validate()?.problems);
                }
                None => problems.push(Problem::Rule {
                    message: format!(
                        "slot '{slot}' is defined in schema but the data has no such attrs (pandas writes DataFrame.attrs into parquet files)"
                    ),
                }),
            }
        }
        if let Some(ext) = &self.external {
            if self.external_values.is_empty() {
                problems.push(Problem::Rule {
                    message: NO_EXTERNAL.into(),
                });
            } else {
                // Values are given as text where the feature wants a date or a number: they
                // are checked as converted, as Python's feature values are.
                let mut ext = ext.clone();
                ext.coerce = Some(true);
                let inner =
                    DataFrameCurator::with_schema(self.inst, one_row(&self.external_values)?, ext)?;
                problems.extend(inner.validate()?.problems);
            }
        }
        if self.schema.ordered_set {
            // Members present must come in the schema's order (pandera's `ordered`).
            let order: Vec<&str> = self
                .features
                .iter()
                .map(|(f, _)| f.name.as_str())
                .filter(|n| columns.iter().any(|c| c == n))
                .collect();
            let found: Vec<&str> = columns
                .iter()
                .map(String::as_str)
                .filter(|c| order.contains(c))
                .collect();
            if let Some((c, _)) = found.iter().zip(&order).find(|(a, b)| a != b) {
                problems.push(Problem::Rule {
                    message: format!(
                        "column '{c}' out-of-order (the schema is an ordered set: {})",
                        order.join(", ")
                    ),
                });
            }
        }
        if self.schema.maximal_set {
            for c in &columns {
                if !self.features.iter().any(|(f, _)| &f.name == c) {
                    problems.push(Problem::ExtraColumn { column: c.clone() });
                }
            }
        }
        Ok(Report {
            schema: crate::schemas::label(&self.schema).to_owned(),
            n_rows: self.table.height(),
            problems,
            notes: Vec::new(),
        })
    }

    /// The distinct values of column `column` (only those in `only`, when given) with their
    /// counts, most frequent first.
    fn counts_of(&self, column: &str, only: &HashSet<String>) -> Result<Vec<(String, usize)>> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        self.table.for_each_chunk(column, |col| {
            let s = flat(col)?
                .cast(&DataType::String)
                .map_err(|e| Error::Validation(e.to_string()))?;
            for v in s
                .str()
                .map_err(|e| Error::Validation(e.to_string()))?
                .iter()
                .flatten()
            {
                if only.contains(v) {
                    *counts.entry(v.to_owned()).or_default() += 1;
                }
            }
            Ok(())
        })?;
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The distinct values of column `column`, by polars' hashing per slice (faster than
    /// counting each row).
    fn distinct(&self, column: &str) -> Result<Vec<String>> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        self.table.for_each_chunk(column, |col| {
            let s = flat(col)?
                .cast(&DataType::String)
                .and_then(|s| s.unique())
                .map_err(|e| Error::Validation(e.to_string()))?;
            for v in s
                .str()
                .map_err(|e| Error::Validation(e.to_string()))?
                .iter()
                .flatten()
            {
                if seen.insert(v.to_owned()) {
                    out.push(v.to_owned());
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn check_categories(&self, column: &str, specs: &[CatSpec]) -> Result<Vec<Problem>> {
        let vocabs: Vec<Vocabulary> = specs
            .iter()
            .map(|s| self.vocabulary(s))
            .collect::<Result<_>>()?;
        // Distinct values first; rows are counted only for the values that fail.
        let mut failing = HashSet::new();
        let mut synonyms = BTreeMap::new();
        for v in self.distinct(column)? {
            if vocabs.iter().any(|voc| voc.validate(&[v.as_str()])[0]) {
                continue;
            }
            if let Some(s) = vocabs.iter().find_map(|voc| voc.standard_of(&v, false)) {
                synonyms.insert(v.clone(), s.to_owned());
            }
            failing.insert(v);
        }
        if failing.is_empty() {
            return Ok(Vec::new());
        }
        let missing = self.counts_of(column, &failing)?;
        let registry = specs
            .iter()
            .map(|s| match &s.field {
                Some(f) => format!("{}.{f}", s.registry),
                None => s.registry.clone(),
            })
            .collect::<Vec<_>>()
            .join(" | ");
        Ok(vec![Problem::NonValidated {
            column: column.to_owned(),
            registry,
            values: missing,
            synonyms,
        }])
    }

    /// Creates records for the values of categorical column `column` that its registry lacks
    /// (Python's `cat.add_new_from`), in the type the dtype names (`cat[Record[<type>]]`);
    /// returns how many were created. Values that are synonyms must be standardized first.
    /// Registries whose uids derive from content (`bionty.*`, `pertdb.*`) are refused: their
    /// records are made with their own commands.
    pub fn add_new_from(&self, column: &str) -> Result<usize> {
        let (f, _) = self
            .features
            .iter()
            .find(|(f, _)| f.name == column)
            .ok_or_else(|| {
                Error::Validation(format!(
                    "'{column}' is no feature of schema '{}'",
                    crate::schemas::label(&self.schema).to_owned()
                ))
            })?;
        let Dtype::Cat(specs) = Dtype::parse(f.dtype.as_deref().unwrap_or_default())? else {
            return Err(Error::Validation(format!(
                "'{column}' is not a categorical feature"
            )));
        };
        let spec = &specs[0];
        let meta = self.inst.catalog().registry(&spec.registry)?;
        if meta.name.contains('.') {
            return Err(Error::Validation(format!(
                "records of {} have uids derived from their content; create them with the module's own command (lamin create {} NAME)",
                meta.name, meta.name
            )));
        }
        if !self.table.has(column) {
            return Err(Error::Validation(format!(
                "the data has no column '{column}'"
            )));
        }
        let problems = self.check_categories(column, &specs)?;
        let Some(Problem::NonValidated {
            values, synonyms, ..
        }) = problems.into_iter().next()
        else {
            return Ok(0);
        };
        if !synonyms.is_empty() {
            return Err(Error::Validation(format!(
                "'{column}' has values that are synonyms of existing records ({}); standardize them before adding new values",
                synonyms.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        let mut fields = Vec::new();
        if let (Some(t), Some(_)) = (spec.type_uid(), meta.field("type_id")) {
            let ids = self
                .inst
                .query_registry(meta.name)?
                .filter(lamindb_core::query::Q::new("uid", t))
                .ids()?;
            let id = ids
                .first()
                .ok_or_else(|| Error::NotFound(format!("no {} type with uid {t}", meta.name)))?;
            fields.push(("type_id".to_owned(), id.to_string()));
        }
        let mut created = 0;
        for (value, _) in &values {
            if self
                .inst
                .create_record(meta.name, value, &fields, None)?
                .created
            {
                created += 1;
            }
        }
        Ok(created)
    }

    /// The attrs of slot `attrs` or `attrs:<k1>:<k2>` as one row, if the data has them.
    fn attrs_frame(&self, slot: &str) -> Result<Option<DataFrame>> {
        let attrs = self.table.attrs()?;
        attrs
            .as_ref()
            .and_then(serde_json::Value::as_object)
            .and_then(|root| crate::schemas::dict_at(root, slot))
            .map(one_row)
            .transpose()
    }

    /// Adds missing member columns and fills nulls with default values.
    fn fill_defaults(&mut self) -> Result<()> {
        let height = self.table.height();
        for (f, _) in self.features.clone() {
            let default = f.default_value.as_ref().map(|d| d.0.clone());
            let dtype = Dtype::parse(f.dtype.as_deref().unwrap_or_default())?;
            let target_t = target(&dtype).unwrap_or(DataType::String);
            let filler = match &default {
                Some(v) => {
                    let row = serde_json::Map::from_iter([(f.name.clone(), v.clone())]);
                    let one = one_row(&row)?;
                    let s = one
                        .column(&f.name)
                        .map_err(|e| Error::Validation(e.to_string()))?
                        .as_materialized_series()
                        .cast(&target_t)
                        .map_err(|e| {
                            Error::Validation(format!(
                                "default value of feature '{}' is no {}: {e}",
                                f.name,
                                f.dtype.as_deref().unwrap_or_default()
                            ))
                        })?;
                    Some(s)
                }
                None => None,
            };
            if !self.table.has(&f.name) {
                let col = match (&filler, f.nullable != Some(false)) {
                    (Some(v), _) => v.new_from_index(0, height),
                    (None, true) => Series::full_null(f.name.as_str().into(), height, &target_t),
                    (None, false) => {
                        return Err(Error::Validation(format!(
                            "Missing column {} cannot be added because is not nullable and has no default value",
                            f.name
                        )))
                    }
                };
                self.table
                    .load()?
                    .with_column(col.with_name(f.name.as_str().into()).into_column())
                    .map_err(|e| Error::Validation(e.to_string()))?;
            } else if let Some(v) = &filler {
                let df = self.table.load()?;
                let col = df
                    .column(&f.name)
                    .map_err(|e| Error::Validation(e.to_string()))?
                    .as_materialized_series()
                    .clone();
                if col.null_count() > 0 {
                    let fill = v.new_from_index(0, col.len());
                    let filled = col
                        .cast(&target_t)
                        .and_then(|c| c.zip_with(&c.is_not_null(), &fill))
                        .map_err(|e| Error::Validation(e.to_string()))?;
                    df.replace(
                        &f.name,
                        filled.with_name(f.name.as_str().into()).into_column(),
                    )
                    .map_err(|e| Error::Validation(e.to_string()))?;
                }
            }
        }
        Ok(())
    }

    /// The values of each categorical feature that are no records of its registry (Python's
    /// `curator.cat.non_validated`).
    pub fn non_validated(&self) -> Result<BTreeMap<String, Vec<String>>> {
        Ok(self
            .validate()?
            .problems
            .into_iter()
            .filter_map(|p| match p {
                Problem::NonValidated { column, values, .. } => {
                    Some((column, values.into_iter().map(|(v, _)| v).collect()))
                }
                _ => None,
            })
            .collect())
    }

    /// Links the distinct values of each categorical column as labels of `artifact`, with
    /// their feature; returns how many per feature. Columns with more than [`MAX_LABELS`]
    /// values are skipped, as Python does.
    pub(crate) fn link_labels(&self, artifact: &Artifact) -> Result<BTreeMap<String, usize>> {
        let mut labels = BTreeMap::new();
        let mut values = serde_json::Map::new();
        for (f, _) in &self.features {
            if !self.table.has(&f.name)
                || !Dtype::parse(f.dtype.as_deref().unwrap_or_default())?.is_categorical()
            {
                continue;
            }
            let distinct = self.distinct(&f.name)?;
            if distinct.len() > MAX_LABELS {
                tracing::info!(
                    "not linking {} values of '{}' as labels (more than {MAX_LABELS})",
                    distinct.len(),
                    f.name
                );
                continue;
            }
            labels.insert(f.name.clone(), distinct.len());
            values.insert(
                f.name.clone(),
                serde_json::Value::Array(
                    distinct
                        .into_iter()
                        .map(serde_json::Value::String)
                        .collect(),
                ),
            );
        }
        if !values.is_empty() {
            self.inst.annotations(artifact).add_values(&values)?;
        }
        Ok(labels)
    }

    /// The feature set of the validated columns (Python's inferred schema of a slot), with
    /// the validating schema's set semantics.
    pub(crate) fn feature_set(&self) -> Result<Schema> {
        let present: Vec<Feature> = self
            .features
            .iter()
            .filter(|(f, _)| self.table.has(&f.name))
            .map(|(f, _)| f.clone())
            .collect();
        let mut set = lamindb_core::records::schemas::NewSchema::of_features(present);
        set.minimal_set = self.schema.minimal_set;
        set.maximal_set = self.schema.maximal_set;
        set.ordered_set = self.schema.ordered_set;
        set.coerce = self.schema.coerce.unwrap_or(false);
        Ok(self.inst.schemas().create(set)?.record)
    }

    /// Replaces case variants and synonyms in the categorical columns (all when `column` is
    /// `None`) by their registry's values; returns the mapping per column. Without a column,
    /// also adds the schema's missing columns and fills nulls as Python's `standardize()` does:
    /// with the feature's `default_value`, or nulls for a nullable feature; a missing column
    /// whose feature is neither is an error.
    pub fn standardize(
        &mut self,
        column: Option<&str>,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
        if column.is_none() {
            self.fill_defaults()?;
        }
        let mut out = BTreeMap::new();
        for (f, _) in self.features.clone() {
            if column.is_some_and(|c| c != f.name) {
                continue;
            }
            let Ok(Dtype::Cat(specs)) = Dtype::parse(f.dtype.as_deref().unwrap_or_default()) else {
                continue;
            };
            if !self.table.has(&f.name) {
                continue;
            }
            // Values are rewritten in memory: a parquet file is read whole for it.
            let Ok(col) = self.table.load()?.column(&f.name).cloned() else {
                continue;
            };
            let s = col
                .as_materialized_series()
                .cast(&DataType::String)
                .map_err(|e| Error::Validation(e.to_string()))?;
            let vocabs: Vec<Vocabulary> = specs
                .iter()
                .map(|s| self.vocabulary(s))
                .collect::<Result<_>>()?;
            let mut mapping = BTreeMap::new();
            let new: StringChunked = s
                .str()
                .map_err(|e| Error::Validation(e.to_string()))?
                .iter()
                .map(|v| {
                    v.map(
                        |v| match vocabs.iter().find_map(|voc| voc.standard_of(v, false)) {
                            Some(std) if std != v => {
                                mapping.insert(v.to_owned(), std.to_owned());
                                std.to_owned()
                            }
                            _ => v.to_owned(),
                        },
                    )
                })
                .collect();
            let new = new.with_name(f.name.as_str().into()).into_series();
            self.table
                .load()?
                .replace(&f.name, new.into())
                .map_err(|e| Error::Validation(e.to_string()))?;
            if !mapping.is_empty() {
                out.insert(f.name.clone(), mapping);
            }
        }
        Ok(out)
    }
}

pub use crate::schemas::VALID_FEATURES;

/// What [`DataFrameCurator::save_artifact`] did.
#[derive(Debug)]
pub struct SavedDataset {
    /// The artifact (with `schema_id`, `otype`, `kind`, `n_observations` set) and whether it
    /// is new, a new version, or an existing artifact with the same content.
    pub saved: lamindb_core::records::artifact::Saved,
    /// Categorical values linked as labels, per feature.
    pub labels: BTreeMap<String, usize>,
    /// The inferred feature set (the validated columns' features), linked with slot `columns`.
    pub feature_set: Schema,
}

/// Artifacts with more distinct values in a categorical column than this get no label links
/// for it (Python's `settings.annotation.n_max_records`).
pub const MAX_LABELS: usize = 1000;

impl DataFrameCurator<'_> {
    /// Validates, then saves the file `spec.path` (the curated data) as an artifact validated
    /// by the schema, as Python's `save_artifact`: `schema_id`, `otype = DataFrame`,
    /// `kind = dataset`, `n_observations`; the values of categorical columns as labels with
    /// their feature; the validated columns' features as the artifact's feature set (slot
    /// `columns`). An invalid DataFrame is an error with the report, and nothing is saved.
    pub fn save_artifact(
        &self,
        mut spec: lamindb_core::records::artifact::NewArtifactSpec,
    ) -> Result<SavedDataset> {
        let report = self.validate()?;
        if !report.is_valid() {
            return Err(Error::Validation(format!("{report}\nnothing was saved")));
        }
        check_suffix(&self.schema, &spec.path)?;
        spec.kind.get_or_insert_with(|| "dataset".to_owned());
        let saved = self.inst.artifacts().save(spec)?;
        let artifact = mark_validated(
            self.inst,
            &saved.artifact,
            Some(&self.schema),
            "DataFrame",
            self.table.height(),
        )?;
        let labels = self.link_labels(&artifact)?;
        if !self.external_values.is_empty() {
            self.inst
                .annotations(&artifact)
                .add_values(&self.external_values)?;
        }
        let feature_set = self.feature_set()?;
        link_feature_set(self.inst, &artifact, &feature_set, "columns")?;
        // Each attrs slot's validated features, as Python links a feature set per slot.
        for (slot, component) in &self.attrs {
            if let Some(df) = self.attrs_frame(slot)? {
                let set = DataFrameCurator::with_schema(self.inst, df, component.clone())?
                    .feature_set()?;
                link_feature_set(self.inst, &artifact, &set, slot)?;
            }
        }
        Ok(SavedDataset {
            saved: lamindb_core::records::artifact::Saved {
                artifact,
                status: saved.status,
            },
            labels,
            feature_set,
        })
    }
}

/// Python's `Artifact.from_dataframe(df, key=…, schema=…).save()`: writes `df` as parquet (CSV
/// when `key` ends in `.csv`) into the cache and saves it as a dataset (`otype = DataFrame`,
/// `n_observations`); with a schema it is validated first, and annotated — an invalid
/// DataFrame is an error with the report, and nothing is saved.
pub fn save_dataframe(
    inst: &Instance,
    df: &DataFrame,
    key: &str,
    schema: Option<&str>,
) -> Result<lamindb_core::records::artifact::Saved> {
    let suffix = if key.to_ascii_lowercase().ends_with(".csv") {
        ".csv"
    } else {
        ".parquet"
    };
    let dir = lamindb_core::instance::settings::cache_dir().join("dataframes");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!("{}{suffix}", lamindb_core::util::uid::random(16)));
    let written = write_table(df, &path);
    let saved = written.and_then(|()| {
        let spec = lamindb_core::records::artifact::NewArtifactSpec {
            path: path.clone(),
            key: Some(key.to_owned()),
            kind: Some("dataset".into()),
            ..Default::default()
        };
        match schema {
            Some(s) => Ok(DataFrameCurator::new(inst, df.clone(), s)?
                .save_artifact(spec)?
                .saved),
            None => {
                let saved = inst.artifacts().save(spec)?;
                let artifact =
                    mark_validated(inst, &saved.artifact, None, "DataFrame", df.height())?;
                Ok(lamindb_core::records::artifact::Saved {
                    artifact,
                    status: saved.status,
                })
            }
        }
    });
    // The copy in storage is what remains; the written file was only its source.
    let _ = std::fs::remove_file(&path);
    saved
}

/// A schema with a `suffix` takes only files with that (canonical) suffix, as Python checks at
/// `Artifact.save`.
pub(crate) fn check_suffix(schema: &Schema, path: &Path) -> Result<()> {
    let Some(want) = schema.suffix.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let (found, _) = lamindb_storage::canonical_suffix(path);
    if found != want {
        return Err(Error::Validation(format!(
            "schema '{}' requires the suffix '{want}', but {} has '{found}'; nothing was saved",
            crate::schemas::label(schema),
            path.display()
        )));
    }
    Ok(())
}

/// Marks a saved artifact as a dataset (validated by `schema`, when given): `schema_id`,
/// `otype`, `n_observations`; returns it reloaded.
pub(crate) fn mark_validated(
    inst: &Instance,
    artifact: &Artifact,
    schema: Option<&Schema>,
    otype: &str,
    n_observations: usize,
) -> Result<Artifact> {
    use lamindb_core::db::rows::{Bind, Sql};
    let table = lamindb_core::meta::core::ARTIFACT.table;
    let mut sql = Sql::default();
    sql.push(&format!("UPDATE \"{table}\" SET schema_id = "))
        .bind_opt(schema.map(|s| Bind::Int(s.id.into())))
        .push(", otype = ")
        .bind(Bind::Text(otype.into()))
        .push(", n_observations = ")
        .bind(Bind::Int(n_observations as i64))
        .push(" WHERE id = ")
        .bind(Bind::Int(artifact.id.into()));
    sql.execute(&mut inst.conn())?;
    inst.artifacts().get(&artifact.uid)
}

/// Links `set` to `artifact` as the feature set of `slot` (`lamindb_artifactschema`).
pub(crate) fn link_feature_set(
    inst: &Instance,
    artifact: &Artifact,
    set: &Schema,
    slot: &str,
) -> Result<()> {
    use lamindb_core::db::rows::{Bind, Sql};
    let run = inst.current_run()?.map(|r| r.id);
    let mut link = Sql::default();
    link.push(
        "INSERT INTO \"lamindb_artifactschema\" (artifact_id, schema_id, slot, created_by_id, run_id) VALUES (",
    )
    .bind(Bind::Int(artifact.id.into()))
    .push(", ")
    .bind(Bind::Int(set.id.into()))
    .push(", ")
    .bind(Bind::Text(slot.into()))
    .push(", ")
    .bind(Bind::Int(inst.user().id.into()))
    .push(", ")
    .bind_opt(run.map(Bind::Int))
    .push(") ON CONFLICT DO NOTHING");
    link.execute(&mut inst.conn())?;
    Ok(())
}

/// Writes `df` to `out`: parquet for a `.parquet` name, CSV otherwise.
pub fn write_table(df: &DataFrame, out: &Path) -> Result<()> {
    let mut df = df.clone();
    let file = std::fs::File::create(out).map_err(|e| Error::Io {
        path: out.to_path_buf(),
        source: e,
    })?;
    let name = out.to_string_lossy().to_ascii_lowercase();
    let result = if name.ends_with(".parquet") {
        ParquetWriter::new(file).finish(&mut df).map(|_| ())
    } else {
        CsvWriter::new(file).finish(&mut df)
    };
    result.map_err(|e| Error::Validation(format!("cannot write {}: {e}", out.display())))
}
