#!/usr/bin/env bash
# Install the Debian packages needed to build, test and benchmark tfhub.
#
# Idempotent: if every package is already installed, apt is not touched at all
# (no `apt-get update`), so re-runs take well under a second.
#
# Usage: scripts/install-deps.sh [--bench]
#   --bench   also install optional benchmark tools (hyperfine, aria2)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libisal-dev isal
  libarchive-dev
  libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libcli11-dev
  libprotobuf-dev protobuf-compiler libleveldb-dev libsnappy-dev
  libgtest-dev libgmock-dev googletest
  nginx-light
  curl ca-certificates tar gzip time
  pigz  # the parallel gzip decoder is tested on the streams of gzip, igzip, pigz and Python
  passwd  # useradd/groupadd: scripts/test.sh makes the shared-machine tests' second user
  clang-14 libclang-rt-14-dev zlib1g-dev  # fuzz/ (libFuzzer; zlib is gzip_fuzzer's reference)
  python3-dev python3-pybind11 pybind11-dev python3-pytest python3-numpy  # python/ (the tfhub package, its tests)
)
# Node.js and npm run the gs:// tests' Cloud Storage emulator (scripts/gcs-emulator.sh).
# Debian's only when there is no node at all: a newer one installed otherwise
# (firebase-tools asks for >= 20, Debian 12 has 18) is kept, and its bundled
# npm conflicts with Debian's npm package.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

for arg in "$@"; do
  case "$arg" in
    --bench) PACKAGES+=(hyperfine aria2) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-deps: not root and sudo is not available; missing: ${missing[*]}" >&2
    exit 1
  fi
fi

# Was a system nginx already running before we (possibly) install it?  The
# nginx package's postinst starts one on port 80; nothing here needs it, so we
# stop it again if (and only if) the install started it.
nginx_was_running=0
if pgrep -x nginx >/dev/null 2>&1; then nginx_was_running=1; fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
apt() { # retries: mirrors on shared CI machines fail transiently now and then
  local attempt
  for attempt in 1 2 3; do
    if "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" </dev/null; then return 0; fi
    echo "install-deps: apt-get $1 failed (attempt $attempt/3)" >&2
    sleep $((attempt * 5))
  done
  return 1
}
apt update -q
apt install -y -q --no-install-recommends "${missing[@]}"

if [[ $nginx_was_running -eq 0 ]] && pgrep -x nginx >/dev/null 2>&1; then
  echo "install-deps: stopping the system nginx that the package install started"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    "${SUDO[@]}" systemctl stop nginx || true
  elif command -v service >/dev/null 2>&1; then
    "${SUDO[@]}" service nginx stop >/dev/null 2>&1 || true
  fi
  # Fallback: the daemon writes its pid to /run/nginx.pid.
  if [[ -r /run/nginx.pid ]] && pgrep -x nginx >/dev/null 2>&1; then
    "${SUDO[@]}" kill "$(cat /run/nginx.pid)" 2>/dev/null || true
  fi
fi

# Verify.
still_missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || still_missing+=("$pkg")
done
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "install-deps: still not installed: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: done"
