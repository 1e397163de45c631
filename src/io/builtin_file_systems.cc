// The built-in filesystem backends. A new backend is its own file plus one
// line here.
#include <memory>

#include "tfhub/file_system.h"
#include "io/local_file_system.h"
#include "gcs/gcs_config.h"
#include "io/http_file_system.h"

namespace tfhub::io {

void RegisterBuiltinFileSystems(FileSystemRegistry& registry) {
  auto local = std::make_shared<LocalFileSystem>();
  registry.Register("", local);
  registry.Register("file", local);
  registry.Register("gs", gcs::NewDefaultGcsFileSystem());
  auto http = NewDefaultHttpFileSystem();  // read-only
  registry.Register("http", http);
  registry.Register("https", http);
}

}  // namespace tfhub::io
