#include "resolve/archive_download.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "archive/streaming_extractor.h"
#include "base/cancellation.h"
#include "base/crc32c.h"
#include "base/crypto_api.h"
#include "base/strings.h"
#include "cache/atomic_download.h"
#include "net/goog_hash.h"
#include "net/http_status.h"

namespace tfhub::resolvers {

namespace {

using Clock = std::chrono::steady_clock;

// Feeds a 2xx body into an extractor writing into the temp dir; refuses any
// other status. Hashes the archive as it passes. A restart (the retry layer
// could not resume) throws the partial extraction away and begins anew.
class ExtractingSink final : public net::HttpBodySink {
 public:
  // `temp_dir` is rooted at the (empty) directory to extract into.
  ExtractingSink(io::FileSystem* temp_dir, std::string_view handle,
                 archive::StreamingExtractor::Options extract_options, bool progress,
                 const std::function<void(std::string_view)>& log,
                 std::function<void(const DownloadProgress&)> on_progress = {})
      : temp_dir_(temp_dir),
        handle_(handle),
        extract_options_(extract_options),
        progress_(progress),
        log_(log),
        on_progress_(std::move(on_progress)) {
    Reset();
  }

  Status OnResponse(const net::HttpResponseHead& head) override {
    if (head.status < 200 || head.status > 299) return net::HttpErrorStatus(head.status, head.reason);
    // The server's digests of the whole object (Cloud Storage's x-goog-hash).
    expected_ = net::ParseGoogHash(head);
    crc32c_ = 0;
    md5_.reset();
    if (expected_.crc32c) TFHUB_RETURN_IF_ERROR(base::crc32c::Init());
    if (expected_.md5) {
      md5_ = std::make_unique<base::Md5>();
      TFHUB_RETURN_IF_ERROR(md5_->status());
    }
    report_.handle = std::string(handle_);
    report_.total_bytes = head.content_length;  // the first head: the whole body
    streaming_ = true;
    return Status::Ok();
  }

  Status OnData(std::string_view chunk) override {
    if (progress_ && Clock::now() - last_progress_ >= std::chrono::seconds(1)) {
      last_progress_ = Clock::now();
      log_("Downloading " + std::string(handle_) + ": " + base::ReadableBytes(extractor_->bytes_extracted()));
    }
    report_.bytes_received += chunk.size();
    ReportProgress(false);
    sha256_->Update(chunk);
    if (expected_.crc32c) crc32c_ = base::crc32c::Extend(crc32c_, chunk);
    if (md5_) md5_->Update(chunk);
    return extractor_->Push(chunk);
  }

  Status OnRestart() override {
    log_("Restarting the download of " + std::string(handle_) + " from the beginning.");
    extractor_.reset();  // cancels and joins its threads
    TFHUB_ASSIGN_OR_RETURN(std::vector<std::string> names, temp_dir_->ListDir(""));
    for (const auto& name : names) TFHUB_RETURN_IF_ERROR(temp_dir_->DeleteRecursively(name));
    Reset();
    report_.bytes_received = 0;
    return sha256_->status();
  }

  // Ends the stream; the last progress report (finished) follows, whatever
  // the outcome, if a body began.
  Result<archive::ExtractResult> Finish() {
    auto result = extractor_->Finish();
    if (streaming_) ReportProgress(true);
    return result;
  }

