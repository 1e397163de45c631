// archive::parallel_inflate::ParallelGzipDecoder — decodes one gzip stream on
// several threads while its bytes still arrive in order.
//
//   pull() --> feeder thread: chunks of chunk_bytes (+ overlap_bytes copied
//              from the next chunk, where that chunk's first block is found)
//          --> worker threads: DecodeChunk() each chunk from its first block
//              (found by FindBlockStart) to the next chunk's, windowless
//          --> Next() (the caller's thread), in order: confirms that chunk
//              i ended exactly where chunk i+1 began, replaces markers with
//              the previous 32 KiB, folds the chunk CRC-32s and lengths into
//              the member's, checks its trailer.
//
// Correctness never rests on speculation: when a chunk's start is not
// confirmed, its decoding failed, a marker points before the member, or the
// output would be too large, Next() decodes sequentially with ISA-L from the
// last confirmed block boundary (with the known window) until a later chunk's
// start is confirmed, and ISA-L's verdict on corrupt data is the one reported.
// After 4 such chunks in a row, speculation stops: ISA-L alone decodes the
// rest (the workers' CPU would only slow it down).
// Only the first member is decoded in parallel; what follows its trailer
// goes through GzipInflater, as do inputs that fit in one chunk and headers
// with unusual fields. Errors match GzipInflater's (DataLoss: corrupt,
// checksum mismatch, trailing garbage, truncated).
//
// Memory: at most max_chunks_in_flight chunks, each holding its input
// (chunk + overlap) and its output (symbols at 2 bytes each, then bytes;
// at most 4 x chunk_bytes + 1 MiB, else decoded sequentially).
//
// Thread safety: Next() from one thread. pull() is called on the feeder
// thread; it must return nullopt at the end of input (or once cancelled).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::archive::parallel_inflate {

class ParallelGzipDecoder {
 public:
  struct Options {
    size_t threads = 2;
    size_t chunk_bytes = 2 << 20;
    size_t overlap_bytes = 512 << 10;  // where the next chunk's first block is looked for
    size_t block_bytes = 1 << 20;      // output of sequential decoding per Next()
    size_t max_chunks_in_flight = 0;   // 0: threads + 1 (one handed out, the others decoding)
  };
  using Pull = std::function<std::optional<std::string>()>;

  // `initial`: bytes already read from the stream (before pull()'s).
  ParallelGzipDecoder(Pull pull, std::string initial, Options options);
  ~ParallelGzipDecoder();  // stops and joins the threads
  ParallelGzipDecoder(const ParallelGzipDecoder&) = delete;
  ParallelGzipDecoder& operator=(const ParallelGzipDecoder&) = delete;

  // The next piece of the decoded stream (valid until the next call); empty
  // at the end of a complete stream. Errors: DataLoss as GzipInflater's, and
  // "the gzip stream ends before its end (truncated archive)".
  Result<std::string_view> Next();

  // Chunks whose speculative result was used / decoded sequentially instead
  // (for tests and benchmarks).
  size_t chunks_parallel() const;
  size_t chunks_sequential() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tfhub::archive::parallel_inflate
