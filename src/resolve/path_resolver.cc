#include "resolve/path_resolver.h"

namespace tfhub::resolvers {

Result<ResolvedModule> PathResolver::Resolve(std::string_view handle, const runtime::Context& ctx) const {
  TFHUB_ASSIGN_OR_RETURN(io::FileSystem * fs, ctx.file_systems().ForUri(handle));
  TFHUB_ASSIGN_OR_RETURN(io::FileInfo info, fs->Stat(std::string(handle)));
  if (info.type == io::FileType::kNotFound) {
    return NotFoundError(std::string(handle) + " does not exist.");
  }
  return ResolvedModule{std::string(handle), "", ""};
}

}  // namespace tfhub::resolvers
