#!/usr/bin/env bash
# Install dependencies, build and run all tests (unit + integration) with ctest.
# This is what CI runs (via .ci/run -> scripts/test.sh --all).
#
# Usage: scripts/test.sh [--asan | --all] [-- EXTRA_CTEST_ARGS...]
#   (default)  Release build in build/, run its tests
#   --asan     ASan+UBSan build in build-asan/, run its tests
#   --all      both, normal first, then ASan+UBSan, then a short run of every
#              libFuzzer target (scripts/fuzz.sh, FUZZ_SECONDS per target)
# Environment: SKIP_DEPS=1 skips scripts/install-deps.sh; CTEST_TIMEOUT (default 300 s per test);
#   FUZZ_SECONDS (default 15); FUZZ_TARGETS (subset of fuzz targets, see scripts/fuzz.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

mode=normal
ctest_extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --asan) mode=asan ;;
    --all) mode=all ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ "${SKIP_DEPS:-0}" != 1 ]]; then
  scripts/install-deps.sh
fi

# The second, unprivileged user of the shared-machine tests
# (tests/integration/shared_machine_test.cc): tfhub-other, without home or
# login shell, a member of the group tfhub-team. Made once, only as root (as
# CI runs); elsewhere those tests are skipped (and fail when CI is set).
ensure_test_users() {
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "==> not root: the shared-machine tests will be skipped (no second user)"
    return 0
  fi
  getent group tfhub-team >/dev/null || groupadd --system tfhub-team
  getent passwd tfhub-other >/dev/null ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin tfhub-other
  id -nG tfhub-other | tr ' ' '\n' | grep -qx tfhub-team || usermod --append --groups tfhub-team tfhub-other
  echo "==> test user: $(id tfhub-other)"
}
ensure_test_users

# One Cloud Storage emulator for every gs:// test (tests/integration/gcs_emulator.h
# starts its own when TFHUB_TEST_GCS_EMULATOR is not set).
if [[ -z "${TFHUB_TEST_GCS_EMULATOR:-}" ]]; then
  read -r emulator_pid emulator_url < <(scripts/gcs-emulator.sh start) || true
  if [[ -z "${emulator_url:-}" ]]; then echo "test.sh: the Cloud Storage emulator did not start" >&2; exit 1; fi
  trap 'scripts/gcs-emulator.sh stop "$emulator_pid"' EXIT
  export TFHUB_TEST_GCS_EMULATOR="$emulator_url"
  echo "==> Cloud Storage emulator at $emulator_url (pid $emulator_pid)"
fi

run_suite() { # $1 = normal|asan
  local kind="$1" dir start rc
  start=$(date +%s)
  if [[ "$kind" == asan ]]; then
    dir=build-asan
    scripts/build.sh --asan "$dir"
    # LeakSanitizer is on (detect_leaks=1); it works here as root.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  else
    dir=build
    scripts/build.sh "$dir"
  fi
  echo "==> ctest ($kind): $dir"
  rc=0
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout "${CTEST_TIMEOUT:-300}" \
    --no-tests=error "${ctest_extra[@]}" || rc=$?
  echo "==> ctest ($kind) finished with exit code $rc after $(( $(date +%s) - start )) s"
  return "$rc"
}

case "$mode" in
  normal) run_suite normal ;;
  asan) run_suite asan ;;
  all)
    run_suite normal
    scripts/check_install.sh build  # cmake --install + examples/consumer built against it
    # Sub-shell so the sanitizer environment does not leak back.
    ( run_suite asan )
    # libFuzzer targets (clang build in build-fuzz/), each on a scratch copy of its corpus.
    scripts/fuzz.sh "${FUZZ_SECONDS:-15}" build-fuzz
    ;;
esac
