#!/usr/bin/env bash
# Check that `cmake --install` gives a package other projects can build on:
# installs into a temp prefix, checks the tree (every public header, compiled
# on its own; no source or build paths in the package files; bin/tfhub
# --version; the Python package, when the build has it, imports from the
# prefix and runs its CLI), builds examples/consumer against it with CMake
# (find_package(tfhub) + tfhub::tfhub) and with pkg-config (tfhub.pc), and
# runs both on bundled SavedModels (testdata/savedmodels/). Exits non-zero on
# any failure. scripts/test.sh --all runs it after the normal test suite.
#
# Usage: scripts/check_install.sh [BUILD_DIR]
#   BUILD_DIR  a configured build without sanitizers to install from (relative
#              to the repo root, or absolute); its targets tfhub and tfhub_cli
#              are brought up to date first. Default: build/ if it is such a
#              Release build (as scripts/build.sh makes it), else build-install/
#              (Release, tests off), configured here.
# Environment: JOBS (default 2); KEEP_INSTALL=1 keeps the temp dir (prefix,
#              consumer builds) and prints its path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

build_dir=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "check_install.sh: unknown option: $arg" >&2; exit 2 ;;
    *)
      if [[ -n "$build_dir" ]]; then echo "check_install.sh: more than one BUILD_DIR given" >&2; exit 2; fi
      build_dir="$arg" ;;
  esac
done

fail() { echo "check_install: FAILED: $*" >&2; exit 1; }
step() { echo "==> check_install: $*"; }
cache_value() { # BUILD_DIR VAR -> value from CMakeCache.txt, or ""
  sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null | head -n 1
}
is_on() { [[ "${1^^}" =~ ^(1|ON|YES|TRUE|Y)$ ]]; }

# ------------------------------------------------------------ build dir --
if [[ -z "$build_dir" ]]; then
  if [[ -f build/CMakeCache.txt && "$(cache_value build CMAKE_BUILD_TYPE)" == Release ]] \
      && ! is_on "$(cache_value build TFHUB_SANITIZE)" && ! is_on "$(cache_value build TFHUB_FUZZ)"; then
    build_dir=build
  else
    build_dir=build-install
    step "configure: $build_dir (Release, tests off)"
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTFHUB_SANITIZE=OFF -DTFHUB_FUZZ=OFF \
      -DTFHUB_BUILD_TESTS=OFF
  fi
fi
[[ -f "$build_dir/CMakeCache.txt" ]] || fail "$build_dir is not a configured build dir (run scripts/build.sh)"
if is_on "$(cache_value "$build_dir" TFHUB_SANITIZE)" || is_on "$(cache_value "$build_dir" TFHUB_FUZZ)"; then
  fail "$build_dir is a sanitizer/fuzz build; install from a normal one"
fi
BUILD="$(cd "$build_dir" && pwd)"
targets=(tfhub tfhub_cli)
has_python() { [[ -d "$1/python/CMakeFiles/_tfhub.dir" ]]; }  # configured with the Python package
if has_python "$build_dir"; then
  targets+=(_tfhub)
