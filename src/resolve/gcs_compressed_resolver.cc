#include "resolve/gcs_compressed_resolver.h"

#include "resolve/archive_download.h"

namespace tfhub::resolvers {

bool GcsCompressedResolver::Supports(std::string_view handle, const ResolveOptions&) const {
  return handle.starts_with("gs://") &&
         (handle.ends_with(".tar") || handle.ends_with(".tar.gz") || handle.ends_with(".tgz"));
}

Result<ResolvedModule> GcsCompressedResolver::Resolve(std::string_view handle, const ResolveOptions& options,
                                                   const ResolverEnv& env) const {
  const std::string uri(handle);
  TFHUB_ASSIGN_OR_RETURN(io::FileSystem * fs, env.file_systems->ForUri(uri));
  return DownloadArchiveIntoCache(handle, uri, FileArchiveFetch(fs, uri, options.cancel), options, env);
}

}  // namespace tfhub::resolvers
