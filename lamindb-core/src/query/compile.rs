//! Turns filter expressions into parameterised SQL. Table and column names come only from
//! registry metadata; every user value becomes a bind parameter.

use crate::db::rows::{time_text, Bind, ColumnKind, Sql};
use crate::db::sql_types::UtcTime;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::db::{DbConnection, Dialect};
use crate::meta::Dtype;
use crate::meta::{Catalog, FieldMeta, FieldType, LinkMeta, RegistryMeta, Via};
use crate::query::expr::{Lookup, Value, Q};
use crate::query::features::FeatureInfo;
use crate::{Error, Result};

/// `__in` lists longer than this are sent as one parameter.
const LONG_IN: usize = 100;

/// The longest text a pattern lookup (`contains`, `startswith`, …) takes: SQLite refuses LIKE
/// and GLOB patterns over 50,000 bytes.
pub(crate) const MAX_PATTERN_LEN: usize = 10_000;

/// Which pass over a condition the compiler is in. Names are bound before SQL is written: the
/// first pass emits SQL and notes feature names it cannot resolve from the catalog; when there
/// are any, they are read in one query, categorical feature values are resolved to label ids,
/// and a last pass emits the SQL from those bindings without running anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Emit, and collect names that may be features.
    Collect,
    /// Resolve the values of categorical feature filters to label ids; no SQL kept.
    Resolve,
    /// Emit from the bindings.
    Emit,
}

/// Label ids a categorical feature filter matched, per link.
type Resolved = Vec<(&'static LinkMeta, Vec<i64>)>;

/// Compiles the conditions of one query.
pub(crate) struct Compiler<'c> {
    pub conn: &'c mut DbConnection,
    pub catalog: &'c Catalog,
    pub dialect: Dialect,
    pub sql: Sql,
    aliases: usize,
    phase: Phase,
    /// Names that are no field or relation where they appear (candidate features).
    wanted: BTreeSet<String>,
    /// The features among them.
    features: BTreeMap<String, FeatureInfo>,
    /// Resolved categorical filters, by lookup path and value.
    labels: HashMap<(String, String), Resolved>,
}

/// The SQL expression and reading kind for selecting `field` of the row aliased `alias`.
pub(crate) fn select_expr(
    dialect: Dialect,
    alias: &str,
    field: &FieldMeta,
) -> (String, ColumnKind) {
    let col = format!("{alias}.\"{}\"", field.name);
    let pg = dialect == Dialect::Postgres;
    match field.field_type {
        FieldType::Int | FieldType::ForeignKey(_) if pg => {
            (format!("CAST({col} AS BIGINT)"), ColumnKind::Int)
        }
        FieldType::Int | FieldType::ForeignKey(_) => (col, ColumnKind::Int),
        FieldType::Float if pg => (
            format!("CAST({col} AS DOUBLE PRECISION)"),
            ColumnKind::Float,
        ),
        FieldType::Float => (col, ColumnKind::Float),
        FieldType::Text => (col, ColumnKind::Text),
        FieldType::Date if pg => (format!("CAST({col} AS TEXT)"), ColumnKind::Text),
        FieldType::Date => (col, ColumnKind::Text),
        FieldType::Bool => (col, ColumnKind::Bool),
        FieldType::DateTime => (col, ColumnKind::Time),
        FieldType::Json => (col, ColumnKind::Json),
    }
}

fn split_lookup<'p>(segs: &'p [&'p str]) -> (Option<Lookup>, &'p [&'p str]) {
    match segs.split_last() {
        Some((last, rest)) => match Lookup::from_name(last) {
            Some(l) => (Some(l), rest),
            None => (None, segs),
        },
        None => (None, segs),
    }
}

fn lookups_for(ft: FieldType) -> &'static [&'static str] {
    match ft {
        FieldType::Text => &[
            "exact",
            "iexact",
            "contains",
            "icontains",
            "startswith",
            "istartswith",
            "endswith",
            "iendswith",
            "in",
            "gt",
            "gte",
            "lt",
            "lte",
            "range",
            "isnull",
        ],
        FieldType::Bool => &["exact", "in", "isnull"],
        FieldType::Json => &["isnull"],
        _ => &["exact", "in", "gt", "gte", "lt", "lte", "range", "isnull"],
    }
}

fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `value` as a bind for a field of type `ft`; `what` names the lookup in errors.
pub(crate) fn coerce(dialect: Dialect, ft: FieldType, value: &Value, what: &str) -> Result<Bind> {
    let bad = |expected: &str| Error::Validation(format!("{what} expects {expected}, got {value}"));
    Ok(match ft {
        FieldType::Int | FieldType::ForeignKey(_) => match value {
            Value::Int(i) => Bind::Int(*i),
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() => Bind::Int(*x as i64),
            Value::Text(s) => Bind::Int(
                parse_int(s)
                    .ok_or_else(|| bad("an integer (1000, 1e6 or a size such as 2MB or 1.5GiB)"))?,
            ),
            _ => return Err(bad("an integer")),
        },
        FieldType::Float => match value {
            Value::Int(i) => Bind::Float(*i as f64),
            Value::Float(x) => Bind::Float(*x),
            Value::Text(s) => Bind::Float(s.trim().parse().map_err(|_| bad("a number"))?),
            _ => return Err(bad("a number")),
        },
        FieldType::Text => match value {
            Value::Text(s) => Bind::Text(s.clone()),
            Value::Int(i) => Bind::Text(i.to_string()),
            Value::Float(x) => Bind::Text(x.to_string()),
            _ => return Err(bad("text")),
        },
        FieldType::Bool => match value {
            Value::Bool(b) => Bind::Bool(*b),
            Value::Int(0) => Bind::Bool(false),
            Value::Int(1) => Bind::Bool(true),
            Value::Text(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Bind::Bool(true),
                "false" | "0" | "no" => Bind::Bool(false),
                _ => return Err(bad("true or false")),
            },
            _ => return Err(bad("true or false")),
        },
        FieldType::DateTime => match value {
            Value::Text(s) => {
                let t = parse_datetime(s).ok_or_else(|| {
                    bad("a date or datetime such as 2026-01-31 or 2026-01-31T12:00:00Z")
                })?;
                Bind::Text(time_text(dialect, t))
            }
            _ => return Err(bad("a date or datetime string")),
        },
        FieldType::Date => match value {
            Value::Text(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
                Bind::Text(s.clone())
            }
            _ => return Err(bad("a date such as 2026-01-31")),
        },
        FieldType::Json => return Err(bad("nothing: JSON fields support only isnull")),
    })
}

/// An integer as users write one: `1000`, `1e6`, or a size with a decimal (`KB`, `MB`, `GB`,
/// `TB`) or binary (`KiB`, `MiB`, `GiB`, `TiB`) unit.
fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(i);
    }
    let split = s
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(s.len());
    let (number, unit) = (s[..split].trim(), s[split..].trim());
    let factor: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let x = number.parse::<f64>().ok()? * factor;
    (x.is_finite() && x.fract() == 0.0 && x.abs() < 9.2e18).then_some(x as i64)
}

fn parse_datetime(s: &str) -> Option<UtcTime> {
    UtcTime::parse(s).or_else(|| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|dt| UtcTime(dt.and_utc()))
    })
}

fn truthy(value: &Value, what: &str) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Int(i) => Ok(*i != 0),
        Value::Text(s) if s.eq_ignore_ascii_case("true") || s == "1" => Ok(true),
        Value::Text(s) if s.eq_ignore_ascii_case("false") || s == "0" => Ok(false),
        _ => Err(Error::Validation(format!(
            "{what} expects true or false, got {value}"
        ))),
    }
}

impl<'c> Compiler<'c> {
    pub fn new(conn: &'c mut DbConnection, catalog: &'c Catalog) -> Self {
        let dialect = conn.dialect();
        Compiler {
            conn,
            catalog,
            dialect,
            sql: Sql::default(),
            aliases: 0,
            phase: Phase::Collect,
            wanted: BTreeSet::new(),
            features: BTreeMap::new(),
            labels: HashMap::new(),
        }
    }

