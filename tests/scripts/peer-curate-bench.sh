#!/usr/bin/env bash
# Python LaminDB's side of the curation benchmarks, three runs each on a fresh offline instance,
# with peak RSS:
#   peer-curate-bench.sh            bench d (tests/benches/curate.rs): 1,000,000 × 10 DataFrame
#   peer-curate-bench.sh anndata    bench e (tests/benches/anndata.rs): 100,000 × 2,000 AnnData
# Timed: curator construction, validate, save_artifact.
# Needs the reference peer's venv: ../shared/peer/python-lamindb/setup.sh, or LAMINDB_PEER_VENV.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peer="${LAMINDB_PEER:-$here/../../../shared/peer/python-lamindb}"
venv="${LAMINDB_PEER_VENV:-$peer/venv}"
[ -x "$venv/bin/python" ] || { echo "no Python LaminDB venv at $venv: run $peer/setup.sh or set LAMINDB_PEER_VENV" >&2; exit 2; }
case "${1:-dataframe}" in
  dataframe) bench=("$peer/bench/bench_d_curate.py") size=(1000000) ;;
  anndata) bench=("$peer/bench/bench_e_anndata.py") size=(100000 2000) ;;
  *) echo "usage: $0 [dataframe|anndata]" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" BENCH_OUT="$work/results.jsonl" PYTHONPATH="$peer/offline_shim"
cd "$work" && mkdir inst && cd inst
"$venv/bin/lamin" init --storage ./storage --modules bionty >/dev/null 2>&1
for r in 0 1 2; do
  "$venv/bin/python" "${bench[0]}" "$r" "${size[@]}" >/dev/null 2>&1 || echo "run $r failed"
done
grep -v '"build DataFrame\|"build AnnData\|setup registries' "$BENCH_OUT"
