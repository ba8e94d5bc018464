//! Registry and instance suites; every test runs on SQLite and on Postgres.

mod artifacts;
mod instance;
mod modules;
mod python_fixture;
