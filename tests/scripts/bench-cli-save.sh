#!/usr/bin/env bash
# Saving N ~1 KB files with the `lamin` CLI, side by side with Python LaminDB's bench b:
#   1. one `lamin save FILE --key K` process per file (a pipeline calling the CLI per file);
#   2. one `lamin save FILE… --key-prefix P` process for all files (one batch);
#   3. Python LaminDB 2.12.1's bench b in one interpreter (one by one, and bulk `ln.save`),
#      when the reference peer venv is there.
# Usage: bench-cli-save.sh [N]   (default 1000). Rust binary: $LAMIN_BIN (build it with
# `cargo build --release -p lamin-cli`), else `lamin` on PATH.
set -euo pipefail
n="${1:-1000}"
here="$(cd "$(dirname "$0")" && pwd)"
LAMIN="${LAMIN_BIN:-$(command -v lamin || true)}"
[ -n "$LAMIN" ] && [ -x "$LAMIN" ] || { echo "no lamin binary: set LAMIN_BIN" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAMIN_SETTINGS_DIR="$work/settings" LAMIN_CACHE_DIR="$work/cache"
unset LAMIN_INSTANCE || true
mkdir -p "$work/one" "$work/bulk" "$work/inst"
for i in $(seq -w 1 "$n"); do
  printf 'one %s\n%s' "$i" "$(head -c 500 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/one/f$i.txt"
  printf 'bulk %s\n%s' "$i" "$(head -c 500 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/bulk/f$i.txt"
done
cd "$work/inst"
"$LAMIN" init --storage "$work/inst/storage" --name benchsave >/dev/null 2>&1
ms() { date +%s%N | awk '{ printf "%d", $1 / 1000000 }'; }
t0=$(ms)
for f in "$work"/one/*.txt; do
  "$LAMIN" save "$f" --key "one/$(basename "$f")" >/dev/null
done
t1=$(ms)
"$LAMIN" save "$work"/bulk/*.txt --key-prefix bulk >/dev/null
t2=$(ms)
awk -v n="$n" -v a=$((t1 - t0)) -v b=$((t2 - t1)) 'BEGIN {
  printf "lamin, one process per file: %.2f s (%.2f ms / file)\n", a / 1000, a / n
  printf "lamin, one process, --key-prefix: %.2f s (%.2f ms / file)\n", b / 1000, b / n }'
peer="${LAMINDB_PEER:-$here/../../../shared/peer/python-lamindb}"
venv="${LAMINDB_PEER_VENV:-$peer/venv}"
if [ -x "$venv/bin/python" ]; then
  # Python's init pins its working folder, which must not be HOME.
  mkdir -p "$work/py" "$work/pyhome" && cd "$work/py"
  export HOME="$work/pyhome" BENCH_OUT="$work/py/results.jsonl" PYTHONPATH="$peer/offline_shim"
  unset LAMIN_SETTINGS_DIR LAMIN_CACHE_DIR
  "$venv/bin/lamin" init --storage ./storage >/dev/null 2>&1
  "$venv/bin/python" "$peer/bench/bench_b_save.py" 0 "$n" >/dev/null 2>&1
  "$venv/bin/python" - "$work/py/results.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "total" in r["metric"]:
        print(f"Python LaminDB 2.12.1, {r['metric']}: {r['value']:.2f} {r['unit']}")
PY
else
  echo "Python peer venv not found at $venv: only lamin's figures"
fi
