#include "resolve/http_uncompressed_resolver.h"

#include "resolve/handle.h"

namespace tfhub::resolvers {

bool HttpUncompressedResolver::Supports(std::string_view handle, const ResolveOptions& options) const {
  return IsHttpUrl(handle) && options.load_format == LoadFormat::kUncompressed;
}

Result<std::string> HttpUncompressedResolver::Resolve(std::string_view handle, const ResolveOptions&,
                                                      const ResolverEnv&) const {
  return UnimplementedError("cannot resolve " + std::string(handle) +
                            ": the UNCOMPRESSED load format is not supported yet (it needs Cloud "
                            "Storage support); use AUTO or COMPRESSED");
}

}  // namespace tfhub::resolvers
