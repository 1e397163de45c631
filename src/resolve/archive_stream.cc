#include "resolve/archive_stream.h"

#include <algorithm>

#include "base/clock.h"
#include "base/crc32c.h"
#include "base/strings.h"

namespace tfhub::resolvers {

// --- ExtractionSink ---------------------------------------------------------

ExtractionSink::ExtractionSink(io::FileSystem* temp_dir, archive::StreamingExtractor::Options options,
                               const std::atomic<bool>* cancel)
    : temp_dir_(temp_dir), options_(options), cancel_(cancel) {}

Status ExtractionSink::OnStart(const io::StreamInfo&) {
  if (extractor_) {  // starting over: throw the partial extraction away
    extractor_.reset();  // cancels and joins its threads
    TFHUB_ASSIGN_OR_RETURN(std::vector<std::string> names, temp_dir_->ListDir(""));
    for (const auto& name : names) {
      if (Status s = temp_dir_->DeleteRecursively(name); !s.ok()) {
        failed_ = true;
        return s;
      }
    }
  }
  extractor_ = std::make_unique<archive::StreamingExtractor>(temp_dir_, "", options_);
  return Status::Ok();
}

Status ExtractionSink::OnData(std::string_view data) {
  Status s = base::IsCancelled(cancel_) ? AbortedError("extraction interrupted") : extractor_->Push(data);
  if (!s.ok()) failed_ = true;
  return s;
}

Result<archive::ExtractResult> ExtractionSink::Finish() {
  if (!extractor_) return AbortedError("the stream never began");
  auto result = extractor_->Finish();
  if (!result.ok()) failed_ = true;
  return result;
}

archive::StreamingExtractor::Failure ExtractionSink::failure() const {
  return extractor_ ? extractor_->failure() : archive::StreamingExtractor::Failure::kNone;
}

// --- DigestSink -------------------------------------------------------------

Status DigestSink::OnStart(const io::StreamInfo& info) {
  expected_ = info;
  crc32c_ = 0;
  md5_.reset();
  if (expected_.crc32c) TFHUB_RETURN_IF_ERROR(base::crc32c::Init());
  if (expected_.md5) {
    md5_ = std::make_unique<base::Md5>();
    TFHUB_RETURN_IF_ERROR(md5_->status());
  }
  sha256_ = std::make_unique<base::Sha256>();
  TFHUB_RETURN_IF_ERROR(sha256_->status());
  return next_->OnStart(info);
}

Status DigestSink::OnData(std::string_view data) {
  sha256_->Update(data);
  if (expected_.crc32c) crc32c_ = base::crc32c::Extend(crc32c_, data);
  if (md5_) md5_->Update(data);
  return next_->OnData(data);
}

Status DigestSink::OnChecksummedData(std::string_view data, uint32_t crc32c) {
  sha256_->Update(data);
  if (expected_.crc32c) crc32c_ = base::crc32c::Combine(crc32c_, crc32c, data.size());
  if (md5_) md5_->Update(data);
  return next_->OnData(data);
}

Status DigestSink::CheckSourceDigests() {
  if (expected_.crc32c && crc32c_ != *expected_.crc32c) {
    return DataLossError("the download does not match the server's crc32c (x-goog-hash): corrupted in transit");
  }
  if (md5_) {
    TFHUB_ASSIGN_OR_RETURN(std::string md5, md5_->Final());
    if (md5 != *expected_.md5) {
      return DataLossError("the download does not match the server's md5 (x-goog-hash): corrupted in transit");
    }
  }
  return Status::Ok();
}

Result<std::string> DigestSink::Sha256() {
  if (!sha256_) return InternalError("no stream was read");
  return sha256_->HexDigest();
}

// --- ProgressSink -----------------------------------------------------------

ProgressSink::ProgressSink(io::StreamSink* next, const ExtractionSink* extraction, std::string_view handle,
                           const ResolveOptions& options, std::function<void(std::string_view)> log)
    : next_(next),
      extraction_(extraction),
      handle_(handle),
      log_progress_(options.log_progress),
      on_progress_(options.progress),
      log_(std::move(log)) {}

Status ProgressSink::OnStart(const io::StreamInfo& info) {
  if (started_) log_("Restarting the download of " + handle_ + " from the beginning.");
  started_ = true;
  report_.handle = handle_;
  report_.bytes_received = 0;
  delivered_ = 0;
  if (!report_.total_bytes) report_.total_bytes = info.size;  // the first start's: the whole body
  return next_->OnStart(info);
}

Status ProgressSink::OnData(std::string_view data) {
  Count(data);
  return next_->OnData(data);
}

Status ProgressSink::OnChecksummedData(std::string_view data, uint32_t crc32c) {
  Count(data);
  return next_->OnChecksummedData(data, crc32c);
}

void ProgressSink::OnReceived(uint64_t bytes) {
  if (bytes <= report_.bytes_received) return;
  report_.bytes_received = bytes;
  Report(false);
}

void ProgressSink::Count(std::string_view data) {
  if (log_progress_ && Clock::now() - last_line_ >= std::chrono::seconds(1)) {
    last_line_ = Clock::now();
    log_("Downloading " + handle_ + ": " + base::ReadableBytes(extraction_->bytes_extracted()));
  }
  delivered_ += data.size();
  report_.bytes_received = std::max(report_.bytes_received, delivered_);
  Report(false);
}

void ProgressSink::Finish() {
  if (started_) Report(true);
}

void ProgressSink::Report(bool finished) {
  if (!on_progress_) return;
  const auto now = Clock::now();
  if (!finished && now - last_report_ < std::chrono::milliseconds(100)) return;
  last_report_ = now;
  report_.bytes_extracted = extraction_->bytes_extracted();
  report_.files_extracted = extraction_->files_extracted();
  report_.finished = finished;
  on_progress_(report_);
}

}  // namespace tfhub::resolvers
