// http(s) handles in UNCOMPRESSED mode. The 303-to-gs:// protocol needs the
// Cloud Storage backend; until it exists this resolver says so clearly.
#pragma once

#include "resolve/resolver.h"

namespace tfhub::resolvers {

class HttpUncompressedResolver final : public Resolver {
 public:
  std::string_view name() const override { return "http-uncompressed"; }
  bool Supports(std::string_view handle, const ResolveOptions& options) const override;
  Result<std::string> Resolve(std::string_view handle, const ResolveOptions& options,
                              const ResolverEnv& env) const override;
};

}  // namespace tfhub::resolvers
