// http(s) handles in AUTO/COMPRESSED mode: download <handle> with
// tf-hub-format=compressed and extract it into the cache while it streams.
#pragma once

#include "resolve/resolver.h"

namespace tfhub::resolvers {

class HttpCompressedResolver final : public Resolver {
 public:
  std::string_view name() const override { return "http-compressed"; }
  bool Supports(std::string_view handle, const ResolveOptions& options) const override;
  Result<ResolvedModule> Resolve(std::string_view handle, const runtime::Context& ctx) const override;
};

}  // namespace tfhub::resolvers
