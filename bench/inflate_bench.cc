// tfhub_inflate_bench FILE.gz THREADS [ROUNDS] — decode-only throughput of
// tfhub's gzip decoders (bench/inflate_bench.sh): THREADS 1 is GzipInflater
// (ISA-L on one thread, the extractor's default), more is
// parallel_inflate::ParallelGzipDecoder. The file is read in 1 MiB pieces
// (as the network hands them over); output is discarded. Prints one line per
// round: seconds, MB/s of output, chunks decoded in parallel/sequentially.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "archive/gzip_inflater.h"
#include "archive/parallel_inflate/parallel_gzip_decoder.h"

using tfhub::archive::GzipInflater;
using tfhub::archive::parallel_inflate::ParallelGzipDecoder;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE.gz THREADS [ROUNDS]\n", argv[0]);
    return 2;
  }
  const size_t threads = std::strtoul(argv[2], nullptr, 10);
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 1;
  constexpr size_t kPiece = 1 << 20;
  for (int round = 0; round < rounds; ++round) {
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
      std::perror(argv[1]);
      return 1;
    }
    auto read_piece = [&]() -> std::optional<std::string> {
      std::string s(kPiece, '\0');
      in.read(s.data(), kPiece);
      s.resize(static_cast<size_t>(in.gcount()));
      if (s.empty()) return std::nullopt;
      return s;
    };
    const auto start = std::chrono::steady_clock::now();
    uint64_t out = 0;
    size_t par = 0, seq = 0;
    if (threads <= 1) {
      GzipInflater inflater;
      std::vector<char> block(1 << 20);
      while (auto piece = read_piece()) {
        std::string_view rest = *piece;
        while (!rest.empty()) {
          size_t n = 0;
          if (auto s = inflater.Inflate(&rest, block.data(), block.size(), &n); !s.ok()) {
            std::fprintf(stderr, "%s\n", s.ToString().c_str());
            return 1;
          }
          out += n;
        }
      }
      for (;;) {  // what ISA-L still holds
        std::string_view none;
        size_t n = 0;
        if (!inflater.Inflate(&none, block.data(), block.size(), &n).ok() || n == 0) break;
        out += n;
      }
    } else {
      ParallelGzipDecoder::Options options;
      options.threads = threads;
      ParallelGzipDecoder decoder(read_piece, std::string(), options);
      for (;;) {
        auto v = decoder.Next();
        if (!v.ok()) {
          std::fprintf(stderr, "%s\n", v.status().ToString().c_str());
          return 1;
        }
        if (v->empty()) break;
        out += v->size();
      }
      par = decoder.chunks_parallel();
      seq = decoder.chunks_sequential();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.3f s  %.0f MB/s  %llu bytes  chunks parallel %zu sequential %zu\n", s, out / s / 1e6,
                static_cast<unsigned long long>(out), par, seq);
  }
  return 0;
}
