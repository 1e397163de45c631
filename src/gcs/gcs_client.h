// gcs::GcsClient — the Cloud Storage JSON API operations tfhub needs, over
// net::HttpClient: object metadata, listing (prefix, delimiter, pagination),
// ranged reads, simple and resumable uploads, delete, server-side rewrite,
// and preconditions (ifGenerationMatch) for exclusive creates.
//
// Every request carries the credentials' Authorization header (none when
// anonymous), but only over https or plain http to a loopback host
// (127.0.0.0/8, ::1, localhost; net/credential_url.h): a request that would
// carry one to any other URL (the endpoint, or a resumable upload's session
// URL) is not sent; it fails with FailedPrecondition "Cloud Storage
// <method> with <Credentials::Describe()>: refusing to send credentials to
// http://<host>[:<port>]: ...". Redirects are never followed.
//
// Retries (408/429/5xx, network errors) are the HttpClient's job: give this
// client a net::RetryingHttpClient. Requests that are not naturally
// idempotent are made safe to repeat by their callers (an exclusive create
// checks, on a 412, whether the object is its own).
//
// Errors name the operation, the gs:// object and the HTTP status, plus the
// service's own message: "Cloud Storage read gs://b/o: HTTP 404 Not Found:
// No such object: b/o". Codes: 404 NotFound, 412 FailedPrecondition (or
// AlreadyExists for creates with ifGenerationMatch=0), 401/403
// PermissionDenied, 408/429/5xx Unavailable, 416 OutOfRange, other 4xx
// InvalidArgument/FailedPrecondition. Credentials never appear in errors.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gcs/credentials.h"
#include "gcs/gcs_path.h"
#include "net/http_client.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::gcs {

struct GcsClientOptions {
  // "https://storage.googleapis.com", or the emulator's "http://host:port"
  // (with anonymous credentials: see above for where a token may go).
  std::string endpoint = "https://storage.googleapis.com";
  bool verify_tls = true;
  std::string ca_file;
  const std::atomic<bool>* cancel = nullptr;
  std::chrono::seconds stall_timeout{60};
};

// STORAGE_EMULATOR_HOST as Google's client libraries accept it: "host:port"
// or "http://host:port" (a trailing '/' dropped) -> the endpoint URL.
std::string EndpointFromEmulatorHost(std::string_view emulator_host);

struct ObjectMetadata {
  std::string name;
  uint64_t size = 0;
  int64_t generation = 0;
  std::string crc32c;  // base64, as the service sends it
  std::string md5;     // base64
  std::string content_encoding;  // "gzip": Cloud Storage decodes it when served (and ignores Range)
};

struct ListResult {
  std::vector<ObjectMetadata> objects;
  std::vector<std::string> prefixes;  // with the delimiter delimiter at the end
};

class GcsClient {
 public:
  // `http` must outlive the client.
  GcsClient(net::HttpClient* http, std::shared_ptr<Credentials> credentials, GcsClientOptions options);

  const GcsClientOptions& options() const { return options_; }

  // NotFound when the object does not exist.
  Result<ObjectMetadata> GetMetadata(const GcsPath& path);

  // Objects (and, with a delimiter, common prefixes) under `prefix`, all
  // pages; with max_results > 0 it stops once it has at least that many
  // entries (objects + prefixes).
  Result<ListResult> List(const std::string& bucket, const std::string& prefix, std::string_view delimiter,
                          size_t max_results = 0);

  // Reads exactly `n` bytes at `offset` of `generation` (0: the live one)
  // into `dest`. DataLoss when the service answers with something else.
  Status ReadRange(const GcsPath& path, int64_t generation, uint64_t offset, size_t n, char* dest);

  // A GET of the bytes of `generation` of the object (0: the live one),
  // with the credentials' header, for callers that fetch it themselves
  // (ranged parts on an event loop: net::FetchParts).
  Result<net::HttpRequest> MediaRequest(const GcsPath& path, int64_t generation);

  // The object's bytes, of `generation` (0: the live one), streamed to
  // `sink` in one GET (a broken body is resumed by the HttpClient's
  // retries), with its size and x-goog-hash checksums.
  Status Stream(const GcsPath& path, int64_t generation, io::StreamSink& sink);

  // The whole (small) object, at most `max_bytes`.
  Result<std::string> ReadToString(const GcsPath& path, size_t max_bytes = 64 << 20);

  // One-request upload. `if_generation_match` = 0: create only if absent
  // (AlreadyExists otherwise).
  Result<ObjectMetadata> Insert(const GcsPath& path, std::string_view data,
                                std::optional<int64_t> if_generation_match = std::nullopt);

  // Starts a resumable upload; returns the session URL.
  Result<std::string> StartResumableUpload(const GcsPath& path,
                                           std::optional<int64_t> if_generation_match = std::nullopt);

  // Sends `data` as the bytes at `offset` of the session's object
  // (Content-Range "bytes a-b/*", or "bytes a-b/<total>" when final). Not
  // final: `data.size()` must be a multiple of 256 KiB; the service answers
  // 308 with how many bytes from the start it has persisted (it may keep
  // fewer than sent: the caller resends from there); a 200/201 to a chunk
  // that is not final (the object committed early: the firebase emulator
  // commits on every PUT) is FailedPrecondition. Final: the object is
  // offset + data.size() bytes and is committed; returns that size.
  Result<uint64_t> UploadChunk(const GcsPath& path, const std::string& session, uint64_t offset,
                               std::string_view data, bool final);

  // Concatenates `sources` (objects of `dest`'s bucket, at most 32, pinned
  // to their generations when non-zero) into `dest` (objects.compose).
  struct ComposeSource {
    std::string name;
    int64_t generation = 0;
  };
  Result<ObjectMetadata> Compose(const GcsPath& dest, const std::vector<ComposeSource>& sources,
                                 std::optional<int64_t> if_generation_match = std::nullopt);

  // NotFound when the object does not exist.
  Status Delete(const GcsPath& path);

  // Server-side copy (looping on rewriteToken for large objects).
  Result<ObjectMetadata> Rewrite(const GcsPath& from, const GcsPath& to,
                                 std::optional<int64_t> if_generation_match = std::nullopt);

 private:
  Result<net::HttpRequest> NewRequest(std::string method, std::string url);
  std::string ObjectUrl(const GcsPath& path) const;

  net::HttpClient* http_;
  std::shared_ptr<Credentials> credentials_;
  GcsClientOptions options_;
};

// Maps a Cloud Storage answer to a Status, as described above. `what` is
// the operation ("read", "upload"...), `uri` the object.
Status GcsHttpError(std::string_view what, std::string_view uri, const net::HttpResponseHead& head,
                    std::string_view body);

}  // namespace tfhub::gcs
