#!/usr/bin/env bash
# Runs the whole test suite: unit, property and doc tests and the integration suites on SQLite and
# on Postgres (each test makes and drops its own database), with local, memory:// and S3 storage
# (a local S3-protocol server, started by ensure-s3.sh). Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamindb-rs-target}"
tests/scripts/ensure-postgres.sh
tests/scripts/ensure-s3.sh
# The CLI suites run the `lamin` binary as users build it: `cargo build -p lamin-cli` alone, so
# that no feature a test-only dependency switches on reaches it. `cargo test --workspace` later
# rebuilds target/debug/lamin with the workspace's unified features, so the suites run a copy.
cargo build -p lamin-cli
mkdir -p "$CARGO_TARGET_DIR/shipped"
cp "$CARGO_TARGET_DIR/debug/lamin" "$CARGO_TARGET_DIR/shipped/lamin"
export LAMIN_BIN="$CARGO_TARGET_DIR/shipped/lamin"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
