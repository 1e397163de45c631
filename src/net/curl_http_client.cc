#include "net/curl_http_client.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>

#include "base/strings.h"
#include "net/curl_api.h"
#include "net/http_status.h"

namespace tfhub::net {

namespace {

struct Transfer {
  const CurlApi* api = nullptr;
  HttpBodySink* sink = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  std::chrono::steady_clock::duration stall_timeout{};
  std::chrono::steady_clock::time_point last_data = std::chrono::steady_clock::now();
  bool stalled = false;
  curl_off_t uploaded = 0;  // request body bytes sent so far
  HttpResponseHead head;
  bool head_delivered = false;
  Status sink_status;
  CURL* curl = nullptr;

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

size_t HeaderCallback(char* data, size_t size, size_t nitems, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
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
  auto* t = static_cast<Transfer*>(userp);
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
  auto* t = static_cast<Transfer*>(userp);
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

class CurlHttpClient final : public HttpClient {
 public:
  ~CurlHttpClient() override {
    if (api_ != nullptr) {
      for (CURL* h : idle_) api_->easy_cleanup(h);
    }
  }

  Result<HttpResponseHead> Send(const HttpRequest& request, HttpBodySink& sink) override {
    const std::string what = request.method + " " + request.url;
    const bool has_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (!has_body && request.method != "GET" && request.method != "HEAD" && request.method != "DELETE") {
      return InvalidArgumentError("unsupported HTTP method " + request.method);
    }
    TFHUB_ASSIGN_OR_RETURN(const CurlApi* api, Curl());
    CURL* curl = TakeHandle(api);
    if (curl == nullptr) return InternalError("curl_easy_init failed");
    Transfer t;
    t.api = api;
    t.sink = &sink;
    t.curl = curl;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_slist* headers = nullptr;
    for (const auto& h : request.headers) headers = api->slist_append(headers, h.c_str());
    // No "Expect: 100-continue" round trip before a request body.
    if (has_body) headers = api->slist_append(headers, "Expect:");

    api->easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    if (request.method == "GET") {
      api->easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      api->easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
      api->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (has_body) {
        api->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        api->easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      }
    }
    api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
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
    if (headers) api->easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    api->easy_setopt(curl, CURLOPT_HEADERFUNCTION, HeaderCallback);
    api->easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    api->easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteCallback);
    api->easy_setopt(curl, CURLOPT_WRITEDATA, &t);

    t.cancel = request.cancel;
    t.stall_timeout = request.stall_timeout;
    api->easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    api->easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, ProgressCallback);
    api->easy_setopt(curl, CURLOPT_XFERINFODATA, &t);

    const CURLcode rc = api->easy_perform(curl);
    Status status;
    if (!t.sink_status.ok()) {
      status = t.sink_status;
    } else if (rc != CURLE_OK && t.stalled) {
      status = DeadlineExceededError(what + " stalled: no data for " +
                                     std::to_string(request.stall_timeout.count()) + " s");
    } else if (rc != CURLE_OK) {
      status = TransportError(*api, rc, errbuf, what);
    } else {
      status = t.DeliverHead();  // bodiless responses
    }
    api->slist_free_all(headers);
    GiveBack(api, curl);
    if (!status.ok()) return status;
    return std::move(t.head);
  }

 private:
  // Easy handles are kept for reuse: each holds a connection cache, so
  // consecutive requests to one host (Cloud Storage metadata, uploads)
  // reuse the connection and its TLS session instead of a new handshake.
  CURL* TakeHandle(const CurlApi* api) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      api_ = api;
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        api->easy_reset(h);  // options back to defaults; connections kept
        return h;
      }
    }
    return api->easy_init();
  }
  void GiveBack(const CurlApi* api, CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(h);
    } else {
      api->easy_cleanup(h);
    }
  }
  static constexpr size_t kMaxIdle = 16;
  std::mutex mu_;
  const CurlApi* api_ = nullptr;
  std::vector<CURL*> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

HttpClient& SharedCurlHttpClient() {
  static HttpClient* const client = NewCurlHttpClient().release();  // never destroyed: used until exit
  return *client;
}


}  // namespace tfhub::net
