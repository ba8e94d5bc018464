#!/usr/bin/env bash
# Python LaminDB's side of the query benchmark (tests/benches/query.rs): bench b (to save 1000
# artifacts), bench c (queries) and a bulk ULabel insert, on a fresh offline instance.
# Needs the reference peer's venv: ../shared/peer/python-lamindb/setup.sh, or LAMINDB_PEER_VENV.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peer="${LAMINDB_PEER:-$here/../../../shared/peer/python-lamindb}"
venv="${LAMINDB_PEER_VENV:-$peer/venv}"
[ -x "$venv/bin/python" ] || { echo "no Python LaminDB venv at $venv: run $peer/setup.sh or set LAMINDB_PEER_VENV" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" BENCH_OUT="$work/results.jsonl" PYTHONPATH="$peer/offline_shim"
cd "$work" && mkdir inst && cd inst
"$venv/bin/lamin" init --storage ./storage >/dev/null 2>&1
"$venv/bin/python" "$peer/bench/bench_b_save.py" 0 1000 >/dev/null
"$venv/bin/python" "$peer/bench/bench_c_query.py" 0 1000 2>&1 | grep '^\[c_query\]'
"$venv/bin/python" "$here/../benches/peer/bulk_ulabels.py" 10000 2>&1 | grep '^\[bulk\]'
