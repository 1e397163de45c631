#!/usr/bin/env bash
# SavedModel reading benchmark (issue 5): open a ~1 GiB SavedModel and read
# all its variables, against reading its files raw with `cat > /dev/null`, in
# the same run; and the bytes read from storage when only one small tensor
# (global_step, 8 bytes) is read. See bench/README.md.
#
# Usage: bench/savedmodel_bench.sh [--build-dir DIR] [--rounds N] [--mib N] [--shards N]
#   --build-dir DIR  build directory (default: build); configured as Release if new
#   --rounds N       rounds of A A2 B1 B2 C, alternated (default: $ROUNDS or 3)
#   --mib N          bundle size to generate (default 1024)
#   --shards N       data shards to generate (default 1)
# Environment: BENCH_DIR (default /tmp/tfhub-bench/savedmodel) keeps the
# generated model (reused while --mib/--shards and the generator are unchanged)
# and the results.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="build"
ROUNDS="${ROUNDS:-3}"
MIB=1024
SHARDS=1
BENCH_DIR="${BENCH_DIR:-/tmp/tfhub-bench/savedmodel}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="${2:?--build-dir needs a value}"; shift ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift ;;
    --mib) MIB="${2:?--mib needs a value}"; shift ;;
    --shards) SHARDS="${2:?--shards needs a value}"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "savedmodel_bench: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
for v in ROUNDS MIB SHARDS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "savedmodel_bench: ${v,,} must be a positive integer" >&2; exit 2; }
done
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
BIN="$BUILD_DIR/bin/tfhub_savedmodel_bench"

# ---- build (incremental; configures a Release build dir if there is none)
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  echo "==> configure $BUILD_DIR (Release)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
echo "==> build tfhub_savedmodel_bench in $BUILD_DIR"
cmake --build "$BUILD_DIR" --target tfhub_savedmodel_bench -j"${JOBS:-2}" >/dev/null

# ---- generate once
MODEL="$BENCH_DIR/model"
stamp="mib=$MIB shards=$SHARDS gen=$(sha1sum "$ROOT/bench/savedmodel_bench.cc" | cut -c1-12)"
if [[ ! -f "$MODEL/.stamp" || "$(cat "$MODEL/.stamp")" != "$stamp" ]]; then
  mkdir -p "$BENCH_DIR"
  need_kib=$(( MIB * 1024 + 65536 ))
  avail_kib=$(df -Pk "$BENCH_DIR" | awk 'NR==2 {print $4}')
  if (( avail_kib < need_kib )); then
    echo "savedmodel_bench: $BENCH_DIR has $((avail_kib / 1024)) MiB free, needs $((need_kib / 1024))" >&2
    exit 1
  fi
  rm -rf "$MODEL" "$MODEL.tmp"
  echo "==> generate $MODEL ($stamp)"
  t0=$(date +%s.%N)
  "$BIN" generate "$MODEL.tmp" --mib "$MIB" --shards "$SHARDS"
  echo "$stamp" > "$MODEL.tmp/.stamp"
  mv "$MODEL.tmp" "$MODEL"
  sync
  printf '    took %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
else
  echo "==> reuse $MODEL ($stamp)"
fi
cd "$MODEL"
FILES=(variables/* saved_model.pb)
BUNDLE_BYTES=$(cat "${FILES[@]}" | wc -c)
shopt -s nullglob
data_files=(variables/variables.data-*)
NUM_SHARDS=${#data_files[@]}

# ---- warm the page cache (untimed): all commands below read from memory
echo "==> warm page cache: one untimed cat of all files ($BUNDLE_BYTES bytes)"
cat "${FILES[@]}" > /dev/null

now() { date +%s.%N; }
RESULTS="$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
CSV="$RESULTS/runs.csv"
echo "round,cmd,wall_s,program_s,tensor_bytes,storage_bytes,read_calls,maxrss_kib" > "$CSV"

# run ROUND NAME CMD...: times CMD (wall, process included); for the program,
# also records the figures it prints.
run() {
  local round="$1" name="$2"; shift 2
  local t0 t1 out
  t0=$(now)
  out=$("$@")
  t1=$(now)
  local wall prog="" tb="" sb="" rc="" rss=""
  wall=$(echo "$t1 - $t0" | bc)
  if [[ "$out" == seconds=* ]]; then
    prog=$(sed -E 's/.*seconds=([^ ]+).*/\1/' <<<"$out")
    tb=$(sed -E 's/.*tensor_bytes=([^ ]+).*/\1/' <<<"$out")
    sb=$(sed -E 's/.* storage_bytes=([^ ]+).*/\1/' <<<"$out")
    rc=$(sed -E 's/.*read_calls=([^ ]+).*/\1/' <<<"$out")
    rss=$(sed -E 's/.*maxrss_kib=([^ ]+).*/\1/' <<<"$out")
  fi
  echo "$round,$name,$wall,$prog,$tb,$sb,$rc,$rss" >> "$CSV"
  printf '  round %d  %-3s %8.3f s  %s\n' "$round" "$name" "$wall" "$out"
}

