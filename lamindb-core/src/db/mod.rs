//! One connection type over SQLite and Postgres, chosen by the instance's database URL.

use diesel::connection::SimpleConnection;
use diesel::Connection;

use crate::{Error, Result};

pub mod introspect;
pub mod models;
pub mod rows;
pub mod schema;
pub mod sql_types;

mod multi {
    // The derive generates undocumented public items.
    #![allow(missing_docs)]

    /// A connection to an instance database, SQLite or Postgres. Registry code is written once
    /// against this type.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// Postgres (`postgresql://…`).
        Postgres(diesel::PgConnection),
        /// SQLite (a file path).
        Sqlite(diesel::SqliteConnection),
    }
}

pub use multi::{DbConnection, MultiBackend};

/// `uid` starts with `prefix`, case-sensitively and through the uid index: a range on SQLite
/// (whose LIKE ignores case and skips indexes), LIKE on Postgres (Django adds a pattern index).
/// `prefix` must be alphanumeric (checked by callers), so it holds no LIKE wildcards.
/// Expands to a boxed predicate on the table of `$uid`.
macro_rules! uid_starts_with {
    ($table:path, $uid:path, $dialect:expr, $prefix:expr) => {{
        let prefix: &str = $prefix;
        let pred: Box<
            dyn diesel::expression::BoxableExpression<
                $table,
                $crate::db::MultiBackend,
                SqlType = diesel::sql_types::Bool,
            >,
        > = match $dialect {
            // '~' sorts after every base62 character in SQLite's binary collation.
            $crate::db::Dialect::Sqlite => Box::new(
                $uid.ge(prefix.to_owned())
                    .and($uid.lt(format!("{prefix}~"))),
            ),
            $crate::db::Dialect::Postgres => Box::new($uid.like(format!("{prefix}%"))),
        };
        pred
    }};
}
pub(crate) use uid_starts_with;

/// The database engine behind an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// Postgres.
    Postgres,
}

impl Dialect {
    /// The dialect of a database URL: `postgres://` / `postgresql://` is Postgres; a path or
    /// `sqlite://` URL is SQLite. Anything else with a scheme is rejected, so that a mistyped
    /// Postgres URL never silently becomes a SQLite file.
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("postgresql://") || url.starts_with("postgres://") {
            return Ok(Dialect::Postgres);
        }
        if url.starts_with("sqlite://") || !url.contains("://") {
            return Ok(Dialect::Sqlite);
        }
        Err(Error::Validation(format!(
            "unsupported database URL '{}': use postgresql://user@host:port/dbname or a SQLite file path",
            redact_url(url)
        )))
    }
}

/// The URL with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl DbConnection {
    /// Opens a connection for `url` and applies the per-connection settings the instance relies on.
    pub fn open(url: &str) -> Result<Self> {
        match Dialect::of_url(url)? {
            Dialect::Postgres => {
                let mut conn = diesel::PgConnection::establish(url).map_err(|e| {
                    Error::Validation(format!(
                        "cannot connect to Postgres at {}: {e}",
                        redact_url(url)
                    ))
                })?;
                conn.batch_execute("SET TIME ZONE 'UTC'; SET client_min_messages TO WARNING;")?;
                Ok(DbConnection::Postgres(conn))
            }
            Dialect::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let mut conn = diesel::SqliteConnection::establish(path)?;
                // WAL keeps readers and the writer apart and makes commits cheap; foreign keys are
                // checked as Django declares them (deferred); a busy writer is waited for.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// The dialect of this connection.
    pub fn dialect(&self) -> Dialect {
        match self {
            DbConnection::Postgres(_) => Dialect::Postgres,
            DbConnection::Sqlite(_) => Dialect::Sqlite,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_from_url() {
        assert_eq!(
            Dialect::of_url("postgresql://u@h/db").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(
            Dialect::of_url("postgres://u@h/db").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(Dialect::of_url("/tmp/x/lamin.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::of_url("sqlite:///tmp/x.db").unwrap(),
            Dialect::Sqlite
        );
        let err = Dialect::of_url("postgresq://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported database URL"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
