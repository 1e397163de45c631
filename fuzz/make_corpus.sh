#!/usr/bin/env bash
# Regenerates the committed seed corpora in fuzz/corpus/<target>/ from
# testdata/savedmodels/, fuzz/seeds/ and archives made here with GNU tar.
# Deterministic (fixed mtimes/owners, gzip -n). Files libFuzzer added to a
# corpus directory (named by their SHA-1) are left alone; seeds made here
# start with "seed-".
#
# Usage: fuzz/make_corpus.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
C="$ROOT/fuzz/corpus"
SM="$ROOT/testdata/savedmodels"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

GENERATED=(archive gzip parallel_gzip handle descriptor tensor_bundle saved_model)  # lock/: written by hand
for d in "${GENERATED[@]}"; do
  mkdir -p "$C/$d"
  rm -f "$C/$d"/seed-*
done

u32le() { # prints $1 as 4 little-endian bytes
  local n=$1
  printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $(((n >> 8) & 255)))\\x$(printf %02x $(((n >> 16) & 255)))\\x$(printf %02x $(((n >> 24) & 255)))"
}
section() { u32le "$(stat -c %s "$1")"; cat "$1"; }

# --- archive / gzip -----------------------------------------------------------
tree="$TMP/tree"
mkdir -p "$tree/variables" "$tree/assets" "$tree/empty"
printf 'hello\n' >"$tree/assets/foo.txt"
head -c 700 /dev/zero >"$tree/variables/variables.data-00000-of-00001"
printf 'x' >"$tree/saved_model.pb"
mkdir -p "$tree/$(printf 'd%.0s' {1..120})"
printf 'long\n' >"$tree/$(printf 'd%.0s' {1..120})/$(printf 'n%.0s' {1..40})"
tar_opts=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -b 1)
safe=(./saved_model.pb ./assets ./variables ./empty)
tar -c "${tar_opts[@]}" --format=ustar -f "$C/archive/seed-ustar.tar" -C "$tree" "${safe[@]}"
tar -c "${tar_opts[@]}" --format=gnu -f "$C/archive/seed-gnu-longname.tar" -C "$tree" .
tar -c "${tar_opts[@]}" --format=pax -f "$C/archive/seed-pax.tar" -C "$tree" .
tar -c "${tar_opts[@]}" --format=gnu -f - -C "$tree" "${safe[@]}" | gzip -9n >"$C/archive/seed-safe.tar.gz"
tar -c "${tar_opts[@]}" --format=gnu -f - -C "$tree" ./assets | bzip2 -9 >"$C/archive/seed-assets.tar.bz2"
tar -c "${tar_opts[@]}" --format=gnu -f - -C "$tree" ./assets | xz -9 >"$C/archive/seed-assets.tar.xz"
# Hostile names kept verbatim (-P): ../ and absolute.
tar -c "${tar_opts[@]}" -P --format=gnu -f "$C/archive/seed-dotdot.tar" -C "$tree/assets" ../assets/foo.txt
tar -c "${tar_opts[@]}" -P --format=gnu -f "$C/archive/seed-absolute.tar" "$tree/assets/foo.txt" \
  --transform='s#^.*/assets#/abs#'
# A symlink member (refused).
ln -s assets/foo.txt "$TMP/link"
tar -c "${tar_opts[@]}" --format=gnu -f "$C/archive/seed-symlink.tar" -C "$TMP" link
# A sparse member.
truncate -s 100000 "$TMP/sparse" && printf 'end' >>"$TMP/sparse"
tar -c "${tar_opts[@]}" --format=pax -S -f "$C/archive/seed-sparse.tar" -C "$TMP" sparse

gzip -9n <"$C/archive/seed-ustar.tar" >"$C/gzip/seed-ustar.tar.gz"
gzip -1n <"$SM/tfjs_times_two_int/saved_model.pb" >"$C/gzip/seed-pb-fast.gz"
gzip -c <"$tree/assets/foo.txt" >"$C/gzip/seed-with-name.gz"   # FNAME header field
printf '' | gzip -n >"$C/gzip/seed-empty.gz"
cat "$C/gzip/seed-empty.gz" "$C/gzip/seed-with-name.gz" >"$C/gzip/seed-two-members.gz"
cp "$C/archive/seed-safe.tar.gz" "$C/gzip/seed-safe.tar.gz"

# --- parallel_gzip --------------------------------------------------------------
# 8 header bytes (fuzz/parallel_gzip_fuzzer.cc: byte 0 even = compress the rest
# with zlib at level + 10 * strategy in byte 5; odd = the rest is a gzip stream),
# then the data.
text="$TMP/text"
for _ in $(seq 20); do printf 'tensorflow hub model weights 0123456789 '; done >"$text"
for level in 1 6 9; do
  for strategy in 0 1 2 3 4; do
    { printf "\\x00\\x03\\x01\\x28\\x07\\x$(printf %02x $((level + 10 * strategy)))\\x05\\x01"; cat "$text"; } \
      >"$C/parallel_gzip/seed-level$level-strategy$strategy"
  done
