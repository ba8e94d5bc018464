#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests and the integration suites on SQLite and
# on Postgres (each test makes and drops its own database).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamindb-rs-target}"
tests/scripts/ensure-postgres.sh
# The CLI suites run the `lamin` binary; build it first so the suites find it.
cargo build -p lamin-cli
cargo test --workspace "$@"