echo "==> $ROUNDS rounds, alternated: A A2 B1 B2 C"
echo "    A  = cat variables/* saved_model.pb > /dev/null"
echo "    A2 = dd if=FILE of=/dev/null bs=1G, per file (raw read into one fresh buffer per file)"
echo "    B1 = $BIN read . --threads 1     (Open + read all variables, CRC32C checked)"
echo "    B2 = $BIN read . --threads 2"
echo "    C  = $BIN read . --one global_step"
for ((r = 1; r <= ROUNDS; r++)); do
  run "$r" A  sh -c 'cat "$@" > /dev/null' cat "${FILES[@]}"
  # shellcheck disable=SC2016  # the inner sh expands $f
  run "$r" A2 sh -c 'for f; do dd if="$f" of=/dev/null bs=1G status=none; done' dd "${FILES[@]}"
  run "$r" B1 "$BIN" read . --threads 1
  run "$r" B2 "$BIN" read . --threads 2
  run "$r" C  "$BIN" read . --one global_step
done

# col CMD FIELD -> "median (min-max)" of that column over the rounds
stat() {
  awk -F, -v c="$1" -v f="$2" 'NR > 1 && $2 == c {print $f}' "$CSV" | sort -g |
    awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                         printf "%.3f (%.3f-%.3f)", m, v[1], v[NR]}'
}
median() { stat "$1" "$2" | cut -d' ' -f1; }
field() { awk -F, -v c="$1" -v f="$2" 'NR > 1 && $2 == c {print $f; exit}' "$CSV"; }
ratio() { echo "scale=2; $1 / $2" | bc; }

A=$(median A 3); A2=$(median A2 3); B1=$(median B1 3); B2=$(median B2 3)
C_BYTES=$(field C 6); C_CALLS=$(field C 7)
{
  echo
  echo "tfhub SavedModel read benchmark  ($(date '+%Y-%m-%d %H:%M:%S'))"
  echo "machine: $(nproc) CPU(s), $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB RAM, $(uname -r)"
  echo "model: $MODEL — $NUM_SHARDS shard(s), $(field B1 5) tensor bytes, $BUNDLE_BYTES bytes in all files"
  echo "page cache: warm (every file read once, untimed, before the rounds; nothing is dropped)"
  echo "rounds: $ROUNDS (alternated A A2 B1 B2 C); wall seconds per process: median (min-max)"
  echo
  printf '%-44s | %-22s | %-9s | %s\n' "command" "wall s" "vs A" "vs A2"
  printf '%-44s-+-%-22s-+-%-9s-+-%s\n' "--------------------------------------------" "----------------------" "---------" "------"
  printf '%-44s | %-22s | %-9s | %s\n' "A  cat all files > /dev/null" "$(stat A 3)" "1.00x" "-"
  printf '%-44s | %-22s | %-9s | %s\n' "A2 dd bs=1G per file > /dev/null" "$(stat A2 3)" "$(ratio "$A2" "$A")x" "1.00x"
  printf '%-44s | %-22s | %-9s | %s\n' "B1 read all variables, 1 thread" "$(stat B1 3)" "$(ratio "$B1" "$A")x" "$(ratio "$B1" "$A2")x"
  printf '%-44s | %-22s | %-9s | %s\n' "B2 read all variables, 2 threads" "$(stat B2 3)" "$(ratio "$B2" "$A")x" "$(ratio "$B2" "$A2")x"
  printf '%-44s | %-22s | %s\n' "C  read global_step only" "$(stat C 3)" "-"
  echo
  echo "inside the program (Open + reads, no process start): B1 $(stat B1 4) s, B2 $(stat B2 4) s"
  echo "B1 read from storage: $(field B1 6) bytes in $(field B1 7) read calls (all files: $BUNDLE_BYTES); peak RSS $(( $(field B1 8) / 1024 )) MiB"
  echo "B2 read from storage: $(field B2 6) bytes in $(field B2 7) read calls; peak RSS $(( $(field B2 8) / 1024 )) MiB"
  echo "C  read from storage: $C_BYTES bytes in $C_CALLS read calls for an 8-byte tensor," \
       "of $BUNDLE_BYTES bytes in the model ($(echo "scale=6; 100 * $C_BYTES / $BUNDLE_BYTES" | bc | sed 's/^\./0./')%)"
  echo "B/A = ratio of medians (B1/A $(ratio "$B1" "$A")x, B2/A $(ratio "$B2" "$A")x); runs in $CSV"
  echo "A reads through one reused 128 KiB buffer; A2 and B put the bytes in fresh memory, so they"
  echo "also pay the kernel's first-touch page faults (one per 4 KiB without huge pages)."
} | tee "$RESULTS/summary.txt"
