//! Rows with columns chosen at run time, read from parameterised SQL on either backend.

use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::row::{Field, Row};
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};
use diesel::RunQueryDsl;
use serde::Serialize;

use crate::db::sql_types::{DateTimeUtc, Json, JsonData, UtcTime};
use crate::db::{DbConnection, Dialect, MultiBackend};
use crate::Result;

/// One value of a dynamic row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// NULL.
    Null,
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Text.
    Text(String),
    /// Boolean.
    Bool(bool),
    /// UTC timestamp.
    Time(UtcTime),
    /// JSON.
    Json(serde_json::Value),
}

impl Cell {
    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value for display: text unquoted, NULL empty.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(x) => x.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Bool(b) => b.to_string(),
            Cell::Time(t) => t.0.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Json(v) => v.to_string(),
        }
    }
}

/// How a selected column is read; the SQL alias of column `i` is `<tag><i>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Int,
    Float,
    Text,
    Bool,
    Time,
    Json,
}

impl ColumnKind {
    pub(crate) fn tag(self) -> char {
        match self {
            ColumnKind::Int => 'i',
            ColumnKind::Float => 'f',
            ColumnKind::Text => 't',
            ColumnKind::Bool => 'b',
            ColumnKind::Time => 'd',
            ColumnKind::Json => 'j',
        }
    }
}

/// A row read by [`Sql::load`]: one cell per selected column, typed by the first letter of the
/// column's alias (`i` integer, `f` float, `t` text, `b` boolean, `d` timestamp, `j` JSON).
#[derive(Debug, Clone)]
pub struct DynRow(pub Vec<Cell>);

impl QueryableByName<MultiBackend> for DynRow {
    fn build<'a>(row: &impl diesel::row::NamedRow<'a, MultiBackend>) -> deserialize::Result<Self> {
        let n = row.field_count();
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            let field = Row::get(row, i).ok_or("column index out of range")?;
            let tag = field.field_name().and_then(|n| n.chars().next());
            let raw = field.value();
            let cell = match tag {
                Some('i') => {
                    <Option<i64> as FromSql<Nullable<BigInt>, MultiBackend>>::from_nullable_sql(
                        raw,
                    )?
                    .map_or(Cell::Null, Cell::Int)
                }
                Some('f') => {
                    <Option<f64> as FromSql<Nullable<Double>, MultiBackend>>::from_nullable_sql(
                        raw,
                    )?
                    .map_or(Cell::Null, Cell::Float)
                }
                Some('b') => {
                    <Option<bool> as FromSql<Nullable<Bool>, MultiBackend>>::from_nullable_sql(
                        raw,
                    )?
                    .map_or(Cell::Null, Cell::Bool)
                }
                Some('d') => <Option<UtcTime> as FromSql<
                    Nullable<DateTimeUtc>,
                    MultiBackend,
                >>::from_nullable_sql(raw)?
                .map_or(Cell::Null, Cell::Time),
                Some('j') => <Option<JsonData> as FromSql<Nullable<Json>, MultiBackend>>::from_nullable_sql(raw)?
                    .map_or(Cell::Null, |j| Cell::Json(j.0)),
                _ => <Option<String> as FromSql<Nullable<Text>, MultiBackend>>::from_nullable_sql(
                    raw,
                )?
                .map_or(Cell::Null, Cell::Text),
            };
            cells.push(cell);
        }
        Ok(DynRow(cells))
    }
}

/// A bind parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Text.
    Text(String),
    /// Boolean.
    Bool(bool),
}

/// SQL text with its bind parameters, written as `$1`, `$2`, … (both backends accept them).
#[derive(Debug, Clone, Default)]
pub struct Sql {
    /// The statement text (never user input: values go into `binds`).
    pub text: String,
    /// The parameters, in placeholder order.
    pub binds: Vec<Bind>,
}

impl Sql {
    /// Appends a placeholder for `bind`.
    pub fn bind(&mut self, bind: Bind) -> &mut Self {
        self.binds.push(bind);
        self.text.push('$');
        self.text.push_str(&self.binds.len().to_string());
        self
    }

    /// Appends a placeholder for `bind`, or `NULL`.
    pub fn bind_opt(&mut self, bind: Option<Bind>) -> &mut Self {
        match bind {
            Some(b) => self.bind(b),
            None => self.push("NULL"),
        }
    }

    /// Appends a timestamp as the backend stores it: UTC text on SQLite, `timestamptz` on
    /// Postgres.
    pub fn bind_time(&mut self, dialect: Dialect, t: UtcTime) -> &mut Self {
        let text = Bind::Text(time_text(dialect, t));
        match dialect {
            Dialect::Sqlite => self.bind(text),
            Dialect::Postgres => self.push("CAST(").bind(text).push(" AS TIMESTAMPTZ)"),
        }
    }

