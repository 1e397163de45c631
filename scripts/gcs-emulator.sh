#!/usr/bin/env bash
# Start or stop the Cloud Storage JSON API emulator the gs:// tests use
# (the shared launcher in ../shared/tools/gcs-emulator: firebase-tools' storage
# emulator on Node.js, installed from the npm registry with `npm ci`).
#
# Usage: scripts/gcs-emulator.sh start [PORT]   prints "PID http://127.0.0.1:PORT"
#        scripts/gcs-emulator.sh stop PID
# PORT defaults to a free ephemeral port. The npm packages are installed once
# into $TFHUB_GCS_EMULATOR_CACHE (default /tmp/tfhub-gcs-emulator-npm, under
# a lock, so concurrent starts share one install); each emulator gets its own
# scratch dir for its data. Environment: TFHUB_SHARED_DIR (default: ../shared
# next to the repository, else /work/shared).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd=${1:-}
case "$cmd" in
  stop)
    pid=${2:?usage: gcs-emulator.sh stop PID}
    kill "$pid" 2>/dev/null || true
    exit 0 ;;
  start) ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac

shared=${TFHUB_SHARED_DIR:-}
if [[ -z "$shared" ]]; then
  for d in "$ROOT/../shared" /work/shared; do
    if [[ -x "$d/tools/gcs-emulator/start.sh" ]]; then shared=$d; break; fi
  done
fi
launcher="$shared/tools/gcs-emulator"
if [[ ! -x "$launcher/start.sh" ]]; then
  echo "gcs-emulator.sh: the emulator launcher is missing (looked for tools/gcs-emulator/start.sh in ${shared:-../shared and /work/shared}); set TFHUB_SHARED_DIR" >&2
  exit 1
fi
for tool in node npm curl flock; do
  command -v "$tool" >/dev/null || { echo "gcs-emulator.sh: '$tool' is not installed" >&2; exit 1; }
done

port=${2:-}
if [[ -z "$port" ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
         echo $(( 20000 + RANDOM % 20000 )))
fi

npm_dir=${TFHUB_GCS_EMULATOR_CACHE:-/tmp/tfhub-gcs-emulator-npm}
mkdir -p "$npm_dir"
(
  flock 9
  if ! cmp -s "$launcher/package-lock.json" "$npm_dir/package-lock.json" || [[ ! -d "$npm_dir/node_modules/firebase-tools" ]]; then
    cp "$launcher/package.json" "$launcher/package-lock.json" "$npm_dir/"
    chmod u+w "$npm_dir"/package*.json
    (cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  fi
) 9>"$npm_dir/.lock"

work=$(mktemp -d "${TMPDIR:-/tmp}/tfhub-gcs-emulator.XXXXXX")
ln -s "$npm_dir/node_modules" "$work/node_modules"
pid=$("$launcher/start.sh" "$work" "$port")
echo "$pid http://127.0.0.1:$port"
