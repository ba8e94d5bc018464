#!/usr/bin/env bash
# Makes sure an S3-protocol server (s3s-fs) listens at $LAMINDB_TEST_S3 (default
# http://127.0.0.1:9787) with the bucket `lamindb-test`: installs s3s-fs 0.14.1 into
# ~/.cache/lamindb-rs-tools on first use (about 100 s) and starts it in the background, keeping its
# data in ~/.cache/lamindb-rs-s3. Credentials: AKTEST / SKTEST. A second server without
# authentication, like a public bucket, listens on the next port with the bucket `lamindb-public`.
set -euo pipefail
endpoint="${LAMINDB_TEST_S3:-http://127.0.0.1:9787}"
hostport="${endpoint#http://}"
host="${hostport%:*}"
port="${hostport##*:}"
tools="$HOME/.cache/lamindb-rs-tools"
data="${LAMINDB_TEST_S3_DATA:-$HOME/.cache/lamindb-rs-s3}"
public_port=$((port + 1))
mkdir -p "$data/lamindb-test" "$data-public/lamindb-public"
start() { # port data-dir [auth args]
  local p="$1" d="$2"
  shift 2
  if (exec 3<>"/dev/tcp/$host/$p") 2>/dev/null; then return 0; fi
  if [ ! -x "$tools/bin/s3s-fs" ]; then
    echo "installing s3s-fs 0.14.1 into $tools" >&2
    cargo install --quiet --root "$tools" s3s-fs --version 0.14.1 --features binary --locked
  fi
  echo "starting s3s-fs on $host:$p (data in $d)" >&2
  setsid nohup "$tools/bin/s3s-fs" --host "$host" --port "$p" "$@" "$d" >"$d.log" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/$host/$p") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "s3s-fs did not start on $host:$p; see $d.log" >&2
  return 1
}
start "$port" "$data" --access-key AKTEST --secret-key SKTEST
start "$public_port" "$data-public"
