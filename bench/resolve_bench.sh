#!/usr/bin/env bash
# tfhub resolve benchmark: cold `tfhub resolve URL` against `curl | tar xzf -`
# and `curl | igzip -dc | tar xf -` on two generated model archives served by a
# private nginx on 127.0.0.1; plus tfhub's peak RSS and warm-resolve latency.
# See bench/README.md.
#
# Usage: bench/resolve_bench.sh [--build-dir DIR] [--baseline DIR] [--rounds N]
#                               [--only weights|files] [--warm N] [--check] [--cap RATE]
#                               [--generate-only]
#   --build-dir DIR  build directory holding bin/tfhub (default: build)
#   --baseline DIR   another build of tfhub (e.g. of the commit before a change), run as
#                    command D alternated with the others: before/after in one run (D/A)
#   --rounds N       rounds of A B C per archive (default: $ROUNDS or 3)
#   --only NAME      run one archive only: weights (~1 GiB float32) or files (~20,000 files)
#   --warm N         warm resolves to time per archive (default: $WARM_N or 200)
#   --check          exit 3 if a target is missed
#   --cap RATE       the capped-server comparison instead (nginx limit_rate RATE, e.g. 48m, per
#                    connection, as real servers and CDNs shape): A tfhub (default connections),
#                    E tfhub with 1 connection, B curl | tar xzf, F aria2c -x16 -s16 then
#                    igzip -dc | tar xf, U tfhub against the same nginx uncapped
#   --generate-only  generate (or reuse) the archives in $BENCH_DIR/data and exit (nothing timed;
#                    bench/python_resolve_bench.sh uses it)
# Environment: BENCH_DIR (default /tmp/tfhub-bench) caches the generated archives
# and holds the run outputs (deleted at the end); SYNC=0 skips `sync` before each run;
# DROP_CACHES=0 skips dropping the clean page cache before each run (done as root only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/nginx-lib.sh
source "$ROOT/scripts/nginx-lib.sh"

BUILD_DIR="build"
BASELINE_DIR=""
CAP=""
ROUNDS="${ROUNDS:-3}"
WARM_N="${WARM_N:-200}"
ONLY=""
CHECK=0
GENERATE_ONLY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="${2:?--build-dir needs a value}"; shift ;;
    --build-dir=*) BUILD_DIR="${1#*=}" ;;
    --baseline) BASELINE_DIR="${2:?--baseline needs a value}"; shift ;;
    --baseline=*) BASELINE_DIR="${1#*=}" ;;
    --rounds) ROUNDS="${2:?--rounds needs a value}"; shift ;;
    --rounds=*) ROUNDS="${1#*=}" ;;
    --only) ONLY="${2:?--only needs a value}"; shift ;;
    --only=*) ONLY="${1#*=}" ;;
    --warm) WARM_N="${2:?--warm needs a value}"; shift ;;
    --warm=*) WARM_N="${1#*=}" ;;
    --check) CHECK=1 ;;
    --generate-only) GENERATE_ONLY=1 ;;
    --cap) CAP="${2:?--cap needs a value}"; shift ;;
    --cap=*) CAP="${1#*=}" ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "resolve_bench: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "resolve_bench: --rounds must be a positive integer" >&2; exit 2; }
[[ "$WARM_N" =~ ^[1-9][0-9]*$ ]] || { echo "resolve_bench: --warm must be a positive integer" >&2; exit 2; }
case "$ONLY" in
  "") ARCHIVES=(weights files) ;;
  weights|files) ARCHIVES=("$ONLY") ;;
  *) echo "resolve_bench: --only must be 'weights' or 'files'" >&2; exit 2 ;;
esac

# ------------------------------------------------------------------ setup --
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
TFHUB="$BUILD_DIR/bin/tfhub"
if [[ ! -x "$TFHUB" ]]; then
  echo "resolve_bench: $TFHUB not found; build it first: scripts/build.sh" >&2
  exit 1
