// Shared by every resolver that fetches an archive (http today, gs:// next):
// run the cache protocol around "stream the archive at `url` into the temp
// dir".
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "resolve/resolver.h"

namespace tfhub::resolvers {

// Delivers an archive's bytes to `sink` as one body (OnResponse, then
// OnData pieces) and returns the head it gave.
using ArchiveFetch = std::function<Result<net::HttpResponseHead>(net::HttpBodySink& sink)>;

// GET `url` through env.http (retries and resumption included). `options`
// and `env` must outlive the returned function.
ArchiveFetch HttpArchiveFetch(const std::string& url, const ResolveOptions& options, const ResolverEnv& env);

// Reads `path` on `fs` from start to end, one 16 MiB block ahead of the
// extraction (a remote backend splits each block into parallel ranged
// reads), as a 200 body with the file's size as Content-Length.
ArchiveFetch FileArchiveFetch(io::FileSystem* fs, const std::string& path, const std::atomic<bool>* cancel);

// Resolves `handle` into <cache>/<sha1(handle)>/ from the archive `fetch`
// delivers; `url` names the source in messages.
Result<ResolvedModule> DownloadArchiveIntoCache(std::string_view handle, const std::string& url,
                                                const ArchiveFetch& fetch, const ResolveOptions& options,
                                             const ResolverEnv& env);

// Resolves `handle` into <cache>/<sha1(handle)>/ from the archive at `url`.
// Errors name the handle and the URL: the HTTP status and reason,
// "<handle> does not appear to be a valid module." for a body that is not a
// tar archive, the refused member for unsafe archives.
Result<ResolvedModule> DownloadArchiveIntoCache(std::string_view handle, const std::string& url,
                                                const ResolveOptions& options, const ResolverEnv& env);

}  // namespace tfhub::resolvers
