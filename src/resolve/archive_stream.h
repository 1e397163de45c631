// The stages an archive passes on its way from a filesystem's stream
// (io::FileSystem::ReadStream) into the cache's temp dir, each a small
// io::StreamSink that hands the bytes on:
//
//   ReadStream --> ProgressSink --> DigestSink --> ExtractionSink
//                  (log lines,      (SHA-256,      (StreamingExtractor into
//                   DownloadProgress) x-goog-hash)   the temp dir)
//
// Each forgets what it saw when the stream starts over (OnStart again).
// Thread safety: a chain is used by the one thread reading the stream.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "archive/streaming_extractor.h"
#include "base/crypto_api.h"
#include "tfhub/file_system.h"
#include "tfhub/options.h"

namespace tfhub::resolvers {

// Unpacks the stream into `temp_dir` (a filesystem rooted at an empty
// directory, which must outlive the sink). Starting over empties the
// directory first.
class ExtractionSink final : public io::StreamSink {
 public:
  ExtractionSink(io::FileSystem* temp_dir, archive::StreamingExtractor::Options options,
                 const std::atomic<bool>* cancel);

  Status OnStart(const io::StreamInfo& info) override;
  Status OnData(std::string_view data) override;

  // Ends the extraction: what was extracted, or the extractor's first error
  // (whose origin failure() tells).
  Result<archive::ExtractResult> Finish();

  // True once an error came from here (the extractor or cancellation)
  // rather than from the stream's source.
  bool failed() const { return failed_; }
  archive::StreamingExtractor::Failure failure() const;
  uint64_t bytes_extracted() const { return extractor_ ? extractor_->bytes_extracted() : 0; }
  uint64_t files_extracted() const { return extractor_ ? extractor_->files_extracted() : 0; }

 private:
  io::FileSystem* temp_dir_;
  const archive::StreamingExtractor::Options options_;
  const std::atomic<bool>* cancel_;
  std::unique_ptr<archive::StreamingExtractor> extractor_;
  bool failed_ = false;
};

// The archive's SHA-256, and the check against the checksums its source
// vouched for (StreamInfo::crc32c/md5: Cloud Storage's x-goog-hash).
class DigestSink final : public io::StreamSink {
 public:
  explicit DigestSink(io::StreamSink* next) : next_(next) {}

  Status OnStart(const io::StreamInfo& info) override;
  Status OnData(std::string_view data) override;
  // As OnData; the CRC32C given is combined rather than computed again.
  Status OnChecksummedData(std::string_view data, uint32_t crc32c) override;

  // DataLoss when the stream does not match its source's checksums.
  Status CheckSourceDigests();
  // Lowercase hex SHA-256 of the whole stream.
  Result<std::string> Sha256();

 private:
  io::StreamSink* next_;
  io::StreamInfo expected_;
  std::unique_ptr<base::Sha256> sha256_;
  std::unique_ptr<base::Md5> md5_;
  uint32_t crc32c_ = 0;
};

// Progress of the download: ResolveOptions::progress reports (at most every
// 100 ms, and a finished one from Finish() once the stream began) and,
// with log_progress, the reference's lines ("Downloading <handle>: <size>"
// every second, "Restarting the download of ..." when it starts over).
class ProgressSink final : public io::StreamSink {
 public:
  using Clock = std::chrono::steady_clock;
  ProgressSink(io::StreamSink* next, const ExtractionSink* extraction, std::string_view handle,
               const ResolveOptions& options, std::function<void(std::string_view)> log);

  Status OnStart(const io::StreamInfo& info) override;
  Status OnData(std::string_view data) override;
  Status OnChecksummedData(std::string_view data, uint32_t crc32c) override;
  // Bytes received ahead of those delivered count as received (reported).
  void OnReceived(uint64_t bytes) override;
  // The last report (finished = true), if the stream began.
  void Finish();

 private:
  void Report(bool finished);
  void Count(std::string_view data);

  io::StreamSink* next_;
  const ExtractionSink* extraction_;
  std::string handle_;
  const bool log_progress_;
  const std::function<void(const DownloadProgress&)> on_progress_;
  const std::function<void(std::string_view)> log_;
  DownloadProgress report_;
  uint64_t delivered_ = 0;
  bool started_ = false;
  Clock::time_point last_line_ = Clock::now();
  Clock::time_point last_report_;  // the epoch: the first chunk is reported
};

}  // namespace tfhub::resolvers
