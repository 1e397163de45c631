// The public entry points: tfhub::resolve().
#include "tfhub/resolve.h"

#include "resolve/resolver.h"
#include "runtime/context.h"

namespace tfhub {

namespace resolvers {

Result<ResolvedModule> ResolveWithContext(std::string_view handle, const runtime::Context& ctx) {
  if (handle.empty()) return InvalidArgumentError("the handle is empty");
  for (const auto& resolver : BuiltinResolvers()) {
    if (resolver->Supports(handle, ctx.options())) return resolver->Resolve(handle, ctx);
  }
  return InternalError("Missing implementation that supports: " + std::string(handle));
}

void WarnIfTlsUnverified(const runtime::Context& ctx) {
  if (!ctx.options().verify_tls) ctx.log()("WARNING: Disabled certificate validation for resolving handles.");
}

}  // namespace resolvers

Result<ResolvedModule> ResolveModule(std::string_view handle, const ResolveOptions& options) {
  const auto ctx = runtime::Context::Make(options);
  return resolvers::ResolveWithContext(handle, *ctx);
}

Result<std::string> resolve(std::string_view handle, const ResolveOptions& options) {
  TFHUB_ASSIGN_OR_RETURN(ResolvedModule module, ResolveModule(handle, options));
  return std::move(module.path);
}

Result<std::string> resolve(std::string_view handle) {
  TFHUB_ASSIGN_OR_RETURN(ResolveOptions options, OptionsFromEnvironment());
  return resolve(handle, options);
}

std::string_view Version() { return TFHUB_VERSION; }

}  // namespace tfhub
