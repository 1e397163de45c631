#include "net/curl_api.h"

#include <mutex>

#include "base/dynamic_library.h"

namespace tfhub::net {

namespace {
Result<const CurlApi*> Load() {
  TFHUB_ASSIGN_OR_RETURN(auto lib, base::DynamicLibrary::Open("libcurl.so.4", "libcurl4"));
  static CurlApi api;
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_global_init", &api.global_init));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_init", &api.easy_init));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_setopt", &api.easy_setopt));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_perform", &api.easy_perform));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_getinfo", &api.easy_getinfo));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_cleanup", &api.easy_cleanup));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_reset", &api.easy_reset));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_easy_strerror", &api.easy_strerror));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_slist_append", &api.slist_append));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_slist_free_all", &api.slist_free_all));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_init", &api.multi_init));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_add_handle", &api.multi_add_handle));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_remove_handle", &api.multi_remove_handle));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_perform", &api.multi_perform));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_poll", &api.multi_poll));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_wakeup", &api.multi_wakeup));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_info_read", &api.multi_info_read));
  TFHUB_RETURN_IF_ERROR(lib.Bind("curl_multi_cleanup", &api.multi_cleanup));
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return InternalError("curl_global_init failed");
  return &api;
}
}  // namespace

Result<const CurlApi*> Curl() {
  static const Result<const CurlApi*> api = Load();
  return api;
}

}  // namespace tfhub::net