  // Checks the whole download against the server's x-goog-hash, if it sent
  // one: DataLoss on a mismatch.
  Status CheckServerDigests() {
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
  Result<std::string> ArchiveSha256() { return sha256_->HexDigest(); }

 private:
  // To options.progress: at most every 100 ms while streaming, then once finished.
  void ReportProgress(bool finished) {
    if (!on_progress_) return;
    const auto now = Clock::now();
    if (!finished && now - last_report_ < std::chrono::milliseconds(100)) return;
    last_report_ = now;
    report_.bytes_extracted = extractor_->bytes_extracted();
    report_.files_extracted = extractor_->files_extracted();
    report_.finished = finished;
    on_progress_(report_);
  }

  void Reset() {
    extractor_ = std::make_unique<archive::StreamingExtractor>(temp_dir_, "", extract_options_);
    sha256_ = std::make_unique<base::Sha256>();
  }

  io::FileSystem* temp_dir_;
  std::string_view handle_;
  const archive::StreamingExtractor::Options extract_options_;
  bool progress_;
  const std::function<void(std::string_view)>& log_;
  const std::function<void(const DownloadProgress&)> on_progress_;
  std::unique_ptr<archive::StreamingExtractor> extractor_;
  std::unique_ptr<base::Sha256> sha256_;
  net::GoogHash expected_;
  uint32_t crc32c_ = 0;
  std::unique_ptr<base::Md5> md5_;
  Clock::time_point last_progress_ = Clock::now();
  DownloadProgress report_;
  bool streaming_ = false;          // a 2xx body began
  Clock::time_point last_report_;   // the epoch: the first chunk is reported
};

Result<cache::DownloadRecord> StreamArchive(std::string_view handle, const std::string& url,
                                            const ArchiveFetch& fetch, const ResolveOptions& options,
                                            const ResolverEnv& env, io::FileSystem& temp_dir,
                                            const std::string& cache_dir) {
  archive::StreamingExtractor::Options extract;
  extract.limits.max_bytes = options.max_extracted_bytes;
  extract.limits.max_members = options.max_members;
  ExtractingSink sink(&temp_dir, handle, extract, options.log_progress, env.log, options.progress);
  auto head = fetch(sink);
  auto extracted = sink.Finish();

  const std::string where = " (handle " + std::string(handle) + ", URL " + url + ")";
  if (!head.ok()) {
    // The extractor's own error travels through the sink; say it as such.
    if (!extracted.ok() && extracted.status().message() == head.status().message()) {
      head = extracted.status();
    } else {
      return head.status().WithPrefix("Failed to download " + std::string(handle) + " from " + url);
    }
  }
  if (!extracted.ok()) {
    const Status& s = extracted.status();
    if (s.code() == StatusCode::kInvalidArgument && s.message().rfind("not a tar archive", 0) == 0) {
      return InvalidArgumentError(std::string(handle) + " does not appear to be a valid module." +
                                  " (" + url + ": " + s.message() + ")");
    }
    if (s.code() == StatusCode::kResourceExhausted && s.message().find("No space left") != std::string::npos) {
      return ResourceExhaustedError("No space left on device in the cache directory " + cache_dir +
                                    " while extracting " + std::string(handle) + ": " + s.message());
    }
    return Status(s.code(), s.message() + where);
  }
  if (Status s = sink.CheckServerDigests(); !s.ok()) return Status(s.code(), s.message() + where);
  TFHUB_ASSIGN_OR_RETURN(std::string sha256, sink.ArchiveSha256());
  if (!options.archive_sha256.empty() && sha256 != options.archive_sha256) {
    return DataLossError("the archive of " + std::string(handle) + " has SHA-256 " + sha256 +
                         ", but " + options.archive_sha256 + " was expected (URL " + url + ")");
  }
  if (options.log_progress) {
    env.log("Downloaded " + std::string(handle) + ", Total size: " + base::ReadableBytes(extracted->bytes));
  }
  cache::DownloadRecord record;
  record.sizes = std::move(extracted->sizes);
  record.bytes = extracted->bytes;
  record.archive_sha256 = std::move(sha256);
  return record;
}

}  // namespace

ArchiveFetch HttpArchiveFetch(const std::string& url, const ResolveOptions& options, const ResolverEnv& env) {
  return [url, &options, &env](net::HttpBodySink& sink) {
    return env.http->Send(HttpRequestFor(url, options), sink);
  };
}

ArchiveFetch FileArchiveFetch(io::FileSystem* fs, const std::string& path, const std::atomic<bool>* cancel) {
  return [fs, path, cancel](net::HttpBodySink& sink) -> Result<net::HttpResponseHead> {
    TFHUB_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, fs->NewRandomAccessFile(path));
    net::HttpResponseHead head;
    head.status = 200;
    head.reason = "OK";
    head.effective_url = path;
    head.content_length = file->Size();
    TFHUB_RETURN_IF_ERROR(sink.OnResponse(head));
    // Blocks are read one ahead of the one being extracted; a remote
    // backend splits each block into parallel ranged reads.
    static constexpr size_t kBlock = 16 << 20;
    const uint64_t size = file->Size();
    auto read_block = [&file, size](uint64_t offset, std::string* buffer) -> Status {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, size - offset));
      buffer->resize(n);
      TFHUB_ASSIGN_OR_RETURN(std::string_view got, file->ReadAt(offset, n, buffer->data()));
      if (got.data() != buffer->data()) buffer->assign(got);
      return Status::Ok();
    };
    std::string current, next;
    std::future<Status> pending;
    if (size > 0) pending = std::async(std::launch::async, read_block, uint64_t{0}, &next);
    for (uint64_t offset = 0; offset < size; offset += kBlock) {
      TFHUB_RETURN_IF_ERROR(pending.get());
      std::swap(current, next);
      if (offset + kBlock < size) pending = std::async(std::launch::async, read_block, offset + kBlock, &next);
      Status s = base::IsCancelled(cancel) ? AbortedError("reading " + path + " interrupted") : sink.OnData(current);
      if (!s.ok()) {
        if (pending.valid()) pending.wait();
        return s;
      }
    }
    return head;
  };
}

