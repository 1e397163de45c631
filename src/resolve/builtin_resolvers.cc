// The built-in resolvers, in the order they are tried (newest first, as
// tensorflow_hub's registry). A new resolver is its own file plus one line
// here.
#include "resolve/gcs_compressed_resolver.h"
#include "resolve/http_compressed_resolver.h"
#include "resolve/http_uncompressed_resolver.h"
#include "resolve/path_resolver.h"

namespace tfhub::resolvers {

const std::vector<std::unique_ptr<Resolver>>& BuiltinResolvers() {
  static const auto* resolvers = [] {
    auto* v = new std::vector<std::unique_ptr<Resolver>>();
    v->push_back(std::make_unique<HttpCompressedResolver>());
    v->push_back(std::make_unique<GcsCompressedResolver>());
    v->push_back(std::make_unique<HttpUncompressedResolver>());
    v->push_back(std::make_unique<PathResolver>());  // accepts everything: last
    return v;
  }();
  return *resolvers;
}

}  // namespace tfhub::resolvers
