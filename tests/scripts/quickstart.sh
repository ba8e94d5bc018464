#!/usr/bin/env bash
# The main job on the embedded default: a SQLite instance in a local folder; save, version,
# list, describe and load artifacts with the `lamin` CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamindb-rs-target}"
cargo build -q -p lamin-cli
lamin="$CARGO_TARGET_DIR/debug/lamin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAMIN_SETTINGS_DIR="$work/settings"
cd "$work"
"$lamin" init --storage ./mydata
printf 'gene,count\nTP53,5\n' > counts.csv
"$lamin" save counts.csv --key experiments/counts.csv --description "raw counts"
printf 'gene,count\nTP53,7\n' > counts.csv
"$lamin" save counts.csv --key experiments/counts.csv
"$lamin" list artifacts --all-versions
"$lamin" describe --key experiments/counts.csv
path=$("$lamin" load --key experiments/counts.csv)
echo "loaded: $path"
cat "$path"
