// Shared by every resolver that fetches an archive (http(s) URLs, gs://
// objects): run the cache protocol (cache/atomic_download.h) around "read
// the archive at `source` through the context's filesystems and unpack it
// into the temp dir while it arrives" (resolve/archive_stream.h).
#pragma once

#include <string>
#include <string_view>

#include "resolve/resolver.h"

namespace tfhub::resolvers {

// Resolves `handle` into <cache>/<sha1(handle)>/ from the archive at
// `source` (a URL or URI; its scheme picks the backend, which streams it).
// Errors name the handle and the source: "Failed to download <handle> from
// <source>: <the backend's error>" (the HTTP status and reason, say);
// "<handle> does not appear to be a valid module." for bytes that are not a
// tar archive; "No space left on device in the cache directory ..."; the
// refused member for unsafe archives; DataLoss for checksum and pin
// mismatches.
Result<ResolvedModule> DownloadArchiveIntoCache(std::string_view handle, const std::string& source,
                                                const runtime::Context& ctx);

}  // namespace tfhub::resolvers
