#include "io/builtin_file_systems.h"

#include "gcs/gcs_config.h"
#include "io/http_file_system.h"
#include "io/local_file_system.h"

namespace tfhub::io {

void RegisterBuiltinFileSystems(FileSystemRegistry& registry, const ResolveOptions& options,
                                std::shared_ptr<net::HttpClient> http) {
  auto local = std::make_shared<LocalFileSystem>();
  registry.Register("", local);
  registry.Register("file", local);
  registry.Register("gs", gcs::NewGcsFileSystem(http, gcs::GcsConfigFor(options)));
  auto web = std::make_shared<HttpFileSystem>(
      std::move(http), HttpFileSystemOptions{options.verify_tls, options.ca_file, options.cancel,
                                             options.stall_timeout});  // read-only
  registry.Register("http", web);
  registry.Register("https", web);
}

}  // namespace tfhub::io