    /// A fresh table alias.
    pub fn alias(&mut self) -> String {
        let a = format!("t{}", self.aliases);
        self.aliases += 1;
        a
    }

    /// The column of `field` for a condition. Without statistics SQLite's planner rates an
    /// index on a boolean or on `branch_id` as selective as one on `key` or `name`, and then scans
    /// most of the table; a unary `+` keeps it off those indexes.
    pub(crate) fn column(&self, alias: &str, field: &FieldMeta) -> String {
        let low_cardinality = matches!(field.field_type, FieldType::Bool)
            || matches!(field.name, "branch_id" | "space_id" | "created_on_id");
        if self.dialect == Dialect::Sqlite && low_cardinality {
            format!("+{alias}.\"{}\"", field.name)
        } else {
            format!("{alias}.\"{}\"", field.name)
        }
    }

    /// Appends the condition for `q` on rows of `meta` aliased `alias`, binding feature names and
    /// categorical values first (see [`Phase`]).
    pub fn condition(&mut self, meta: &'static RegistryMeta, alias: &str, q: &Q) -> Result<()> {
        let (start, aliases) = (self.sql.clone(), self.aliases);
        self.phase = Phase::Collect;
        self.walk(meta, alias, q)?;
        if self.wanted.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = std::mem::take(&mut self.wanted).into_iter().collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.features = FeatureInfo::by_names(self.conn, &names)?;
        self.phase = Phase::Resolve;
        self.aliases = aliases;
        self.walk(meta, alias, q)?;
        self.phase = Phase::Emit;
        self.sql = start;
        self.aliases = aliases;
        self.walk(meta, alias, q)
    }

