// Path resolution: any handle no other resolver takes. An existing path comes
// back exactly as typed; a missing one is NotFound "<handle> does not exist.".
#pragma once

#include "resolve/resolver.h"

namespace tfhub::resolvers {

class PathResolver final : public Resolver {
 public:
  std::string_view name() const override { return "path"; }
  bool Supports(std::string_view, const ResolveOptions&) const override { return true; }
  Result<ResolvedModule> Resolve(std::string_view handle, const runtime::Context& ctx) const override;
};

}  // namespace tfhub::resolvers
