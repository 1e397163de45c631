#include "archive/parallel_inflate/parallel_gzip_decoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

#include "archive/gzip_inflater.h"
#include "archive/parallel_inflate/crc32.h"
#include "testing/subprocess.h"

namespace tfhub::archive::parallel_inflate {
namespace {

// gzip with zlib: level, strategy, and a full flush every `flush_every`
// bytes (stored-block boundaries; 0: none).
std::string Gzip(const std::string& in, int level, int strategy = Z_DEFAULT_STRATEGY, size_t flush_every = 0) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, 31, 8, strategy), Z_OK);
  std::string out(2 * in.size() + 4096, '\0');  // fixed codes and flushes can expand past deflateBound()
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  size_t pos = 0;
  do {
    const size_t n = flush_every ? std::min(flush_every, in.size() - pos) : in.size() - pos;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    zs.avail_in = static_cast<uInt>(n);
    pos += n;
    const int flush = pos == in.size() ? Z_FINISH : Z_FULL_FLUSH;
    const int rc = deflate(&zs, flush);
    EXPECT_EQ(rc, flush == Z_FINISH ? Z_STREAM_END : Z_OK);
  } while (pos < in.size());
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Data(int kind, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  switch (kind) {
    case 0:  // random bytes
      for (auto& c : s) c = static_cast<char>(rng());
      break;
    case 1: {  // text-like: words from a small vocabulary
      static const char* words[] = {"tensor ", "hub ", "model ", "weights ", "variables/", "saved_model.pb\n", "{\"a\": 1}, "};
      s.clear();
      while (s.size() < n) s += words[rng() % 7];
      s.resize(n);
      break;
    }
    case 2:  // float-like: noisy low bytes, repetitive high bytes
      for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 4 == 3 ? 0x3f : (i % 4 == 2 ? (rng() & 0x0f) | 0x80 : rng()));
      break;
    default:  // runs and random, mixed
      for (size_t i = 0; i < n;) {
        const size_t run = 1 + rng() % 3000;
        const char c = static_cast<char>(rng());
        const bool random = rng() & 1;
        for (size_t k = 0; k < run && i < n; ++k, ++i) s[i] = random ? static_cast<char>(rng()) : c;
      }
  }
  return s;
}

struct Decoded {
  bool ok = false;
  std::string out;
  std::string error;
  size_t parallel = 0;
};

Decoded DecodeParallel(const std::string& gz, size_t threads, size_t chunk, size_t piece = 1 << 16) {
  ParallelGzipDecoder::Options o;
  o.threads = threads;
  o.chunk_bytes = chunk;
  o.overlap_bytes = chunk / 2;
  o.block_bytes = 1 << 17;
  size_t pos = std::min(gz.size(), size_t{2});
  ParallelGzipDecoder d(
      [&]() -> std::optional<std::string> {
        if (pos >= gz.size()) return std::nullopt;
        const size_t n = std::min(piece, gz.size() - pos);
        std::string s = gz.substr(pos, n);
        pos += n;
        return s;
      },
      gz.substr(0, pos), o);
  Decoded r;
  for (;;) {
    auto v = d.Next();
    if (!v.ok()) {
      r.error = v.status().message();
      r.parallel = d.chunks_parallel();
      return r;
    }
    if (v->empty()) break;
    r.out += *v;
  }
  r.ok = true;
  r.parallel = d.chunks_parallel();
  return r;
}

Decoded DecodeSequential(const std::string& gz) {
  GzipInflater inf;
  std::string_view in = gz;
  Decoded r;
  std::vector<char> buf(1 << 16);
  while (!in.empty()) {
    size_t n = 0;
    Status s = inf.Inflate(&in, buf.data(), buf.size(), &n);
    if (!s.ok()) {
      r.error = s.message();
      return r;
    }
    r.out.append(buf.data(), n);
  }
  for (;;) {  // drain
    size_t n = 0;
    std::string_view empty;
    if (!inf.Inflate(&empty, buf.data(), buf.size(), &n).ok() || n == 0) break;
    r.out.append(buf.data(), n);
  }
  if (!inf.AtMemberBoundary()) {
    r.error = "the gzip stream ends before its end (truncated archive)";
    return r;
  }
  r.ok = true;
  return r;
}