    fn walk(&mut self, meta: &'static RegistryMeta, alias: &str, q: &Q) -> Result<()> {
        match q {
            Q::Lookup { path, value } => {
                let segs: Vec<&str> = path.split("__").collect();
                self.lookup(meta, alias, &segs, path, value)
            }
            Q::And(items) | Q::Or(items) if items.is_empty() => {
                self.sql
                    .push(if matches!(q, Q::And(_)) { "1=1" } else { "1=0" });
                Ok(())
            }
            Q::And(items) | Q::Or(items) => {
                let op = if matches!(q, Q::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                self.sql.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.sql.push(op);
                    }
                    self.walk(meta, alias, item)?;
                }
                self.sql.push(")");
                Ok(())
            }
            Q::Not(inner) => {
                // NULL comparisons count as false, so that exclude(key="x") keeps rows without a
                // key, as Django does.
                self.sql.push("NOT COALESCE((");
                self.walk(meta, alias, inner)?;
                self.sql.push("), FALSE)");
                Ok(())
            }
        }
    }

    fn lookup(
        &mut self,
        meta: &'static RegistryMeta,
        alias: &str,
        segs: &[&str],
        path: &str,
        value: &Value,
    ) -> Result<()> {
        let Some((&head, tail)) = segs.split_first() else {
            return Err(Error::Validation(format!("empty lookup in '{path}'")));
        };
        if let Some((_, to)) = meta.aliases.iter().find(|(from, _)| *from == head) {
            let mut expanded: Vec<&str> = to.split("__").collect();
            expanded.extend_from_slice(tail);
            return self.lookup(meta, alias, &expanded, path, value);
        }
        let (lookup, rest) = split_lookup(tail);
        if let Some(field) = meta.field(head) {
            if !rest.is_empty() {
                let hint = match field.field_type {
                    FieldType::ForeignKey(_) => format!(
                        "; to follow the relation write '{}__{}'",
                        head.trim_end_matches("_id"),
                        rest.join("__")
                    ),
                    _ => String::new(),
                };
                return Err(Error::Validation(format!(
                    "in '{path}': '{}' is not a lookup of {}.{head}; valid lookups: {}{hint}",
                    rest[0],
                    meta.name,
                    lookups_for(field.field_type).join(", ")
                )));
            }
            let col = self.column(alias, field);
            let value = named_codes(meta, field.name, value);
            return self.compare(
                &col,
                field.field_type,
                lookup.unwrap_or(Lookup::Exact),
                &value,
                path,
            );
        }
        if let Some((fk, target)) = meta.foreign_key(head) {
            let col = format!("{alias}.\"{}\"", fk.name);
            if rest.is_empty() {
                if names_records(value) {
                    return match self.catalog.by_table(target).and_then(|t| named(t, head, lookup)) {
                        Some(segs) => self.lookup(meta, alias, &segs, path, value),
                        None => Err(Error::Validation(format!(
                            "in '{path}': '{head}' is a relation and compares ids; did you mean '{head}__name'?"
                        ))),
                    };
                }
                return self.compare(
                    &col,
                    FieldType::Int,
                    lookup.unwrap_or(Lookup::Exact),
                    value,
                    path,
                );
            }
            let target_meta = self.catalog.by_table(target).ok_or_else(|| {
                Error::Unsupported(format!(
                    "'{head}' refers to {target}, whose module is not linked"
                ))
            })?;
            let inner = self.alias();
            self.sql.push(&format!(
                "{col} IN (SELECT {inner}.\"id\" FROM \"{}\" {inner} WHERE ",
                target_meta.table
            ));
            self.lookup(target_meta, &inner, &tail_with(rest, lookup), path, value)?;
            self.sql.push(")");
            return Ok(());
        }
        if let Some(rel) = self.catalog.relation(meta, head) {
            let target_meta = self.catalog.by_table(rel.target).ok_or_else(|| {
                Error::Unsupported(format!(
                    "'{head}' refers to {}, whose module is not linked",
                    rel.target
                ))
            })?;
            if rest.is_empty() && names_records(value) {
                if let Some(segs) = named(target_meta, head, lookup) {
                    return self.lookup(meta, alias, &segs, path, value);
                }
            }
            let inner = self.alias();
            match rel.via {
                Via::Link {
                    link,
                    source,
                    target,
                } => {
                    let table = link.table;
                    let link = self.alias();
                    self.sql.push(&format!(
                        "{alias}.\"id\" IN (SELECT {link}.\"{source}\" FROM \"{table}\" {link} WHERE "
                    ));
                    if rest.is_empty() || rest == ["id"] {
                        let col = format!("{link}.\"{target}\"");
                        self.compare(
                            &col,
                            FieldType::Int,
                            lookup.unwrap_or(Lookup::Exact),
                            value,
                            path,
                        )?;
                    } else {
                        self.sql.push(&format!(
                            "{link}.\"{target}\" IN (SELECT {inner}.\"id\" FROM \"{}\" {inner} WHERE ",
                            target_meta.table
                        ));
                        self.lookup(target_meta, &inner, &tail_with(rest, lookup), path, value)?;
                        self.sql.push(")");
                    }
                    self.sql.push(")");
                }
                Via::Reverse { column } => {
                    self.sql.push(&format!(
                        "{alias}.\"id\" IN (SELECT {inner}.\"{column}\" FROM \"{}\" {inner} WHERE {inner}.\"{column}\" IS NOT NULL AND ",
                        target_meta.table
                    ));
                    let rest = if rest.is_empty() { &["id"][..] } else { rest };
                    self.lookup(target_meta, &inner, &tail_with(rest, lookup), path, value)?;
                    self.sql.push(")");
                }
            }
            return Ok(());
        }
        if meta.holds_features() {
            if self.phase == Phase::Collect {
                // Bound before the next pass; the SQL of this one is discarded.
                self.wanted.insert(head.to_owned());
                self.sql.push("1=1");
                return Ok(());
            }
            if let Some(feature) = self.features.get(head).cloned() {
                if !rest.is_empty() {
                    return Err(Error::Validation(format!(
                        "in '{path}': feature '{head}' can only be followed by a lookup ({})",
                        lookups_for(FieldType::Text).join(", ")
                    )));
                }
                return self.feature(
                    meta,
                    alias,
                    &feature,
                    lookup.unwrap_or(Lookup::Exact),
                    value,
                    path,
                );
            }
        }
        Err(unknown_field(self.catalog, meta, head, path))
    }

    /// Appends `col <lookup> value`.
    pub fn compare(
        &mut self,
        col: &str,
        ft: FieldType,
        lookup: Lookup,
        value: &Value,
        path: &str,
    ) -> Result<()> {
        if !lookups_for(ft).contains(&lookup.name()) {
            return Err(Error::Validation(format!(
                "in '{path}': lookup '{}' does not apply to this field; valid lookups: {}",
                lookup.name(),
                lookups_for(ft).join(", ")
            )));
        }
        let pg = self.dialect == Dialect::Postgres;
        let cast = |sql: &mut Sql, bind: Bind| {
            match (ft, pg) {
                (FieldType::DateTime, true) => {
                    sql.push("CAST(").bind(bind).push(" AS TIMESTAMPTZ)");
                }
                (FieldType::Date, true) => {
                    sql.push("CAST(").bind(bind).push(" AS DATE)");
                }
                _ => {
                    sql.bind(bind);
                }
            };
        };
        match lookup {
            Lookup::IsNull => {
                let null = truthy(value, path)?;
                self.sql
                    .push(&format!("{col} IS {}NULL", if null { "" } else { "NOT " }));
            }
            Lookup::Exact if *value == Value::Null => {
                self.sql.push(&format!("{col} IS NULL"));
            }
            Lookup::Exact | Lookup::Gt | Lookup::Gte | Lookup::Lt | Lookup::Lte => {
                let op = match lookup {
                    Lookup::Gt => ">",
                    Lookup::Gte => ">=",
                    Lookup::Lt => "<",
                    Lookup::Lte => "<=",
                    _ => "=",
                };
                let bind = coerce(self.dialect, ft, value, path)?;
                self.sql.push(&format!("{col} {op} "));
                cast(&mut self.sql, bind);
            }
            Lookup::In | Lookup::Range => {
                let items: Vec<&Value> = match value {
                    Value::List(items) => items.iter().filter(|v| **v != Value::Null).collect(),
                    other => vec![other],
                };
                if lookup == Lookup::Range {
                    if items.len() != 2 {
                        return Err(Error::Validation(format!(
                            "in '{path}': range expects two values (low, high), got {value}"
                        )));
                    }
                    let (lo, hi) = (
                        coerce(self.dialect, ft, items[0], path)?,
                        coerce(self.dialect, ft, items[1], path)?,
                    );
                    self.sql.push(&format!("{col} BETWEEN "));
                    cast(&mut self.sql, lo);
                    self.sql.push(" AND ");
                    cast(&mut self.sql, hi);
                } else if items.is_empty() {
                    self.sql.push("1=0");
                } else if items.len() > LONG_IN
                    && matches!(
                        ft,
                        FieldType::Text | FieldType::Int | FieldType::ForeignKey(_)
                    )
                {
                    // Long lists travel as one parameter: SQLite caps a statement's parameters.
                    let (mut texts, mut ids) = (Vec::new(), Vec::new());
                    for item in items {
                        match coerce(self.dialect, ft, item, path)? {
                            Bind::Text(t) => texts.push(t),
                            Bind::Int(i) => ids.push(i),
                            _ => unreachable!("text and integer fields coerce to text or integers"),
                        }
                    }
                    if ft == FieldType::Text {
                        self.sql.in_texts(self.dialect, col, &texts);
                    } else {
                        self.sql.in_ids(self.dialect, col, &ids);
                    }
                } else {
                    self.sql.push(&format!("{col} IN ("));
                    for (i, item) in items.into_iter().enumerate() {
                        if i > 0 {
                            self.sql.push(", ");
                        }
                        let bind = coerce(self.dialect, ft, item, path)?;
                        cast(&mut self.sql, bind);
                    }
                    self.sql.push(")");
                }
            }
            pattern => {
                let Bind::Text(text) = coerce(self.dialect, ft, value, path)? else {
                    unreachable!("text fields coerce to text")
                };
                if text.len() > MAX_PATTERN_LEN {
                    return Err(Error::Validation(format!(
                        "in '{path}': the text to match is {} bytes long; at most {MAX_PATTERN_LEN} are allowed",
                        text.len()
                    )));
                }
                let (sql_op, pattern_text) = match (pattern, pg) {
                    (Lookup::IExact, false) => ("LIKE", like_escape(&text)),
                    (Lookup::IExact, true) => ("ILIKE", like_escape(&text)),
                    (Lookup::Contains, false) => ("GLOB", format!("*{}*", glob_escape(&text))),
                    (Lookup::StartsWith, false) => ("GLOB", format!("{}*", glob_escape(&text))),
                    (Lookup::EndsWith, false) => ("GLOB", format!("*{}", glob_escape(&text))),
                    (Lookup::Contains, true) => ("LIKE", format!("%{}%", like_escape(&text))),
                    (Lookup::StartsWith, true) => ("LIKE", format!("{}%", like_escape(&text))),
                    (Lookup::EndsWith, true) => ("LIKE", format!("%{}", like_escape(&text))),
                    (Lookup::IContains, _) => (
                        if pg { "ILIKE" } else { "LIKE" },
                        format!("%{}%", like_escape(&text)),
                    ),
                    (Lookup::IStartsWith, _) => (
                        if pg { "ILIKE" } else { "LIKE" },
                        format!("{}%", like_escape(&text)),
                    ),
                    (_, _) => (
                        if pg { "ILIKE" } else { "LIKE" },
                        format!("%{}", like_escape(&text)),
                    ),
                };
                self.sql.push(&format!("{col} {sql_op} "));
                self.sql.bind(Bind::Text(pattern_text));
                if sql_op != "GLOB" {
                    self.sql.push(" ESCAPE '\\'");
                }
            }
        }
        Ok(())
    }

    /// A condition on a feature value of the host rows (artifacts, runs, records).
    fn feature(
        &mut self,
        host: &'static RegistryMeta,
        alias: &str,
        feature: &FeatureInfo,
        lookup: Lookup,
        value: &Value,
        path: &str,
    ) -> Result<()> {
        let fid = Bind::Int(feature.id);
        match &feature.dtype {
            Dtype::Cat(specs) => {
                let mut linked = Vec::new();
                for spec in specs {
                    let label = self.catalog.registry(&spec.registry)?;
                    let link = self.catalog.label_link(host, label, true).ok_or_else(|| {
                        Error::Unsupported(format!(
                            "{} cannot hold values of feature '{}' ({})",
                            host.name, feature.name, feature.dtype_str
                        ))
                    })?;
                    linked.push((label, link, spec.field.clone()));
                }
                if lookup == Lookup::IsNull {
                    let null = truthy(value, path)?;
                    self.sql.push(if null { "NOT (" } else { "(" });
                    for (i, (_, link, _)) in linked.iter().enumerate() {
                        if i > 0 {
                            self.sql.push(" OR ");
                        }
                        self.sql.push(&format!(
                            "{alias}.\"id\" IN (SELECT \"{}\" FROM \"{}\" WHERE \"feature_id\" = ",
                            link.host_column, link.table
                        ));
                        self.sql.bind(fid.clone()).push(")");
                    }
                    self.sql.push(")");
                    return Ok(());
                }
                // Python LaminDB resolves the labels first and fails when none matches.
                let key = (path.to_owned(), format!("{lookup:?}={value}"));
                if self.phase == Phase::Resolve {
                    let mut resolved = Vec::new();
                    for (label, link, field_name) in &linked {
                        let field_name =
                            field_name.as_deref().or(label.name_field).unwrap_or("name");
                        let field = label.field(field_name).ok_or_else(|| {
                            Error::Validation(format!("{} has no field '{field_name}'", label.name))
                        })?;
                        let mut sub = Compiler::new(&mut *self.conn, self.catalog);
                        sub.sql.push(&format!(
                            "SELECT CAST(l.\"id\" AS BIGINT) AS i0 FROM \"{}\" l WHERE ",
                            label.table
                        ));
                        let col = format!("l.\"{}\"", field.name);
                        sub.compare(&col, field.field_type, lookup, value, path)?;
                        let ids = sub.sql.load_ints(sub.conn)?;
                        if !ids.is_empty() {
                            resolved.push((*link, ids));
                        }
                    }
                    if resolved.is_empty() {
                        return Err(Error::NotFound(format!(
                            "no {} matches {path}={value} (feature '{}' has dtype {})",
                            linked
                                .iter()
                                .map(|l| l.0.name)
                                .collect::<Vec<_>>()
                                .join(" or "),
                            feature.name,
                            feature.dtype_str
                        )));
                    }
                    self.labels.insert(key, resolved);
                    return Ok(());
                }
                let resolved = self.labels.get(&key).cloned().unwrap_or_default();
                self.sql.push("(");
                for (i, (link, ids)) in resolved.into_iter().enumerate() {
                    if i > 0 {
                        self.sql.push(" OR ");
                    }
                    self.sql.push(&format!(
                        "{alias}.\"id\" IN (SELECT \"{}\" FROM \"{}\" WHERE \"feature_id\" = ",
                        link.host_column, link.table
                    ));
                    self.sql.bind(fid.clone());
                    self.sql
                        .push(&format!(" AND \"{}\" IN (", link.value_column));
                    for (j, id) in ids.into_iter().enumerate() {
                        if j > 0 {
                            self.sql.push(", ");
                        }
                        self.sql.bind(Bind::Int(id));
                    }
                    self.sql.push("))");
                }
                self.sql.push(")");
                Ok(())
            }
            simple => {
                let (from, host_col) = self
                    .catalog
                    .value_store(host)
                    .ok_or_else(|| {
                        Error::Unsupported(format!("{} records hold no feature values", host.name))
                    })?
                    .source();
                let head = format!(
                    "{alias}.\"id\" IN (SELECT {host_col} FROM {from} WHERE v.\"feature_id\" = "
                );
                if lookup == Lookup::IsNull {
                    let null = truthy(value, path)?;
                    self.sql.push(if null { "NOT " } else { "" });
                    self.sql.push(&head).bind(fid).push(")");
                    return Ok(());
                }
                let pg = self.dialect == Dialect::Postgres;
                let (expr, ft, lookup) = match simple {
                    Dtype::Num | Dtype::Int | Dtype::Float => (
                        if pg {
                            "(CASE WHEN jsonb_typeof(v.\"value\") = 'number' THEN (v.\"value\" #>> '{}')::double precision END)".to_owned()
                        } else {
                            "(CASE WHEN json_type(v.\"value\") IN ('integer', 'real') THEN CAST(json_extract(v.\"value\", '$') AS REAL) END)".to_owned()
                        },
                        FieldType::Float,
                        lookup,
                    ),
                    Dtype::Bool => (
                        if pg {
                            "(v.\"value\" #>> '{}')".to_owned()
                        } else {
                            "(CASE json_type(v.\"value\") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)".to_owned()
                        },
                        FieldType::Text,
                        lookup,
                    ),
                    Dtype::Str | Dtype::Date | Dtype::Datetime | Dtype::Path | Dtype::Url => (
                        if pg {
                            "(v.\"value\" #>> '{}')".to_owned()
                        } else {
                            "(CASE json_type(v.\"value\") WHEN 'text' THEN json_extract(v.\"value\", '$') END)".to_owned()
                        },
                        FieldType::Text,
                        // Python LaminDB matches feature text patterns ignoring case.
                        match lookup {
                            Lookup::Contains => Lookup::IContains,
                            Lookup::StartsWith => Lookup::IStartsWith,
                            Lookup::EndsWith => Lookup::IEndsWith,
                            other => other,
                        },
                    ),
                    other => {
                        return Err(Error::Unsupported(format!(
                            "feature '{}' has dtype {}, which filters support only with isnull",
                            feature.name,
                            other.as_str()
                        )))
                    }
                };
                let value = match (simple, value) {
                    (Dtype::Bool, v) => Value::Text(truthy(v, path)?.to_string()),
                    (_, v) => v.clone(),
                };
                self.sql.push(&head).bind(fid).push(" AND ");
                self.compare(&expr, ft, lookup, &value, path)?;
                self.sql.push(")");
                Ok(())
            }
        }
    }
}

