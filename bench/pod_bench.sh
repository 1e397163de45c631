#!/usr/bin/env bash
# Pod benchmark (issue 16): N concurrent `tfhub resolve` processes — a TPU
# pod's workers, simulated on one machine — resolve the same handle into one
# gs:// cache dir at the same moment. The Cloud Storage emulator sits behind
# bench/gcs_counting_proxy.js, which counts every request by kind and
# enforces ifGenerationMatch=0 (the emulator ignores it); the model server is
# nginx with limit_rate, so that the one download takes about --seconds.
#
# Reports: downloads (must be 1), total requests (by kind), requests per
# waiter per second over the whole wait and in its steady part (from 3 s
# after the start until 2 s before the holder releases the lock), the time
# from the holder's release until the last waiter returns, and what a later
# hit costs.
#
# Usage: bench/pod_bench.sh [--tfhub BIN] [--procs N] [--seconds S] [--size MIB]
#   --tfhub BIN   the tfhub binary (default build/bin/tfhub)
#   --procs N     concurrent resolvers (default 12)
#   --seconds S   how long the download takes (default 15)
#   --size MIB    archive size (default 16; incompressible data)
# Needs node, nginx (scripts/install-deps.sh) and the emulator's npm packages
# (scripts/gcs-emulator.sh installs them on first use).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/nginx-lib.sh
source "$ROOT/scripts/nginx-lib.sh"
# shellcheck source=bench/gcs-proxy-lib.sh
source "$ROOT/bench/gcs-proxy-lib.sh"

TFHUB="$ROOT/build/bin/tfhub"
PROCS=12
SECONDS_WANTED=15
SIZE_MIB=16
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tfhub) TFHUB="$2"; shift 2 ;;
    --procs) PROCS="$2"; shift 2 ;;
    --seconds) SECONDS_WANTED="$2"; shift 2 ;;
    --size) SIZE_MIB="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -x "$TFHUB" ]] || { echo "no $TFHUB: build first (scripts/build.sh)" >&2; exit 2; }
(( PROCS >= 2 )) || { echo "--procs must be at least 2" >&2; exit 2; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/tfhub-pod-bench.XXXXXX")
cleanup() {
  nginx_stop
  counting_proxy_stop
  rm -rf "$RUN"
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }

# The model: a SavedModel-shaped archive of incompressible bytes.
mkdir -p "$RUN/model/variables" "$RUN/www"
head -c 4096 /dev/urandom > "$RUN/model/saved_model.pb"
# Shards of at most 4 MiB, as a SavedModel's variables often are (files over
# 8 MiB go up as composite uploads: bench/fill_bench.sh measures those).
shards=$(( (SIZE_MIB + 3) / 4 ))
for s in $(seq 0 $(( shards - 1 ))); do
  head -c $(( SIZE_MIB * 1048576 / shards )) /dev/urandom > "$RUN/model/variables/variables.data-$(printf %05d "$s")-of-$(printf %05d "$shards")"
done
head -c 1024 /dev/urandom > "$RUN/model/variables/variables.index"
tar -C "$RUN/model" -czf "$RUN/www/model.tar.gz" .
bytes=$(stat -c %s "$RUN/www/model.tar.gz")
rate=$(( bytes / SECONDS_WANTED ))

NGINX_ACCESS_LOG=1 NGINX_SERVER_EXTRA="location /slow/ { alias $RUN/www/; limit_rate $rate; }" \
  nginx_start "$RUN/www" "$RUN/nginx"
URL="$NGINX_URL/slow/model.tar.gz"

counting_proxy_start "$RUN"
CACHE="gs://pod-bench/cache"
SHA1=$(printf '%s' "$URL" | sha1sum | cut -d' ' -f1)

log "archive $bytes bytes at $rate B/s (~${SECONDS_WANTED} s); $PROCS resolvers; cache $CACHE via proxy $PROXY"
resolve() {  # $1 = index
  local rc=0
  env TFHUB_CACHE_DIR="$CACHE" STORAGE_EMULATOR_HOST="$PROXY" TFHUB_DOWNLOAD_CONNECTIONS=1 \
    GOOGLE_APPLICATION_CREDENTIALS= GOOGLE_OAUTH_ACCESS_TOKEN= \
    "$TFHUB" resolve "$URL" > "$RUN/out.$1" 2> "$RUN/err.$1" || rc=$?
  echo "$rc $(now_ms)" > "$RUN/end.$1"
}
t0=$(now_ms)
pids=()
for i in $(seq 1 "$PROCS"); do resolve "$i" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || true; done
t_end=$(now_ms)

# The hit, counted on its own.
lines_before=$(wc -l < "$RUN/proxy.log")
resolve hit
hit_requests=$(( $(wc -l < "$RUN/proxy.log") - lines_before ))

fail=0
for i in $(seq 1 "$PROCS") hit; do
  read -r rc _ < "$RUN/end.$i"
  if [[ "$rc" != 0 ]]; then echo "resolver $i failed ($rc):" >&2; cat "$RUN/err.$i" >&2; fail=1; fi
  if [[ "$(cat "$RUN/out.$i")" != "$CACHE/$SHA1" ]]; then echo "resolver $i printed $(cat "$RUN/out.$i")" >&2; fail=1; fi
done
downloads=$(grep -c "GET /slow/model.tar.gz" "$RUN/nginx/access.log" || true)
last_end=0
for i in $(seq 1 "$PROCS"); do read -r _ e < "$RUN/end.$i"; (( e > last_end )) && last_end=$e; done

# The holder's release: the deletion of the lock object.
release=$(awk -v lock="cache/$SHA1.lock" '$2 == "delete" && $4 == lock && $3 < 300 { print $1; exit }' "$RUN/proxy.log")
[[ -n "$release" ]] || { echo "no release of the lock in the proxy log" >&2; release=$t_end; fail=1; }
head -n "$lines_before" "$RUN/proxy.log" > "$RUN/run.log"

python3 - "$RUN/run.log" "$t0" "$release" "$last_end" "$PROCS" "$downloads" "$hit_requests" "$bytes" <<'PY'
import collections, sys
path, t0, release, last_end, procs, downloads, hit, size = sys.argv[1:]
t0, release, last_end, procs = int(t0), int(release), int(last_end), int(procs)
rows = [line.split(" ", 3) for line in open(path) if line.strip()]
reads = {"lock_read", "progress_read", "list", "meta_read", "media_read"}
kinds = collections.Counter(r[1] for r in rows)
waiters = procs - 1
wait_s = (release - t0) / 1000
lo, hi = t0 + 3000, release - 2000
steady = [r for r in rows if lo <= int(r[0]) < hi and r[1] in reads]
steady_s = max(0.001, (hi - lo) / 1000)
all_reads = [r for r in rows if int(r[0]) < release and r[1] in reads]
print(f"resolvers:                    {procs} (1 holder, {waiters} waiters), archive {int(size) / 1048576:.1f} MiB")
print(f"downloads:                    {downloads}")
print(f"total requests:               {len(rows)}  " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
print(f"holder released the lock at:  {wait_s:.2f} s")
print(f"reads/waiter/s (whole wait):  {len(all_reads) / waiters / wait_s:.3f}")
print(f"reads/waiter/s (steady part): {len(steady) / waiters / steady_s:.3f}  ({len(steady)} reads in {steady_s:.1f} s)")
print(f"last waiter returned:         {(last_end - release) / 1000:.2f} s after the release")
print(f"a later hit:                  {hit} requests")
PY
exit $fail