TEST(Crc32Test, CombineMatchesZlib) {
  ASSERT_TRUE(crc32::Init().ok());
  const std::string a = Data(0, 1000, 1), b = Data(1, 77777, 2);
  const uint32_t ca = crc32::Extend(0, a.data(), a.size());
  const uint32_t cb = crc32::Extend(0, b.data(), b.size());
  const std::string ab = a + b;
  const uint32_t want = static_cast<uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(ab.data()), static_cast<uInt>(ab.size())));
  EXPECT_EQ(crc32::Extend(ca, b.data(), b.size()), want);
  EXPECT_EQ(crc32::Combine(ca, cb, b.size()), want);
  EXPECT_EQ(crc32::Combine(ca, 0, 0), ca);
}

TEST(ParallelGzipDecoderTest, MatchesInputAcrossLevelsStrategiesAndChunkings) {
  for (int kind = 0; kind < 4; ++kind) {
    const std::string data = Data(kind, 1 << 20, 42 + kind);
    for (int level : {0, 1, 6, 9}) {  // gzip -1 / -6 / -9, and stored
      for (int strategy : {Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY, Z_RLE}) {
        if (level == 0 && strategy != Z_DEFAULT_STRATEGY) continue;
        const std::string gz = Gzip(data, level, strategy, strategy == Z_RLE ? 100000 : 0);
        for (size_t chunk : {size_t{20000}, size_t{150000}}) {
          const Decoded d = DecodeParallel(gz, 2, chunk);
          ASSERT_TRUE(d.ok) << kind << " " << level << " " << strategy << " " << chunk << ": " << d.error;
          ASSERT_EQ(d.out.size(), data.size());
          ASSERT_TRUE(d.out == data) << kind << " " << level << " " << strategy << " " << chunk;
        }
      }
    }
  }
}

TEST(ParallelGzipDecoderTest, ChunksOfEveryKindInOneStream) {
  // Full flushes every 1913 bytes: small blocks, so some chunks end while
  // still windowless and others are finished by ISA-L, their buffers then
  // recycled for one another (a stale CRC once slipped through that way).
  std::string data = Data(1, 200000, 11) + Data(0, 100000, 12) + Data(3, 200000, 13);
  const std::string gz = Gzip(data, 5, Z_DEFAULT_STRATEGY, 1913) + Gzip(data.substr(0, 5000), 6);
  data += data.substr(0, 5000);
  for (int round = 0; round < 8; ++round) {
    const Decoded d = DecodeParallel(gz, 3, 8192, 10768);
    ASSERT_TRUE(d.ok) << round << ": " << d.error;
    ASSERT_TRUE(d.out == data) << round;
    EXPECT_GE(d.parallel, 5u);
  }
}

TEST(ParallelGzipDecoderTest, DecodesChunksInParallel) {
  const std::string data = Data(2, 8 << 20, 7);
  const std::string gz = Gzip(data, 6);
  const Decoded d = DecodeParallel(gz, 3, 1 << 20, 1 << 20);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_TRUE(d.out == data);
  EXPECT_GE(d.parallel, 5u);
}

