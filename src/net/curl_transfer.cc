#include "net/curl_transfer.h"

#include <atomic>
#include <cstdlib>

#include "base/strings.h"
#include "net/http_status.h"

namespace tfhub::net {

struct CurlTransfer::State {
  const CurlApi* api = nullptr;
  CURL* curl = nullptr;
  HttpBodySink* sink = nullptr;
  std::string what;  // "<method> <url>", for messages
  const std::atomic<bool>* cancel = nullptr;
  std::chrono::seconds stall_timeout_seconds{0};
  std::chrono::steady_clock::duration stall_timeout{};
  std::chrono::steady_clock::time_point last_data = std::chrono::steady_clock::now();
  bool stalled = false;
  curl_off_t uploaded = 0;  // request body bytes sent so far
  HttpResponseHead head;
  bool head_delivered = false;
  Status sink_status;
  curl_slist* headers = nullptr;
  std::string body;  // kept alive for CURLOPT_POSTFIELDS
  char errbuf[CURL_ERROR_SIZE] = {};

  // Delivers the head once the final response's body starts (or the
  // transfer ends without a body).
  Status DeliverHead() {
    if (head_delivered) return Status::Ok();
    head_delivered = true;
    char* url = nullptr;
    if (api->easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url) head.effective_url = url;
    curl_off_t cl = -1;
    if (api->easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl >= 0) {
      head.content_length = static_cast<uint64_t>(cl);
    }
    if (head.reason.empty()) head.reason = std::string(StandardReasonPhrase(head.status));
    return sink->OnResponse(head);
  }
};

namespace {

using State = CurlTransfer::State;

size_t HeaderCallback(char* data, size_t size, size_t nitems, void* userp) {
  auto* t = static_cast<State*>(userp);
  const size_t n = size * nitems;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after a redirect or a 1xx): start over.
    t->head = HttpResponseHead{};
    const auto sp1 = line.find(' ');
    if (sp1 != std::string_view::npos) {
      t->head.status = std::strtol(std::string(line.substr(sp1 + 1, 3)).c_str(), nullptr, 10);
      if (line.size() > sp1 + 5) t->head.reason = std::string(base::TrimWhitespace(line.substr(sp1 + 5)));
    }
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    t->head.headers.emplace_back(std::string(line.substr(0, colon)),
                                 std::string(base::TrimWhitespace(line.substr(colon + 1))));
  }
  return n;
}

// Called by curl often while a transfer runs, and about once a second when
// nothing arrives: the place to notice cancellation and stalls.
int ProgressCallback(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<State*>(userp);
  if (t->cancel != nullptr && t->cancel->load()) return 1;  // non-zero aborts the transfer
  if (ulnow > t->uploaded) {  // a request body going out is progress too
    t->uploaded = ulnow;
    t->last_data = std::chrono::steady_clock::now();
  }
  if (std::chrono::steady_clock::now() - t->last_data > t->stall_timeout) {
    t->stalled = true;
    return 1;
  }
  return 0;
}

size_t WriteCallback(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<State*>(userp);
  const size_t n = size * nmemb;
  t->last_data = std::chrono::steady_clock::now();
  Status s = t->DeliverHead();
  if (s.ok()) s = t->sink->OnData(std::string_view(data, n));
  if (!s.ok()) {
    t->sink_status = std::move(s);
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  return n;
}

Status TransportError(const CurlApi& api, CURLcode code, const char* errbuf, const std::string& what) {
  std::string detail = (errbuf && *errbuf) ? errbuf : api.easy_strerror(code);
  std::string msg = what + " failed: " + detail;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return DeadlineExceededError(std::move(msg));
    case CURLE_ABORTED_BY_CALLBACK: return AbortedError(what + " interrupted");
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return FailedPreconditionError(std::move(msg));
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return UnavailableError(std::move(msg));
    default: return UnavailableError(std::move(msg));
  }
}

}  // namespace

CurlTransfer::CurlTransfer(std::unique_ptr<State> state) : state_(std::move(state)) {}

CurlTransfer::~CurlTransfer() {
  if (state_->headers != nullptr) state_->api->slist_free_all(state_->headers);
}

CURL* CurlTransfer::handle() const { return state_->curl; }

Result<std::unique_ptr<CurlTransfer>> CurlTransfer::Prepare(const CurlApi* api, CURL* curl,
                                                            const HttpRequest& request, HttpBodySink* sink) {
  const bool has_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!has_body && request.method != "GET" && request.method != "HEAD" && request.method != "DELETE") {
    return InvalidArgumentError("unsupported HTTP method " + request.method);
  }
  auto t = std::make_unique<State>();
  t->api = api;
  t->curl = curl;
  t->sink = sink;
  t->what = request.method + " " + request.url;
  t->cancel = request.cancel;
  t->stall_timeout_seconds = request.stall_timeout;
  t->stall_timeout = request.stall_timeout;
  t->body = request.body;
  for (const auto& h : request.headers) t->headers = api->slist_append(t->headers, h.c_str());
  // No "Expect: 100-continue" round trip before a request body.
  if (has_body) t->headers = api->slist_append(t->headers, "Expect:");

  api->easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  if (request.method == "GET") {
    api->easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    api->easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    api->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (has_body) {
      api->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->body.size()));
      api->easy_setopt(curl, CURLOPT_POSTFIELDS, t->body.data());
    }
  }
  api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api->easy_setopt(curl, CURLOPT_ERRORBUFFER, t->errbuf);
  api->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  api->easy_setopt(curl, CURLOPT_MAXREDIRS, request.max_redirects);
  api->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api->easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  api->easy_setopt(curl, CURLOPT_USERAGENT, "tfhub/" TFHUB_VERSION);
  api->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout.count()));
  api->easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  api->easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  api->easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024L);
  if (!request.ca_file.empty()) api->easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
  if (t->headers) api->easy_setopt(curl, CURLOPT_HTTPHEADER, t->headers);
  api->easy_setopt(curl, CURLOPT_HEADERFUNCTION, HeaderCallback);
  api->easy_setopt(curl, CURLOPT_HEADERDATA, t.get());
  api->easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteCallback);
  api->easy_setopt(curl, CURLOPT_WRITEDATA, t.get());
  api->easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  api->easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, ProgressCallback);
  api->easy_setopt(curl, CURLOPT_XFERINFODATA, t.get());
  return std::unique_ptr<CurlTransfer>(new CurlTransfer(std::move(t)));
}

Result<HttpResponseHead> CurlTransfer::Finish(CURLcode rc) {
  State& t = *state_;
  Status status;
  if (!t.sink_status.ok()) {
    status = t.sink_status;
  } else if (rc != CURLE_OK && t.stalled) {
    status = DeadlineExceededError(t.what + " stalled: no data for " + std::to_string(t.stall_timeout_seconds.count()) +
                                   " s");
  } else if (rc != CURLE_OK) {
    status = TransportError(*t.api, rc, t.errbuf, t.what);
  } else {
    status = t.DeliverHead();  // bodiless responses
  }
  if (!status.ok()) return status;
  return std::move(t.head);
}

}  // namespace tfhub::net
