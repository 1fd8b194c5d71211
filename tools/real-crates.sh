#!/usr/bin/env bash
# Published crates as a test corpus for #[profile]: download each (pinned) crate with its test
# suite, put #[perf_runtime::profile] on every fn with a body in its src/ (tools/profile-all),
# and run its tests before and after. See docs/real-crates.md.
#
# Usage: tools/real-crates.sh [--opt-runtime] [--groups] [--doc] [--runs N] [NAME@VERSION ...]
#   --opt-runtime  add `[profile.dev.package.perf-runtime] opt-level = 3` to the copies that
#                  depend on perf-runtime (the setting the README recommends for debug builds)
#   --groups       put the attribute on each impl, trait and inline mod instead of on each fn
#                  (free fns outside them get `sample = "auto"`, the same default), see
#                  tools/profile-all --groups
#   --doc          also run the doc tests (not timed; they are mostly compile time)
#   --runs N       time the tests N times and keep the fastest (default 5)
# Three copies of each crate under target/real-crates/NAME/:
#   orig       as published
#   dep-only   + the perf-runtime dependency at its default features (what a new user adds), no
#              attribute (what the dependency alone changes)
#   annotated  + the dependency and the attribute; a fn whose annotation does not compile is
#              found from the compiler's error lines, left unannotated and the build retried,
#              so the rest of the crate still gets its tests run
# Results: target/real-crates/results.md (also printed), logs next to each copy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target/real-crates"
export CARGO_TARGET_DIR="$work/target"
export CARGO_TERM_COLOR=never
# A captured backtrace per panic would time the unwinder, not the code (and should_panic
# tests panic on purpose).
export RUST_BACKTRACE=0
TIMEFORMAT='%3U %3S %3R'

opt_runtime=0 doc=0 runs=5 crates=() groups=()
while [ $# -gt 0 ]; do
  case "$1" in
    --opt-runtime) opt_runtime=1 ;;
    --doc) doc=1 ;;
    --groups) groups=(--groups) ;;
    --runs) runs=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "real-crates.sh: unknown option $1" >&2; exit 2 ;;
    *@*) crates+=("$1") ;;
    *) echo "real-crates.sh: expected NAME@VERSION, got $1" >&2; exit 2 ;;
  esac
  shift
