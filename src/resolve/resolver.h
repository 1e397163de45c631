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
#include "runtime/context.h"
#include "tfhub/options.h"
#include "tfhub/resolve.h"
#include "tfhub/result.h"

namespace tfhub::resolvers {

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual std::string_view name() const = 0;
  virtual bool Supports(std::string_view handle, const ResolveOptions& options) const = 0;
  // Resolves with everything `ctx` holds (options, HTTP client, filesystems, log).
  virtual Result<ResolvedModule> Resolve(std::string_view handle, const runtime::Context& ctx) const = 0;
};

// The built-in resolvers, in the reference's order: http(s) compressed,
// gs:// archives, http(s) uncompressed, then path resolution (which accepts
// everything).
const std::vector<std::unique_ptr<Resolver>>& BuiltinResolvers();

// Logs Python's warning when TLS verification is off; resolvers call it once
// before they go to the network.
void WarnIfTlsUnverified(const runtime::Context& ctx);

// Resolves with the built-in resolvers.
Result<ResolvedModule> ResolveWithContext(std::string_view handle, const runtime::Context& ctx);

}  // namespace tfhub::resolvers
