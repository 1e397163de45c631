// libFuzzer target: archive extraction as a download does it, in memory.
//
// The input is a whole archive (tar, tar.gz, or anything libarchive's
// filters detect). Like StreamingExtractor's decoder: gzip (sniffed from the
// first two bytes) is inflated with GzipInflater and the tar walked with
// ExtractTar(detect_compression=false); anything else goes to ExtractTar
// with detect_compression=true. After a successful walk the rest of the
// stream is drained (the gzip trailer check). The input is handed over in
// chunks of a size picked from the input's length, so chunk boundaries move.
// For one length in three, gzip goes through the parallel decoder instead
// (archive/parallel_inflate/, 2 threads, 1 KiB chunks), as the extractor
// does with decode_threads > 1.
//
// Invariants checked by the sink (nothing is written to disk):
//   * every path is non-empty for files, relative, has no "", "." or ".."
//     component, no control character, and is a fixed point of
//     NormalizeMemberName;
//   * Directory/BeginFile/FileData/EndFile come in a well-formed order;
//   * the returned TarStats agree with what the sink saw and respect the limits.
#include <algorithm>
#include <memory>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/gzip_inflater.h"
#include "archive/member_name.h"
#include "archive/parallel_inflate/parallel_gzip_decoder.h"
#include "archive/tar_extractor.h"
#include "fuzz_support.h"

namespace {

using tfhub::Result;
using tfhub::Status;
using namespace tfhub::archive;

constexpr ExtractLimits kLimits{/*max_members=*/4096, /*max_bytes=*/8u << 20};

void CheckPath(const std::string& path) {
  FUZZ_CHECK(!path.empty(), "empty path");
  FUZZ_CHECK(path.front() != '/', "absolute path: " + path);
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view comp = std::string_view(path).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    FUZZ_CHECK(!comp.empty() && comp != "." && comp != "..", "bad component in: " + path);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u >= 0x20 && u != 0x7f, "control character in: " + path);
  }
  auto again = NormalizeMemberName(path);
  FUZZ_CHECK(again.ok() && *again == path, "not normalised: " + path);
}

class CheckingSink final : public EntrySink {
 public:
  Status Directory(const std::string& path) override {
    FUZZ_CHECK(!in_file_, "Directory() inside a file");
    CheckPath(path);
    return Status::Ok();
  }
  Status BeginFile(const std::string& path) override {
    FUZZ_CHECK(!in_file_, "BeginFile() inside a file");
    CheckPath(path);
    in_file_ = true;
    ++files_;
    return Status::Ok();
  }
  Status FileData(std::string_view data) override {
    FUZZ_CHECK(in_file_, "FileData() outside a file");
    bytes_ += data.size();
    // Touch the bytes so ASan sees a bad view.
    if (!data.empty()) checksum_ += static_cast<unsigned char>(data.front()) + static_cast<unsigned char>(data.back());
    return Status::Ok();
  }
  Status EndFile() override {
    FUZZ_CHECK(in_file_, "EndFile() outside a file");
    in_file_ = false;
    return Status::Ok();
  }

  uint64_t files_ = 0;
  uint64_t bytes_ = 0;
  bool in_file_ = false;
  unsigned checksum_ = 0;
};

// The input, in chunks of `chunk` bytes.
class ChunkedInput {
 public:
  ChunkedInput(std::string_view data, size_t chunk) : data_(data), chunk_(chunk) {}
  std::string_view Pop() {
    const std::string_view out = data_.substr(0, chunk_);
    data_.remove_prefix(out.size());
    return out;
  }

 private:
  std::string_view data_;
  size_t chunk_;
};

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(ChunkedInput* in) : in_(in) {}
  Result<std::string_view> Next() override { return in_->Pop(); }

 private:
  ChunkedInput* in_;
};

