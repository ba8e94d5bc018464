//! Registry and instance suites; every test runs on SQLite and on Postgres.

mod anndata;
mod artifacts;
mod bad_input;
mod bionty;
mod blocks;
mod branches;
mod collections;
mod curate;
mod instance;
mod layers;
mod lineage;
mod meta;
mod modules;
mod python_fixture;
mod query;
mod schemas;
mod storage;
mod wetlab;
