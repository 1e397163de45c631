#include "resolve/archive_download.h"

#include "base/strings.h"
#include "cache/atomic_download.h"
#include "cache/cache_dir.h"
#include "resolve/archive_stream.h"

namespace tfhub::resolvers {

namespace {

using Failure = archive::StreamingExtractor::Failure;

// What went wrong with the extraction, in the words users search for.
Status ExtractionError(const Status& s, Failure failure, std::string_view handle, const std::string& source,
                       const std::string& cache_dir) {
  if (failure == Failure::kNotAnArchive) {
    return InvalidArgumentError(std::string(handle) + " does not appear to be a valid module." + " (" + source +
                                ": " + s.message() + ")");
  }
  if (failure == Failure::kWrite && s.code() == StatusCode::kResourceExhausted) {
    return ResourceExhaustedError("No space left on device in the cache directory " + cache_dir +
                                  " while extracting " + std::string(handle) + ": " + s.message());
  }
  return Status(s.code(), s.message() + " (handle " + std::string(handle) + ", URL " + source + ")");
}

// Streams the archive at `source` into `temp_dir` and checks it whole.
Result<cache::DownloadRecord> StreamArchive(std::string_view handle, const std::string& source,
                                            const runtime::Context& ctx, io::FileSystem& temp_dir,
                                            const std::string& cache_dir, const cache::ProgressFn& lock_progress) {
  // The caller's progress callback, and the lock's progress record for
  // waiters on billed cache dirs (cache/lock_progress.h).
  ResolveOptions options = ctx.options();
  options.progress = [caller = options.progress, &lock_progress](const DownloadProgress& p) {
    lock_progress(p.bytes_received, p.total_bytes.value_or(0));
    if (caller) caller(p);
  };
  TFHUB_ASSIGN_OR_RETURN(io::FileSystem * fs, ctx.file_systems().ForUri(source));
  archive::StreamingExtractor::Options extract;
  extract.limits.max_bytes = options.max_extracted_bytes;
  extract.limits.max_members = options.max_members;
  if (temp_dir.RequestsAreBilled()) {
    // An object store: each file is an upload at Close(), so many at once
    // (each writer holds at most one small file's buffer; large files go up
    // as parts within the file system's own budget).
    extract.writer_threads = 16;
    extract.spread_files = true;
  }
  extract.decode_threads = options.decode_threads < 0 ? 1 : static_cast<size_t>(options.decode_threads);
  ExtractionSink extraction(&temp_dir, extract, ctx.cancel());
  DigestSink digests(&extraction);
  ProgressSink progress(&digests, &extraction, handle, options, ctx.log());

  const Status read = fs->ReadStream(source, progress);
  // Whose error it is, decided before Finish() adds the extractor's view of
  // a stream cut short.
  const bool source_failed = !read.ok() && !extraction.failed();
  Result<archive::ExtractResult> extracted = extraction.Finish();
  progress.Finish();
  if (source_failed) return read.WithPrefix("Failed to download " + std::string(handle) + " from " + source);
  if (!read.ok()) return ExtractionError(read, extraction.failure(), handle, source, cache_dir);
  if (!extracted.ok()) return ExtractionError(extracted.status(), extraction.failure(), handle, source, cache_dir);
  if (Status s = digests.CheckSourceDigests(); !s.ok()) {
    return Status(s.code(), s.message() + " (handle " + std::string(handle) + ", URL " + source + ")");
  }
  TFHUB_ASSIGN_OR_RETURN(std::string sha256, digests.Sha256());
  if (!options.archive_sha256.empty() && sha256 != options.archive_sha256) {
    return DataLossError("the archive of " + std::string(handle) + " has SHA-256 " + sha256 + ", but " +
                         options.archive_sha256 + " was expected (URL " + source + ")");
  }
  if (options.log_progress) {
    ctx.log()("Downloaded " + std::string(handle) + ", Total size: " + base::ReadableBytes(extracted->bytes));
  }
  cache::DownloadRecord record;
  record.sizes = std::move(extracted->sizes);
  record.bytes = extracted->bytes;
  record.archive_sha256 = std::move(sha256);
  return record;
}

}  // namespace

Result<ResolvedModule> DownloadArchiveIntoCache(std::string_view handle, const std::string& source,
                                                const runtime::Context& ctx) {
  const ResolveOptions& options = ctx.options();
  // Offline: the cache only — no lock, no write (not even the cache dir), no request.
  TFHUB_ASSIGN_OR_RETURN(cache::CacheDir dir,
                         cache::CacheDir::Open(options.cache_dir, !options.offline, ctx.file_systems(), ctx.log()));
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
  atomic.log = ctx.log();
  atomic.cancel = options.cancel;
  atomic.clock = &ctx.clock();
  atomic.archive_sha256 = options.archive_sha256;
  TFHUB_ASSIGN_OR_RETURN(std::string path,
                         cache::AtomicDownload(
                             dir, handle,
                             [&](io::FileSystem& temp_dir, const cache::ProgressFn& lock_progress) {
                               WarnIfTlsUnverified(ctx);
                               return StreamArchive(handle, source, ctx, temp_dir, dir.path(), lock_progress);
                             },
                             atomic));
  return ResolvedModule{std::move(path), dir.path(), names.key()};
}

}  // namespace tfhub::resolvers
