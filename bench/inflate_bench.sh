#!/usr/bin/env bash
# Parallel gzip decoding benchmark (issue 14): decode only, and the whole cold
# resolve, alternating the contenders within each round; medians and ratios.
#
# Usage: bench/inflate_bench.sh [--build-dir DIR] [--rounds N] [--threads "1 2"]
#                               [--archive weights|files] [--no-resolve]
#   decode only (ARCHIVE = $BENCH_DIR/data/<archive>.tar.gz, from bench/resolve_bench.sh):
#     igzip -dc ARCHIVE >/dev/null        ISA-L's own tool, one thread
#     gzip -dc ARCHIVE >/dev/null         zlib
#     tfhub_inflate_bench ARCHIVE T       tfhub's decoder on T threads (1: GzipInflater)
#   whole resolve (nginx on loopback serving ARCHIVE):
#     TFHUB_DECODE_THREADS=T tfhub resolve URL (cold cache)
# Every timed command starts from just-freed memory: the previous output is
# moved aside (deleted only at the end: this ext4 is many times slower at
# creating files right after a mass delete), then sync, drop_caches (as root)
# and the archive read back in.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"
ROUNDS=5
THREADS="1 2"
ARCHIVE=weights
RESOLVE=1
BENCH_DIR="${BENCH_DIR:-/tmp/tfhub-bench}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="$(cd "$2" && pwd)"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --archive) ARCHIVE="$2"; shift 2 ;;
    --no-resolve) RESOLVE=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "inflate_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
FILE="$BENCH_DIR/data/$ARCHIVE.tar.gz"
[[ -f "$FILE" ]] || { echo "inflate_bench: $FILE missing: run bench/resolve_bench.sh --only $ARCHIVE --rounds 1 first" >&2; exit 1; }
TFHUB="$BUILD_DIR/bin/tfhub"
IB="$BUILD_DIR/bin/tfhub_inflate_bench"
[[ -x "$IB" ]] || IB="$(find "$BUILD_DIR" -name tfhub_inflate_bench -type f -perm -u+x | head -n 1)"
[[ -x "$IB" ]] || { echo "inflate_bench: tfhub_inflate_bench not built in $BUILD_DIR" >&2; exit 1; }
for tool in igzip gzip; do command -v "$tool" >/dev/null || { echo "inflate_bench: $tool missing" >&2; exit 1; }; done

CAN_DROP=0
[[ -w /proc/sys/vm/drop_caches ]] && CAN_DROP=1
RUN="$(mktemp -d "${TMPDIR:-/tmp}/inflate-bench.XXXXXX")"
cleanup() { [[ -n "${NGINX_PID:-}" ]] && nginx_stop || true; rm -rf "$RUN"; }
trap cleanup EXIT
OLD=0
settle() {
  if [[ -d "$RUN/out" ]]; then
    mkdir -p "$RUN/trash"
    mv "$RUN/out" "$RUN/trash/$((OLD += 1))"
  fi
  sync
  if [[ $CAN_DROP == 1 ]]; then echo 1 >/proc/sys/vm/drop_caches; fi
  cat "$FILE" >/dev/null
}
now() { date +%s.%N; }
declare -A T
timed() { # $1 = label, rest = command
  local label="$1" t0 t1
  shift
  settle
  t0=$(now)
  "$@"
  t1=$(now)
  T[$label]+="$(echo "$t1 - $t0" | bc -l) "
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
  END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

decoders=("igzip" "gzip")
for t in $THREADS; do decoders+=("tfhub-$t"); done
resolvers=()
if [[ $RESOLVE == 1 ]]; then
  # shellcheck source=scripts/nginx-lib.sh
  source "$ROOT/scripts/nginx-lib.sh"
  mkdir -p "$RUN/www" "$RUN/nginx"
  ln -s "$FILE" "$RUN/www/$ARCHIVE.tar.gz"
  nginx_start "$RUN/www" "$RUN/nginx"
  URL="$NGINX_URL/$ARCHIVE.tar.gz"
  for t in $THREADS; do resolvers+=("resolve-$t"); done
fi

echo "inflate_bench: $FILE ($(stat -c %s "$FILE") bytes), $ROUNDS rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= ROUNDS; r++)); do
  timed igzip sh -c "igzip -dc '$FILE' >/dev/null"
  timed gzip sh -c "gzip -dc '$FILE' >/dev/null"
  for t in $THREADS; do timed "tfhub-$t" "$IB" "$FILE" "$t" >/dev/null; done
  for t in $THREADS; do
    [[ $RESOLVE == 1 ]] || break
    mkdir -p "$RUN/out"
    timed "resolve-$t" env TFHUB_DECODE_THREADS="$t" TFHUB_CACHE_DIR="$RUN/out" "$TFHUB" resolve "$URL" >/dev/null
  done
  line="round $r:"
  for k in "${decoders[@]}" "${resolvers[@]}"; do line+=" $k $(echo "${T[$k]}" | awk '{ print $NF }')"; done
  echo "$line"
done

base=$(echo "${T[igzip]}" | median)
printf '\n%-28s %10s %16s\n' "decode only ($ARCHIVE)" "median s" "igzip / this"
for k in "${decoders[@]}"; do
  m=$(echo "${T[$k]}" | median)
  printf '%-28s %10.3f %15.2fx\n' "$k" "$m" "$(echo "$base / $m" | bc -l)"
done
if [[ $RESOLVE == 1 ]]; then
  printf '\n%-28s %10s %16s\n' "cold resolve ($ARCHIVE)" "median s" "igzip -dc / this"
  for k in "${resolvers[@]}"; do
    m=$(echo "${T[$k]}" | median)
    printf '%-28s %10.3f %15.2fx\n' "TFHUB_DECODE_THREADS=${k#resolve-}" "$m" "$(echo "$base / $m" | bc -l)"
  done
fi
