#!/usr/bin/env bash
# tfhub quick start: install dependencies, build, and resolve the bundled
# example models (testdata/savedmodels/*) from a local web server.
#
# What it does:
#   1. scripts/install-deps.sh and scripts/build.sh (Release, build/)
#   2. packs every bundled SavedModel as NAME.tar.gz (GNU tar + gzip)
#   3. serves them with a private nginx on 127.0.0.1:<free port>
#   4. `tfhub resolve URL` twice with an empty cache (download, then cache hit),
#      shows the cached module and its descriptor, resolves more models, and
#      resolves a local directory
# Everything lives in a temp dir that is removed on exit.
#
# Usage: scripts/quickstart.sh [BUILD_DIR]      (default: build)
# Environment: SKIP_DEPS=1 skips the apt step; SKIP_BUILD=1 uses an existing build;
#              VERBOSE=1 shows the apt and compiler output.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/nginx-lib.sh
source "$ROOT/scripts/nginx-lib.sh"

BUILD_DIR="${1:-build}"
TFHUB="$BUILD_DIR/bin/tfhub"
MAIN_MODEL=tf2_half_plus_two_cpu
MORE_MODELS=(tf1_half_plus_two_cpu hub_half_plus_two_v1 tfjs_module_with_multiple_signatures)
LOCAL_MODEL=tf1_counter

