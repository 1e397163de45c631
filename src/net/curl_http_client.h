// net::CurlHttpClient — HttpClient over libcurl (easy interface, one handle
// per request). Honours the usual proxy variables (http_proxy, https_proxy,
// no_proxy, ...) through libcurl.
//
// Thread safety: safe for concurrent Get() calls.
#pragma once

#include <memory>

#include "net/http_client.h"

namespace tfhub::net {

std::unique_ptr<HttpClient> NewCurlHttpClient();

}  // namespace tfhub::net
