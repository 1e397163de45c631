#include "resolve/http_compressed_resolver.h"

#include <chrono>

#include "archive/streaming_extractor.h"
#include "base/strings.h"
#include "cache/atomic_download.h"
#include "net/http_status.h"
#include "resolve/archive_download.h"
#include "resolve/handle.h"

namespace tfhub::resolvers {

bool HttpCompressedResolver::Supports(std::string_view handle, const ResolveOptions& options) const {
  return IsHttpUrl(handle) && options.load_format != LoadFormat::kUncompressed;
}

Result<ResolvedModule> HttpCompressedResolver::Resolve(std::string_view handle, const runtime::Context& ctx) const {
  const auto mirror = ChinaMirrorArchiveUrl(handle);
  const std::string url = mirror ? *mirror : AppendFormatQuery(handle, "compressed");
  return DownloadArchiveIntoCache(handle, url, ctx);
}

}  // namespace tfhub::resolvers
