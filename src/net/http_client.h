// net::HttpClient — the seam between tfhub and HTTP. Streams response bodies
// to a sink as they arrive; never buffers a whole response body. Request
// bodies are given whole (uploads are sent in bounded chunks by the caller).
//
// Thread safety: an HttpClient may be used by several threads at once; each
// Send() call is independent. Sinks are called on the calling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tfhub/result.h"

namespace tfhub::net {

struct HttpRequest {
  // GET, HEAD, POST, PUT, PATCH or DELETE.
  std::string method = "GET";
  std::string url;
  // Sent with POST, PUT and PATCH (with its Content-Length; give the
  // Content-Type in `headers`).
  std::string body;
  bool verify_tls = true;
  std::string ca_file;  // PEM bundle of trusted CAs; empty: the system's
  bool follow_redirects = true;
  long max_redirects = 10;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::seconds connect_timeout{30};
  // Checked while the transfer runs (at least once a second): when true,
  // the transfer stops with Aborted. May be null.
  const std::atomic<bool>* cancel = nullptr;
  // A transfer that sends and receives nothing for this long is aborted as stalled
  // (DeadlineExceeded), connection set-up included.
  std::chrono::seconds stall_timeout{60};
};

struct HttpResponseHead {
  long status = 0;
  std::string reason;         // the server's reason phrase, or the standard one
  std::string effective_url;  // after redirects
  std::optional<uint64_t> content_length;
  std::vector<std::pair<std::string, std::string>> headers;  // of the final response

  // First header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

class HttpBodySink {
 public:
  virtual ~HttpBodySink() = default;
  // Called once, with the final (post-redirect) response's status line and
  // headers, before any body data. A non-OK return aborts the transfer and
  // becomes Get()'s result.
  virtual Status OnResponse(const HttpResponseHead& head) = 0;
  // Called with consecutive pieces of the body. A non-OK return aborts.
  virtual Status OnData(std::string_view chunk) = 0;
  // The body will be delivered again from its first byte (a retry could
  // not resume). A sink that cannot start over returns an error (the
  // default), which ends the transfer.
  virtual Status OnRestart() { return UnimplementedError("cannot restart the body"); }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs the request. Returns the response head once the body has been
  // fully delivered to `sink`; any HTTP status counts as success here — the
  // sink decides what a status means. Errors: the sink's own, or a transport
  // error (Unavailable for connection failures and cut bodies,
  // DeadlineExceeded for stalls, FailedPrecondition for TLS problems and
  // redirect loops), with the method and URL in the message.
  virtual Result<HttpResponseHead> Send(const HttpRequest& request, HttpBodySink& sink) = 0;
};

// The validator for If-Range: a strong ETag, else Last-Modified; "" if none.
std::string StrongValidator(const HttpResponseHead& head);

// Whether the body is content-encoded (a Content-Encoding other than
// "identity"; an empty header, as some servers send, is none): its bytes
// are then not the resource's, and ranges of it are not ranges of those.
bool IsContentEncoded(const HttpResponseHead& head);

// Where a 206's "Content-Range: bytes <first>-<last>/<size>" says the part
// starts; nullopt when the header is missing or malformed.
std::optional<uint64_t> ContentRangeStart(const HttpResponseHead& head);

// "Content-Range: bytes <first>-<last>/<total>" of a 206 in full; nullopt
// when the header is missing or malformed, or the total is unknown ("*").
struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t total = 0;
};
std::optional<ContentRange> ParseContentRange(const HttpResponseHead& head);

// A sink that keeps the body in memory, up to `max_bytes` (ResourceExhausted
// beyond). For small answers: JSON metadata, tokens, error documents.
class StringBodySink final : public HttpBodySink {
 public:
  explicit StringBodySink(size_t max_bytes = 16 << 20) : max_bytes_(max_bytes) {}
  Status OnResponse(const HttpResponseHead&) override { return Status::Ok(); }
  Status OnData(std::string_view chunk) override;
  Status OnRestart() override {
    body_.clear();
    return Status::Ok();
  }
  const std::string& body() const { return body_; }
  std::string& body() { return body_; }

 private:
  size_t max_bytes_;
  std::string body_;
};

// A whole small response.
struct HttpResponse {
  HttpResponseHead head;
  std::string body;
};

// Sends `request` and returns the head and the body (at most `max_bytes`).
Result<HttpResponse> SendForString(HttpClient& client, const HttpRequest& request,
                                   size_t max_bytes = 16 << 20);

}  // namespace tfhub::net
