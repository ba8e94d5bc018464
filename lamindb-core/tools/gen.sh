#!/usr/bin/env bash
# Regenerates the core migrations, the diesel schema and the core registry descriptions from the
# reference DDL (see gen_schema.py).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tools/gen_schema.py ../../shared/reference/lamindb-sqlite-schema.sql tools/reference-postgres-schema.sql \
  migrations/sqlite/2026-11-21-000000_lamindb_2_12/up.sql migrations/postgres/2026-11-21-000000_lamindb_2_12/up.sql \
  src/db/schema.rs src/meta/core.rs
rustfmt --edition 2021 src/meta/core.rs