fi
step "build: $build_dir (targets ${targets[*]})"
cmake --build "$BUILD" -j"${JOBS:-2}" --target "${targets[@]}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfhub-check-install.XXXXXX")"
cleanup() {
  if [[ "${KEEP_INSTALL:-0}" == 1 ]]; then echo "check_install: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
PREFIX="$WORK/prefix"

# -------------------------------------------------------------- install --
step "cmake --install $build_dir --prefix $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX"

step "installed tree"
for h in include/tfhub/*.h; do
  [[ -f "$PREFIX/$h" ]] || fail "public header $h was not installed"
done
pc_file="$(find "$PREFIX" -name tfhub.pc -path '*/pkgconfig/*' | head -n 1)"
config_file="$(find "$PREFIX" -name tfhubConfig.cmake | head -n 1)"
[[ -n "$pc_file" ]] || fail "no pkgconfig/tfhub.pc under $PREFIX"
[[ -n "$config_file" ]] || fail "no tfhubConfig.cmake under $PREFIX"
[[ -n "$(find "$PREFIX" -name libtfhub.a)" ]] || fail "no libtfhub.a under $PREFIX"
# The package must not point back into the source or build tree.
if grep -rnF -e "$ROOT/" -e "$BUILD/" "$(dirname "$config_file")" "$pc_file"; then
  fail "installed package files refer to the source or build tree (above)"
fi
version="$(sed -n 's/^Version: *//p' "$pc_file")"
out="$("$PREFIX/bin/tfhub" --version)" || fail "$PREFIX/bin/tfhub --version exited with $?"
[[ "$out" == *"$version"* ]] || fail "bin/tfhub --version printed '$out', expected version $version"
echo "    bin/tfhub --version: $out"

# The Python package (TFHUB_PYTHON): installed into the prefix's site dir, it
# imports from there alone and reads a bundled SavedModel.
if has_python "$BUILD"; then
  py="$(cache_value "$BUILD" Python3_EXECUTABLE)"
  site="$(cache_value "$BUILD" TFHUB_PYTHON_INSTALL_DIR)"
  [[ "$site" = /* ]] || site="$PREFIX/$site"
  [[ -f "$site/tfhub/__init__.py" ]] || fail "the Python package was not installed into $site"
  pyout="$(cd "$WORK" && PYTHONPATH="$site" PYTHONNOUSERSITE=1 "$py" -c '
import sys, tfhub
assert tfhub.__file__.startswith(sys.argv[1]), tfhub.__file__
m = tfhub.load(sys.argv[2])
print(tfhub.__version__, float(m.variables["a/.ATTRIBUTES/VARIABLE_VALUE"]))
' "$site" "$ROOT/testdata/savedmodels/tf2_half_plus_two_cpu")" || fail "the installed Python package does not import from $site"
  [[ "$pyout" == "$version 0.5" ]] || fail "installed Python package: printed '$pyout', expected '$version 0.5'"
  out="$(cd "$WORK" && PYTHONPATH="$site" "$py" -m tfhub --version)" || fail "python3 -m tfhub --version failed"
  [[ "$out" == *"$version"* ]] || fail "python3 -m tfhub --version printed '$out'"
  echo "    Python package in $site: import tfhub, tfhub.load, python3 -m tfhub"
fi

# Each public header compiles on its own, warning-free, from the installed tree.
CXXFLAGS_STRICT=(-std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Werror)
n=0
for h in "$PREFIX"/include/tfhub/*.h; do
  n=$((n + 1))
  echo "#include \"tfhub/$(basename "$h")\"" |
    g++ "${CXXFLAGS_STRICT[@]}" -fsyntax-only -I"$PREFIX/include" -x c++ - ||
    fail "installed header tfhub/$(basename "$h") does not compile on its own"
done
echo "    $n public headers, each self-contained"

# ----------------------------------------------------- consumer programs --
step "examples/consumer with CMake: find_package(tfhub) from $PREFIX"
cmake -S examples/consumer -B "$WORK/consumer-cmake" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_CXX_FLAGS="${CXXFLAGS_STRICT[*]:1}"
found_dir="$(cache_value "$WORK/consumer-cmake" tfhub_DIR)"
[[ "$found_dir" == "$PREFIX"/* ]] || fail "find_package(tfhub) found $found_dir, not the package in $PREFIX"
cmake --build "$WORK/consumer-cmake" -j"${JOBS:-2}"

step "examples/consumer with pkg-config: $pc_file"
PKG_CONFIG_PATH="$(dirname "$pc_file")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
pc_flags="$(pkg-config --cflags --libs tfhub)" || fail "pkg-config --cflags --libs tfhub"
echo "    pkg-config --cflags --libs tfhub: $pc_flags"
# shellcheck disable=SC2086  # the flags are meant to be split
g++ "${CXXFLAGS_STRICT[@]}" -O2 examples/consumer/main.cc $pc_flags -o "$WORK/consumer-pkgconfig"

# run_consumer BINARY HANDLE EXIT_CODE EXPECTED_LINE...
run_consumer() {
  local bin="$1" handle="$2" want_rc="$3" rc=0 out line
  shift 3
  out="$(TFHUB_CACHE_DIR="$WORK/cache" "$bin" "$handle" 2>&1)" || rc=$?
  if [[ $rc -ne $want_rc ]]; then
    printf '%s\n' "$out" >&2
    fail "$(basename "$bin") $handle exited with $rc, expected $want_rc"
  fi
  for line in "$@"; do
    if ! grep -qxF -- "$line" <<<"$out"; then
      printf '%s\n' "$out" >&2
      fail "$(basename "$bin") $handle: no line '$line' in its output (above)"
    fi
  done
}
mkdir -p "$WORK/not_a_model"
models="$ROOT/testdata/savedmodels"
for bin in "$WORK/consumer-cmake/tfhub_consumer" "$WORK/consumer-pkgconfig"; do
  step "run $bin"
  run_consumer "$bin" "$models/tf2_half_plus_two_cpu" 0 "path: $models/tf2_half_plus_two_cpu" \
    "tags: serve" "signature: serving_default (1 inputs, 1 outputs)" \
    "variable: a/.ATTRIBUTES/VARIABLE_VALUE [] DT_FLOAT"
  run_consumer "$bin" "$models/hub_half_plus_two_v1" 0 "signature: default (1 inputs, 1 outputs)"
  run_consumer "$bin" "$models/tf1_half_plus_two_cpu" 0 "signature: classify_x_to_y (1 inputs, 1 outputs)"
  run_consumer "$bin" "$WORK/not_a_model" 0 "path: $WORK/not_a_model"
  run_consumer "$bin" "$WORK/missing" 1
  echo "    ok: 3 SavedModels, a plain directory, a missing path"
done

step "passed (installed from $build_dir)"