/// Whether `value` names records rather than giving ids: text that is no integer.
fn names_records(value: &Value) -> bool {
    let is_name = |v: &Value| matches!(v, Value::Text(s) if s.trim().parse::<i64>().is_err());
    match value {
        Value::List(items) => !items.is_empty() && items.iter().all(is_name),
        other => is_name(other),
    }
}

/// The path that `head=<text>` on a relation to `target` stands for, as Python users write it
/// (`ulabels=My experiment`): the target's name field, or its uid where records are named by
/// a timestamp (runs).
fn named<'p>(target: &RegistryMeta, head: &'p str, lookup: Option<Lookup>) -> Option<Vec<&'p str>> {
    let field = target
        .name_field
        .filter(|f| {
            target
                .field(f)
                .is_some_and(|f| f.field_type == FieldType::Text)
        })
        .or_else(|| target.field("uid").map(|f| f.name))?;
    let mut segs = vec![head, field];
    segs.extend(lookup.map(|l| l.name()));
    Some(segs)
}

/// `value` with names of coded values (`errored`) replaced by their codes.
fn named_codes(meta: &RegistryMeta, field: &str, value: &Value) -> Value {
    let code = |v: &Value| match v {
        Value::Text(s) => meta.value_code(field, s.trim()).map(Value::Int),
        _ => None,
    };
    match value {
        Value::List(items) => Value::List(
            items
                .iter()
                .map(|v| code(v).unwrap_or_else(|| v.clone()))
                .collect(),
        ),
        other => code(other).unwrap_or_else(|| other.clone()),
    }
}

