// resolve::Resolver — one way of turning a handle into a path. Resolvers are
// tried in registration order (see builtin_resolvers.cc); the first whose
// Supports() accepts the handle does the work, as in tensorflow_hub.
//
// Thread safety: resolvers are stateless and safe for concurrent use.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/file_system.h"
#include "net/http_client.h"
#include "tfhub/options.h"
#include "tfhub/resolve.h"
#include "tfhub/result.h"

namespace tfhub::resolvers {

// The dependencies resolvers use, injected so tests can replace them.
struct ResolverEnv {
  net::HttpClient* http = nullptr;
  io::FileSystemRegistry* file_systems = nullptr;
  std::function<void(std::string_view)> log;  // never null
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual std::string_view name() const = 0;
  virtual bool Supports(std::string_view handle, const ResolveOptions& options) const = 0;
  virtual Result<ResolvedModule> Resolve(std::string_view handle, const ResolveOptions& options,
                                      const ResolverEnv& env) const = 0;
};

// The built-in resolvers, in the reference's order: http(s) compressed,
// gs:// archives, http(s) uncompressed, then path resolution (which accepts
// everything).
const std::vector<std::unique_ptr<Resolver>>& BuiltinResolvers();

// A request for `url` carrying the options every resolver's HTTP request
// takes: TLS verification and CA file, cancellation, stall timeout.
net::HttpRequest HttpRequestFor(std::string url, const ResolveOptions& options);

// Logs Python's warning when TLS verification is off; resolvers call it once
// before they go to the network.
void WarnIfTlsUnverified(const ResolveOptions& options, const ResolverEnv& env);

// Resolves with the built-in resolvers and the given environment.
Result<ResolvedModule> ResolveWithEnv(std::string_view handle, const ResolveOptions& options,
                                   const ResolverEnv& env);

}  // namespace tfhub::resolvers
