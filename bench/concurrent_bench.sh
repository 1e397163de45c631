#!/usr/bin/env bash
# Shared-cache benchmark (issue: concurrency): N concurrent `tfhub resolve`
# processes on one cold handle versus a single resolve of the same archive, in
# the same run, alternated (S C S C ...). Checks that exactly one download
# happened per concurrent round and prints the wall-time ratio (target <= 1.2).
#
# Usage: bench/concurrent_bench.sh [--build-dir DIR] [--procs N] [--rounds N] [--archive FILE]
# The archive defaults to the ~1 GiB float32 weights archive that
# bench/resolve_bench.sh generates ($BENCH_DIR/data/weights.tar.gz, BENCH_DIR
# defaulting to /tmp/tfhub-bench); run that first, or pass --archive.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/nginx-lib.sh
source "$ROOT/scripts/nginx-lib.sh"

BUILD_DIR="$ROOT/build"
PROCS=32
ROUNDS=3
BENCH_DIR="${BENCH_DIR:-/tmp/tfhub-bench}"
ARCHIVE="$BENCH_DIR/data/weights.tar.gz"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="$(cd "$2" && pwd)"; shift 2 ;;
    --procs) PROCS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --archive) ARCHIVE="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
TFHUB="$BUILD_DIR/bin/tfhub"
[[ -x "$TFHUB" ]] || { echo "no $TFHUB: build first (scripts/build.sh)" >&2; exit 2; }

[[ -s "$ARCHIVE" ]] || { echo "no archive $ARCHIVE: run bench/resolve_bench.sh once (it generates it) or pass --archive" >&2; exit 2; }
RUN="$BENCH_DIR/concurrent-run-$$"
mkdir -p "$RUN/www" "$RUN/trash"
cleanup() { nginx_stop; rm -rf "$RUN"; }
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
now() { date +%s.%N; }

ln -sf "$ARCHIVE" "$RUN/www/model.tar.gz"
NGINX_ACCESS_LOG=1 nginx_start "$RUN/www" "$RUN/nginx"
URL="$NGINX_URL/model.tar.gz"
curl -s -o /dev/null "$URL"  # warm nginx's page cache
ACCESS_LOG="$RUN/nginx/access.log"
gets() { grep -c "GET /model.tar.gz" "$ACCESS_LOG" 2>/dev/null || true; }

single() {
  local cache="$RUN/c-single-$1" t0 t1
  t0=$(now)
  TFHUB_CACHE_DIR="$cache" "$TFHUB" resolve "$URL" > /dev/null
  t1=$(now)
  mv "$cache" "$RUN/trash/"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

concurrent() {
  local cache="$RUN/c-conc-$1" t0 t1 before after i pids=() outs
  before=$(gets)
  t0=$(now)
  for ((i = 0; i < PROCS; i++)); do
    TFHUB_CACHE_DIR="$cache" "$TFHUB" resolve "$URL" > "$RUN/out.$i" 2>> "$RUN/waiters.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  t1=$(now)
  after=$(gets)
  outs=$(sort -u "$RUN"/out.* | wc -l)
  mv "$cache" "$RUN/trash/"
  rm -f "$RUN"/out.*
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $((after - before)) $outs"
}

S=() C=()
for ((r = 1; r <= ROUNDS; r++)); do
  s=$(single "$r"); S+=("$s")
  read -r c downloads outputs < <(concurrent "$r"); C+=("$c")
  log "round $r: single ${s} s | ${PROCS} concurrent ${c} s, downloads: ${downloads}, distinct outputs: ${outputs}"
  if [[ "$downloads" != 1 || "$outputs" != 1 ]]; then
    echo "FAIL: expected exactly one download and one distinct path" >&2; exit 1
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms=$(median "${S[@]}"); mc=$(median "${C[@]}")
ratio=$(awk -v s="$ms" -v c="$mc" 'BEGIN { printf "%.2f", c / s }')
echo
echo "archive: $ARCHIVE ($(du -hL "$ARCHIVE" | cut -f1)), ${PROCS} processes, ${ROUNDS} rounds, median wall seconds"
echo "single resolve:      $ms s"
echo "${PROCS} concurrent:       $mc s  (one download each round)"
echo "ratio:               ${ratio}x  (target <= 1.2x): $(awk -v r="$ratio" 'BEGIN { print (r <= 1.2) ? "PASS" : "MISS" }')"