if [[ -t 1 ]]; then B=$'\e[1m'; G=$'\e[32m'; R=$'\e[31m'; N=$'\e[0m'; else B=""; G=""; R=""; N=""; fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
ok() { printf '    %s✓%s %s\n' "$G" "$N" "$*"; }
fail() { printf '%sFAILED:%s %s\n' "$R" "$N" "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

WORK=""
cleanup() {
  local rc=$?
  nginx_stop
  if [[ -n "$WORK" && -d "$WORK" ]]; then rm -rf "$WORK"; fi
  if [[ $rc -ne 0 ]]; then printf '\n%squickstart failed (exit code %d)%s\n' "$R" "$rc" "$N" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfhub-quickstart.XXXXXX")"
mkdir -p "$WORK/www/models" "$WORK/nginx"

# ---------------------------------------------------------------- 1. build --
# The apt and compiler output goes to a log; it is shown only on failure.
quietly() { # LOG_NAME CMD... ; VERBOSE=1 shows the output live
  local log="$WORK/$1.log" t0 rc=0
  shift
  t0=$(now)
  if [[ "${VERBOSE:-0}" == 1 ]]; then "$@" || rc=$?; else "$@" >"$log" 2>&1 || rc=$?; fi
  if [[ $rc -ne 0 ]]; then
    [[ -f "$log" ]] && tail -n 60 "$log" >&2
    fail "$* (exit code $rc)"
  fi
  ok "done in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
}
if [[ "${SKIP_DEPS:-0}" != 1 ]]; then
  step "Installing dependencies (scripts/install-deps.sh)"
  quietly deps scripts/install-deps.sh
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  step "Building tfhub (scripts/build.sh $BUILD_DIR; takes a few minutes the first time)"
  quietly build scripts/build.sh "$BUILD_DIR"
fi
[[ -x "$TFHUB" ]] || fail "$TFHUB was not built"
ok "CLI: $TFHUB"

# ------------------------------------------------------- 2. model archives --
step "Packing the bundled example models into .tar.gz archives"
for dir in testdata/savedmodels/*/; do
  name="$(basename "$dir")"
  tar -czf "$WORK/www/models/$name.tar.gz" -C "$dir" .
  printf '    %-52s %6s bytes\n' "models/$name.tar.gz" "$(stat -c %s "$WORK/www/models/$name.tar.gz")"
done

# ---------------------------------------------------------------- 3. nginx --
step "Starting nginx on 127.0.0.1 (config in a temp dir)"
nginx_start "$WORK/www" "$WORK/nginx"
ok "serving $WORK/www at $NGINX_URL (pid $NGINX_PID)"

export TFHUB_CACHE_DIR="$WORK/cache"
mkdir -p "$TFHUB_CACHE_DIR"
ok "TFHUB_CACHE_DIR=$TFHUB_CACHE_DIR (empty)"

# resolve HANDLE -> sets RESOLVED and RESOLVE_MS
resolve() {
  local t0 t1 out
  t0=$(now)
  if ! out="$("$TFHUB" resolve "$1")"; then fail "tfhub resolve $1"; fi
  t1=$(now)
  RESOLVED="$out"
  RESOLVE_MS="$(elapsed_ms "$t0" "$t1")"
  [[ -n "$RESOLVED" && -d "$RESOLVED" ]] || fail "tfhub resolve $1 printed '$RESOLVED', not a directory"
}

# check_module HANDLE MODEL_NAME: cache layout + content identical to the source
check_module() {
  local handle="$1" name="$2" sha
  sha="$(printf '%s' "$handle" | sha1sum | cut -d' ' -f1)"
  [[ "$(cd "$RESOLVED" && pwd -P)" == "$(cd "$TFHUB_CACHE_DIR" && pwd -P)/$sha" ]] \
    || fail "expected $TFHUB_CACHE_DIR/$sha (sha1 of the handle), got $RESOLVED"
  [[ -f "$RESOLVED.descriptor.txt" ]] || fail "descriptor $RESOLVED.descriptor.txt missing"
  diff -r "testdata/savedmodels/$name" "$RESOLVED" >/dev/null \
    || fail "$RESOLVED differs from testdata/savedmodels/$name"
}

# -------------------------------------------------------------- 4. resolve --
URL="$NGINX_URL/models/$MAIN_MODEL.tar.gz"
step "tfhub resolve $URL   (1st: cold cache -> download + extract)"
resolve "$URL"
first_ms=$RESOLVE_MS
printf '    %s\n' "$RESOLVED"
ok "download + extract took $first_ms ms"
check_module "$URL" "$MAIN_MODEL"
first_path="$RESOLVED"

step "tfhub resolve $URL   (2nd: cache hit)"
resolve "$URL"
printf '    %s\n' "$RESOLVED"
[[ "$RESOLVED" == "$first_path" ]] || fail "cache hit returned a different path: $RESOLVED"
ok "cache hit took $RESOLVE_MS ms (same path)"

step "Files in the module directory (find $RESOLVED -type f)"
(cd "$RESOLVED" && find . -type f -printf '%10s  %P\n' | sort -k2)
ok "identical to testdata/savedmodels/$MAIN_MODEL (diff -r)"

step "Descriptor file ($RESOLVED.descriptor.txt)"
awk '{ print "    " $0 }' "$RESOLVED.descriptor.txt"

step "Resolving more models"
for name in "${MORE_MODELS[@]}"; do
  url="$NGINX_URL/models/$name.tar.gz"
  resolve "$url"
  check_module "$url" "$name"
  printf '    %-44s -> %s  (%s ms, %s files)\n' "$name.tar.gz" "$RESOLVED" "$RESOLVE_MS" \
    "$(find "$RESOLVED" -type f | wc -l)"
done

step "tfhub resolve on a local directory (returned as is, nothing is copied)"
resolve "$ROOT/testdata/savedmodels/$LOCAL_MODEL"
printf '    %s\n' "$RESOLVED"
[[ "$(cd "$RESOLVED" && pwd -P)" == "$(cd "testdata/savedmodels/$LOCAL_MODEL" && pwd -P)" ]] \
  || fail "local directory resolved to $RESOLVED"
ok "took $RESOLVE_MS ms"

step "Cache directory now holds"
find "$TFHUB_CACHE_DIR" -mindepth 1 -maxdepth 1 -printf '    %f\n' | sort

printf '\n%sQuick start finished successfully.%s\n' "$G" "$N"
printf 'Next: scripts/test.sh runs the test suite; bench/resolve_bench.sh runs the benchmark.\n'
