// http(s) handles in UNCOMPRESSED mode (reference items 37-40): ask the
// server for `<handle>?tf-hub-format=uncompressed`, expect a 303 whose body
// is a gs:// location (whitespace trimmed), and return that location once
// it is known to exist. Nothing is downloaded and no cache dir is used: the
// model is read where it lies (tfhub::load reads gs:// directly).
#pragma once

#include "resolve/resolver.h"

namespace tfhub::resolvers {

class HttpUncompressedResolver final : public Resolver {
 public:
  std::string_view name() const override { return "http-uncompressed"; }
  bool Supports(std::string_view handle, const ResolveOptions& options) const override;
  Result<ResolvedModule> Resolve(std::string_view handle, const runtime::Context& ctx) const override;
};

}  // namespace tfhub::resolvers
