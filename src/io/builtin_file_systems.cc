#include "io/builtin_file_systems.h"

#include "base/system.h"
#include "gcs/gcs_config.h"
#include "io/http_file_system.h"
#include "io/local_file_system.h"

namespace tfhub::io {

void RegisterBuiltinFileSystems(FileSystemRegistry& registry, const ResolveOptions& options,
                                std::shared_ptr<net::HttpClient> http) {
  auto local = std::make_shared<LocalFileSystem>();
  registry.Register("", local);
  registry.Register("file", local);
  // Large downloads, http(s) and gs:// alike: parts on one event loop.
  net::ParallelGetOptions parallel;
  parallel.connections = options.download_connections;
  parallel.retry.max_attempts = options.max_attempts;
  parallel.retry.initial_backoff = options.retry_initial_backoff;
  parallel.log = options.log ? options.log : std::function<void(std::string_view)>(base::WriteLineToStderr);
  gcs::GcsFileSystemOptions gcs_options;
  gcs_options.stream = parallel;
  registry.Register("gs", gcs::NewGcsFileSystem(http, gcs::GcsConfigFor(options), gcs_options));
  HttpFileSystemOptions web_options{options.verify_tls, options.ca_file, options.cancel, options.stall_timeout, {}};
  web_options.parallel = parallel;
  auto web = std::make_shared<HttpFileSystem>(std::move(http), std::move(web_options));  // read-only
  registry.Register("http", web);
  registry.Register("https", web);
}

}  // namespace tfhub::io
