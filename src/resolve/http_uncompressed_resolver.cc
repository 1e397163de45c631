#include "resolve/http_uncompressed_resolver.h"

#include "base/strings.h"
#include "resolve/handle.h"
#include "resolve/path_resolver.h"

namespace tfhub::resolvers {

bool HttpUncompressedResolver::Supports(std::string_view handle, const ResolveOptions& options) const {
  return IsHttpUrl(handle) && options.load_format == LoadFormat::kUncompressed;
}

Result<ResolvedModule> HttpUncompressedResolver::Resolve(std::string_view handle, const runtime::Context& ctx) const {
  net::HttpRequest request = ctx.Request(AppendFormatQuery(handle, "uncompressed"));
  request.follow_redirects = false;  // the 303 itself is the answer
  WarnIfTlsUnverified(ctx);
  auto response = net::SendForString(ctx.http(), request, 64 * 1024);
  if (!response.ok()) {
    return response.status().WithPrefix("Failed to resolve " + std::string(handle) + " from " + request.url);
  }
  const std::string where = " (handle " + std::string(handle) + ", URL " + request.url + ")";
  if (response->head.status != 303) {
    return FailedPreconditionError("Expected 303 See other HTTP response but received code " +
                                   std::to_string(response->head.status) + where);
  }
  const std::string location(base::TrimWhitespace(response->body));
  // A location with control characters is refused rather than returned (and printed).
  if (location.rfind("gs://", 0) != 0 || !base::IsTerminalSafe(location)) {
    return FailedPreconditionError("Expected server to return a GCS location but received " +
                                   base::EscapeForTerminal(response->body) + where);
  }
  // As the reference: the location goes through path resolution (it must exist).
  return PathResolver().Resolve(location, ctx);
}

}  // namespace tfhub::resolvers
