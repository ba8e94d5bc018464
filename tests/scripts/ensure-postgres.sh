#!/usr/bin/env bash
# Makes sure a PostgreSQL server accepts connections at $LAMINDB_TEST_PG (default the local
# trust-auth server on 127.0.0.1:5432), starting the machine's cluster if it is down.
set -euo pipefail
url="${LAMINDB_TEST_PG:-postgresql://postgres@127.0.0.1:5432}"
if pg_isready -d "$url/postgres" -q 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  if pg_isready -d "$url/postgres" -q 2>/dev/null; then exit 0; fi
  sleep 1
done
echo "PostgreSQL at $url is not reachable: install and start a server (trust auth for user postgres) or set LAMINDB_TEST_PG" >&2
exit 1
