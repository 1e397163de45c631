#include "gcs/gcs_config.h"

namespace tfhub::gcs {

GcsConfig GcsConfigFor(const ResolveOptions& options) {
  GcsConfig c;
  const CloudStorageOptions& gcs = options.gcs;
  if (!gcs.emulator_host.empty()) c.client.endpoint = EndpointFromEmulatorHost(gcs.emulator_host);
  c.client.verify_tls = options.verify_tls;
  c.client.ca_file = options.ca_file;
  c.client.cancel = options.cancel;
  c.client.stall_timeout = options.stall_timeout;
  c.credentials.access_token = gcs.access_token;
  c.credentials.key_file = gcs.key_file;
  // The emulator gets no credentials, as with Google's client libraries:
  // a token or key file set beside it is not used (MakeCredentials).
  c.credentials.anonymous = !gcs.emulator_host.empty();
  if (!gcs.metadata_host.empty()) c.credentials.metadata_host = gcs.metadata_host;
  c.credentials.use_metadata_server = !gcs.metadata_host.empty();
  c.credentials.verify_tls = options.verify_tls;
  c.credentials.ca_file = options.ca_file;
  return c;
}

std::shared_ptr<io::FileSystem> NewGcsFileSystem(std::shared_ptr<net::HttpClient> http, GcsConfig config,
                                                 GcsFileSystemOptions options) {
  return std::make_shared<GcsFileSystem>(
      [http = std::move(http), config = std::move(config)]() -> Result<std::shared_ptr<GcsClient>> {
        TFHUB_ASSIGN_OR_RETURN(std::shared_ptr<Credentials> credentials, SharedCredentials(config.credentials));
        // The client borrows `http`; the lambda (owned by the filesystem) keeps it alive.
        return std::shared_ptr<GcsClient>(new GcsClient(http.get(), std::move(credentials), config.client),
                                          [keep = http](GcsClient* c) { delete c; });
      },
      options);
}

}  // namespace tfhub::gcs
