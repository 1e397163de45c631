#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan + UBSan) and run each for a while
# on a scratch copy of its committed seed corpus (fuzz/corpus/<target>/ is
# never modified). Fails (exit 1) if any target finds a crash, a leak, a
# timeout or an out-of-memory; the offending input is kept in
# BUILD_DIR/fuzz-artifacts/ and its stack printed. See fuzz/README.md.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR]
#   SECONDS_PER_TARGET  default 30
#   BUILD_DIR           default build-fuzz (relative to the repo root, or absolute)
# Environment: FUZZ_TARGETS (space-separated subset, e.g. "archive gzip"),
#   JOBS (build parallelism, default 2), FUZZ_ARGS (extra libFuzzer flags),
#   CC/CXX (default clang-14/clang++-14), FUZZ_KEEP=1 keeps the scratch corpora.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

case "${1:-}" in -h|--help) sed -n '2,15p' "$0"; exit 0 ;; esac
seconds="${1:-30}"
build_dir="${2:-build-fuzz}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a positive integer, not '$seconds'" >&2
  exit 2
fi
[[ "$build_dir" = /* ]] || build_dir="$ROOT/$build_dir"

all_targets=(archive gzip parallel_gzip handle descriptor lock tensor_bundle saved_model)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"

# --- build ---------------------------------------------------------------------
start=$(date +%s)
if ! grep -q '^TFHUB_FUZZ:BOOL=ON' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  echo "==> fuzz: configure $build_dir"
  CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}" \
    cmake -S . -B "$build_dir" -DTFHUB_FUZZ=ON -DTFHUB_BUILD_TESTS=OFF >/dev/null
fi
echo "==> fuzz: build $build_dir (target fuzzers, -j${JOBS:-2})"
cmake --build "$build_dir" --target fuzzers -j"${JOBS:-2}"
echo "==> fuzz: built in $(( $(date +%s) - start )) s"

# --- run -----------------------------------------------------------------------
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/tfhub-fuzz.XXXXXX")"
if [[ "${FUZZ_KEEP:-0}" != 1 ]]; then trap 'rm -rf "$scratch"' EXIT; fi

# Leaks are failures (libFuzzer's default with ASan); UBSan stops at the first report.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
extra=()
if [[ -n "${FUZZ_ARGS:-}" ]]; then read -r -a extra <<<"$FUZZ_ARGS"; fi

failed=()
for t in "${targets[@]}"; do
  bin="$build_dir/fuzz/${t}_fuzzer"
  if [[ ! -x "$bin" ]]; then echo "fuzz.sh: no such target: $t ($bin)" >&2; failed+=("$t"); continue; fi
  corpus="$scratch/$t"
  mkdir -p "$corpus"
  cp -R "fuzz/corpus/$t/." "$corpus/"
  dict=()
  [[ -f "fuzz/dict/$t.dict" ]] && dict=(-dict="fuzz/dict/$t.dict")
  log="$scratch/$t.log"
  echo "==> fuzz: $t for ${seconds} s ($(ls "$corpus" | wc -l) seeds)"
  rc=0
  # Huge allocations a corrupt input asks for (left untouched, or refused as
  # bad_alloc) are not failures; memory actually used beyond 2 GiB is.
  "$bin" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1048576 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "${extra[@]}" >"$log" 2>&1 || rc=$?
  # One line of numbers: executions, speed, coverage, corpus growth.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  echo "    rc=$rc runs=${runs:-?} exec/s=${speed:-?} ${cov:-} corpus=$(ls "$corpus" | wc -l)"
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    echo "---- $t failed; last lines of its log:" >&2
    grep -vE '^#[0-9]+' "$log" | tail -n 60 >&2
    echo "---- reproduce: $bin <input from $artifacts/$t-*>" >&2
  fi
done

echo "==> fuzz: finished after $(( $(date +%s) - start )) s"
if [[ ${#failed[@]} -ne 0 ]]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets clean"