// Mirrors StreamingExtractor's gzip Source (block size made small).
class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(ChunkedInput* in) : in_(in), block_(16 * 1024) {}
  Result<std::string_view> Next() override {
    size_t produced = 0;
    while (produced < block_.size()) {
      if (pending_.empty()) {
        pending_ = in_->Pop();
        if (pending_.empty()) {
          if (produced > 0) break;
          if (!inflater_.AtMemberBoundary()) return tfhub::DataLossError("truncated gzip");
          return std::string_view();
        }
      }
      size_t n = 0;
      const size_t before = pending_.size();
      TFHUB_RETURN_IF_ERROR(inflater_.Inflate(&pending_, block_.data() + produced, block_.size() - produced, &n));
      FUZZ_CHECK(n <= block_.size() - produced, "Inflate produced more than asked");
      FUZZ_CHECK(pending_.size() <= before, "Inflate grew its input");
      if (n == 0 && pending_.size() == before) return tfhub::InternalError("gzip decoder made no progress");
      produced += n;
      total_ += n;
      // Bound the work for a decompression bomb feeding padding to libarchive.
      if (total_ > (64u << 20)) return tfhub::ResourceExhaustedError("fuzz cap");
    }
    return std::string_view(block_.data(), produced);
  }

 private:
  ChunkedInput* in_;
  std::vector<char> block_;
  std::string_view pending_;
  GzipInflater inflater_;
  uint64_t total_ = 0;
};

// The extractor's Source with decode_threads > 1.
class ParallelGzipSource final : public ByteSource {
 public:
  explicit ParallelGzipSource(ChunkedInput* in) {
    tfhub::archive::parallel_inflate::ParallelGzipDecoder::Options options;
    options.threads = 2;
    options.chunk_bytes = 1024;
    options.overlap_bytes = 512;
    decoder_ = std::make_unique<tfhub::archive::parallel_inflate::ParallelGzipDecoder>(
        [in]() -> std::optional<std::string> {
          const std::string_view piece = in->Pop();
          if (piece.empty()) return std::nullopt;
          return std::string(piece);
        },
        std::string(), options);
  }
  Result<std::string_view> Next() override {
    auto v = decoder_->Next();
    if (v.ok()) total_ += v->size();
    if (total_ > (64u << 20)) return tfhub::ResourceExhaustedError("fuzz cap");
    return v;
  }

 private:
  std::unique_ptr<tfhub::archive::parallel_inflate::ParallelGzipDecoder> decoder_;
  uint64_t total_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static constexpr size_t kChunks[] = {SIZE_MAX, 512, 1, 4096, 7, 1000};
  ChunkedInput in(input, kChunks[size % std::size(kChunks)]);
  CheckingSink sink;
  const bool gzip = GzipInflater::LooksLikeGzip(input);
  PlainSource plain(&in);
  GzipSource inflated(&in);
  std::unique_ptr<ParallelGzipSource> parallel;
  if (gzip && size % 3 == 0) parallel = std::make_unique<ParallelGzipSource>(&in);
  ByteSource& source = parallel ? static_cast<ByteSource&>(*parallel)
                                : gzip ? static_cast<ByteSource&>(inflated) : plain;
  auto stats = ExtractTar(source, sink, /*detect_compression=*/!gzip, kLimits);
  tfhub::fuzz::Log(stats.ok() ? "ok: " + std::to_string(stats->members) + " members, " +
                                    std::to_string(stats->files) + " files, " + std::to_string(stats->bytes) + " bytes"
                              : stats.status().message());
  if (!stats.ok()) {
    FUZZ_CHECK(!stats.status().message().empty(), "error without a message");
    return 0;
  }
  FUZZ_CHECK(!sink.in_file_, "ExtractTar returned OK inside a file");
  FUZZ_CHECK(stats->files == sink.files_, "files: stats " + std::to_string(stats->files) + " vs sink " + std::to_string(sink.files_));
  FUZZ_CHECK(stats->bytes == sink.bytes_, "bytes: stats " + std::to_string(stats->bytes) + " vs sink " + std::to_string(sink.bytes_));
  FUZZ_CHECK(stats->members >= 1 && stats->members >= stats->files, "members");
  FUZZ_CHECK(stats->members <= kLimits.max_members && stats->bytes <= kLimits.max_bytes, "limits exceeded");
  // Drain: padding and the gzip trailer.
  for (;;) {
    auto block = source.Next();
    if (!block.ok() || block->empty()) break;
  }
  return 0;
}
