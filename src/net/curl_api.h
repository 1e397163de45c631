// net::CurlApi — libcurl's entry points, loaded on first use (see
// base/dynamic_library.h for why libcurl is not linked).
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "tfhub/result.h"

namespace tfhub::net {

struct CurlApi {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  // The multi interface (many transfers on one thread: net/parallel_get.h).
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_wakeup) multi_wakeup;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_multi_cleanup) multi_cleanup;
};

// Loads libcurl.so.4 once (and runs curl_global_init); later calls return
// the same table. Errors: FailedPrecondition when libcurl is missing.
Result<const CurlApi*> Curl();

}  // namespace tfhub::net
