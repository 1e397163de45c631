/* Benchmark data generator for bench/resolve_bench.sh (compiled on the fly).
 *
 *   gen_data weights DIR TOTAL_BYTES NFILES SEED
 *       DIR/saved_model.pb (small), DIR/variables/variables.index (small),
 *       DIR/variables/variables.data-0000K-of-0000N: NFILES shards of
 *       normal-distributed float32 values (TOTAL_BYTES in all).  Like trained
 *       weights, the mantissas are incompressible: gzip -6 saves only ~7-8 %.
 *
 *   gen_data files DIR NFILES MAX_KIB SEED
 *       NFILES files of 1..MAX_KIB KiB (uniform) in nested directories;
 *       ~90 % float32 tensors with varying spread, ~10 % text-like (vocab
 *       lists, configs) that compresses ~2-3x.
 *
 * Deterministic for a given SEED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rs[2];

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next_u64(void) { /* xoroshiro128+ */
  uint64_t s0 = rs[0], s1 = rs[1], r = s0 + s1;
  s1 ^= s0;
  rs[0] = rotl(s0, 24) ^ s1 ^ (s1 << 16);
  rs[1] = rotl(s1, 37);
  return r;
}

static void seed(uint64_t s) {
  /* splitmix64 */
  for (int i = 0; i < 2; i++) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    rs[i] = z ^ (z >> 31);
  }
}

static inline double uniform01(void) { return (next_u64() >> 11) * (1.0 / 9007199254740992.0); }

static void die(const char *what, const char *path) {
  fprintf(stderr, "gen_data: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void mkdirs(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) die("mkdir", buf);
      *p = '/';
    }
  }
  if (mkdir(buf, 0755) != 0 && errno != EEXIST) die("mkdir", buf);
}

static FILE *open_out(const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) die("open", path);
  setvbuf(f, NULL, _IOFBF, 1 << 20);
  return f;
}

static void close_out(FILE *f, const char *path) {
  if (ferror(f) || fclose(f) != 0) die("write", path);
}

/* nbytes of N(0, sd) float32 values (Box-Muller, double precision). */
static void write_floats(FILE *f, uint64_t nbytes, double sd) {
  float buf[16384];
  while (nbytes > 0) {
    for (int k = 0; k < 16384; k += 2) {
      double u1 = 1.0 - uniform01(), u2 = uniform01();
      double r = sqrt(-2.0 * log(u1)) * sd, a = 2.0 * M_PI * u2;
      buf[k] = (float)(r * cos(a));
      buf[k + 1] = (float)(r * sin(a));
    }
    uint64_t n = nbytes < sizeof buf ? nbytes : sizeof buf;
    if (fwrite(buf, 1, n, f) != n) return;
    nbytes -= n;
  }
}

static const char *const kWords[] = {
    "the", "model", "layer", "dense", "kernel", "bias", "conv", "batch_norm", "gamma", "beta",
    "moving_mean", "moving_variance", "embedding", "attention", "query", "key", "value", "output",
    "input", "signature", "serving_default", "float32", "int64", "shape", "dim", "token",
    "vocab", "##ing", "##ed", "##s", "hello", "world", "tensor", "graph", "node", "op", "const",
    "variable", "assign", "restore", "save", "checkpoint", "encoder", "decoder", "block"};
#define NWORDS (sizeof kWords / sizeof kWords[0])

/* nbytes of text: lines of words mixed with random ids (compresses ~2-3x). */
static void write_text(FILE *f, uint64_t nbytes) {
  char line[256];
  while (nbytes > 0) {
    int len = 0;
    int nw = 1 + (int)(next_u64() % 8);
    for (int w = 0; w < nw && len < 200; w++) {
      if (next_u64() % 4 == 0)
        len += snprintf(line + len, sizeof line - len, "%s%llu", w ? " " : "",
                        (unsigned long long)(next_u64() % 1000000));
      else
        len += snprintf(line + len, sizeof line - len, "%s%s", w ? " " : "",
                        kWords[next_u64() % NWORDS]);
    }
    line[len++] = '\n';
    uint64_t n = nbytes < (uint64_t)len ? nbytes : (uint64_t)len;
    fwrite(line, 1, n, f);
    nbytes -= n;
  }
}

