#include "runtime/context.h"

#include "base/system.h"
#include "io/builtin_file_systems.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"

namespace tfhub::runtime {

namespace {

std::shared_ptr<net::HttpClient> RetryingClient(const ResolveOptions& options, net::HttpClient* transport,
                                                base::Clock* clock, std::function<void(std::string_view)> log) {
  net::RetryOptions retry;
  retry.max_attempts = options.max_attempts;
  retry.initial_backoff = options.retry_initial_backoff;
  retry.clock = clock;
  return net::NewRetryingHttpClient(transport != nullptr ? transport : &net::SharedCurlHttpClient(), retry,
                                    std::move(log));
}

}  // namespace

std::unique_ptr<Context> Context::Make(ResolveOptions options, Seams seams) {
  std::unique_ptr<Context> ctx(new Context());
  ctx->options_ = std::move(options);
  ctx->clock_ = seams.clock != nullptr ? seams.clock : &base::Clock::Real();
  ctx->log_ = ctx->options_.log ? ctx->options_.log : std::function<void(std::string_view)>(base::WriteLineToStderr);
  ctx->http_ = RetryingClient(ctx->options_, seams.transport, ctx->clock_, ctx->log_);
  ctx->file_systems_ = std::make_unique<io::FileSystemRegistry>();
  io::RegisterBuiltinFileSystems(*ctx->file_systems_, ctx->options_, ctx->http_);
  return ctx;
}

net::HttpRequest Context::Request(std::string url) const {
  net::HttpRequest request;
  request.url = std::move(url);
  request.verify_tls = options_.verify_tls;
  request.ca_file = options_.ca_file;
  request.cancel = options_.cancel;
  request.stall_timeout = options_.stall_timeout;
  return request;
}

}  // namespace tfhub::runtime

namespace tfhub::io {

std::unique_ptr<FileSystemRegistry> MakeFileSystemRegistry(const ResolveOptions& options) {
  auto registry = std::make_unique<FileSystemRegistry>();
  RegisterBuiltinFileSystems(
      *registry, options,
      runtime::RetryingClient(options, nullptr, nullptr,
                              options.log ? options.log : std::function<void(std::string_view)>(base::WriteLineToStderr)));
  return registry;
}

}  // namespace tfhub::io