done
# Chosen for their fn forms (docs/real-crates.md has the census): track_caller (slab, indexmap),
# generics and trait impls (either), unsafe, vtables of fn pointers and `-> !` (bytes),
# `impl Fn(&usize)` returns (indexmap), async fn and `-> !` (async-lock). All are
# `no_std` + `std` feature crates and ship their tests and their Cargo.lock.
[ ${#crates[@]} -gt 0 ] || crates=(slab@0.4.12 either@1.19.0 bytes@1.12.2 indexmap@2.14.2 async-lock@3.5.0)

mkdir -p "$work"
log() { printf '%s\n' "$*" >&2; }

log "== building tools/profile-all"
cargo build -q --manifest-path "$root/tools/profile-all/Cargo.toml"
profile_all="$CARGO_TARGET_DIR/debug/profile-all"

log "== fetching ${crates[*]}"
fetch="$work/fetch"
mkdir -p "$fetch/src"
: > "$fetch/src/lib.rs"
{
  printf '[package]\nname = "real-crates-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n[workspace]\n[dependencies]\n'
  for c in "${crates[@]}"; do printf '%s = "=%s"\n' "${c%@*}" "${c#*@}"; done
} > "$fetch/Cargo.toml"
cargo fetch -q --manifest-path "$fetch/Cargo.toml"
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"

# copy SRC DEST WITH_DEP
copy() {
  rm -rf "$2"
  cp -r "$1" "$2"
  chmod -R u+w "$2"
  grep -q '^\[workspace\]' "$2/Cargo.toml" || printf '\n[workspace]\n' >> "$2/Cargo.toml"
  if [ "$3" = 1 ]; then
    printf '\n[dependencies.perf-runtime]\npath = "%s"\n' "$root/perf-runtime" >> "$2/Cargo.toml"
    if [ "$opt_runtime" = 1 ]; then
      printf '\n[profile.dev.package.perf-runtime]\nopt-level = 3\n' >> "$2/Cargo.toml"
    fi
  fi
}

# build DIR LOG: builds the test targets; 0 if they compile
build() {
  (cd "$1" && cargo test --no-run --no-fail-fast --message-format=short "${target_args[@]}") > "$2" 2>&1
}

# test_exes DIR: the test executables of the current target_args (built already), one a line
test_exes() {
  (cd "$1" && cargo test -q --no-run --message-format=json "${target_args[@]}") 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["executable"])'
}

# run_tests DIR NAME: runs the test executables (as `cargo test` would, from the crate's
# directory) $runs times and sets cpu_ms and wall_ms (the fastest run's user+sys and wall
# time, summed over the executables), test_summary ("P passed, F failed"), tests_ok (1 if
# every run passed), failed_tests (names); output in DIR/../NAME-test.log. The executables are
# run directly so that cargo's own work is not timed; CPU time is the figure to compare, since
# other builds on a shared machine inflate wall time.
run_tests() {
  local dir=$1 out="$1/../$2-test.log" times="$1/../$2-test.times" ok=1 exe
  local -a exes
  mapfile -t exes < <(test_exes "$dir")
  : > "$out"
  : > "$times"
  for run in $(seq 1 "$runs"); do
    for exe in "${exes[@]}"; do
      { time (cd "$dir" && CARGO_MANIFEST_DIR="$dir" "$exe" >> "$out" 2>&1); } 2> "$times.one" || ok=0
      echo "$run $(cat "$times.one")" >> "$times"
    done
  done
  rm -f "$times.one"
  read -r cpu_ms wall_ms < <(awk '{ cpu[$1] += ($2 + $3) * 1000; wall[$1] += $4 * 1000 }
    END { for (r in cpu) { if (best == "" || cpu[r] < best) best = cpu[r]; if (bw == "" || wall[r] < bw) bw = wall[r] }
          printf "%d %d\n", best, bw }' "$times")
  tests_ok=$ok
  # Every run repeats the counts.
  test_summary=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
                      END { printf "%d passed, %d failed", p / '"$runs"', f / '"$runs"' }' "$out")
  # The second `failures:` block of libtest's output lists the names, indented by 4.
  failed_tests=$(awk '/^failures:$/ { block = 1; next } /^$/ { block = 0 } block && /^    [^ ]+$/ { print $1 }' "$out" | sort -u | paste -sd' ' - || true)
}

# panic_sites DIR NAME: where each test's panics say they happened, one `test<TAB>file:line`
# a line (column dropped: the attribute shifts the columns of the line it is inserted on), in
# DIR/../NAME-panics.txt. A `#[track_caller]` fn that lost caller tracking moves these.
panic_sites() {
  (cd "$1" && cargo test -q "${target_args[@]}" -- --nocapture --test-threads=1) 2>&1 |
    sed -nE "s/^thread '([^']+)' \(?[0-9]*\)? ?panicked at ([^:]+):([0-9]+):[0-9]+:?$/\1\t\2:\3/p" |
    sort -u > "$1/../$2-panics.txt" || true
}

# doc_tests DIR NAME: sets doc_result
doc_tests() {
  if [ "$doc" = 0 ]; then doc_result="not run"; return; fi
  if (cd "$1" && cargo test -q --doc) > "$1/../$2-doc.log" 2>&1; then doc_result="pass"; else doc_result="FAIL"; fi
}

results="$work/results.md"
details="$work/details.md"
{
  echo "| crate | fns annotated | excluded to build | orig: tests | dep-only: build, tests | annotated: build, tests | test CPU time orig → annotated | ratio | wall time orig → annotated | panic locations moved |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$results"
: > "$details"

for c in "${crates[@]}"; do
  name=${c%@*} version=${c#*@}
  src="$registry"/*/"$name-$version"
  # shellcheck disable=SC2086
  src=$(ls -d $src | head -1)
  dir="$work/$name"
  mkdir -p "$dir"
  log "== $name $version ($src)"

  copy "$src" "$dir/orig" 0
  copy "$src" "$dir/dep-only" 1
  copy "$src" "$dir/annotated" 1

  # The crate's targets as `kind name path` lines, for building and testing all but the test
  # targets that only the annotated copy cannot compile.
  mapfile -t targets < <(cd "$dir/orig" && cargo metadata -q --no-deps --format-version 1 | python3 -c '
import json, os, sys
package = json.load(sys.stdin)["packages"][0]
root = os.path.dirname(package["manifest_path"])
for t in package["targets"]:
    kind = "test" if "test" in t["kind"] else "bin" if "bin" in t["kind"] else "lib" if "lib" in t["kind"] or "rlib" in t["kind"] else None
    if kind and t.get("test", True):
        print(kind, t["name"], os.path.relpath(t["src_path"], root))')
  dropped=" "
  set_target_args() {
    target_args=()
    local kind name path
    for t in "${targets[@]}"; do
      read -r kind name path <<< "$t"
      [[ "$dropped" == *" $name "* ]] && continue
      case $kind in lib) target_args+=(--lib) ;; *) target_args+=("--$kind" "$name") ;; esac
    done
  }
  set_target_args

  log "   orig: build"
  if ! build "$dir/orig" "$dir/orig-build.log"; then
    echo "| $name $version | - | - | build FAILED | - | - | - | - | - | - |" >> "$results"
    continue
  fi

  log "   dep-only: build"
  if build "$dir/dep-only" "$dir/dep-only-build.log"; then
    log "   dep-only: tests x1"
    saved_runs=$runs; runs=1
    run_tests "$dir/dep-only" dep-only
    runs=$saved_runs
    dep_result="ok, $test_summary$([ "$tests_ok" = 1 ] || echo ' (FAIL)')"
  else
    dep_result="FAILED ($(grep -c ': error' "$dir/dep-only-build.log" || true) errors)"
  fi

  # Annotate and build. Each fn that holds a compile error is left unannotated and the build
  # retried; then each test target (tests/*.rs) that still does not compile is left out. It
  # stops when it builds, or when an error is in neither (not the attribute's alone).
  excludes=() ; : > "$dir/blamed.tsv" ; : > "$dir/errors.tsv"
  ann_build=""
  for round in 1 2 3 4 5 6 7 8; do
    rm -rf "$dir/annotated/src"
    cp -r "$dir/orig/src" "$dir/annotated/src"
    "$profile_all" "$dir/orig" "$dir/annotated" "${groups[@]}" "${excludes[@]}" > "$dir/profile-all.txt"
    grep '^blamed' "$dir/profile-all.txt" >> "$dir/blamed.tsv" || true
    log "   annotated: build (round $round, $(awk '$1 == "annotated" { print $2 }' "$dir/profile-all.txt") fns annotated)"
    if build "$dir/annotated" "$dir/annotated-build.log"; then ann_build=ok; break; fi
    # `src/x.rs:12:5: error[E0282]: message` -> round, location, message
    grep -E '^[^ ]+:[0-9]+:[0-9]+: error' "$dir/annotated-build.log" | sed "s/^/$round\t/; s/: error/\terror/" >> "$dir/errors.tsv" || true
    new=0
    while IFS=: read -r file line _; do
      spec="$file:$line"
      if [[ " ${excludes[*]} " != *" $spec "* ]]; then excludes+=(--exclude "$spec"); new=1; fi
    done < <(grep -E '^src/[^ ]+:[0-9]+:[0-9]+: error' "$dir/annotated-build.log" || true)
    [ "$new" = 0 ] || continue
    while IFS=: read -r file _; do
      owner=""
      for t in "${targets[@]}"; do
        read -r kind tname path <<< "$t"
        if [ "$kind" = test ] && { [ "$path" = "$file" ] || [[ "$path" == */main.rs && "$file" == "${path%main.rs}"* ]]; }; then owner=$tname; fi
      done
      if [ -z "$owner" ]; then new=0; break; fi
      if [[ "$dropped" != *" $owner "* ]]; then dropped+="$owner "; new=1; fi
    done < <(grep -E '^[^ ]+:[0-9]+:[0-9]+: error' "$dir/annotated-build.log" | grep -v '^src/' | sort -u || true)
    if [ "$new" = 0 ]; then ann_build="FAILED"; break; fi
    set_target_args
  done
  [ -n "$ann_build" ] || ann_build="FAILED"

  # Both copies tested on the same targets.
  log "   orig: tests x$runs"
  run_tests "$dir/orig" orig
  orig_tests="$test_summary$([ "$tests_ok" = 1 ] || echo ' (FAIL)')"; orig_cpu=$cpu_ms orig_wall=$wall_ms
  doc_tests "$dir/orig" orig; orig_doc=$doc_result
  panic_sites "$dir/orig" orig
  if [ "$ann_build" = ok ]; then
    log "   annotated: tests x$runs"
    run_tests "$dir/annotated" annotated
    ann_tests="$test_summary$([ "$tests_ok" = 1 ] || echo ' (FAIL)')"; ann_cpu=$cpu_ms ann_wall=$wall_ms
    ann_failed=$failed_tests
    doc_tests "$dir/annotated" annotated; ann_doc=$doc_result
    panic_sites "$dir/annotated" annotated
  else
    ann_tests="-"; ann_cpu=""; ann_wall=""; ann_failed=""; ann_doc="-"
  fi
  [ "$dropped" = " " ] || ann_build="ok without test targets${dropped% }"
  blamed_fns=$(cut -f3 "$dir/blamed.tsv" | sort -u | grep -c . || true)
  annotated=$(awk '$1 == "annotated" { print $2 }' "$dir/profile-all.txt")
  fns=$(awk '$1 == "fns" { print $2 }' "$dir/profile-all.txt")
  consts=$(awk '$1 == "const" { print $2 }' "$dir/profile-all.txt")
  in_macros=$(awk '$1 == "fns_in_macros" { print $2 }' "$dir/profile-all.txt")
  unparsed=$(awk '$1 == "unparsed" && NF == 2 { print $2 }' "$dir/profile-all.txt")

  ratio="-"
  if [ -n "$ann_cpu" ] && [ "$orig_cpu" -gt 0 ]; then ratio=$(awk "BEGIN { printf \"%.1f×\", $ann_cpu / $orig_cpu }"); fi
  fmt_s() { [ -n "$1" ] && awk "BEGIN { if ($1 < 1000) printf \"%d ms\", $1; else printf \"%.2f s\", $1 / 1000 }" || echo "-"; }

  moved=0
  if [ -f "$dir/orig-panics.txt" ] && [ -f "$dir/annotated-panics.txt" ] && [ "$ann_build" = ok ]; then
    # test, the places only the original reports, the places only the annotated copy reports
    awk -F'\t' 'NR == FNR { orig[$0] = 1; next } { ann[$0] = 1; tests[$1] = 1 }
      END {
        for (k in orig) if (!(k in ann)) { split(k, p, "\t"); if (p[1] in tests) gone[p[1]] = gone[p[1]] " " p[2] }
        for (k in ann) if (!(k in orig)) { split(k, p, "\t"); came[p[1]] = came[p[1]] " " p[2] }
        for (t in gone) print t "\t" substr(gone[t], 2) "\t" substr(came[t], 2)
      }' "$dir/orig-panics.txt" "$dir/annotated-panics.txt" | sort > "$dir/moved-panics.tsv"
    moved=$(grep -c . "$dir/moved-panics.tsv" || true)
  fi

  echo "| $name $version | $annotated of $fns ($consts const fn skipped, ~$in_macros fns in macros, $unparsed files unparsed) | $blamed_fns | $orig_tests | $dep_result | $ann_build, $ann_tests | $(fmt_s "$orig_cpu") → $(fmt_s "$ann_cpu") | $ratio | $(fmt_s "$orig_wall") → $(fmt_s "$ann_wall") | $moved |" >> "$results"

  {
    echo "### $name $version"
    echo
    echo "Forms among the annotated fns: $(grep '^form\.' "$dir/profile-all.txt" | awk '$2 > 0 { sub(/^form\./, "", $1); printf "%s%s %s", sep, $1, $2; sep = ", " }')."
    [ "$doc" = 0 ] || echo "Doc tests: orig $orig_doc, annotated $ann_doc."
    echo
    if [ -s "$dir/blamed.tsv" ]; then
      echo "Left unannotated because their annotation did not compile (fn, its forms, the first error it caused):"
      echo
      cut -f3- "$dir/blamed.tsv" | sort -u -t$'\t' -k1,1 | while IFS=$'\t' read -r at fn forms; do
        first=$(cut -f2- "$dir/blamed.tsv" | awk -F'\t' -v at="$at" '$2 == at { print $1; exit }')
        msg=$(awk -F'\t' -v loc="$first" 'index($2, loc ":") == 1 { print $3; exit }' "$dir/errors.tsv")
        echo "- \`$at\` \`$fn\` ($forms): $msg"
      done
      echo
    fi
    if [ "$dropped" != " " ]; then
      echo "Test targets left out (they compile as published, not once the crate is annotated), first errors:"
      echo
      awk -F'\t' '$2 !~ /^src\// { print "- `" $2 "`: " $3 }' "$dir/errors.tsv" | sort -u | head -10
      echo
    fi
    if [ "$ann_build" = FAILED ]; then
      echo "Errors neither in an annotated fn nor in a test target (last round):"
      echo
      grep -E '^[^ ]+:[0-9]+:[0-9]+: error' "$dir/annotated-build.log" | grep -v '^src/' | sort -u | head -20 | sed 's/^/- /'
      echo
    fi
    if [ "$moved" -gt 0 ]; then
      echo "Panics reported at another place once annotated (test: orig → annotated), $moved tests, first 10:"
      echo
      head -10 "$dir/moved-panics.tsv" | awk -F'\t' '{ printf "- `%s`: `%s` → `%s`\n", $1, $2, $3 }'
      echo
    fi
    if [ -n "$ann_failed" ]; then
      echo "Failing tests (annotated): $ann_failed"
      echo
    fi
  } >> "$details"
done

{
  echo
  echo "Machine: $(nproc) cores, $(uname -m), $(rustc --version)."
  echo "Settings: --runs $runs$([ "$opt_runtime" = 1 ] && echo ', --opt-runtime')$([ ${#groups[@]} -gt 0 ] && echo ', --groups')$([ "$doc" = 1 ] && echo ', --doc'); test times = the fastest run's user+sys CPU and wall time of the test executables of the lib and test targets (the same ones for both copies)."
  echo
  cat "$details"
} >> "$results"
cat "$results"