/* Small protobuf-ish blob: field names + random bytes. */
static void write_pb(FILE *f, uint64_t nbytes) {
  while (nbytes > 0) {
    uint64_t chunk = 64 + next_u64() % 512;
    if (chunk > nbytes) chunk = nbytes;
    if (next_u64() & 1) {
      write_text(f, chunk);
    } else {
      for (uint64_t i = 0; i < chunk; i++) fputc((int)(next_u64() & 0xff), f);
    }
    nbytes -= chunk;
  }
}

static int gen_weights(const char *dir, uint64_t total, int nfiles) {
  char path[4096];
  mkdirs(dir);
  snprintf(path, sizeof path, "%s/variables", dir);
  mkdirs(path);

  snprintf(path, sizeof path, "%s/saved_model.pb", dir);
  FILE *f = open_out(path);
  write_pb(f, 300 * 1024);
  close_out(f, path);

  snprintf(path, sizeof path, "%s/variables/variables.index", dir);
  f = open_out(path);
  write_pb(f, 24 * 1024);
  close_out(f, path);

  uint64_t per = (total / (uint64_t)nfiles) & ~(uint64_t)3;
  for (int i = 0; i < nfiles; i++) {
    snprintf(path, sizeof path, "%s/variables/variables.data-%05d-of-%05d", dir, i, nfiles);
    f = open_out(path);
    /* Several tensors per shard with typical init/trained spreads. */
    uint64_t left = per;
    while (left > 0) {
      uint64_t t = (uint64_t)(1 + next_u64() % 64) << 20; /* 1..64 MiB tensors */
      if (t > left) t = left;
      static const double kSd[] = {0.02, 0.05, 0.1, 0.3, 1.0};
      write_floats(f, t, kSd[next_u64() % 5]);
      left -= t;
    }
    close_out(f, path);
  }
  return 0;
}

static int gen_files(const char *dir, int nfiles, int max_kib) {
  char path[4096], sub[3072];
  mkdirs(dir);
  for (int i = 0; i < nfiles; i++) {
    /* Nested layout: most files two levels deep, some one or three. */
    int g = i % 23, s = (i / 23) % 37, kind = (int)(next_u64() % 10);
    if (i % 11 == 0)
      snprintf(sub, sizeof sub, "%s/assets/g%02d", dir, g);
    else if (i % 13 == 0)
      snprintf(sub, sizeof sub, "%s/assets/g%02d/s%02d/deep%d", dir, g, s, i % 3);
    else
      snprintf(sub, sizeof sub, "%s/assets/g%02d/s%02d", dir, g, s);
    mkdirs(sub);
    uint64_t size = 1024 + next_u64() % ((uint64_t)max_kib * 1024 - 1024 + 1);
    snprintf(path, sizeof path, "%s/file_%05d.%s", sub, i, kind == 0 ? "txt" : "bin");
    FILE *f = open_out(path);
    if (kind == 0)
      write_text(f, size);
    else
      write_floats(f, size, 0.01 * (double)(1 + next_u64() % 100));
    close_out(f, path);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "weights") == 0) {
    seed(strtoull(argv[5], NULL, 10));
    return gen_weights(argv[2], strtoull(argv[3], NULL, 10), atoi(argv[4]));
  }
  if (argc == 6 && strcmp(argv[1], "files") == 0) {
    seed(strtoull(argv[5], NULL, 10));
    return gen_files(argv[2], atoi(argv[3]), atoi(argv[4]));
  }
  fprintf(stderr,
          "usage: gen_data weights DIR TOTAL_BYTES NFILES SEED\n"
          "       gen_data files DIR NFILES MAX_KIB SEED\n");
  return 2;
}
