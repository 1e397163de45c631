// net::CurlTransfer — one HTTP request on a libcurl easy handle: the
// handle's options (TLS, redirects, timeouts, headers, method and body),
// the callbacks that hand the response to an HttpBodySink, and the outcome.
// Shared by the blocking client (curl_http_client.cc: curl_easy_perform)
// and the parallel one (parallel_get.cc: many transfers on one
// curl_multi loop).
//
// Cancellation and stalls are noticed in curl's progress callback: a
// transfer that receives and sends nothing for request.stall_timeout ends
// with DeadlineExceeded, one whose request.cancel flag is set with Aborted.
//
// Thread safety: a transfer is used by one thread at a time. Ownership: the
// transfer borrows the handle (which must be reset by the caller before
// Prepare and outlive the transfer), the sink and the request's cancel flag.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "net/curl_api.h"
#include "net/http_client.h"

namespace tfhub::net {

class CurlTransfer {
 public:
  // Configures `curl` for `request`, delivering the response to `sink`.
  // InvalidArgument for a method tfhub does not send.
  static Result<std::unique_ptr<CurlTransfer>> Prepare(const CurlApi* api, CURL* curl, const HttpRequest& request,
                                                      HttpBodySink* sink);
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // The outcome once curl ended the transfer with `rc`: the sink's own
  // error, a stall, the transport error (see the classification in the
  // .cc: Unavailable for connection failures and cut bodies, Aborted when
  // cancelled, FailedPrecondition for TLS problems and redirect loops), or
  // the response head (a bodiless response's head is delivered here).
  Result<HttpResponseHead> Finish(CURLcode rc);

  CURL* handle() const;

  struct State;  // the callbacks' context (curl_transfer.cc)

 private:
  explicit CurlTransfer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace tfhub::net
