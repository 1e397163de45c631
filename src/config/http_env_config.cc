// The http(s) backend's edge: the environment variables it honours, read
// once when the default registry is built.
#include "base/system.h"
#include "config/env.h"
#include "io/http_file_system.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"

namespace tfhub::io {

std::shared_ptr<FileSystem> NewDefaultHttpFileSystem() {
  static net::HttpClient* const http =
      net::NewRetryingHttpClient(&net::SharedCurlHttpClient(), net::RetryOptions{}, base::WriteLineToStderr).release();
  const config::TlsSettings tls = config::TlsFromEnvironment();
  return std::make_shared<HttpFileSystem>(http, HttpFileSystemOptions{tls.verify_tls, tls.ca_file});
}

}  // namespace tfhub::io
