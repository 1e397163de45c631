// The gs:// backend's edge: the environment variables it honours (see
// gcs/gcs_config.h), read once when the backend is first used.
#include <cstdlib>
#include <fstream>

#include "base/system.h"
#include "gcs/gcs_config.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"

namespace tfhub::gcs {

namespace {
std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool OnGoogleCloud() {
  std::ifstream in("/sys/class/dmi/id/product_name");
  std::string line;
  std::getline(in, line);
  return line.rfind("Google", 0) == 0;
}
}  // namespace

GcsConfig GcsConfigFromEnvironment() {
  GcsConfig c;
  const std::string emulator = GetEnv("STORAGE_EMULATOR_HOST");
  if (!emulator.empty()) c.client.endpoint = EndpointFromEmulatorHost(emulator);
  c.client.verify_tls = GetEnv("TFHUB_DISABLE_CERT_VALIDATION") != "true";
  c.client.ca_file = GetEnv("SSL_CERT_FILE");
  c.credentials.access_token = GetEnv("GOOGLE_OAUTH_ACCESS_TOKEN");
  c.credentials.key_file = GetEnv("GOOGLE_APPLICATION_CREDENTIALS");
  c.credentials.anonymous = !emulator.empty();
  const std::string metadata_host = GetEnv("GCE_METADATA_HOST");
  if (!metadata_host.empty()) c.credentials.metadata_host = metadata_host;
  c.credentials.use_metadata_server = !metadata_host.empty() || OnGoogleCloud();
  c.credentials.verify_tls = c.client.verify_tls;
  c.credentials.ca_file = c.client.ca_file;
  return c;
}

std::shared_ptr<io::FileSystem> NewDefaultGcsFileSystem(GcsFileSystemOptions options) {
  return std::make_shared<GcsFileSystem>(
      []() -> Result<std::shared_ptr<GcsClient>> {
        static net::HttpClient* const curl = net::NewCurlHttpClient().release();
        const GcsConfig config = GcsConfigFromEnvironment();
        // Owned by the client's lifetime: the client lives as long as the backend.
        auto http = std::shared_ptr<net::HttpClient>(net::NewRetryingHttpClient(
            curl, config.retry, base::WriteLineToStderr));
        TFHUB_ASSIGN_OR_RETURN(std::shared_ptr<Credentials> credentials, MakeCredentials(config.credentials, http.get()));
        struct Owned : GcsClient {
          Owned(std::shared_ptr<net::HttpClient> h, std::shared_ptr<Credentials> c, GcsClientOptions o)
              : GcsClient(h.get(), std::move(c), std::move(o)), http(std::move(h)) {}
          std::shared_ptr<net::HttpClient> http;
        };
        return std::shared_ptr<GcsClient>(std::make_shared<Owned>(http, std::move(credentials), config.client));
      },
      options);
}

}  // namespace tfhub::gcs
