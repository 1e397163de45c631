// gcs::GcsConfig — everything the gs:// backend is configured with, derived
// from ResolveOptions (TLS, cancel, stall timeout, CloudStorageOptions) by
// the runtime context; nothing here reads the environment (that is
// config/env_config.cc's job: STORAGE_EMULATOR_HOST and friends end up in
// ResolveOptions::gcs).
#pragma once

#include <memory>

#include "gcs/credentials.h"
#include "gcs/gcs_client.h"
#include "gcs/gcs_file_system.h"
#include "net/http_client.h"
#include "tfhub/options.h"

namespace tfhub::gcs {

struct GcsConfig {
  GcsClientOptions client;
  CredentialsConfig credentials;
};

// The configuration `options` asks for. With an emulator the endpoint is
// the emulator's and the credentials are anonymous, whatever else is set.
GcsConfig GcsConfigFor(const ResolveOptions& options);

// The gs:// backend over `http` (with its retries): the client and its
// credentials (SharedCredentials: one token per configuration and process)
// are made on first use.
std::shared_ptr<io::FileSystem> NewGcsFileSystem(std::shared_ptr<net::HttpClient> http, GcsConfig config,
                                                 GcsFileSystemOptions options = {});

}  // namespace tfhub::gcs
