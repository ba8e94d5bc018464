#!/usr/bin/env bash
# Makes sure an S3-protocol server (s3s-fs) listens at $LAMINDB_TEST_S3 (default
# http://127.0.0.1:9787) with the bucket `lamindb-test`: installs s3s-fs 0.14.1 into
# ~/.cache/lamindb-rs-tools on first use (about 100 s) and starts it in the background, keeping its
# data in ~/.cache/lamindb-rs-s3. Credentials: AKTEST / SKTEST.
set -euo pipefail
endpoint="${LAMINDB_TEST_S3:-http://127.0.0.1:9787}"
hostport="${endpoint#http://}"
host="${hostport%:*}"
port="${hostport##*:}"
tools="$HOME/.cache/lamindb-rs-tools"
data="${LAMINDB_TEST_S3_DATA:-$HOME/.cache/lamindb-rs-s3}"
listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
mkdir -p "$data/lamindb-test"
if listening; then exit 0; fi
if [ ! -x "$tools/bin/s3s-fs" ]; then
  echo "installing s3s-fs 0.14.1 into $tools" >&2
  cargo install --quiet --root "$tools" s3s-fs --version 0.14.1 --features binary --locked
fi
echo "starting s3s-fs on $host:$port (data in $data)" >&2
setsid nohup "$tools/bin/s3s-fs" --host "$host" --port "$port" \
  --access-key AKTEST --secret-key SKTEST "$data" >"$data.log" 2>&1 < /dev/null &
for _ in $(seq 1 50); do
  if listening; then exit 0; fi
  sleep 0.2
done
echo "s3s-fs did not start on $host:$port; see $data.log" >&2
exit 1
