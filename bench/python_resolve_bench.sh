#!/usr/bin/env bash
# Python benchmark: tfhub.resolve() from Python against the extraction loop
# Python tensorflow_hub runs (urllib stream into tarfile 'r|*'), on the
# archives of bench/resolve_bench.sh (~1 GiB of float32 weights; ~20,000
# files), served by a private nginx on 127.0.0.1. Rounds alternate A
# (tfhub.resolve), C (the CLI, `tfhub resolve`, for what the binding costs)
# and R (reference loop), each in a fresh interpreter, each into a fresh
# directory, the page cache settled first as resolve_bench.sh does; the
# median of each is reported, and R/A.
#
# Usage: bench/python_resolve_bench.sh [--build-dir DIR] [--rounds N] [--only weights|files]
#   --build-dir DIR  build directory holding python/tfhub (default: build)
#   --rounds N       rounds per archive (default 3)
#   --only NAME      one archive only
# Environment: BENCH_DIR (default /tmp/tfhub-bench) as for resolve_bench.sh (the
# archives are generated there by it, or reused); PYTHON (default /usr/bin/python3);
# DROP_CACHES=0 skips dropping the clean page cache before each run (root only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/nginx-lib.sh
source "$ROOT/scripts/nginx-lib.sh"

BUILD_DIR=build
ROUNDS=3
ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="${2:?--build-dir needs a value}"; shift ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift ;;
    --only) ONLY="${2:?--only needs a value}"; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "python_resolve_bench: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "python_resolve_bench: --rounds must be a positive integer" >&2; exit 2; }
case "$ONLY" in
  "") ARCHIVES=(weights files) ;;
  weights|files) ARCHIVES=("$ONLY") ;;
  *) echo "python_resolve_bench: --only must be 'weights' or 'files'" >&2; exit 2 ;;
esac
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
PYTHON="${PYTHON:-/usr/bin/python3}"
TFHUB_BIN="$BUILD_DIR/bin/tfhub"
if [[ ! -d "$BUILD_DIR/python/tfhub" || ! -x "$TFHUB_BIN" ]]; then
  echo "python_resolve_bench: $BUILD_DIR/python/tfhub not found; build it first: scripts/build.sh" >&2
  exit 1
fi
export PYTHONPATH="$BUILD_DIR/python${PYTHONPATH:+:$PYTHONPATH}"

# The archives: generated (or reused) by resolve_bench.sh.
only_args=()
[[ -n "$ONLY" ]] && only_args=(--only "$ONLY")
"$ROOT/bench/resolve_bench.sh" --build-dir "$BUILD_DIR" --generate-only "${only_args[@]}"
BENCH_DIR="$(cd "${BENCH_DIR:-/tmp/tfhub-bench}" && pwd)"

RUN="$(mktemp -d "$BENCH_DIR/pyrun-XXXXXX")"
cleanup() { local rc=$?; nginx_stop; rm -rf "$RUN"; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
nginx_start "$BENCH_DIR/www" "$RUN/nginx"
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
log "nginx serving $BENCH_DIR/www at $NGINX_URL"

CAN_DROP=0
if [[ "${DROP_CACHES:-1}" != 0 && -w /proc/sys/vm/drop_caches ]]; then CAN_DROP=1; fi
settle() {
  sync
  if [[ $CAN_DROP == 1 ]]; then echo 1 >/proc/sys/vm/drop_caches; cat "$1" >/dev/null; fi
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
  END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A T
for a in "${ARCHIVES[@]}"; do
  url="$NGINX_URL/$a.tar.gz"
  for r in $(seq 1 "$ROUNDS"); do
    for c in A C R; do
      settle "$BENCH_DIR/data/$a.tar.gz"
      case "$c" in A) mode=tfhub ;; C) mode=cli ;; R) mode=reference ;; esac
      out="$("$PYTHON" "$ROOT/bench/python_resolve_bench.py" "$mode" "$url" "$RUN/out-$a-$c-$r" "$TFHUB_BIN")"
      secs="${out#seconds=}"; secs="${secs%% *}"
      T[$a,$c]="${T[$a,$c]:-} $secs"
      log "$a round $r $c ($mode): $out"
      rm -rf "$RUN/out-$a-$c-$r"
    done
  done
done

echo
printf '%-8s %14s %14s %14s %8s %8s\n' archive "A tfhub (s)" "C CLI (s)" "R python (s)" "R/A" "A/C"
for a in "${ARCHIVES[@]}"; do
  ma="$(median <<<"${T[$a,A]}")"; mc="$(median <<<"${T[$a,C]}")"; mr="$(median <<<"${T[$a,R]}")"
  printf '%-8s %14s %14s %14s %8s %8s\n' "$a" "$ma" "$mc" "$mr" \
    "$(awk -v a="$ma" -v r="$mr" 'BEGIN { printf "%.2f", r / a }')" \
    "$(awk -v a="$ma" -v c="$mc" 'BEGIN { printf "%.2f", a / c }')"
done
echo "(medians of $ROUNDS rounds; A = tfhub.resolve() in $PYTHON, C = $TFHUB_BIN resolve," \
  "R = urllib -> tarfile 'r|*' as tensorflow_hub)"
