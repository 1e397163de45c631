// net::RetryingHttpClient — an HttpClient decorator that retries transient
// failures and resumes broken bodies, so the sink sees one continuous body.
//
// * A transient failure (see IsRetryable: connection errors, a body cut
//   short or shorter than its Content-Length, a stall, HTTP 408/429/5xx) is
//   retried up to RetryOptions::max_attempts, after a capped exponential
//   backoff with jitter, or after the server's Retry-After. Each retry is
//   logged with its reason. Other errors (other 4xx, TLS, redirect loops, the
//   sink's own errors) end the call at once.
// * A body that broke after N bytes is resumed with "Range: bytes=N-" and
//   "If-Range: <strong ETag or Last-Modified>". A 206 from byte N continues
//   the same body. A 200 (range ignored, or the object changed) restarts it:
//   the sink's OnRestart() is called and the body is delivered from zero.
// * Out of attempts: Aborted, naming the attempts and the last error (so no
//   outer layer retries again).
//
// Thread safety: as the wrapped client; the sink is called on the calling
// thread.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "net/http_client.h"
#include "net/retry.h"

namespace tfhub::net {

// `base` must outlive the returned client. `log` receives one line per retry.
std::unique_ptr<HttpClient> NewRetryingHttpClient(HttpClient* base, RetryOptions options,
                                                  std::function<void(std::string_view)> log);

}  // namespace tfhub::net
