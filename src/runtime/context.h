// runtime::Context — everything one resolve or load runs with, built once
// at the edge (the CLI, tfhub::resolve(), tfhub::load(), SavedModel::Open())
// from a ResolveOptions and passed down. Nothing below it reads the
// environment or uses a process-wide configured object: every option
// reaches every backend and every path (gs://, http(s) reads, UNCOMPRESSED,
// SavedModel reads, the cache tools).
//
// It holds:
//  * the options (a copy);
//  * the HTTP client: libcurl's shared connection pool, wrapped in the
//    retry layer with the options' policy (max_attempts, backoff) and log;
//  * the filesystem registry, an instance whose backends are configured by
//    the options (TLS, cancel, stall timeout, Cloud Storage) and share that
//    client;
//  * the log sink (options.log, else stderr), the cancel flag, the clock.
//
// Thread safety: a Context may be used by several threads at once.
// Ownership: owns all of the above; borrows options.cancel and, when given,
// the seams' clock and transport, which must outlive it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "net/http_client.h"
#include "tfhub/file_system.h"
#include "tfhub/options.h"

namespace tfhub::runtime {

// For tests: a fake clock (lock timeouts, backoffs), a scripted transport
// under the retry layer. Null: the real ones.
struct Seams {
  base::Clock* clock = nullptr;
  net::HttpClient* transport = nullptr;
};

class Context {
 public:
  static std::unique_ptr<Context> Make(ResolveOptions options, Seams seams = Seams());

  const ResolveOptions& options() const { return options_; }
  net::HttpClient& http() const { return *http_; }
  io::FileSystemRegistry& file_systems() const { return *file_systems_; }
  const std::function<void(std::string_view)>& log() const { return log_; }
  const std::atomic<bool>* cancel() const { return options_.cancel; }
  base::Clock& clock() const { return *clock_; }

  // A request for `url` with the options every request of a resolve takes:
  // TLS verification and CA file, cancellation, stall timeout.
  net::HttpRequest Request(std::string url) const;

 private:
  Context() = default;

  ResolveOptions options_;
  base::Clock* clock_ = nullptr;
  std::shared_ptr<net::HttpClient> http_;
  std::unique_ptr<io::FileSystemRegistry> file_systems_;
  std::function<void(std::string_view)> log_;
};

}  // namespace tfhub::runtime
