// Shared by every resolver that fetches an archive (http today, gs:// next):
// run the cache protocol around "stream the archive at `url` into the temp
// dir".
#pragma once

#include <string>
#include <string_view>

#include "resolve/resolver.h"

namespace tfhub::resolvers {

// Resolves `handle` into <cache>/<sha1(handle)>/ from the archive at `url`.
// Errors name the handle and the URL: the HTTP status and reason,
// "<handle> does not appear to be a valid module." for a body that is not a
// tar archive, the refused member for unsafe archives.
Result<std::string> DownloadArchiveIntoCache(std::string_view handle, const std::string& url,
                                             const ResolveOptions& options, const ResolverEnv& env);

}  // namespace tfhub::resolvers