TEST(ParallelGzipDecoderTest, MultiMemberTruncationGarbageAndCorruption) {
  const std::string a = Data(3, 2 << 20, 1), b = Data(1, 1 << 20, 2);
  const std::string gz = Gzip(a, 6) + Gzip(b, 1);
  auto same = [&](const std::string& in, const char* what) {
    const Decoded want = DecodeSequential(in);
    for (size_t chunk : {size_t{50000}, size_t{1} << 20}) {
      const Decoded got = DecodeParallel(in, 2, chunk);
      EXPECT_EQ(got.ok, want.ok) << what << " " << chunk << ": " << got.error << " / " << want.error;
      if (got.ok && want.ok) {
        EXPECT_TRUE(got.out == want.out) << what;
      }
      if (!got.ok && !want.ok) {
        EXPECT_EQ(got.error, want.error) << what << " " << chunk;
      }
    }
  };
  same(gz, "two members");
  same(gz + std::string("garbage"), "trailing garbage");
  same(gz.substr(0, gz.size() - 3), "truncated trailer");
  same(gz.substr(0, gz.size() / 3), "truncated");
  std::mt19937 rng(5);
  for (int i = 0; i < 30; ++i) {
    std::string bad = gz;
    bad[20 + rng() % (bad.size() - 20)] ^= static_cast<char>(1 + rng() % 255);
    same(bad, "corrupt");
  }
  std::string crc = gz;
  crc[Gzip(a, 6).size() - 6] ^= 1;
  same(crc, "crc");
}

// The streams real compressors write, not just zlib's: GNU gzip (its own
// deflate), ISA-L's igzip (levels 0-3: level 0 emits only static-Huffman
// blocks, large dynamic blocks at 3), pigz (blocks compressed independently
// on threads, joined by empty stored blocks; -i resets the dictionary
// between them) and Python's gzip module. Each stream, decoded with chunk
// boundaries everywhere, must give back the data exactly. A missing tool
// fails the test (scripts/install-deps.sh installs them).
TEST(ParallelGzipDecoderTest, MatchesTheStreamsOfRealCompressors) {
  std::vector<std::pair<std::string, std::vector<std::string>>> tools;  // name, argv
  for (int level = 1; level <= 9; ++level) {
    tools.push_back({"gzip -" + std::to_string(level), {"gzip", "-c", "-n", "-" + std::to_string(level)}});
  }
  for (int level = 0; level <= 3; ++level) {
    tools.push_back({"igzip -" + std::to_string(level), {"igzip", "-c", "-" + std::to_string(level)}});
  }
  for (const std::string level : {"-1", "-6", "-9"}) {
    tools.push_back({"pigz " + level, {"pigz", "-c", "-n", "-p", "3", "-b", "128", level}});
  }
  tools.push_back({"pigz -i -6", {"pigz", "-c", "-n", "-i", "-p", "2", "-b", "64", "-6"}});
  for (const std::string level : {"1", "6", "9"}) {
    tools.push_back({"python3 gzip.compress level " + level,
                     {"python3", "-c",
                      "import gzip, sys; sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read(), " + level + "))"}});
  }
  // Text, noisy floats, and runs mixed with noise, one after the other.
  const std::string data = Data(1, 600000, 21) + Data(2, 800000, 22) + Data(3, 600000, 23);
  for (const auto& [name, argv] : tools) {
    const test::ProcessResult gz = test::RunProcessWithOptions(argv, {.stdin_data = data});
    ASSERT_TRUE(gz.ok()) << name << gz.DebugString();
    ASSERT_GT(gz.out.size(), 100u) << name;
    size_t parallel = 0;
    for (const auto& [chunk, threads] : {std::pair<size_t, size_t>{7000, 3}, {150000, 2}, {400001, 3}}) {
      const Decoded d = DecodeParallel(gz.out, threads, chunk, 12345);
      ASSERT_TRUE(d.ok) << name << ", chunk " << chunk << ": " << d.error;
      ASSERT_TRUE(d.out == data) << name << ", chunk " << chunk << ": " << d.out.size() << " bytes";
      parallel += d.parallel;
    }
    // Chunks were decoded speculatively, not only by the sequential
    // fallback — except from igzip -0, whose blocks are all static-Huffman
    // (block starts are found at dynamic-Huffman headers only).
    if (name != "igzip -0") {
      EXPECT_GE(parallel, 3u) << name;
    }
  }
}

}  // namespace
}  // namespace tfhub::archive::parallel_inflate
