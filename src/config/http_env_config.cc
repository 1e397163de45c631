// The http(s) backend's edge: the environment variables it honours, read
// once when the default registry is built.
#include <cstdlib>

#include "base/system.h"
#include "io/http_file_system.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"

namespace tfhub::io {

std::shared_ptr<FileSystem> NewDefaultHttpFileSystem() {
  static net::HttpClient* const curl = net::NewCurlHttpClient().release();
  static net::HttpClient* const http =
      net::NewRetryingHttpClient(curl, net::RetryOptions{}, base::WriteLineToStderr)
          .release();
  HttpFileSystemOptions options;
  const char* insecure = std::getenv("TFHUB_DISABLE_CERT_VALIDATION");
  options.verify_tls = !(insecure != nullptr && std::string_view(insecure) == "true");
  if (const char* ca = std::getenv("SSL_CERT_FILE"); ca != nullptr) options.ca_file = ca;
  return std::make_shared<HttpFileSystem>(http, options);
}

}  // namespace tfhub::io