    /// Appends `col IN <ids>` with the ids as one parameter: a JSON array read by `json_each` on
    /// SQLite, a `bigint[]` on Postgres. One parameter keeps long id lists cheap to prepare.
    pub fn in_ids(&mut self, dialect: Dialect, col: &str, ids: &[i64]) -> &mut Self {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        match dialect {
            Dialect::Sqlite => self
                .push(&format!("{col} IN (SELECT value FROM json_each("))
                .bind(Bind::Text(format!("[{list}]")))
                .push("))"),
            Dialect::Postgres => self
                .push(&format!("{col} = ANY(CAST("))
                .bind(Bind::Text(format!("{{{list}}}")))
                .push(" AS BIGINT[]))"),
        }
    }

    /// Appends `col IN <values>` with the texts as one parameter (a JSON array), so that any
    /// number of values fits in one statement (SQLite allows 32766 parameters).
    pub fn in_texts(&mut self, dialect: Dialect, col: &str, values: &[String]) -> &mut Self {
        let list = serde_json::to_string(values).expect("strings serialize");
        match dialect {
            Dialect::Sqlite => self
                .push(&format!("{col} IN (SELECT value FROM json_each("))
                .bind(Bind::Text(list))
                .push("))"),
            Dialect::Postgres => self
                .push(&format!("{col} IN (SELECT jsonb_array_elements_text(CAST("))
                .bind(Bind::Text(list))
                .push(" AS JSONB)))"),
        }
    }

    /// Appends SQL text (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// The statement text for `dialect`. Placeholders are written `$1`, `$2`, … as Postgres
    /// wants them; SQLite gets anonymous `?`, since it treats `$N` as a named parameter and looks
    /// each name up among the previous ones, which is quadratic in a bulk insert.
    fn text_for(&self, dialect: Dialect) -> std::borrow::Cow<'_, str> {
        if dialect == Dialect::Postgres || self.binds.is_empty() {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        let mut quoted = false;
        let mut chars = self.text.chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '\'' => {
                    quoted = !quoted;
                    out.push(ch);
                }
                '$' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                }
                _ => out.push(ch),
            }
        }
        std::borrow::Cow::Owned(out)
    }

    fn boxed(
        &self,
        dialect: Dialect,
    ) -> diesel::query_builder::BoxedSqlQuery<'_, MultiBackend, diesel::query_builder::SqlQuery>
    {
        let mut q =
            diesel::sql_query(self.text_for(dialect).into_owned()).into_boxed::<MultiBackend>();
        for b in &self.binds {
            q = match b {
                Bind::Int(v) => q.bind::<BigInt, _>(*v),
                Bind::Float(v) => q.bind::<Double, _>(*v),
                Bind::Text(v) => q.bind::<Text, _>(v.as_str()),
                Bind::Bool(v) => q.bind::<Bool, _>(*v),
            };
        }
        q
    }

    /// Runs the query and reads rows whose column aliases carry [`ColumnKind`] tags.
    pub fn load(&self, conn: &mut DbConnection) -> Result<Vec<DynRow>> {
        Ok(self.boxed(conn.dialect()).load::<DynRow>(conn)?)
    }

    /// Runs the query and returns its first column, an integer column aliased `i0`.
    pub fn load_ints(&self, conn: &mut DbConnection) -> Result<Vec<i64>> {
        Ok(self
            .load(conn)?
            .iter()
            .filter_map(|r| r.0.first().and_then(Cell::as_i64))
            .collect())
    }

    /// Runs a statement.
    pub fn execute(&self, conn: &mut DbConnection) -> Result<usize> {
        Ok(self.boxed(conn.dialect()).execute(conn)?)
    }
}

/// The text form of a timestamp parameter: Django's UTC text on SQLite, RFC 3339 for Postgres
/// (cast to `timestamptz` in the statement).
pub(crate) fn time_text(dialect: Dialect, t: UtcTime) -> String {
    match dialect {
        Dialect::Sqlite => t.to_sqlite_text(),
        Dialect::Postgres => t.0.to_rfc3339(),
    }
}

/// Rows of a query with named columns, as [`crate::query::Query::rows`] returns them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rows {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Rows {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The rows as JSON objects.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    serde_json::Value::Object(
                        self.columns
                            .iter()
                            .zip(r)
                            .map(|(c, v)| (c.clone(), serde_json::to_value(v).unwrap_or_default()))
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_anonymous_placeholders_outside_literals() {
        let mut sql = Sql::default();
        sql.push("SELECT json_extract(v, '$.a$1') FROM t WHERE a = ")
            .bind(Bind::Int(1))
            .push(" AND b IN (")
            .bind(Bind::Int(2))
            .push(", ")
            .bind(Bind::Int(3))
            .push(")");
        assert_eq!(
            sql.text_for(Dialect::Sqlite),
            "SELECT json_extract(v, '$.a$1') FROM t WHERE a = ? AND b IN (?, ?)"
        );
        assert_eq!(
            sql.text_for(Dialect::Postgres),
            "SELECT json_extract(v, '$.a$1') FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
    }
}
