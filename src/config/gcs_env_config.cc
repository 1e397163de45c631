// The gs:// backend's edge: the environment variables it honours (see
// gcs/gcs_config.h), read once when the backend is first used.
#include <cstdlib>
#include <fstream>

#include "base/system.h"
#include "config/env.h"
#include "gcs/gcs_config.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"

namespace tfhub::gcs {

namespace {
using config::GetEnv;
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
  const config::TlsSettings tls = config::TlsFromEnvironment();
  c.client.verify_tls = tls.verify_tls;
  c.client.ca_file = tls.ca_file;
  c.credentials.access_token = GetEnv("GOOGLE_OAUTH_ACCESS_TOKEN");
  c.credentials.key_file = GetEnv("GOOGLE_APPLICATION_CREDENTIALS");
  // The emulator gets no credentials, as with Google's client libraries:
  // the token and key file above are then not used (MakeCredentials).
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
        static net::HttpClient* const http =
            net::NewRetryingHttpClient(&net::SharedCurlHttpClient(), net::RetryOptions{}, base::WriteLineToStderr)
                .release();
        const GcsConfig config = GcsConfigFromEnvironment();
        TFHUB_ASSIGN_OR_RETURN(std::shared_ptr<Credentials> credentials, MakeCredentials(config.credentials, http));
        return std::make_shared<GcsClient>(http, std::move(credentials), config.client);
      },
      options);
}

}  // namespace tfhub::gcs
