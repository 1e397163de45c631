#include "resolve/archive_download.h"

#include <chrono>

#include "archive/streaming_extractor.h"
#include "base/strings.h"
#include "cache/atomic_download.h"
#include "net/http_status.h"

namespace tfhub::resolvers {

namespace {

using Clock = std::chrono::steady_clock;

// Feeds a 2xx body into the extractor; refuses any other status.
class ExtractingSink final : public net::HttpBodySink {
 public:
  ExtractingSink(archive::StreamingExtractor* extractor, std::string_view handle, bool progress,
                 const std::function<void(std::string_view)>& log)
      : extractor_(extractor), handle_(handle), progress_(progress), log_(log) {}

  Status OnResponse(const net::HttpResponseHead& head) override {
    if (head.status < 200 || head.status > 299) return net::HttpErrorStatus(head.status, head.reason);
    return Status::Ok();
  }

  Status OnData(std::string_view chunk) override {
    if (progress_ && Clock::now() - last_progress_ >= std::chrono::seconds(1)) {
      last_progress_ = Clock::now();
      log_("Downloading " + std::string(handle_) + ": " +
           base::ReadableBytes(extractor_->bytes_extracted()));
    }
    return extractor_->Push(chunk);
  }

 private:
  archive::StreamingExtractor* extractor_;
  std::string_view handle_;
  bool progress_;
  const std::function<void(std::string_view)>& log_;
  Clock::time_point last_progress_ = Clock::now();
};

Result<cache::DownloadRecord> StreamArchive(std::string_view handle, const std::string& url,
                                            const ResolveOptions& options, const ResolverEnv& env,
                                            io::FileSystem& fs, const std::string& temp_dir) {
  archive::StreamingExtractor extractor(&fs, temp_dir);
  ExtractingSink sink(&extractor, handle, options.log_progress, env.log);
  net::HttpRequest request;
  request.url = url;
  request.verify_tls = options.verify_tls;
  request.ca_file = options.ca_file;
  request.cancel = options.cancel;
  auto head = env.http->Get(request, sink);
  auto extracted = extractor.Finish();

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
    return Status(s.code(), s.message() + where);
  }
  if (options.log_progress) {
    env.log("Downloaded " + std::string(handle) + ", Total size: " + base::ReadableBytes(extracted->bytes));
  }
  cache::DownloadRecord record;
  record.sizes = std::move(extracted->sizes);
  record.bytes = extracted->bytes;
  return record;
}

}  // namespace

Result<std::string> DownloadArchiveIntoCache(std::string_view handle, const std::string& url,
                                             const ResolveOptions& options, const ResolverEnv& env) {
  const std::string cache_dir = options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir;
  TFHUB_ASSIGN_OR_RETURN(io::FileSystem * fs, env.file_systems->ForUri(cache_dir));
  const cache::CacheLayout layout(cache_dir, handle);

  cache::AtomicDownloadOptions atomic;
  atomic.lock_timeout = options.lock_timeout;
  atomic.poll_interval = options.lock_poll_interval;
  atomic.log = env.log;
  atomic.cancel = options.cancel;
  return cache::AtomicDownload(
      *fs, layout, handle,
      [&](const std::string& temp_dir) {
        if (!options.verify_tls) env.log("WARNING: Disabled certificate validation for resolving handles.");
        return StreamArchive(handle, url, options, env, *fs, temp_dir);
      },
      atomic);
}

}  // namespace tfhub::resolvers
