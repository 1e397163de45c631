// net::CurlHttpClient — HttpClient over libcurl (easy interface; idle handles are
// kept for reuse). Honours the usual proxy variables (http_proxy, https_proxy,
// no_proxy, ...) through libcurl.
//
// Thread safety: safe for concurrent Send() calls.
#pragma once

#include <memory>

#include "net/http_client.h"

namespace tfhub::net {

std::unique_ptr<HttpClient> NewCurlHttpClient();

// The process-wide curl client every backend shares, so that its pool of
// easy handles (and their connections and TLS sessions) is one pool.
HttpClient& SharedCurlHttpClient();

}  // namespace tfhub::net
