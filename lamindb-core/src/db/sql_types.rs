//! SQL types whose storage differs between the backends, as Django lays them out:
//! JSON is `text` on SQLite and `jsonb` on Postgres; datetimes are UTC text on SQLite and
//! `timestamptz` on Postgres.

use std::io::Write;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::Sqlite;

use crate::db::MultiBackend;

/// A JSON column (`text` on SQLite, `jsonb` on Postgres).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Json;

/// A UTC datetime column (`datetime` text on SQLite, `timestamptz` on Postgres).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct DateTimeUtc;

/// A JSON value stored in a [`Json`] column.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow, serde::Serialize)]
#[serde(transparent)]
#[diesel(sql_type = Json)]
pub struct JsonData(pub serde_json::Value);

/// A UTC timestamp stored in a [`DateTimeUtc`] column.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow, serde::Serialize,
)]
#[serde(transparent)]
#[diesel(sql_type = DateTimeUtc)]
pub struct UtcTime(pub DateTime<Utc>);

impl UtcTime {
    /// The current time.
    pub fn now() -> Self {
        UtcTime(Utc::now())
    }

    /// The SQLite text form Django writes (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC).
    pub fn to_sqlite_text(self) -> String {
        self.0.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }

    /// Parses the text forms found in SQLite instances (Django's, SQLite's `STRFTIME` default,
    /// ISO 8601 with `T` and an offset).
    pub fn parse(text: &str) -> Option<Self> {
        // Django's and SQLite's own form first: it is what almost every row holds.
        if let Some(naive) = parse_naive(text) {
            return Some(UtcTime(naive.and_utc()));
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Some(UtcTime(dt.with_timezone(&Utc)));
        }
        if let Ok(dt) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
            return Some(UtcTime(dt.with_timezone(&Utc)));
        }
        for fmt in [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
                return Some(UtcTime(naive.and_utc()));
            }
        }
        None
    }
}

/// `YYYY-MM-DD HH:MM:SS[.f…]` (or with `T`), without an offset, parsed by hand: chrono's
/// format-string parser dominated reading thousands of timestamps.
fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b' ' | b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.len() <= 9 => {
            num(20, b.len())? * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?.and_hms_nano_opt(
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
        nanos,
    )
}

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d %H:%M:%S UTC"))
    }
}

impl diesel::sql_types::HasSqlType<Json> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Json>(lookup)
    }
}

impl diesel::sql_types::HasSqlType<DateTimeUtc> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<DateTimeUtc>(lookup)
    }
}

// --- JSON -------------------------------------------------------------------------------------

impl FromSql<Json, Sqlite> for JsonData {
    fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(value)?;
        Ok(JsonData(serde_json::from_str(&text)?))
    }
}

impl ToSql<Json, Sqlite> for JsonData {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}

impl FromSql<Json, Pg> for JsonData {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let bytes = value.as_bytes();
        match bytes.split_first() {
            Some((1, json)) => Ok(JsonData(serde_json::from_slice(json)?)),
            _ => Err("unsupported jsonb encoding version".into()),
        }
    }
}

impl ToSql<Json, Pg> for JsonData {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[1])?;
        serde_json::to_writer(out, &self.0)?;
        Ok(IsNull::No)
    }
}

impl FromSql<Json, MultiBackend> for JsonData {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Json>()
    }
}

impl ToSql<Json, MultiBackend> for JsonData {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Json, self));
        Ok(IsNull::No)
    }
}

// --- datetimes --------------------------------------------------------------------------------

impl FromSql<DateTimeUtc, Sqlite> for UtcTime {
    fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(value)?;
        UtcTime::parse(&text).ok_or_else(|| format!("cannot parse datetime '{text}'").into())
    }
}

impl ToSql<DateTimeUtc, Sqlite> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.to_sqlite_text());
        Ok(IsNull::No)
    }
}

impl FromSql<DateTimeUtc, Pg> for UtcTime {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, Pg>>::from_sql(value).map(UtcTime)
    }
}

impl ToSql<DateTimeUtc, Pg> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<DateTimeUtc, MultiBackend> for UtcTime {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, DateTimeUtc>()
    }
}

impl ToSql<DateTimeUtc, MultiBackend> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((DateTimeUtc, self));
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_datetime_forms() {
        let a = UtcTime::parse("2026-11-21 11:02:45.123").unwrap();
        let b = UtcTime::parse("2026-11-21 11:02:45.123000+00:00").unwrap();
        let c = UtcTime::parse("2026-11-21T11:02:45.123Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.to_sqlite_text(), "2026-11-21 11:02:45.123000");
        assert!(UtcTime::parse("yesterday").is_none());
        // The hand-written fast path agrees with chrono on every precision.
        for text in [
            "2026-11-21 11:02:45",
            "2026-11-21 11:02:45.1",
            "2026-11-21T11:02:45.123456",
            "2026-11-21 11:02:45.123456789",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
                .unwrap();
            assert_eq!(parse_naive(text), Some(chrono), "{text}");
        }
        for bad in [
            "2026-13-21 11:02:45",
            "2026-11-21 11:02:4x",
            "2026-11-21 11:02:45.",
        ] {
            assert_eq!(parse_naive(bad), None, "{bad}");
        }
    }
}
