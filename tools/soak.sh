#!/usr/bin/env bash
# Checks too long, or too dependent on a quiet machine, for `cargo test --workspace` (and so
# for CI): run them on a machine with nothing else running.
#   - perf-report's diff noise: 125 runs of the examples, identical pairs must give no verdict
#     and a 2x slower fn must always give one (perf-report/tests/diff_noise.rs).
# Usage: tools/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --examples --features perf-examples/redis
cargo test -p perf-report --test diff_noise -- --ignored
