#!/usr/bin/env bash
# The main job on the embedded default: a SQLite instance in a local folder; save, version,
# list, describe and load artifacts with the `lamin` CLI, then run a script as a tracked run
# and show the lineage of what it made.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamindb-rs-target}"
cargo build -q -p lamin-cli
lamin="$CARGO_TARGET_DIR/debug/lamin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAMIN_SETTINGS_DIR="$work/settings" LAMIN_CACHE_DIR="$work/cache"
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

# Lineage: run a script as a tracked run; what it loads and saves is linked to the run.
cat > normalize.sh <<'SCRIPT'
#!/usr/bin/env bash
set -euo pipefail
in=$(lamin load --key experiments/counts.csv)
awk -F, 'NR==1 {print; next} {print $1","$2/10}' "$in" > normalized.csv
lamin save normalized.csv --key experiments/normalized.csv
SCRIPT
PATH="$(dirname "$lamin"):$PATH" "$lamin" run --param scale=10 -- bash normalize.sh
"$lamin" list runs
"$lamin" lineage --key experiments/normalized.csv --format mermaid
