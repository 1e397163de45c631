#include "resolve/gcs_compressed_resolver.h"

#include "resolve/archive_download.h"

namespace tfhub::resolvers {

bool GcsCompressedResolver::Supports(std::string_view handle, const ResolveOptions&) const {
  return handle.starts_with("gs://") &&
         (handle.ends_with(".tar") || handle.ends_with(".tar.gz") || handle.ends_with(".tgz"));
}

Result<ResolvedModule> GcsCompressedResolver::Resolve(std::string_view handle, const runtime::Context& ctx) const {
  return DownloadArchiveIntoCache(handle, std::string(handle), ctx);
}

}  // namespace tfhub::resolvers
