#!/usr/bin/env bash
# Cloud Storage read benchmark: read a 100 MB object from the Cloud Storage
# emulator through tfhub's gs:// backend, against `curl` of the same object,
# alternated in the same run; ratios of the medians. See bench/README.md.
#
# Usage: bench/gcs_read_bench.sh [--build-dir DIR] [--rounds N] [--mb N] [--port P] [--no-extra]
#   --build-dir DIR  build directory (default: build); configured as Release if new
#   --rounds N       rounds of A B C D E, alternated (default: $ROUNDS or 5)
#   --mb N           object size in 10^6 bytes (default 100; the emulator takes <= ~130)
#   --port P         emulator port (default: $GCS_BENCH_PORT or 9299)
#   --no-extra       run only A, B and C (skip D and E)
# Environment: BENCH_DIR (default /tmp/tfhub-bench/gcs) keeps results/<time>/;
# the object and the emulator's data live in a per-run dir that is deleted at
# the end. The emulator is scripts/gcs-emulator.sh's (its npm install is shared
# with the tests: TFHUB_GCS_EMULATOR_CACHE).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="build"
ROUNDS="${ROUNDS:-5}"
MB=100
PORT="${GCS_BENCH_PORT:-9299}"
EXTRA=1
BENCH_DIR="${BENCH_DIR:-/tmp/tfhub-bench/gcs}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="${2:?--build-dir needs a value}"; shift ;;
    --build-dir=*) BUILD_DIR="${1#*=}" ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift ;;
    --rounds=*) ROUNDS="${1#*=}" ;;
    --mb) MB="${2:?--mb needs a value}"; shift ;;
    --mb=*) MB="${1#*=}" ;;
    --port) PORT="${2:?--port needs a value}"; shift ;;
    --port=*) PORT="${1#*=}" ;;
    --no-extra) EXTRA=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "gcs_read_bench: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
for v in ROUNDS MB PORT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "gcs_read_bench: ${v,,} must be a positive integer" >&2; exit 2; }
done
(( MB <= 130 )) || { echo "gcs_read_bench: the emulator accepts bodies up to ~130 MB (--mb $MB)" >&2; exit 2; }
for tool in curl node npm bc base64 od; do
  command -v "$tool" >/dev/null 2>&1 || { echo "gcs_read_bench: missing tool: $tool" >&2; exit 1; }
done
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
BIN="$BUILD_DIR/bin/tfhub_gcs_read_bench"

# ---- build (incremental; configures a Release build dir if there is none)
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  echo "==> configure $BUILD_DIR (Release)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTFHUB_BUILD_TESTS=OFF >/dev/null
fi
echo "==> build tfhub_gcs_read_bench in $BUILD_DIR"
cmake --build "$BUILD_DIR" --target tfhub_gcs_read_bench -j"${JOBS:-2}" >/dev/null

