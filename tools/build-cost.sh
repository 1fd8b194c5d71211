#!/usr/bin/env bash
# What #[profile] costs at build time: lines per expanded fn, and the extra time of an
# incremental `cargo check` of a crate with N profiled fns against the same fns unannotated.
# Usage: tools/build-cost.sh [N=500]
set -euo pipefail
n=${1:-500}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$work/target"

make_crate() { # name attr
  mkdir -p "$work/$1/src"
  cat > "$work/$1/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
[dependencies]
perf-runtime = { path = "$root/perf-runtime" }
[workspace]
TOML
  {
    echo "#![allow(dead_code)]"
    for i in $(seq 1 "$n"); do
      echo "$2"
      echo "pub fn f$i(x: u64) -> Result<u64, String> { if x == $i { return Err(\"no\".into()); } Ok(x + $i) }"
    done
  } > "$work/$1/src/lib.rs"
}

check_time() { # name -> seconds of the fastest of 3 incremental checks
  (cd "$work/$1" && cargo check -q 2>/dev/null)
  best=999
  for _ in 1 2 3; do
    touch "$work/$1/src/lib.rs"
    t0=$(date +%s.%N)
    (cd "$work/$1" && cargo check -q)
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    best=$(echo "if ($t < $best) $t else $best" | bc)
  done
  echo "$best"
}

make_crate plain ""
make_crate profiled "#[perf_runtime::profile]"
plain=$(check_time plain)
profiled=$(check_time profiled)
per_fn=$(echo "scale=3; ($profiled - $plain) * 1000 / $n" | bc)
echo "incremental cargo check, $n fns: plain ${plain}s, profiled ${profiled}s, +${per_fn} ms per fn"

# Lines of one expanded fn, as rustfmt prints the expansion.
(cd "$work/profiled" && RUSTC_BOOTSTRAP=1 cargo rustc -q --lib -- -Zunpretty=expanded 2>/dev/null) > "$work/expanded.rs" || true
if [ -s "$work/expanded.rs" ]; then
  lines=$(awk '/^pub fn f1\(/{p=1} p{c++} p&&/^}/{print c; exit}' "$work/expanded.rs")
  echo "one #[profile] fn expands to $lines lines:"
  awk '/^pub fn f1\(/{p=1} p{print} p&&/^}/{exit}' "$work/expanded.rs"
fi