done
{ printf '\x00\x01\x00\x14\x03\x00\x09\x00'; cat "$text"; } >"$C/parallel_gzip/seed-stored"
# The streams of real compressors (raw), on a SavedModel and the text: GNU
# gzip, igzip (level 0: static Huffman only), pigz (independent blocks joined
# by empty stored blocks) and Python's gzip module (zlib).
raw="$TMP/raw"
{ cat "$SM/tfjs_times_two_int/saved_model.pb"; cat "$text"; } >"$raw"
tool_seed() { # $1 = name, rest = compressor reading stdin, writing stdout
  local name="$1"
  shift
  { printf '\x01\x02\x07\x00\x00\x00\x00\x00'; "$@" <"$raw"; } >"$C/parallel_gzip/seed-tool-$name"
}
tool_seed gzip-1 gzip -1n
tool_seed gzip-9 gzip -9n
tool_seed igzip-0 igzip -0 -c
tool_seed igzip-3 igzip -3 -c
tool_seed pigz-6 pigz -6n -b 32 -p 2 -c
tool_seed pigz-i pigz -6n -i -b 32 -p 2 -c
tool_seed python-gzip python3 -c 'import gzip, sys; sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read(), mtime=0))'

# --- handle -------------------------------------------------------------------
h() { printf '%s' "$2" >"$C/handle/seed-$1"; }
h tfhub 'https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5'
h kaggle 'https://www.kaggle.com/models/google/mobilenet-v2/frameworks/TensorFlow2/variations/100-224-classification/versions/2?tf-hub-format=compressed&x=1#frag'
h china 'https://hub.tensorflow.google.cn/google/nnlm-en-dim128/2/?q=1'
h tar 'http://127.0.0.1:8080/models/m.tar.gz'
h file 'file:///tmp/tfhub_modules/abc'
h gs 'gs://bucket/dir/module'
h local '/tmp/x/../y/./z//w'
h member './a/../../x'
h dotdot '..foo/bar'
h lock 'host.example.com.12345.0f1e2d3c4b5a'
printf '/base/dir/\0/name/x' >"$C/handle/seed-join"

# --- descriptor ---------------------------------------------------------------
printf 'Module: https://tfhub.dev/google/nnlm-en-dim128/2\nDownload Time: 2024-01-02 03:04:05.678901\nDownloader Hostname: builder (PID:4242)' \
  >"$C/descriptor/seed-python"
printf '%s\n' 'Module: https://tfhub.dev/google/nnlm-en-dim128/2' 'Download Time: 2024-01-02 03:04:05.678901' \
  'Downloader Hostname: host.example.com (PID:4242)' 'tfhub-Version: 0.1.0' 'tfhub-Files: 3' 'tfhub-Bytes: 1234' \
  "tfhub-Manifest-SHA256: $(printf 'x' | sha256sum | cut -c1-64)" \
  "tfhub-Archive-SHA256: $(printf 'y' | sha256sum | cut -c1-64)" 'tfhub-File: 1000 variables/variables.data-00000-of-00001' \
  'tfhub-File: 200 saved_model.pb' >"$C/descriptor/seed-tfhub"
truncate -s -1 "$C/descriptor/seed-tfhub"  # no trailing newline, as written

# --- tensor_bundle / saved_model ----------------------------------------------
# tensor_bundle: [u32 len][variables.index][data shard]
# saved_model:   [flags][u32 len][saved_model.pb(txt)][u32 len][variables.index][data shard]
for m in tf1_counter hub_half_plus_two_v1 tf1_half_plus_two_cpu tf2_half_plus_two_cpu tfjs_times_two_int \
         tfjs_times_three_float tfjs_int64_multiply tfjs_uint8_multiply; do
  v="$SM/$m/variables"
  { section "$v/variables.index"; cat "$v/variables.data-00000-of-00001"; } >"$C/tensor_bundle/seed-$m"
done
sm_seed() { # name flags model_file model_dir_for_variables
  { printf "\\x$(printf %02x "$2")"; section "$3"
    if [[ -n "${4:-}" ]]; then section "$4/variables/variables.index"; cat "$4/variables/variables.data-00000-of-00001"; fi
  } >"$C/saved_model/seed-$1"
}
sm_seed tfjs_times_two_int 0 "$SM/tfjs_times_two_int/saved_model.pb" "$SM/tfjs_times_two_int"
sm_seed tf1_counter_readall 4 "$SM/tf1_counter/saved_model.pb" "$SM/tf1_counter"
sm_seed hub_module 2 "$SM/hub_half_plus_two_v1/saved_model.pb" "$SM/hub_half_plus_two_v1"
sm_seed tf1_half_plus_two_serve 8 "$SM/tf1_half_plus_two_cpu/saved_model.pb" "$SM/tf1_half_plus_two_cpu"
sm_seed pbtxt 1 "$ROOT/fuzz/seeds/saved_model.pbtxt" "$SM/tfjs_times_three_float"
sm_seed pbtxt_novars 17 "$ROOT/fuzz/seeds/saved_model.pbtxt"

du -sh "$C"/*
