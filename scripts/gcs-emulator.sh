#!/usr/bin/env bash
# Start or stop the Cloud Storage JSON API emulator the gs:// tests use
# (testing/gcs-emulator: firebase-tools' storage emulator on Node.js, its npm
# packages installed from the lock file with `npm ci`).
#
# Usage: scripts/gcs-emulator.sh start [PORT]   prints "PID http://127.0.0.1:PORT"
#        scripts/gcs-emulator.sh stop PID
# PORT defaults to a free ephemeral port. The npm packages are installed once
# into $TFHUB_GCS_EMULATOR_CACHE (default /tmp/tfhub-gcs-emulator-npm, under
# a lock, so concurrent starts share one install; again when the lock file
# changes); each emulator gets its own scratch dir under $TMPDIR (default
# /tmp) for its log and data. Needs node (>= 20), npm, curl and flock.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EMULATOR="$ROOT/testing/gcs-emulator"
cmd=${1:-}
case "$cmd" in
  stop)
    pid=${2:?usage: gcs-emulator.sh stop PID}
    kill "$pid" 2>/dev/null || true
    exit 0 ;;
  start) ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac

for tool in node npm curl flock; do
  command -v "$tool" >/dev/null || { echo "gcs-emulator.sh: '$tool' is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
  echo "gcs-emulator.sh: warning: node $(node --version) is older than the 20 firebase-tools asks for" >&2
fi

port=${2:-}
if [[ -n "$port" && ! "$port" =~ ^[1-9][0-9]{0,4}$ ]]; then
  echo "gcs-emulator.sh: PORT must be a port number, not '$port'" >&2
  exit 2
fi
if [[ -z "$port" ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
         echo $(( 20000 + RANDOM % 20000 )))
fi
url="http://127.0.0.1:$port"
if curl -fs -o /dev/null "$url/b" 2>/dev/null; then
  echo "gcs-emulator.sh: something already answers on port $port" >&2
  exit 1
fi

npm_dir=${TFHUB_GCS_EMULATOR_CACHE:-/tmp/tfhub-gcs-emulator-npm}
mkdir -p "$npm_dir"
(
  flock 9
  if ! cmp -s "$EMULATOR/package-lock.json" "$npm_dir/package-lock.json" || [[ ! -d "$npm_dir/node_modules/firebase-tools" ]]; then
    cp "$EMULATOR/package.json" "$EMULATOR/package-lock.json" "$npm_dir/"
    chmod u+w "$npm_dir"/package*.json
    (cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  fi
) 9>"$npm_dir/.lock"

work=$(mktemp -d "${TMPDIR:-/tmp}/tfhub-gcs-emulator.XXXXXX")
mkdir "$work/tmp"
# In the background, detached from our stdout (callers read it to its end).
(
  cd "$work"
  export NODE_PATH="$npm_dir/node_modules" TMPDIR="$work/tmp" NO_UPDATE_NOTIFIER=1
  exec node "$EMULATOR/emulator.js" "$port" </dev/null >"$work/emulator.log" 2>&1
) &
pid=$!
for _ in $(seq 300); do   # ~0.5 s is usual; 30 s at most
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "gcs-emulator.sh: the emulator exited; its log ($work/emulator.log):" >&2
    cat "$work/emulator.log" >&2
    exit 1
  fi
  if curl -fs -o /dev/null "$url/b" 2>/dev/null; then
    echo "$pid $url"
    exit 0
  fi
  sleep 0.1
done
echo "gcs-emulator.sh: the emulator did not answer on port $port; its log ($work/emulator.log):" >&2
cat "$work/emulator.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
