// Test support: net::ScriptedHttpClient replays scripted HTTP exchanges
// (request expected, response given) for unit tests of code that talks to a
// service whose real implementation cannot produce some answer (Cloud
// Storage preconditions, token endpoints, 416s...).
//
// Contract:
//  * Expect() appends an exchange. Send() takes the FIRST pending exchange
//    whose method and URL match (and whose `matches` predicate, if given,
//    accepts the request), records the request, and delivers the scripted
//    response to the sink (head, then the body in one piece) and/or returns
//    the scripted transport error. So parallel requests may arrive in any
//    order.
//  * A request no pending exchange matches gets an Internal error naming it;
//    it is also recorded in unexpected() so a test can assert on it.
//  * Thread-safe.
#pragma once

#include <algorithm>
#include <cctype>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.h"

namespace tfhub::net {

struct ScriptedExchange {
  std::string method = "GET";
  std::string url;  // exact, query included
  std::function<bool(const HttpRequest&)> matches;  // optional extra condition

  long status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Not OK: Send() fails with it — at once when `body` is empty, else after
  // delivering the head and `body` (a connection cut mid-body).
  Status transport_error;
};

// An exchange answering `method url` with `status`, `body` and `headers`.
inline ScriptedExchange Answer(std::string method, std::string url, long status, std::string body = "",
                               std::vector<std::pair<std::string, std::string>> headers = {}) {
  ScriptedExchange e;
  e.method = std::move(method);
  e.url = std::move(url);
  e.status = status;
  e.body = std::move(body);
  e.headers = std::move(headers);
  return e;
}

class ScriptedHttpClient final : public HttpClient {
 public:
  ScriptedHttpClient& Expect(ScriptedExchange exchange) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(exchange));
    return *this;
  }

  Result<HttpResponseHead> Send(const HttpRequest& request, HttpBodySink& sink) override {
    ScriptedExchange exchange;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.begin();
      for (; it != pending_.end(); ++it) {
        if (it->method == request.method && it->url == request.url && (!it->matches || it->matches(request))) break;
      }
      if (it == pending_.end()) {
        unexpected_.push_back(request);
        return InternalError("unexpected request: " + request.method + " " + request.url);
      }
      exchange = std::move(*it);
      pending_.erase(it);
      seen_.push_back(request);
    }
    if (!exchange.transport_error.ok() && exchange.body.empty()) return exchange.transport_error;
    HttpResponseHead head;
    head.status = exchange.status;
    head.reason = std::to_string(exchange.status);
    head.effective_url = request.url;
    head.headers = exchange.headers;
    head.content_length = exchange.body.size();
    TFHUB_RETURN_IF_ERROR(sink.OnResponse(head));
    if (!exchange.body.empty()) TFHUB_RETURN_IF_ERROR(sink.OnData(exchange.body));
    if (!exchange.transport_error.ok()) return exchange.transport_error;
    return head;
  }

  // Requests answered so far, in arrival order.
  std::vector<HttpRequest> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  std::vector<HttpRequest> unexpected() const {
    std::lock_guard<std::mutex> lock(mu_);
    return unexpected_;
  }
  size_t pending() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<ScriptedExchange> pending_;
  std::vector<HttpRequest> seen_;
  std::vector<HttpRequest> unexpected_;
};

// The value of header `name` in a request's "Name: value" list, if present.
inline std::optional<std::string> RequestHeader(const HttpRequest& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (h.size() > name.size() && h[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), h.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                               std::tolower(static_cast<unsigned char>(b)); })) {
      size_t i = name.size() + 1;
      while (i < h.size() && h[i] == ' ') ++i;
      return h.substr(i);
    }
  }
  return std::nullopt;
}

}  // namespace tfhub::net
