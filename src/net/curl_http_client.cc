#include "net/curl_http_client.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>

#include "base/strings.h"
#include "net/curl_api.h"
#include "net/curl_transfer.h"
#include "net/http_status.h"

namespace tfhub::net {

namespace {

class CurlHttpClient final : public HttpClient {
 public:
  ~CurlHttpClient() override {
    if (api_ != nullptr) {
      for (CURL* h : idle_) api_->easy_cleanup(h);
    }
  }

  Result<HttpResponseHead> Send(const HttpRequest& request, HttpBodySink& sink) override {
    TFHUB_ASSIGN_OR_RETURN(const CurlApi* api, Curl());
    CURL* curl = TakeHandle(api);
    if (curl == nullptr) return InternalError("curl_easy_init failed");
    auto transfer = CurlTransfer::Prepare(api, curl, request, &sink);
    if (!transfer.ok()) {
      GiveBack(api, curl);
      return transfer.status();
    }
    auto head = (*transfer)->Finish(api->easy_perform(curl));
    transfer->reset();
    GiveBack(api, curl);
    return head;
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
