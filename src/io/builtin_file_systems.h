// The built-in filesystem backends. A new backend is its own file plus one
// line in builtin_file_systems.cc.
#pragma once

#include <memory>

#include "net/http_client.h"
#include "tfhub/file_system.h"
#include "tfhub/options.h"

namespace tfhub::io {

// Registers local paths and file://, gs:// and http(s):// in `registry`,
// configured by `options` (TLS, cancel, stall timeout, Cloud Storage), all
// talking through `http` (retries and their log come with it).
void RegisterBuiltinFileSystems(FileSystemRegistry& registry, const ResolveOptions& options,
                                std::shared_ptr<net::HttpClient> http);

}  // namespace tfhub::io
