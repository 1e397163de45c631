// archive::StreamingExtractor — unpacks a (gzipped) tar archive while its
// bytes are still arriving.
//
// Three stages overlap, joined by bounded channels so memory stays small
// whatever the archive's size:
//   caller (network) --Push()--> decoder thread --ops--> writer threads
// The decoder sniffs the first bytes: gzip is inflated with ISA-L (on
// decode_threads threads when more than 1), anything
// else goes to libarchive as is (plain tar, or bzip2/xz via its filters).
// The decoder walks the tar with ExtractTar() (names normalised, unsafe
// members refused); the writers create directories and files under the
// destination, creating missing parents, and write data as it comes. Each
// file goes whole to one writer, and a name always to the same writer, so
// the last of duplicate members wins. Several writers matter when creating
// inodes is slow (ext4 after mass deletions): a single one caps the pace.
//
// Usage: Push() chunks, then Finish() once. If Push() returns an error, stop
// pushing and call Finish() (which returns the first error). Destroying an
// unfinished extractor cancels it and joins its threads.
//
// Thread safety: Push() and Finish() from one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "archive/tar_extractor.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::archive {

struct ExtractResult {
  uint64_t files = 0;
  uint64_t bytes = 0;                      // extracted bytes
  uint64_t compressed_bytes = 0;           // bytes pushed
  std::map<std::string, uint64_t> sizes;   // relative path → size, last member wins
};

class StreamingExtractor {
 public:
  struct Options {
    ExtractLimits limits;
    // Small: the download's window of parts and the parallel decoder's
    // chunks already hold data ahead (peak RSS <= 128 MiB, bench/README.md).
    size_t input_buffer_bytes = 4 << 20;   // network → decoder
    size_t output_buffer_bytes = 8 << 20;  // decoder → writers, in all
    size_t writer_threads = 2;             // file creation is kernel-bound: spread it
    // Files dealt out to the writers one by one rather than by directory,
    // and each directory created once for all writers: for object stores
    // (gs://), where a file is an upload at Close() and many files of one
    // directory should go up at once (writer_threads of them).
    bool spread_files = false;
    size_t block_bytes = 1 << 20;          // inflate output block
    // gzip decoding threads (parallel_inflate/parallel_gzip_decoder.h):
    // 1: GzipInflater on the decoder thread; 0: one per CPU this process may
    // use (base::AvailableCpus()), at most kMaxDefaultDecodeThreads.
    size_t decode_threads = 1;
    // Input per parallel decoding task. 2 MiB measured best on the 1 GiB
    // weights archive (bench/inflate_bench.sh): 8 MiB chunks cost more in
    // page faults than they save in block searches, 1 MiB the opposite.
    size_t decode_chunk_bytes = 2 << 20;
  };

  // decode_threads 0 on a machine with more cores: each thread holds about
  // two chunks' input and output, and input arriving faster than 16 threads
  // decode (~5 GB/s) is rare.
  static constexpr size_t kMaxDefaultDecodeThreads = 16;

  // Extracts into `dest_dir` (which must exist) through `fs`, which must
  // outlive the extractor.
  StreamingExtractor(io::FileSystem* fs, std::string dest_dir, Options options);
  StreamingExtractor(io::FileSystem* fs, std::string dest_dir);
  ~StreamingExtractor();
  StreamingExtractor(const StreamingExtractor&) = delete;
  StreamingExtractor& operator=(const StreamingExtractor&) = delete;

  // Hands over the next piece of the archive. Blocks while the pipeline is
  // full. Returns the pipeline's first error once one happened (stop then).
  Status Push(std::string_view chunk);

  // Signals end of input, waits for everything to be written, and returns
  // what was extracted or the first error. Errors: see ExtractTar(), plus
  // DataLoss for corrupt/truncated gzip and the filesystem's errors.
  Result<ExtractResult> Finish();

  // Where the first error came from, once Push() or Finish() returned one.
  enum class Failure {
    kNone,
    kNotAnArchive,  // the bytes are not a (compressed) tar archive
    kArchive,       // a damaged, truncated or refused archive, or a limit hit
    kWrite,         // the filesystem (e.g. ResourceExhausted: no space left)
    kCancelled,     // destroyed unfinished
  };
  Failure failure() const;

  // Extracted bytes so far (for progress; may be read from any thread).
  uint64_t bytes_extracted() const { return bytes_extracted_.load(std::memory_order_relaxed); }
  // Files written and closed so far (likewise; a duplicate member counts again).
  uint64_t files_extracted() const { return files_extracted_.load(std::memory_order_relaxed); }

 private:
  class Impl;
  std::atomic<uint64_t> bytes_extracted_{0};  // before impl_: its threads use it
  std::atomic<uint64_t> files_extracted_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace tfhub::archive
