// gcs::GcsConfig — everything the gs:// backend is configured with, read
// once from the environment at the edge (config/gcs_env_config.cc) when the
// backend is first used:
//   STORAGE_EMULATOR_HOST            endpoint override ("host:port" or
//                                    "http://host:port"); credentials are
//                                    then anonymous, always: the token, key
//                                    file and metadata server below are not
//                                    used (no credential is ever sent to an
//                                    emulator, as with Google's libraries)
//   GOOGLE_OAUTH_ACCESS_TOKEN        an access token to send as is
//   GOOGLE_APPLICATION_CREDENTIALS   a service-account key file (JSON)
//   GCE_METADATA_HOST                metadata server host (on Google Cloud,
//                                    detected by /sys/class/dmi/id/product_name)
//   TFHUB_DISABLE_CERT_VALIDATION=true, SSL_CERT_FILE   as for http(s)
// Wherever they come from, credentials go only over https, or plain http to
// a loopback host (gcs/gcs_client.h, gcs/credentials.h).
#pragma once

#include <memory>

#include "gcs/credentials.h"
#include "gcs/gcs_client.h"
#include "gcs/gcs_file_system.h"

namespace tfhub::gcs {

struct GcsConfig {
  GcsClientOptions client;
  CredentialsConfig credentials;
};

GcsConfig GcsConfigFromEnvironment();

// The gs:// backend as registered by default: created on first use from
// GcsConfigFromEnvironment(), talking through libcurl with retries.
std::shared_ptr<io::FileSystem> NewDefaultGcsFileSystem(GcsFileSystemOptions options = {});

}  // namespace tfhub::gcs