now() { date +%s.%N; }
mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
RUN="$(mktemp -d "$BENCH_DIR/run.XXXXXX")"
RESULTS="$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
EMU_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$EMU_PID" ]]; then
    kill "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$RUN"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- emulator: its scratch dir (log, the object's copy) in the run dir
if curl -fs -o /dev/null "http://127.0.0.1:$PORT/b" 2>/dev/null; then
  echo "gcs_read_bench: something already answers on port $PORT; pick another with --port" >&2
  exit 1
fi
echo "==> start the emulator on 127.0.0.1:$PORT (first time: npm ci, ~20-70 s)"
EMU_OUT=$(TMPDIR="$RUN" "$ROOT/scripts/gcs-emulator.sh" start "$PORT")
read -r EMU_PID ENDPOINT <<<"$EMU_OUT"
[[ "$EMU_PID" =~ ^[0-9]+$ && -n "$ENDPOINT" ]] || { echo "gcs_read_bench: emulator did not start: $EMU_OUT" >&2; exit 1; }
BUCKET=tfhub-bench
NAME=object-${MB}MB.bin
URL="$ENDPOINT/storage/v1/b/$BUCKET/o/$NAME?alt=media"
URI="gs://$BUCKET/$NAME"
export STORAGE_EMULATOR_HOST="127.0.0.1:$PORT"

# ---- object: MB * 10^6 random bytes, uploaded in one request
OBJ="$RUN/$NAME"
BYTES=$((MB * 1000000))
echo "==> generate $BYTES random bytes and upload them as $URI"
head -c "$BYTES" /dev/urandom > "$OBJ"
curl -fsS -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$OBJ" \
  "$ENDPOINT/upload/storage/v1/b/$BUCKET/o?uploadType=media&name=$NAME" > "$RUN/upload.json"
META=$(curl -fsS "$ENDPOINT/storage/v1/b/$BUCKET/o/$NAME")
meta_size=$(sed -E 's/.*"size":"([0-9]+)".*/\1/' <<<"$META")
meta_crc=$(sed -E 's/.*"crc32c":"([^"]+)".*/\1/' <<<"$META")
[[ "$meta_size" == "$BYTES" ]] || { echo "gcs_read_bench: emulator says size $meta_size, uploaded $BYTES" >&2; exit 1; }
meta_crc_hex="0x$(base64 -d <<<"$meta_crc" | od -An -tx1 | tr -d ' \n')"

# ---- verification (untimed): tfhub's bytes against the local file and the emulator's CRC32C
field() { sed -E "s/(^|.* )$1=([^ ]+).*/\2/" <<<"$2"; }
local_out=$("$BIN" "$OBJ")
gs_out=$("$BIN" "$URI")
gs4_out=$("$BIN" "$URI" --block 4MiB)
crc_local=$(field crc32c "$local_out"); crc_gs=$(field crc32c "$gs_out"); crc_gs4=$(field crc32c "$gs4_out")
echo "    CRC32C: local file read by tfhub $crc_local; gs:// 16 MiB blocks $crc_gs; gs:// 4 MiB blocks $crc_gs4;" \
     "emulator metadata $meta_crc_hex ($meta_crc)"
if [[ "$crc_gs" != "$crc_local" || "$crc_gs4" != "$crc_local" || "$crc_local" != "$meta_crc_hex" ||
      "$(field bytes "$gs_out")" != "$BYTES" ]]; then
  echo "gcs_read_bench: MISMATCH: tfhub read different bytes than were uploaded" >&2
  exit 1
fi
echo "    verified: tfhub read the $BYTES uploaded bytes exactly"
curl -fsS -o /dev/null "$URL"   # warm: the object file into the page cache, node's JIT

# ---- measurement
CSV="$RESULTS/runs.csv"
echo "round,cmd,wall_s,program_s,open_s,read_s,maxrss_kib" > "$CSV"
HAVE_TIME=0; [[ -x /usr/bin/time ]] && HAVE_TIME=1
# The ranges tfhub asks for with --block 4MiB, as one curl process (one connection).
RANGES="$RUN/ranges.curl"
: > "$RANGES"
PART=$((4 << 20))
for ((off = 0; off < BYTES; off += PART)); do
  end=$((off + PART - 1)); (( end < BYTES )) || end=$((BYTES - 1))
  (( off == 0 )) || echo next >> "$RANGES"
  printf 'url = "%s"\nrange = "%d-%d"\noutput = "/dev/null"\n' "$URL" "$off" "$end" >> "$RANGES"
done
NRANGES=$(( (BYTES + PART - 1) / PART ))

# run ROUND NAME CMD...: wall time of the process; for tfhub also its own figures
run() {
  local round="$1" name="$2"; shift 2
  local t0 t1 out="" wall prog="" open="" rd="" rss=""
  if [[ "$1" == "$BIN" && $HAVE_TIME -eq 1 ]]; then
    t0=$(now); out=$(/usr/bin/time -f '%M' -o "$RUN/rss" "$@"); t1=$(now)
    rss=$(tail -n 1 "$RUN/rss")
  else
    t0=$(now); out=$("$@"); t1=$(now)
  fi
  wall=$(echo "$t1 - $t0" | bc)
  if [[ "$out" == bytes=* ]]; then
    [[ "$(field bytes "$out")" == "$BYTES" ]] || { echo "gcs_read_bench: $name read $(field bytes "$out") bytes" >&2; exit 1; }
    prog=$(field seconds "$out"); open=$(field open_seconds "$out"); rd=$(field read_seconds "$out")
    [[ -n "$rss" ]] || rss=$(field maxrss_kib "$out")
  fi
  echo "$round,$name,$wall,$prog,$open,$rd,$rss" >> "$CSV"
  printf '  round %d  %-2s %7.3f s  %s\n' "$round" "$name" "$wall" "${out:+${out%% crc32c=*}${rss:+ peak_rss_kib=$rss}}"
}

CMDS=(A B C)
[[ $EXTRA -eq 1 ]] && CMDS+=(D E)
echo "==> $ROUNDS rounds, alternated: ${CMDS[*]}"
echo "    A = $BIN $URI                  (16 MiB ReadAt: 4 ranged GETs of 4 MiB in parallel)"
echo "    B = curl -s -o /dev/null $URL   (one GET)"
echo "    C = $BIN $URI --block 4MiB     (4 MiB ReadAt: one ranged GET each, sequential)"
if [[ $EXTRA -eq 1 ]]; then
  echo "    D = $BIN $URI --block ${MB}MB --no-split   (one ranged GET of the whole object, like B)"
  echo "    E = curl -K ranges: the $NRANGES ranged GETs of C, sequential, one process and connection"
fi
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${CMDS[@]}"; do
    case "$c" in
      A) run "$r" A "$BIN" "$URI" ;;
      B) run "$r" B curl -fsS -o /dev/null "$URL" ;;
      C) run "$r" C "$BIN" "$URI" --block 4MiB ;;
      D) run "$r" D "$BIN" "$URI" --block "${MB}MB" --no-split ;;
      E) run "$r" E curl -fsS -K "$RANGES" ;;
    esac
  done
