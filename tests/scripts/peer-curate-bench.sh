#!/usr/bin/env bash
# Python LaminDB's side of the curation benchmark (tests/benches/curate.rs): bench d of the
# reference peer (1,000,000 × 10 DataFrame: DataFrameCurator init, validate, save_artifact),
# three runs on a fresh offline instance, with peak RSS.
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
for r in 0 1 2; do
  "$venv/bin/python" "$peer/bench/bench_d_curate.py" "$r" 1000000 >/dev/null 2>&1 || echo "run $r failed"
done
grep -v '"build DataFrame\|setup registries' "$BENCH_OUT"
