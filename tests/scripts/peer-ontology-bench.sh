#!/usr/bin/env bash
# Python LaminDB's side of the bionty benchmark (tests/benches/bionty.rs): bench f of the
# reference peer (a 3,000-term CL-shaped table with ~6,000 parent links registered as a custom
# source, then `bt.CellType.import_source`), three runs on a fresh offline instance with bionty.
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
"$venv/bin/lamin" init --storage ./storage --modules bionty >/dev/null 2>&1
for r in 1 2 3; do
  "$venv/bin/python" "$peer/bench/bench_f_ontology.py" "$r" 3000 >/dev/null 2>&1 || echo "run $r failed"
done
cat "$BENCH_OUT"
