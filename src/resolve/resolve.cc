// The public entry points: tfhub::resolve().
#include "tfhub/resolve.h"

#include "base/system.h"
#include "tfhub/file_system.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"
#include "resolve/resolver.h"

namespace tfhub {

namespace resolvers {

Result<ResolvedModule> ResolveWithEnv(std::string_view handle, const ResolveOptions& options,
                                   const ResolverEnv& env) {
  if (handle.empty()) return InvalidArgumentError("the handle is empty");
  for (const auto& resolver : BuiltinResolvers()) {
    if (resolver->Supports(handle, options)) return resolver->Resolve(handle, options, env);
  }
  return InternalError("Missing implementation that supports: " + std::string(handle));
}

net::HttpRequest HttpRequestFor(std::string url, const ResolveOptions& options) {
  net::HttpRequest request;
  request.url = std::move(url);
  request.verify_tls = options.verify_tls;
  request.ca_file = options.ca_file;
  request.cancel = options.cancel;
  request.stall_timeout = options.stall_timeout;
  return request;
}

void WarnIfTlsUnverified(const ResolveOptions& options, const ResolverEnv& env) {
  if (!options.verify_tls) env.log("WARNING: Disabled certificate validation for resolving handles.");
}

}  // namespace resolvers

Result<ResolvedModule> ResolveModule(std::string_view handle, const ResolveOptions& options) {
  resolvers::ResolverEnv env;
  env.file_systems = &io::FileSystemRegistry::Default();
  env.log = options.log ? options.log : base::WriteLineToStderr;
  net::RetryOptions retry;
  retry.max_attempts = options.max_attempts;
  retry.initial_backoff = options.retry_initial_backoff;
  const auto http = net::NewRetryingHttpClient(&net::SharedCurlHttpClient(), retry, env.log);
  env.http = http.get();
  return resolvers::ResolveWithEnv(handle, options, env);
}

Result<std::string> resolve(std::string_view handle, const ResolveOptions& options) {
  TFHUB_ASSIGN_OR_RETURN(ResolvedModule module, ResolveModule(handle, options));
  return std::move(module.path);
}

Result<std::string> resolve(std::string_view handle) {
  TFHUB_ASSIGN_OR_RETURN(ResolveOptions options, OptionsFromEnvironment());
  return resolve(handle, options);
}

std::string_view Version() { return TFHUB_VERSION; }

}  // namespace tfhub
