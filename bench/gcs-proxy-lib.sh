# shellcheck shell=bash
# Helpers for the gs:// benchmarks (sourced by bench/pod_bench.sh and
# bench/fill_bench.sh; not meant to be executed): the Cloud Storage emulator
# (scripts/gcs-emulator.sh) behind bench/gcs_counting_proxy.js, which counts
# requests by kind and enforces ifGenerationMatch=0.
#
#   counting_proxy_start RUN_DIR [LATENCY_MS]
#       starts both; sets EMU_PID, EMU_URL, PROXY_PID and PROXY (host:port for
#       STORAGE_EMULATOR_HOST); the proxy logs to RUN_DIR/proxy.log and delays
#       every request by LATENCY_MS (default 0)
#   counting_proxy_stop     # idempotent; call it from an EXIT trap

EMU_PID="" PROXY_PID=""

counting_proxy_start() {
  local run="$1" latency="${2:-0}" root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  read -r EMU_PID EMU_URL < <("$root/scripts/gcs-emulator.sh" start)
  : > "$run/proxy.log"
  TFHUB_PROXY_LATENCY_MS=$latency node "$root/bench/gcs_counting_proxy.js" "$EMU_URL" "$run/proxy.log" \
    > "$run/proxy.port" 2> "$run/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 100); do [[ -s "$run/proxy.port" ]] && break; sleep 0.05; done
  PROXY="127.0.0.1:$(cat "$run/proxy.port")"
}

counting_proxy_stop() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  [[ -n "$PROXY_PID" ]] && kill "$PROXY_PID" 2>/dev/null || true
  [[ -n "$EMU_PID" ]] && "$root/scripts/gcs-emulator.sh" stop "$EMU_PID" || true
  PROXY_PID="" EMU_PID=""
}
