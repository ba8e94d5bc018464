#!/usr/bin/env bash
# Regenerates bionty's migrations and registry descriptions from Python's DDL (see
# lamindb-core/tools/gen_module.py): the SQLite DDL of the shared reference, the pg_dump of the
# bionty tables of a Python-made Postgres instance (reference-postgres-schema.sql) and the
# django_migrations rows Python writes for app `bionty`.
set -euo pipefail
cd "$(dirname "$0")/.."
M=2026-11-30-000000_bionty_2_5_2
python3 ../lamindb-core/tools/gen_module.py tools/bionty_registries.py bionty_ bionty \
  ../../shared/reference/lamindb-sqlite-schema.sql tools/reference-postgres-schema.sql \
  tools/django_migrations_sqlite.tsv tools/django_migrations_postgres.tsv \
  migrations/sqlite/$M/up.sql migrations/postgres/$M/up.sql src/registries.rs BIONTY_REGISTRIES \
  "//! Descriptions of the bionty registries (Python bionty's \`bionty_*\` tables)."
rustfmt --edition 2021 src/registries.rs