Result<ResolvedModule> DownloadArchiveIntoCache(std::string_view handle, const std::string& url,
                                                const ResolveOptions& options, const ResolverEnv& env) {
  return DownloadArchiveIntoCache(handle, url, HttpArchiveFetch(url, options, env), options, env);
}

Result<ResolvedModule> DownloadArchiveIntoCache(std::string_view handle, const std::string& url,
                                                const ArchiveFetch& fetch, const ResolveOptions& options,
                                                const ResolverEnv& env) {
  // Offline: the cache only — no lock, no write (not even the cache dir), no request.
  TFHUB_ASSIGN_OR_RETURN(cache::CacheDir dir,
                         cache::CacheDir::Open(options.cache_dir, !options.offline, *env.file_systems, env.log));
  const auto names = cache::EntryNames::ForHandle(handle);
  if (options.offline) {
    std::string why;
    const auto state = dir.exists() ? cache::InspectModule(dir, names, options.archive_sha256, &why)
                                    : cache::ModuleState::kMissing;
    if (state == cache::ModuleState::kComplete) return ResolvedModule{dir.PathOf(names.module()), dir.path(), names.key()};
    std::string detail;
    if (state == cache::ModuleState::kDamaged) detail = " (its module dir is damaged: " + why + ")";
    if (state == cache::ModuleState::kUnpinned) detail = " (its module dir does not match the pin: " + why + ")";
    if (state == cache::ModuleState::kUntrusted) detail = " (" + why + ")";
    return NotFoundError(std::string(handle) + " is not in the cache " + dir.path() + detail +
                         " and offline mode is on (TFHUB_OFFLINE or --offline)");
  }

  cache::AtomicDownloadOptions atomic;
  atomic.lock_timeout = options.lock_timeout;
  atomic.poll_interval = options.lock_poll_interval;
  atomic.log = env.log;
  atomic.cancel = options.cancel;
  atomic.archive_sha256 = options.archive_sha256;
  TFHUB_ASSIGN_OR_RETURN(std::string path, cache::AtomicDownload(
                                                 dir, handle,
                                                 [&](io::FileSystem& temp_dir) {
                                                   WarnIfTlsUnverified(options, env);
                                                   return StreamArchive(handle, url, fetch, options, env, temp_dir,
                                                                        dir.path());
                                                 },
                                                 atomic));
  return ResolvedModule{std::move(path), dir.path(), names.key()};
}

}  // namespace tfhub::resolvers
