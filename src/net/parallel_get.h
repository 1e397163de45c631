// net::ParallelGet — one resource downloaded over many connections and
// delivered as one in-order stream, so the extractor decodes while the parts
// arrive. Servers and CDNs cap each connection; splitting a large archive
// into ranged requests is what aria2, hf_transfer or `gcloud storage` do,
// but they write the file first and extract it afterwards.
//
//  1. Probe: GET with "Range: bytes=0-<part-1>" through `client` (the
//     retrying one: redirects followed, failures retried and resumed). The
//     stream starts with its bytes at once.
//      * 206 with "Content-Range: bytes 0-x/<total>", a validator (strong
//        ETag, else Last-Modified) and no Content-Encoding: the resource is
//        pinned — its final URL (after redirects), its size, its validator.
//      * 200 (no ranges, Cloud Storage transcoding gzip-encoded objects, a
//        small resource): that answer is the whole stream, as a single GET.
//      * 206 that cannot be pinned (no validator, a Content-Encoding): a
//        plain GET is sent instead.
//  2. The rest of the resource, in parts of part_bytes, over `connections`
//     transfers on ONE thread (libcurl's multi interface, connections
//     reused for the next part), every part carrying "If-Range: <validator>".
//     Parts are handed to the sink in order as they complete, on the calling
//     thread; at most window_bytes of parts are in flight or waiting, so
//     memory stays bounded whatever the size.
//  3. A part that fails in a retryable way (a reset, a stall, 408/429/5xx) is
//     retried alone, with backoff, resuming inside its range (the bytes it
//     has are kept), up to retry.max_attempts attempts per part.
//  4. A part that shows the resource changed — a 200 where a 206 was asked
//     for, another validator, a Content-Range that is not the one asked for
//     (or none), a 416 — stops the parts: the download starts over as one
//     GET (StreamSink::OnStart again), which delivers one object whole. The
//     sink never gets bytes of two objects without a start in between.
//
// Errors: the sink's own (unchanged); the probe's (as HttpClient::Send);
// a part's last error after its attempts ("the part at byte N of <url>:
// ..."); Aborted when request.cancel is set.
//
// Thread safety: one call uses one extra thread (the event loop); the sink is
// called on the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "net/http_client.h"
#include "net/retry.h"
#include "tfhub/file_system.h"

namespace tfhub::net {

struct ParallelGetOptions {
  int connections = 16;
  // 2 MiB parts and a 32 MiB window: 16 transfers at once within the
  // memory goal (peak RSS <= 128 MiB with parallel decoding; bench/README.md).
  uint64_t part_bytes = 2 << 20;
  // Parts in flight or received ahead of the sink, in all (the memory bound):
  // the number of transfers at once is min(connections, window / part).
  uint64_t window_bytes = 32 << 20;
  // Per part: attempts, backoff (waited on retry.clock).
  RetryOptions retry;
  // One line per part retried and per start-over. May be null.
  std::function<void(std::string_view)> log;
};

// Streams the resource `request` names (a GET) to `sink` as described above.
// When the first answer carries an x-goog-hash crc32c, each part's CRC32C
// is computed on the event loop as it arrives and handed on with it
// (StreamSink::OnChecksummedData), so the sink combines instead of reading
// the bytes twice. The sink hears of bytes received ahead of those
// delivered (StreamSink::OnReceived) at least every 100 ms while it waits.
Status ParallelGet(HttpClient& client, const HttpRequest& request, const ParallelGetOptions& options,
                   io::StreamSink& sink);

// A resource whose parts can be fetched: a URL and size, pinned to one
// version of it by a validator (sent as If-Range and compared on every
// part's answer) or, with an empty validator, by the URL itself (Cloud
// Storage's &generation=: a 404 or 412 means that version is gone).
struct PinnedResource {
  std::string url;
  uint64_t size = 0;
  std::string validator;
};

// Step 2 on its own (for callers that pinned the resource themselves, as
// the Cloud Storage backend does from the object's metadata): bytes
// [from, min(to, resource.size)) of `resource`, fetched with `request`'s method,
// headers and settings (its URL replaced, a Range added), handed to `sink`
// in order (with each part's CRC32C when checksum_parts; see ParallelGet).
// *changed tells whether a failure showed the resource changing: the
// caller then starts over or gives up.
Status FetchParts(const HttpRequest& request, const PinnedResource& resource, uint64_t from, uint64_t to,
                  const ParallelGetOptions& options, bool checksum_parts, io::StreamSink& sink, bool* changed);

// The body sink that turns one GET into a stream: a 2xx answer starts (or,
// after a restart, starts over) the stream, with its size and x-goog-hash
// checksums; any other status is net::HttpErrorStatus.
class StreamBodySink final : public HttpBodySink {
 public:
  explicit StreamBodySink(io::StreamSink* sink) : sink_(sink) {}
  Status OnResponse(const HttpResponseHead& head) override;
  Status OnData(std::string_view chunk) override { return sink_->OnData(chunk); }
  Status OnRestart() override { return Status::Ok(); }  // the next OnResponse starts the sink over

 private:
  io::StreamSink* sink_;
};

}  // namespace tfhub::net