done
# per-request cost of the emulator, for the note (3 untimed-before probes, median)
probe() { curl -fsS -o /dev/null -w '%{time_total}\n' "$@"; }
meta_s=$( { for _ in 1 2 3; do probe "$ENDPOINT/storage/v1/b/$BUCKET/o/$NAME"; done; } | sort -g | sed -n 2p)
byte_s=$( { for _ in 1 2 3; do probe -r 0-0 "$URL"; done; } | sort -g | sed -n 2p)
printf x | curl -fsS -o /dev/null -X POST -H 'Content-Type: application/octet-stream' --data-binary @- \
  "$ENDPOINT/upload/storage/v1/b/$BUCKET/o?uploadType=media&name=tiny"
tiny_s=$( { for _ in 1 2 3; do probe "$ENDPOINT/storage/v1/b/$BUCKET/o/tiny"; done; } | sort -g | sed -n 2p)

# ---- summary
# stat CMD FIELD -> "median (min-max)" of that column over the rounds
stat() {
  awk -F, -v c="$1" -v f="$2" 'NR > 1 && $2 == c && $f != "" {print $f}' "$CSV" | sort -g |
    awk '{v[NR] = $1} END {if (NR == 0) {print "-"; exit}
                         m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                         printf "%.3f (%.3f-%.3f)", m, v[1], v[NR]}'
}
median() { stat "$1" "$2" | cut -d' ' -f1; }
maxcol() { awk -F, -v c="$1" -v f="$2" 'NR > 1 && $2 == c && $f != "" {print $f}' "$CSV" | sort -g | tail -n 1; }
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }
mbps() { echo "scale=1; $BYTES / 1000000 / $1" | bc; }
A=$(median A 3); B=$(median B 3); C=$(median C 3)
{
  echo
  echo "tfhub Cloud Storage read benchmark  ($(date '+%Y-%m-%d %H:%M:%S'))"
  echo "machine: $(nproc) CPU(s), $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB RAM, $(uname -r)"
  echo "object: $URI, $BYTES random bytes, on the firebase-tools storage emulator at $ENDPOINT"
  echo "rounds: $ROUNDS (alternated ${CMDS[*]}); wall seconds per process: median (min-max)"
  echo
  printf '%-48s | %-22s | %-8s | %-8s | %s\n' "command" "wall s" "MB/s" "vs A" "peak RSS"
  printf '%-48s-+-%-22s-+-%-8s-+-%-8s-+-%s\n' "------------------------------------------------" \
    "----------------------" "--------" "--------" "---------"
  row() { # CMD LABEL
    local m rss; m=$(median "$1" 3); rss=$(maxcol "$1" 7)
    if [[ -n "$rss" ]]; then rss="$((rss / 1024)) MiB"; else rss="-"; fi
    printf '%-48s | %-22s | %-8s | %-8s | %s\n' "$2" "$(stat "$1" 3)" "$(mbps "$m")" "$(ratio "$m" "$A")x" "$rss"
  }
  row A "A tfhub, 16 MiB blocks (4 x 4 MiB parallel)"
  row B "B curl, one GET"
  row C "C tfhub, 4 MiB blocks (sequential GETs)"
  if [[ $EXTRA -eq 1 ]]; then
    row D "D tfhub --no-split, one GET of the object"
    row E "E curl, C's $NRANGES ranges, sequential"
  fi
  echo
  echo "B/A = $(ratio "$B" "$A")x   (curl time / tfhub time: > 1 means tfhub is faster)"
  echo "C/A = $(ratio "$C" "$A")x   (sequential 4 MiB GETs / parallel parts)"
  if [[ $EXTRA -eq 1 ]]; then
    D=$(median D 3); E=$(median E 3)
    echo "B/D = $(ratio "$B" "$D")x   (curl / tfhub, both ONE GET of the object; D also pays open's metadata GET)"
    echo "      D's ranged GET alone (read_seconds inside the program): $(stat D 6) s, vs B's whole process $(stat B 3) s"
    echo "E/C = $(ratio "$E" "$C")x   (curl / tfhub, both the same $NRANGES sequential ranged GETs)"
  fi
  echo "inside the tfhub program: A $(stat A 4) s, of which open (metadata GET) $(stat A 5) s;" \
       "C $(stat C 4) s"
  echo "tfhub peak RSS (max over rounds): A $(( $(maxcol A 7) / 1024 )) MiB, C $(( $(maxcol C 7) / 1024 )) MiB" \
       "($([[ $HAVE_TIME -eq 1 ]] && echo '/usr/bin/time %M' || echo 'getrusage ru_maxrss'))"
  echo "emulator per-request cost (median of 3): metadata GET $meta_s s, 1-byte ranged GET $byte_s s (of the $MB MB" \
       "object); metadata GET of a 1-byte object $tiny_s s"
  echo "note: this emulator (firebase-tools storage, files.js getBytes) reads the WHOLE object into a new buffer for"
  echo "      every request, metadata and ranged GETs alike, serially on its one Node.js thread: time ~ requests x the"
  echo "      cost above, and parallel parts cannot overlap. Against it, A/C measure request count, not tfhub."
  echo "verified: CRC32C $crc_local of the bytes tfhub read = local file = emulator metadata ($meta_crc)"
  echo "runs: $CSV"
} | tee "$RESULTS/summary.txt"