fi
CMDS=(A B C)
BASELINE=""
if [[ -n "$BASELINE_DIR" ]]; then
  [[ "$BASELINE_DIR" = /* ]] || BASELINE_DIR="$ROOT/$BASELINE_DIR"
  BASELINE="$BASELINE_DIR/bin/tfhub"
  [[ -x "$BASELINE" ]] || { echo "resolve_bench: $BASELINE not found" >&2; exit 1; }
  CMDS=(A D B C)
fi
if [[ -n "$CAP" ]]; then
  [[ "$CAP" =~ ^[0-9]+[km]?$ ]] || { echo "resolve_bench: --cap takes an nginx rate: 48m, 500k" >&2; exit 2; }
  command -v aria2c >/dev/null 2>&1 || { echo "resolve_bench: --cap needs aria2c (scripts/install-deps.sh --bench)" >&2; exit 1; }
  CMDS=(A E B F U)
fi
missing=()
for tool in curl tar gzip igzip gcc sha1sum /usr/bin/time "$NGINX_BIN"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -ne 0 ]]; then
  echo "resolve_bench: missing tools: ${missing[*]} (run scripts/install-deps.sh)" >&2
  exit 1
fi

BENCH_DIR="${BENCH_DIR:-/tmp/tfhub-bench}"
mkdir -p "$BENCH_DIR/data" "$BENCH_DIR/www" "$BENCH_DIR/results"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
DATA="$BENCH_DIR/data"
STAMP_ID="$(date +%Y%m%d-%H%M%S)-$$"
RUN="$BENCH_DIR/run-$STAMP_ID"      # all outputs of this run; deleted at the end
TRASH="$RUN/trash"                   # outputs are moved here after each timed run
RESULTS="$BENCH_DIR/results/$STAMP_ID"
mkdir -p "$RUN" "$TRASH" "$RESULTS"

# Archive parameters (bump GEN_VERSION to force regeneration).
GEN_VERSION=1
WEIGHTS_BYTES=$((1024 * 1024 * 1024))  # float32 data in 6 shards, plus small .pb/.index
WEIGHTS_SHARDS=6
FILES_COUNT=20000
FILES_MAX_KIB=50
raw_kib() { # expected extracted size of an archive, KiB (with block slack)
  case "$1" in
    weights) echo $((WEIGHTS_BYTES / 1024 + 1024)) ;;
    files) echo $((FILES_COUNT * (FILES_MAX_KIB + 1) / 2 + FILES_COUNT * 4)) ;;
  esac
}

now() { date +%s.%N; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

cleanup() {
  local rc=$?
  nginx_stop
  if [[ -d "$RUN" ]]; then
    log "deleting run outputs ($RUN)"
    rm -rf "$RUN"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- disk check --
avail_kib=$(df -Pk "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
need_kib=$((1024 * 1024))  # 1 GiB margin
for a in "${ARCHIVES[@]}"; do
  raw=$(raw_kib "$a")
  # (commands x ROUNDS outputs) + warm cache, all kept until the end
  need_kib=$((need_kib + raw * (${#CMDS[@]} * ROUNDS + 1)))
  # generation: source tree + archive
  [[ -s "$DATA/$a.tar.gz" ]] || need_kib=$((need_kib + 2 * raw))
done
log "disk: $((avail_kib / 1024)) MiB available in $BENCH_DIR, ~$((need_kib / 1024)) MiB needed"
if (( avail_kib < need_kib )); then
  echo "resolve_bench: not enough disk space in $BENCH_DIR: need ~$((need_kib / 1024)) MiB," \
       "have $((avail_kib / 1024)) MiB. Free space, set BENCH_DIR, or use fewer --rounds." >&2
  exit 1
fi

# ------------------------------------------------------------- generation --
GEN="$DATA/gen_data"
gen_hash="$(sha1sum "$ROOT/bench/gen_data.c" | cut -c1-12)"
stamp_for() { # archive name -> parameters that define its content
  case "$1" in
    weights) echo "v$GEN_VERSION gen=$gen_hash weights $WEIGHTS_BYTES $WEIGHTS_SHARDS seed=1 gzip-6" ;;
    files) echo "v$GEN_VERSION gen=$gen_hash files $FILES_COUNT ${FILES_MAX_KIB}KiB seed=2 gzip-6" ;;
  esac
}

to_generate=()
for a in "${ARCHIVES[@]}"; do
  if [[ -s "$DATA/$a.tar.gz" && "$(cat "$DATA/$a.stamp" 2>/dev/null)" == "$(stamp_for "$a")" ]]; then
    log "using cached $DATA/$a.tar.gz"
  else
    to_generate+=("$a")
  fi
done

if [[ ${#to_generate[@]} -ne 0 ]]; then
  gen_start=$(now)
  gcc -O2 -o "$GEN" "$ROOT/bench/gen_data.c" -lm
  gen_one() { # runs in a subshell; one per archive, in parallel (gzip -6 is the bottleneck)
    local a="$1" tree="$DATA/$1.tree"
    rm -rf "$tree" "$DATA/$a.tar.gz.tmp" "$DATA/$a.stamp"
    case "$a" in
      weights) "$GEN" weights "$tree" "$WEIGHTS_BYTES" "$WEIGHTS_SHARDS" 1 ;;
      files) "$GEN" files "$tree" "$FILES_COUNT" "$FILES_MAX_KIB" 2 ;;
    esac
    tar -c -C "$tree" . | gzip -6 >"$DATA/$a.tar.gz.tmp"
    du -sk "$tree" | cut -f1 >"$DATA/$a.rawkib"
    find "$tree" -type f | wc -l >"$DATA/$a.nfiles"
    # Deleting 20,000 files right before the timed runs would slow them down
    # (recently freed inodes are not reused); delete the tree at the end instead.
    mv "$tree" "$TRASH/$a.tree"
    mv "$DATA/$a.tar.gz.tmp" "$DATA/$a.tar.gz"
    stamp_for "$a" >"$DATA/$a.stamp"
  }
  pids=()
  for a in "${to_generate[@]}"; do
    log "generating $a archive (background)..."
    gen_one "$a" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  log "generated ${to_generate[*]} in $(sub "$gen_start" "$(now)") s"
fi
for a in "${ARCHIVES[@]}"; do
  ln -sf "$DATA/$a.tar.gz" "$BENCH_DIR/www/$a.tar.gz"
done
if [[ $GENERATE_ONLY -eq 1 ]]; then
  log "archives ready in $BENCH_DIR/www: ${ARCHIVES[*]}"
  exit 0
fi

# ------------------------------------------------------------------ nginx --
if [[ -n "$CAP" ]]; then  # /capped/X is X at RATE per connection
  NGINX_SERVER_EXTRA="location /capped/ { alias $BENCH_DIR/www/; limit_rate $CAP; }"
fi
nginx_start "$BENCH_DIR/www" "$RUN/nginx"
log "nginx serving $BENCH_DIR/www at $NGINX_URL (pid $NGINX_PID)"

# ------------------------------------------------------------ measurement --
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
  END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
# "N_FILES BYTES" of the regular files under a dir
tree_sig() { find "$1" -type f -printf '%s\n' | awk '{ n++; s += $1 } END { printf "%d files, %d bytes", n, s }'; }
maybe_sync() { if [[ "${SYNC:-1}" != 0 ]]; then sync; fi; }
# Every timed command starts from the same memory state: the clean page cache
# that earlier outputs left (they are moved aside, never deleted mid-run) is
# dropped, so the next command writes into just-freed memory instead of
# memory the host may have reclaimed (writes there are ~10x slower, and
# write-heavy commands suffer most); then the archive is read back so nginx
# serves it from the page cache. Untimed; root only.
CAN_DROP=0
if [[ "${DROP_CACHES:-1}" != 0 && -w /proc/sys/vm/drop_caches ]]; then CAN_DROP=1; fi
settle() { # $1 = archive file nginx serves
  maybe_sync
  if [[ $CAN_DROP == 1 ]]; then
    echo 1 >/proc/sys/vm/drop_caches
    cat "$1" >/dev/null
  fi
}

declare -A T      # T[archive,cmd] = "t1 t2 ..."  wall seconds
declare -A RSS    # RSS[archive] = max KiB
declare -A WARM   # WARM[archive] = ms per call (loop)
declare -A WARMHF # WARMHF[archive] = median ms (hyperfine)
declare -A SIG    # SIG[archive] = tree signature
declare -A RATIO_B
CSV="$RESULTS/runs.csv"
echo "archive,round,command,wall_s,peak_rss_kib" >"$CSV"

run_cmd() { # archive cmd round url -> appends to T / CSV; leaves output in $OUT
  local a="$1" c="$2" r="$3" url="$4" t0 t1 wall rss="" path
  OUT="$RUN/$a-$c-r$r"
  mkdir -p "$OUT"
  settle "$DATA/$a.tar.gz"
  case "$c" in
    A|D|E|U)
      local bin="$TFHUB" u="$url" conns="${TFHUB_DOWNLOAD_CONNECTIONS:-}"
      [[ $c == D ]] && bin="$BASELINE"
      [[ $c == E ]] && conns=1
      [[ $c == U ]] && u="${url/\/capped\//\/}"
      t0=$(now)
      TFHUB_DOWNLOAD_CONNECTIONS="$conns" TFHUB_CACHE_DIR="$OUT" /usr/bin/time -f '%M' -o "$OUT.rss" \
        "$bin" resolve "$u" >"$OUT.path"
      t1=$(now)
      rss=$(tail -n 1 "$OUT.rss")
      path=$(cat "$OUT.path")
      [[ -d "$path" && "$path" == "$OUT"/* ]] \
        || { echo "resolve_bench: tfhub printed '$path', expected a dir under $OUT" >&2; exit 1; }
      OUT_TREE="$path"
      if [[ $c == A ]] && (( rss > ${RSS[$a]:-0} )); then RSS[$a]=$rss; fi
      ;;
    B)
      t0=$(now)
      curl -fsS "$url" | tar xzf - -C "$OUT"
      t1=$(now)
      OUT_TREE="$OUT"
      ;;
    C)
      t0=$(now)
      curl -fsS "$url" | igzip -dc | tar xf - -C "$OUT"
      t1=$(now)
      OUT_TREE="$OUT"
      ;;
    F)
      t0=$(now)
      aria2c -q -x16 -s16 -k1M --file-allocation=none -d "$OUT" -o archive.tar.gz "$url"
      igzip -dc "$OUT/archive.tar.gz" | tar xf - -C "$OUT"
      t1=$(now)
      rm -f "$OUT/archive.tar.gz"
      OUT_TREE="$OUT"
      ;;
  esac
  wall=$(sub "$t0" "$t1")
  T[$a,$c]="${T[$a,$c]:-} $wall"
  echo "$a,$r,$c,$wall,$rss" >>"$CSV"
  printf '    round %d  %-22s %8.3f s%s\n' "$r" "$(cmd_name "$c")" "$wall" "${rss:+   (peak RSS $((rss / 1024)) MiB)}"
}
cmd_name() {
  case "$1" in
    A) echo "tfhub resolve" ;;
    D) echo "tfhub (baseline)" ;;
    E) echo "tfhub, 1 connection" ;;
    F) echo "aria2c -x16, igzip|tar" ;;
    U) echo "tfhub, uncapped" ;;
    B) echo "curl | tar xzf" ;;
    C) echo "curl | igzip | tar xf" ;;
  esac
}

have_hyperfine=0
command -v hyperfine >/dev/null 2>&1 && have_hyperfine=1

for a in "${ARCHIVES[@]}"; do
  url="$NGINX_URL/$a.tar.gz"
  [[ -n "$CAP" ]] && url="$NGINX_URL/capped/$a.tar.gz"
  printf '\n'
  log "== $a: $url ($(( $(stat -L -c %s "$DATA/$a.tar.gz") / 1048576 )) MiB compressed," \
      "$(( $(cat "$DATA/$a.rawkib" 2>/dev/null || echo 0) / 1024 )) MiB," \
      "$(cat "$DATA/$a.nfiles" 2>/dev/null || echo '?') files), $ROUNDS rounds of ${CMDS[*]}"
  curl -fsS -o /dev/null "$url"  # warm the server's page cache
  for r in $(seq 1 "$ROUNDS"); do
    for c in "${CMDS[@]}"; do
      run_cmd "$a" "$c" "$r" "$url"
      if [[ $r -eq 1 ]]; then  # check that every command extracted the same thing
        sig=$(tree_sig "$OUT_TREE")
        if [[ $c == A ]]; then SIG[$a]="$sig"
        elif [[ "$sig" != "${SIG[$a]}" ]]; then
          echo "resolve_bench: $(cmd_name "$c") extracted $sig, tfhub $(cmd_name A) ${SIG[$a]}" >&2
          exit 1
        fi
      fi
      # keep the last tfhub cache for the warm test; move everything else aside
      if [[ ! ( $c == A && $r -eq $ROUNDS ) ]]; then mv "$OUT" "$TRASH/"; fi
    done
  done
  log "outputs identical in size: ${SIG[$a]}"

  # Warm resolve: the handle is cached in the last round's tfhub cache.
  warm_cache="$RUN/$a-A-r$ROUNDS"
  expect=$(cat "$warm_cache.path")
  got=$(TFHUB_CACHE_DIR="$warm_cache" "$TFHUB" resolve "$url")
  [[ "$got" == "$expect" ]] || { echo "resolve_bench: warm resolve printed '$got', expected '$expect'" >&2; exit 1; }
  t0=$(now)
  for ((i = 0; i < WARM_N; i++)); do
    TFHUB_CACHE_DIR="$warm_cache" "$TFHUB" resolve "$url" >/dev/null
  done
  t1=$(now)
  WARM[$a]=$(awk -v a="$t0" -v b="$t1" -v n="$WARM_N" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')
  log "warm resolve (bash loop, $WARM_N calls): ${WARM[$a]} ms per call"
  if [[ $have_hyperfine -eq 1 ]]; then
    TFHUB_CACHE_DIR="$warm_cache" hyperfine -N --style none --warmup 10 --runs "$WARM_N" \
      --export-csv "$RESULTS/warm-$a.csv" "$TFHUB resolve $url" >"$RESULTS/warm-$a.txt" 2>&1 || true
    WARMHF[$a]=$(awk -F, 'NR == 2 { printf "%.2f", $4 * 1000 }' "$RESULTS/warm-$a.csv" 2>/dev/null || true)
    [[ -z "${WARMHF[$a]}" ]] || log "warm resolve (hyperfine -N, $WARM_N runs): median ${WARMHF[$a]} ms"
  fi
  mv "$warm_cache" "$warm_cache.path" "$warm_cache.rss" "$TRASH/" 2>/dev/null || true
done

# ---------------------------------------------------------------- summary --
pass() { if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { exit !(op == ">=" ? v >= t : v <= t) }'; then echo PASS; else echo MISS; fi; }
missed=0
{
  printf '\ntfhub resolve benchmark  (%s)\n' "$(date '+%F %T')"
  printf 'machine: %s CPU(s), %s MiB RAM, %s; tfhub: %s\n' "$(nproc)" \
    "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" "$(uname -r)" "$TFHUB"
  printf 'rounds: %s (commands alternated A B C), wall seconds: median (min-max); before each run: sync%s\n\n' "$ROUNDS" "$([[ $CAN_DROP == 1 ]] && echo ", clean page cache dropped, archive re-read")"
  # Peak RSS of tfhub (A: the default connections) over all cold runs.
  max_rss=0
  for a in "${ARCHIVES[@]}"; do
    if (( ${RSS[$a]:-0} > max_rss )); then max_rss=${RSS[$a]}; fi
  done
  rss_mib=$(awk -v k="$max_rss" 'BEGIN { printf "%.1f", k / 1024 }')
  if [[ -n "$CAP" ]]; then
    printf 'server: nginx limit_rate %s per connection (U: the same nginx, uncapped)\n\n' "$CAP"
    printf '%-8s' archive
    for c in "${CMDS[@]}"; do printf ' | %-24s' "$c: $(cmd_name "$c")"; done
    printf '\n'
    for a in "${ARCHIVES[@]}"; do
      printf '%-8s' "$a"
      for c in "${CMDS[@]}"; do printf ' | %-24s' "$(median <<<"${T[$a,$c]}") ($(minmax <<<"${T[$a,$c]}"))"; done
      printf '\n'
    done
    ratio() { awk -v x="$(median <<<"${T[$1,$2]}")" -v y="$(median <<<"${T[$1,$3]}")" 'BEGIN { printf "%.2f", x / y }'; }
    printf '\n%-58s | %-24s | %s\n' "target (capped server)" "measured" "result"
    printf -- '-----------------------------------------------------------+--------------------------+-------\n'
    for a in "${ARCHIVES[@]}"; do
      v=$(ratio "$a" B A); res=$(pass "$v" ">=" 6); [[ $res == PASS ]] || missed=1
      printf '%-58s | %-24s | %s\n' "tfhub >= 6x faster than curl | tar xzf ($a)" "${v}x" "$res"
      v=$(ratio "$a" F A); res=$(pass "$v" ">=" 2); [[ $res == PASS ]] || missed=1
      printf '%-58s | %-24s | %s\n' "tfhub >= 2x faster than aria2c -x16 + igzip ($a)" "${v}x" "$res"
      v=$(ratio "$a" A U); res=$(pass "$v" "<=" 1.25); [[ $res == PASS ]] || missed=1
      printf '%-58s | %-24s | %s\n' "tfhub capped within 1.25x of uncapped ($a)" "${v}x" "$res"
      printf '%-58s | %-24s | %s\n' "(tfhub 1 connection / default) ($a)" "$(ratio "$a" E A)x" "-"
    done
    res=$(pass "$rss_mib" "<=" 128); [[ $res == PASS ]] || missed=1
    printf '%-58s | %-24s | %s\n' "tfhub peak RSS <= 128 MiB (default connections)" "$rss_mib MiB" "$res"
  else
    printf '%-8s | %-22s | %-22s | %-22s | %-9s | %-9s\n' archive "A: tfhub resolve" "B: curl|tar xzf" \
      "C: curl|igzip|tar xf" "B/A" "C/A"
    printf -- '---------+------------------------+------------------------+------------------------+-----------+----------\n'
    for a in "${ARCHIVES[@]}"; do
      declare -A med=()
      for c in A B C; do med[$c]=$(median <<<"${T[$a,$c]}"); done
      printf '%-8s | %-22s | %-22s | %-22s | %-9s | %-9s\n' "$a" \
        "${med[A]} ($(minmax <<<"${T[$a,A]}"))" "${med[B]} ($(minmax <<<"${T[$a,B]}"))" \
        "${med[C]} ($(minmax <<<"${T[$a,C]}"))" \
        "$(awk -v b="${med[B]}" -v a="${med[A]}" 'BEGIN { printf "%.2fx", b / a }')" \
        "$(awk -v c="${med[C]}" -v a="${med[A]}" 'BEGIN { printf "%.2fx", c / a }')"
      RATIO_B["$a"]=$(awk -v b="${med[B]}" -v a="${med[A]}" 'BEGIN { printf "%.2f", b / a }')
    done
    if [[ -n "$BASELINE" ]]; then
      printf '\nbefore/after: D = %s\n' "$BASELINE"
      for a in "${ARCHIVES[@]}"; do
        dm=$(median <<<"${T[$a,D]}")
        am=$(median <<<"${T[$a,A]}")
        printf '%-8s | D: %s (%s) | A: %s | D/A %s\n' "$a" "$dm" "$(minmax <<<"${T[$a,D]}")" "$am" \
          "$(awk -v d="$dm" -v a="$am" 'BEGIN { printf "%.2fx", d / a }')"
      done
    fi

    printf '\n%-58s | %-24s | %s\n' "target" "measured" "result"
    printf -- '-----------------------------------------------------------+--------------------------+-------\n'
    for a in "${ARCHIVES[@]}"; do
      res=$(pass "${RATIO_B[$a]}" ">=" 2.5); [[ $res == PASS ]] || missed=1
      printf '%-58s | %-24s | %s\n' "cold resolve >= 2.5x faster than curl | tar xzf ($a)" "${RATIO_B[$a]}x" "$res"
    done
    # 16 connections keep up to 48 MiB of parts ahead of the decoder (one: about 30 MiB in all).
    res=$(pass "$rss_mib" "<=" 128); [[ $res == PASS ]] || missed=1
    printf '%-58s | %-24s | %s\n' "tfhub peak RSS <= 128 MiB (max over all cold runs)" "$rss_mib MiB ($max_rss KiB)" "$res"
    for a in "${ARCHIVES[@]}"; do
      w=${WARMHF[$a]:-${WARM[$a]}}
      res=$(pass "$w" "<=" 5); [[ $res == PASS ]] || missed=1
      detail="${WARM[$a]} ms loop"
      [[ -n "${WARMHF[$a]:-}" ]] && detail="${WARMHF[$a]} ms hf, ${WARM[$a]} loop"
      printf '%-58s | %-24s | %s\n' "warm resolve <= 5 ms per CLI process ($a)" "$detail" "$res"
    done
  fi
  printf '\nraw timings: %s\n' "$CSV"
} >"$RESULTS/summary.txt"
cat "$RESULTS/summary.txt"
if [[ $CHECK -eq 1 && $missed -ne 0 ]]; then
  echo "resolve_bench: at least one target missed" >&2
  exit 3
fi
