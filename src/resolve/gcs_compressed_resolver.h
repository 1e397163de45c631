// gs:// handles of archives (reference item 7): a handle ending in .tar,
// .tar.gz or .tgz (case-sensitive) is read from Cloud Storage and extracted
// into the cache exactly as an http archive is, whatever the load format.
// Any other gs:// handle is left to path resolution.
#pragma once

#include "resolve/resolver.h"

namespace tfhub::resolvers {

class GcsCompressedResolver final : public Resolver {
 public:
  std::string_view name() const override { return "gcs-compressed"; }
  bool Supports(std::string_view handle, const ResolveOptions& options) const override;
  Result<ResolvedModule> Resolve(std::string_view handle, const runtime::Context& ctx) const override;
};

}  // namespace tfhub::resolvers
