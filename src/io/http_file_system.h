// io::HttpFileSystem — http:// and https:// URLs as a read-only filesystem,
// so that anything reading through io::FileSystem (the SavedModel reader,
// tools) can read a model straight off a web server.
//  * Stat: HEAD; 2xx is a file of Content-Length bytes, 404/410 is
//    kNotFound; other answers are errors naming the URL and status.
//  * NewRandomAccessFile: HEAD once (size and validator), then every
//    ReadAt is one ranged GET ("Range: bytes=a-b", with "If-Range" on the
//    validator so a resource that changed is refused, not mixed).
//  * ReadFileToString: one GET; a body over `max_bytes` is refused on its
//    Content-Length, else as soon as that many bytes have come.
//  * ReadStream: net::ParallelGet (a probe, then parallel ranged requests
//    pinned to the resource, decoded in order as they arrive) with
//    options.parallel.connections > 1, else one GET streamed to the sink as
//    it arrives; a broken body is resumed (Range + If-Range) by the retrying
//    client, and starts over (StreamSink::OnStart again) when the resource
//    changed. A non-2xx final
//    answer is net::HttpErrorStatus ("HTTP Error 404: Not Found"); an
//    x-goog-hash header becomes StreamInfo's checksums.
//  * Directories cannot be listed over HTTP: ListDir and ListTree are
//    Unimplemented (FileSystem's defaults), and a directory URL is nothing
//    Stat can tell apart. Every write is PermissionDenied ("read-only"), as
//    on a read-only mount.
// Retries and TLS settings come with the HttpClient and options given.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "net/http_client.h"
#include "net/parallel_get.h"
#include "tfhub/file_system.h"

namespace tfhub::io {

struct HttpFileSystemOptions {
  bool verify_tls = true;
  std::string ca_file;
  const std::atomic<bool>* cancel = nullptr;  // checked while a transfer runs
  std::chrono::seconds stall_timeout{60};
  // ReadStream over parallel ranged requests (net/parallel_get.h) when
  // connections > 1; one GET otherwise.
  net::ParallelGetOptions parallel;
};

class HttpFileSystem final : public FileSystem {
 public:
  // `http` (retries come with it) is shared with the filesystem.
  HttpFileSystem(std::shared_ptr<net::HttpClient> http, HttpFileSystemOptions options);

  Result<FileInfo> Stat(const std::string& url) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& url) override;
  Result<std::string> ReadFileToString(const std::string& url, uint64_t max_bytes = kNoLimit) override;

  // PermissionDenied: http(s) is read-only.
  Status CreateDirs(const std::string& url) override;
  Status DeleteFile(const std::string& url) override;
  Status DeleteRecursively(const std::string& url) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& url) override;
  Status CreateExclusive(const std::string& url, std::string_view content) override;
  Status ReadStream(const std::string& url, StreamSink& sink) override;

 private:
  net::HttpRequest Request(std::string method, const std::string& url) const;

  std::shared_ptr<net::HttpClient> http_;
  HttpFileSystemOptions options_;
};

}  // namespace tfhub::io
