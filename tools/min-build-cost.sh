#!/usr/bin/env bash
# What `#[profile]` alone costs a user's clean build: `cargo build` (debug, from an empty target
# directory) of a tiny crate with one profiled fn on perf-runtime without default features,
# against the same crate on `tracing` (whose default features bring `#[instrument]`, i.e.
# tracing-attributes), one after the other, ROUNDS times, on this machine.
# Usage: tools/min-build-cost.sh [ROUNDS=3]
set -euo pipefail
rounds=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_crate() { # name dependency-line attribute
  mkdir -p "$work/$1/src"
  cat > "$work/$1/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
$2
[workspace]
TOML
  cat > "$work/$1/src/main.rs" <<RS
$3
fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

fn main() {
    println!("{:?}", parse("42"));
}
RS
}

make_crate perf_min "perf-runtime = { path = \"$root/perf-runtime\", default-features = false }" \
  "#[perf_runtime::profile]"
make_crate tracing_min 'tracing = "0.1"' "#[tracing::instrument]"
# The same versions as the workspace, so that the figure is the one its users get.
cp "$root/Cargo.lock" "$work/perf_min/Cargo.lock"
# Downloads are not build time.
(cd "$work/perf_min" && cargo fetch -q)
(cd "$work/tracing_min" && cargo fetch -q)

build() { # crate -> seconds of a clean build
  rm -rf "$work/target-$1"
  local start end
  start=$(date +%s.%N)
  (cd "$work/$1" && CARGO_TARGET_DIR="$work/target-$1" cargo build -q)
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

crates() { # crate -> dependency crates compiled
  (cd "$work/$1" && cargo tree -q -e normal,build --prefix none | sort -u | wc -l)
}

perf=() tracing=()
for r in $(seq 1 "$rounds"); do
  perf+=("$(build perf_min)")
  tracing+=("$(build tracing_min)")
  echo "round $r: perf-runtime (no default features) ${perf[-1]}s, tracing ${tracing[-1]}s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median of $rounds clean debug builds: perf-runtime without default features $(median "${perf[@]}")s" \
  "($(( $(crates perf_min) - 1 )) crates), tracing $(median "${tracing[@]}")s ($(( $(crates tracing_min) - 1 )) crates);" \
  "$(nproc) cores, $(rustc --version)"