fn tail_with<'a>(rest: &[&'a str], lookup: Option<Lookup>) -> Vec<&'a str> {
    let mut v = rest.to_vec();
    if let Some(l) = lookup {
        v.push(l.name());
    }
    v
}

fn unknown_field(catalog: &Catalog, meta: &RegistryMeta, head: &str, path: &str) -> Error {
    let features = if meta.holds_features() {
        " or the name of a feature (none is called so; create it with Feature)"
    } else {
        ""
    };
    let public: Vec<&str> = catalog
        .lookup_names(meta)
        .into_iter()
        .filter(|n| !n.starts_with('_'))
        .collect();
    let close = public
        .iter()
        .map(|n| (strsim_distance(head, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min()
        .map(|(_, n)| format!("did you mean '{n}'? "))
        .unwrap_or_default();
    Error::Validation(format!(
        "unknown field '{head}' in '{path}' for {}; {close}use one of: {}{features}",
        meta.name,
        public.join(", ")
    ))
}

/// Levenshtein distance, for did-you-mean hints.
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_users_write_them() {
        assert_eq!(parse_int("1000"), Some(1000));
        assert_eq!(parse_int("1e6"), Some(1_000_000));
        assert_eq!(parse_int("2MB"), Some(2_000_000));
        assert_eq!(parse_int("1.5 GiB"), Some(1_610_612_736));
        assert_eq!(parse_int("1.5"), None);
        assert_eq!(parse_int("many"), None);
        assert_eq!(strsim_distance("sufix", "suffix"), 1);
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(glob_escape("a*b?[c]"), "a[*]b[?][[]c]");
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
