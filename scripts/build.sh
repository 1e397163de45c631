#!/usr/bin/env bash
# Configure and build tfhub.
#
# Usage: scripts/build.sh [--asan] [BUILD_DIR]
#   (default)  Release build into build/            -> build/bin/tfhub
#   --asan     RelWithDebInfo + ASan/UBSan (-DTFHUB_SANITIZE=ON) into build-asan/
#   BUILD_DIR  build directory (relative to the repo root, or absolute)
# Environment: JOBS (default 2), CMAKE_ARGS (extra configure arguments, split on spaces).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

asan=0
build_dir=""
for arg in "$@"; do
  case "$arg" in
    --asan) asan=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "build.sh: unknown option: $arg" >&2; exit 2 ;;
    *)
      if [[ -n "$build_dir" ]]; then echo "build.sh: more than one BUILD_DIR given" >&2; exit 2; fi
      build_dir="$arg" ;;
  esac
done

if [[ $asan -eq 1 ]]; then
  : "${build_dir:=build-asan}"
  cfg=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFHUB_SANITIZE=ON)
else
  : "${build_dir:=build}"
  cfg=(-DCMAKE_BUILD_TYPE=Release -DTFHUB_SANITIZE=OFF)
fi

extra=()
if [[ -n "${CMAKE_ARGS:-}" ]]; then read -r -a extra <<<"$CMAKE_ARGS"; fi

echo "==> configure: $build_dir (${cfg[*]}${extra[*]:+ ${extra[*]}})"
cmake -S . -B "$build_dir" "${cfg[@]}" "${extra[@]}"
echo "==> build: $build_dir (-j${JOBS:-2})"
cmake --build "$build_dir" -j"${JOBS:-2}"
echo "==> built: $build_dir/bin/tfhub"
