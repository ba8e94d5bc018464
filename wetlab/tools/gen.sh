#!/usr/bin/env bash
# Regenerates wetlab's migrations and registry descriptions from Python pertdb's DDL (see
# lamindb-core/tools/gen_module.py): the SQLite DDL and the pg_dump of the `wetlab_*` tables of
# Python-made instances, and the django_migrations rows Python writes for app `pertdb`.
set -euo pipefail
cd "$(dirname "$0")/.."
M=2026-11-30-000001_pertdb_2_2_1
python3 ../lamindb-core/tools/gen_module.py tools/wetlab_registries.py wetlab_ pertdb \
  tools/reference-sqlite-schema.sql tools/reference-postgres-schema.sql \
  tools/django_migrations_sqlite.tsv tools/django_migrations_postgres.tsv \
  migrations/sqlite/$M/up.sql migrations/postgres/$M/up.sql src/registries.rs WETLAB_REGISTRIES \
  "//! Descriptions of the wetlab registries (Python pertdb's \`wetlab_*\` tables)."
rustfmt --edition 2021 src/registries.rs
