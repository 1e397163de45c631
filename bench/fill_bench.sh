#!/usr/bin/env bash
# Fill benchmark (issue 16): how long the holder takes to fill a gs:// cache
# dir with one module — download from a local nginx (no rate limit), extract,
# upload every file into the bucket (the Cloud Storage emulator, behind
# bench/gcs_counting_proxy.js, which counts requests by kind), move it into
# place, write the descriptor — and what a later hit costs. Each binary
# given resolves the same archive into its own fresh cache prefix, one after
# the other, in the same run.
#
# Usage: bench/fill_bench.sh [--tfhub BIN]... [--files N] [--big MIB] [--shard MIB] [--latency MS] [--runs R]
#   --tfhub BIN   a tfhub binary; repeat to compare (default build/bin/tfhub)
#   --files N     small files (default 200, 2-60 KiB each, incompressible)
#   --big MIB     one large file of that size (default 100; the emulator takes
#                 at most ~130 MB in one request)
#   --shard MIB   split the large file into shards of at most MIB instead
#   --latency MS  each request waits MS ms in the proxy first (default 0): a
#                 real service's round trip, which the emulator on loopback
#                 lacks (it also serves one request at a time, so without it
#                 parallel uploads gain little)
#   --runs R      fills per binary (default 1)
# Needs node, nginx (scripts/install-deps.sh) and the emulator's npm packages.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/nginx-lib.sh
source "$ROOT/scripts/nginx-lib.sh"
# shellcheck source=bench/gcs-proxy-lib.sh
source "$ROOT/bench/gcs-proxy-lib.sh"

BINS=()
FILES=200
BIG_MIB=100
SHARD_MIB=0
RUNS=1
LATENCY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tfhub) BINS+=("$2"); shift 2 ;;
    --files) FILES="$2"; shift 2 ;;
    --big) BIG_MIB="$2"; shift 2 ;;
    --shard) SHARD_MIB="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --latency) LATENCY="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
(( ${#BINS[@]} > 0 )) || BINS=("$ROOT/build/bin/tfhub")
for b in "${BINS[@]}"; do [[ -x "$b" ]] || { echo "no $b: build first (scripts/build.sh)" >&2; exit 2; }; done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/tfhub-fill-bench.XXXXXX")
cleanup() {
  nginx_stop
  counting_proxy_stop
  rm -rf "$RUN"
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }

mkdir -p "$RUN/model/variables" "$RUN/model/assets" "$RUN/www"
head -c 4096 /dev/urandom > "$RUN/model/saved_model.pb"
for i in $(seq 1 "$FILES"); do
  head -c $(( 2048 + (i * 7919) % 59392 )) /dev/urandom > "$RUN/model/assets/file$i.bin"
done
if (( BIG_MIB > 0 )); then
  if (( SHARD_MIB > 0 )); then
    shards=$(( (BIG_MIB + SHARD_MIB - 1) / SHARD_MIB ))
    for s in $(seq 0 $(( shards - 1 ))); do
      head -c $(( BIG_MIB * 1048576 / shards )) /dev/urandom \
        > "$RUN/model/variables/variables.data-$(printf %05d "$s")-of-$(printf %05d "$shards")"
    done
  else
    head -c $(( BIG_MIB * 1048576 )) /dev/urandom > "$RUN/model/variables/variables.data-00000-of-00001"
  fi
fi
tar -C "$RUN/model" -czf "$RUN/www/model.tar.gz" .
bytes=$(stat -c %s "$RUN/www/model.tar.gz")
nfiles=$(find "$RUN/model" -type f | wc -l)
NGINX_ACCESS_LOG=1 nginx_start "$RUN/www" "$RUN/nginx"
URL="$NGINX_URL/model.tar.gz"

counting_proxy_start "$RUN" "$LATENCY"
SHA1=$(printf '%s' "$URL" | sha1sum | cut -d' ' -f1)
log "archive $bytes bytes, $nfiles files (largest $( (( SHARD_MIB > 0 )) && echo "${SHARD_MIB} MiB shards of ${BIG_MIB} MiB" || echo "${BIG_MIB} MiB")); proxy $PROXY, ${LATENCY} ms a request"

resolve() {  # $1 = binary, $2 = cache dir, $3 = output prefix
  env TFHUB_CACHE_DIR="$2" STORAGE_EMULATOR_HOST="$PROXY" GOOGLE_APPLICATION_CREDENTIALS= GOOGLE_OAUTH_ACCESS_TOKEN= \
    "$1" resolve "$URL" > "$3.out" 2> "$3.err"
}
summary() {  # $1 = first proxy log line, $2 = last
  sed -n "$1,$2p" "$RUN/proxy.log" | awk '{n[$2]++; t++} END {printf "%d requests:", t; for (k in n) printf " %s %d", k, n[k]; print ""}'
}

status=0
n=0
printf '%-40s %-8s %s\n' "binary" "fill (s)" "requests of the fill / a later hit" 
for b in "${BINS[@]}"; do
  for r in $(seq 1 "$RUNS"); do
    cache="gs://fill-bench/c$(( ++n ))"
    before=$(( $(wc -l < "$RUN/proxy.log") + 1 ))
    t0=$(now_ms)
    rc=0; resolve "$b" "$cache" "$RUN/fill" || rc=$?
    t1=$(now_ms)
    sleep 0.2
    after=$(wc -l < "$RUN/proxy.log")
    if (( rc != 0 )); then
      printf '%-40s %-8s %s\n' "$b" "FAILED" "$(tail -c 300 "$RUN/fill.err" | tr '\n' ' ')"
      status=1
      continue
    fi
    # Byte-exact: every file of the module, read back through the proxy.
    bad=0
    while IFS= read -r f; do
      rel=${f#"$RUN/model/"}
      obj=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "${cache#gs://fill-bench/}/$SHA1/$rel")
      curl -sf "$EMU_URL/storage/v1/b/fill-bench/o/$obj?alt=media" | cmp -s - "$f" || { bad=1; echo "differs: $rel" >&2; }
    done < <(find "$RUN/model" -type f)
    (( bad == 0 )) || status=1
    hit_from=$(( $(wc -l < "$RUN/proxy.log") + 1 ))
    resolve "$b" "$cache" "$RUN/hit"
    sleep 0.2
    printf '%-40s %-8s %s / hit %s\n' "$b" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1000}')" \
      "$(summary "$before" "$after")" "$(summary "$hit_from" "$(wc -l < "$RUN/proxy.log")")"
  done
done
exit $status
