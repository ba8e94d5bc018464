//! One connection type over SQLite and Postgres, chosen by the instance's database URL.

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};

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
                let mut conn =
                    diesel::PgConnection::establish(url).map_err(|e| Error::Connection {
                        url: redact_url(url),
                        source: e,
                    })?;
                conn.batch_execute("SET TIME ZONE 'UTC'; SET client_min_messages TO WARNING;")?;
                Ok(DbConnection::Postgres(conn))
            }
            Dialect::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let mut conn =
                    diesel::SqliteConnection::establish(path).map_err(|e| Error::Connection {
                        url: path.to_owned(),
                        source: e,
                    })?;
                // A busy writer is waited for; foreign keys are checked as Django declares them
                // (deferred). The journal mode is the file's own: instances made here use WAL
                // (see `use_wal`), Python-made ones keep theirs, since WAL needs shared memory
                // that network filesystems lack and Python uploads `lamin.db` alone. WAL commits
                // without an fsync each (synchronous = NORMAL) and stays consistent; a rollback
                // journal needs FULL for that.
                // A 64 MiB page cache (SQLite's default is 2 MiB): bulk imports into tables with
                // many indexes (bionty's genes have 15) otherwise re-read index pages per row.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
                )?;
                let mut conn = DbConnection::Sqlite(conn);
                let sync = if conn.journal_mode()? == "wal" {
                    "NORMAL"
                } else {
                    "FULL"
                };
                conn.batch_execute(&format!("PRAGMA synchronous = {sync};"))?;
                Ok(conn)
            }
        }
    }

    /// The SQLite journal mode (`wal`, `delete`, …).
    fn journal_mode(&mut self) -> Result<String> {
        #[derive(diesel::QueryableByName)]
        struct Mode {
            #[diesel(sql_type = diesel::sql_types::Text)]
            journal_mode: String,
        }
        let m: Mode = diesel::sql_query("PRAGMA journal_mode").get_result(self)?;
        Ok(m.journal_mode.to_ascii_lowercase())
    }

    /// Switches a new SQLite database to WAL (readers never wait for the writer, commits are
    /// cheap); called when lamindb-rs creates an instance. Nothing to do on Postgres.
    pub fn use_wal(&mut self) -> Result<()> {
        if self.dialect() == Dialect::Sqlite {
            self.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        }
        Ok(())
    }

    /// Copies committed WAL pages into the database file as far as no reader needs them, so
    /// that `lamin.db` alone is complete; never waits. Nothing to do on Postgres or without WAL.
    pub fn checkpoint(&mut self) {
        if self.dialect() == Dialect::Sqlite {
            if let Err(e) = self.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::debug!("checkpoint skipped: {e}");
            }
        }
    }

    /// [`DbConnection::write`] for bulk loads whose foreign keys the caller has resolved in the
    /// same transaction (a source row, an organism, the user): on SQLite the per-row foreign-key
    /// lookups are switched off for its duration (they cost as much as the inserts into a table
    /// with seven keys); Postgres checks as usual. Inside an open transaction SQLite cannot
    /// change the setting, and this is [`DbConnection::write`].
    pub fn write_resolved_keys<T>(
        &mut self,
        f: impl FnOnce(&mut DbConnection) -> Result<T>,
    ) -> Result<T> {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let outermost = match self {
            DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()?
                .is_none(),
            DbConnection::Postgres(_) => false,
        };
        if !outermost {
            return self.write(f);
        }
        self.batch_execute("PRAGMA foreign_keys = OFF;")?;
        let result = self.write(f);
        let restored = self.batch_execute("PRAGMA foreign_keys = ON;");
        let v = result?;
        restored?;
        Ok(v)
    }

    /// Runs `f` in a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`) and so waits for other writers (busy timeout): a deferred transaction
    /// that reads first fails at once with "database is locked" when another process wrote
    /// meanwhile. Inside an open transaction it nests as a savepoint. When `f` fails and the
    /// rollback fails too (a full disk), `f`'s error is returned; SQLite rolls back by itself.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T>) -> Result<T> {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let DbConnection::Sqlite(c) = self else {
            return self.transaction(f);
        };
        if AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()?
            .is_some()
        {
            return self.transaction(f);
        }
        AnsiTransactionManager::begin_transaction_sql(&mut *c, "BEGIN IMMEDIATE")?;
        let result = f(self);
        let DbConnection::Sqlite(c) = self else {
            unreachable!("the connection does not change its backend")
        };
        match result {
            Ok(v) => {
                if let Err(e) = AnsiTransactionManager::commit_transaction(&mut *c) {
                    // A failed COMMIT may have ended the transaction already (SQLite rolls back
                    // by itself on a full disk); roll back only what is still open.
                    let open = AnsiTransactionManager::transaction_manager_status_mut(c)
                        .transaction_depth()
                        .is_ok_and(|d| d.is_some());
                    if open {
                        if let Err(r) = AnsiTransactionManager::rollback_transaction(&mut *c) {
                            tracing::warn!("rolling back after a failed commit failed too: {r}");
                        }
                    }
                    return Err(e.into());
                }
                Ok(v)
            }
            Err(e) => {
                if let Err(r) = AnsiTransactionManager::rollback_transaction(&mut *c) {
                    tracing::warn!("rolling back failed ({r}); SQLite undoes the transaction when the connection closes");
                }
                Err(e)
            }
        }
    }

    /// Serialises get-or-create of `key` within `scope` (a label name, an artifact key or hash)
    /// across processes until the enclosing transaction ends: an advisory transaction lock on
    /// Postgres. SQLite needs nothing more, since [`DbConnection::write`] holds the database's
    /// single write lock.
    pub fn lock(&mut self, scope: &str, key: &str) -> Result<()> {
        self.lock_all(&[(scope, key)])
    }

    /// [`DbConnection::lock`] for many keys in one round trip, taken in the order given (callers
    /// sort them, so that two transactions never wait on each other).
    pub fn lock_all(&mut self, keys: &[(&str, &str)]) -> Result<()> {
        let DbConnection::Postgres(c) = self else {
            return Ok(());
        };
        if keys.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = keys
            .iter()
            .map(|(scope, key)| format!("{scope}\u{1f}{key}"))
            .collect();
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM \
             (SELECT k FROM jsonb_array_elements_text(CAST($1 AS JSONB)) WITH ORDINALITY AS t(k, i) \
              ORDER BY i) ordered",
        )
        .bind::<diesel::sql_types::Text, _>(
            serde_json::to_string(&names).expect("strings serialize"),
        )
        .execute(c)?;
        Ok(())
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
