// libFuzzer target: the parallel gzip decoder (archive/parallel_inflate/)
// against GzipInflater (ISA-L, one thread) and zlib.
//
// The first byte picks the input's use:
//   * even: the rest seeds data (the bytes themselves, repeated and mixed
//     with noise up to a size the input picks) compressed by zlib at a
//     level and strategy the input picks, with full flushes (stored blocks)
//     at odd intervals, optionally one byte then flipped, and possibly a
//     second member or trailing bytes;
//   * odd: the rest is the gzip stream itself.
// Decoded with chunks of 1-9 KiB (so chunk boundaries fall everywhere) on 2
// or 3 threads, the verdict must be GzipInflater's (and the message, for an
// ordinary header: see below), and the output byte-identical; for an intact
// zlib stream, the original data.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "archive/gzip_inflater.h"
#include "archive/parallel_inflate/parallel_gzip_decoder.h"
#include "fuzz_support.h"

namespace {

using tfhub::archive::GzipInflater;
using tfhub::archive::parallel_inflate::ParallelGzipDecoder;

struct Outcome {
  bool ok = true;
  std::string error;
  std::string out;
};

Outcome Sequential(std::string_view in) {
  Outcome r;
  GzipInflater inflater;
  std::vector<char> buf(1 << 16);
  for (;;) {
    size_t n = 0;
    const size_t before = in.size();
    const auto s = inflater.Inflate(&in, buf.data(), buf.size(), &n);
    if (!s.ok()) {
      r.ok = false;
      r.error = s.message();
      return r;
    }
    r.out.append(buf.data(), n);
    if (in.empty() && n == 0) break;
    if (n == 0 && in.size() == before) break;
  }
  if (!inflater.AtMemberBoundary()) {
    r.ok = false;
    r.error = "the gzip stream ends before its end (truncated archive)";
  }
  return r;
}

Outcome Parallel(const std::string& in, size_t chunk, size_t threads, size_t piece) {
  ParallelGzipDecoder::Options o;
  o.threads = threads;
  o.chunk_bytes = chunk;
  o.overlap_bytes = chunk / 2;
  size_t pos = std::min<size_t>(2, in.size());
  ParallelGzipDecoder d(
      [&]() -> std::optional<std::string> {
        if (pos >= in.size()) return std::nullopt;
        const size_t n = std::min(piece, in.size() - pos);
        std::string s = in.substr(pos, n);
        pos += n;
        return s;
      },
      in.substr(0, pos), o);
  Outcome r;
  for (;;) {
    auto v = d.Next();
    if (!v.ok()) {
      r.ok = false;
      r.error = v.status().message();
      return r;
    }
    if (v->empty()) return r;
    r.out += *v;
  }
}

std::string Compress(const std::string& data, int level, int strategy, size_t flush_every) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 31, 8, strategy) != Z_OK) std::abort();
  // Fixed codes and frequent flushes can expand data past deflateBound().
  std::string out(2 * data.size() + 4096, '\0');
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  size_t pos = 0;
  do {
    const size_t n = flush_every ? std::min(flush_every, data.size() - pos) : data.size() - pos;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    zs.avail_in = static_cast<uInt>(n);
    pos += n;
    const int rc = deflate(&zs, pos == data.size() ? Z_FINISH : Z_FULL_FLUSH);
    if (rc != (pos == data.size() ? Z_STREAM_END : Z_OK)) std::abort();
  } while (pos < data.size());
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  const uint8_t* p = data + 8;
  const std::string_view rest(reinterpret_cast<const char*>(p), size - 8);
  const size_t chunk = 1024 + (data[1] % 8) * 1024;
  const size_t threads = 2 + (data[2] & 1);
  const size_t piece = 1 + (data[2] >> 1) * 97;
  std::string gz;
  std::string original;
  bool intact = false;
  if (data[0] % 2 == 0) {
    // Data: the input's bytes, repeated and mixed with noise.
    const size_t target = std::max<size_t>(rest.size(), 1024) * (1 + data[3] % 64);
    std::mt19937 rng(data[4]);
    while (original.size() < target) {
      if (!rest.empty() && (rng() & 3)) original.append(rest.substr(0, 1 + rng() % rest.size()));
      else for (int i = 0; i < 64; ++i) original.push_back(static_cast<char>(rng()));
    }
    original.resize(target);
    const int level = data[5] % 10;
    const int strategy = (data[5] / 10) % 5;
    const size_t flush_every = data[6] % 4 == 0 ? 0 : 100 + data[6] * 37;
    gz = Compress(original, level, strategy, flush_every);
    intact = true;
    if (data[7] & 1) {  // a second member
      gz += Compress(original.substr(0, original.size() / 3), 6, 0, 0);
      original += original.substr(0, original.size() / 3);
    }
    if (data[7] & 2) {  // one flipped byte
      gz[(static_cast<size_t>(data[6]) * 7919 + data[4]) % gz.size()] ^= static_cast<char>(1 + (data[7] >> 2));
      intact = false;
    }
    if (data[7] & 64) {  // truncated or followed by garbage
      if (data[7] & 128) gz.resize(gz.size() - 1 - data[3] % std::min<size_t>(gz.size(), 200));
      else gz += "garbage";
      intact = false;
    }
  } else {
    gz.assign(rest);
  }
  if (gz.size() < 2 || !GzipInflater::LooksLikeGzip(gz)) return 0;  // the extractor would not call it gzip
  const Outcome want = Sequential(gz);
  const Outcome got = Parallel(gz, chunk, threads, piece);
  FUZZ_CHECK(got.ok == want.ok, "verdicts differ: parallel '" + got.error + "' vs sequential '" + want.error + "'");
  if (want.ok) {
    FUZZ_CHECK(got.out == want.out, "outputs differ");
    if (intact) FUZZ_CHECK(got.out == original, "output is not the compressed data");
  } else {
    // GzipInflater's own message can depend on how the input is split (a
    // corrupt header fed in pieces: "igzip error -1" or a checksum
    // mismatch), and the parallel decoder hands it chunk-sized pieces. The
    // same message is required when the header is an ordinary one (the
    // parallel path proper, where errors come from ISA-L decoding the same
    // bytes from the same point); any of the DataLoss messages otherwise.
    const bool ordinary = gz.size() >= 10 && (static_cast<uint8_t>(gz[3]) & 0xe2) == 0;
    if (ordinary) {
      FUZZ_CHECK(got.error == want.error, "errors differ: '" + got.error + "' vs '" + want.error + "'");
    } else {
      FUZZ_CHECK(got.error.find("gzip") != std::string::npos, "unexpected error: " + got.error);
    }
  }
  if (intact) FUZZ_CHECK(want.ok, "zlib's stream was refused: " + want.error);
  return 0;
}
