// Options for tfhub::resolve and the one place they are read from the
// environment.
//
// ResolveOptions is a plain struct: programs that do not want environment
// variables fill it themselves and call resolve(handle, options). The CLI and
// resolve(handle) build it once with OptionsFromEnvironment(); nothing below
// that edge reads the environment.
//
// Errors (never throws): InvalidArgument from ParseLoadFormat() and
// OptionsFromEnvironment(), naming the variable or flag and the valid values.
//
// Ownership: a ResolveOptions is read only during the call it is passed to
// (LoadOptions::resolve_options is a copy). The one borrowed pointer is
// `cancel`, which must outlive the call. LoadFormatName() returns a view of
// static storage.
//
// Thread safety: ResolveOptions is a plain value. One object may be shared by
// concurrent resolve() calls if nobody modifies it meanwhile; its callbacks
// (log, progress) are then called from each resolving thread, so they must
// tolerate concurrent calls. OptionsFromEnvironment() and DefaultCacheDir()
// read the environment (getenv) and must not race with setenv()/putenv().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub {

// How http(s) handles are fetched (Python's TFHUB_MODEL_LOAD_FORMAT).
enum class LoadFormat {
  kAuto,          // same as kCompressed
  kCompressed,    // download the archive and extract it into the cache
  kUncompressed,  // ask the server for a gs:// location and read the model there
};

// "AUTO", "COMPRESSED" or "UNCOMPRESSED".
std::string_view LoadFormatName(LoadFormat format);

// Parses exactly "AUTO", "COMPRESSED" or "UNCOMPRESSED" (case-sensitive, as
// Python's enum). Anything else is InvalidArgument naming the valid values.
Result<LoadFormat> ParseLoadFormat(std::string_view text);

// A snapshot of a download in progress, for ResolveOptions::progress.
struct DownloadProgress {
  std::string handle;
  uint64_t bytes_received = 0;             // archive bytes from the network so far
  std::optional<uint64_t> total_bytes;     // the archive's size (Content-Length), when known
  uint64_t bytes_extracted = 0;            // bytes written into the cache's temp dir
  uint64_t files_extracted = 0;            // files written (and closed) so far
  bool finished = false;                   // the last report of this download
};

// Cloud Storage (gs://): where requests go and which credentials they
// carry. Credentials go only over https or plain http to a loopback host,
// and never to the emulator.
struct CloudStorageOptions {
  // "host:port" or "http://host:port" of an emulator (STORAGE_EMULATOR_HOST):
  // every request goes there and carries no credentials at all, as with
  // Google's client libraries. Empty: https://storage.googleapis.com.
  std::string emulator_host;
  // In this order, the first that is set: an OAuth access token sent as it
  // is (GOOGLE_OAUTH_ACCESS_TOKEN); a service-account key file (JSON) whose
  // signed JWT is exchanged for tokens (GOOGLE_APPLICATION_CREDENTIALS); the
  // metadata server at this host (GCE_METADATA_HOST, or
  // metadata.google.internal on Google Cloud). None: anonymous (public
  // buckets).
  std::string access_token;
  std::string key_file;
  std::string metadata_host;
};

struct ResolveOptions {
  // Cache directory: a local path, a file:// URI or a gs://bucket/prefix.
  // Not ~-expanded; a relative directory gives relative results, as in
  // Python. It may be shared on purpose (a team's group-writable dir): there,
  // entries of users it does not trust are never used (README: "Shared
  // machines"). Empty means the default, <system temp dir>/tfhub_modules (see
  // DefaultCacheDir()), used only if it is a real directory of this user (or
  // root) that group and others cannot write; otherwise
  // <system temp dir>/tfhub_modules-<uid>, after a warning.
  std::string cache_dir;

  LoadFormat load_format = LoadFormat::kAuto;

  // TLS peer and host verification. Turning it off logs a warning.
  bool verify_tls = true;

  // A PEM file of trusted CA certificates; empty: the system's bundle.
  std::string ca_file;

  // Progress lines while downloading (Python's TFHUB_DOWNLOAD_PROGRESS).
  bool log_progress = false;

  // A foreign lock whose holder shows no progress (its temp dir's size and
  // the lock's contents unchanged) for this long is taken over (Python's
  // default: 600 s). A lock of a dead process on this host is taken at once.
  std::chrono::seconds lock_timeout{600};

  // How often a waiter looks whether a foreign lock is gone (a cheap read of
  // the lock file). The holder's progress is measured less often. On cache
  // dirs whose requests are billed (gs://) the waiter follows the holder's
  // published progress instead (docs/cache_layout.md, "Waiting on gs://").
  std::chrono::milliseconds lock_poll_interval{100};

  // Offline: resolve from the cache only. A handle whose module is not
  // complete in the cache fails with NotFound naming the handle and the
  // cache dir, before any lock, write or network request.
  bool offline = false;

  // Downloads: attempts in all (transient failures are retried, broken
  // bodies resumed with Range requests), the first backoff (doubling, with
  // jitter, capped at 30 s; a server's Retry-After wins), and how long a
  // transfer may receive nothing before it counts as stalled and is retried.
  int max_attempts = 5;
  std::chrono::milliseconds retry_initial_backoff{500};
  std::chrono::seconds stall_timeout{60};

  // Archives larger than a part (2 MiB), http(s) and gs:// alike, are
  // fetched over this many connections at once, as parallel ranged
  // requests pinned to the resource (If-Range; a gs:// object's generation)
  // and decoded in order as they arrive (TFHUB_DOWNLOAD_CONNECTIONS; Python
  // has none). 1: one GET, as before. Servers without ranges, and gs://
  // objects stored gzip-encoded, get one GET whatever this says.
  int download_connections = 16;

  // Threads that decode a gzip archive (TFHUB_DECODE_THREADS): one gzip
  // stream split into chunks decoded at once, speculatively, and checked
  // (see archive/parallel_inflate/). 0 (the default): one per CPU the
  // process may run on (its affinity mask), at most 16. 1: one thread (ISA-L alone, as before). Small archives are decoded
  // by one thread whatever this says.
  int decode_threads = 0;

  // Extraction limits against decompression bombs: a clear
  // ResourceExhausted error, and nothing cached, when an archive exceeds them.
  uint64_t max_extracted_bytes = uint64_t{1} << 40;  // 1 TiB
  uint64_t max_members = 10'000'000;

  // When non-empty, the archive's SHA-256 (64 lowercase hex digits) must
  // match, or the resolve fails with DataLoss and nothing is cached. The
  // archive's SHA-256 is recorded in the descriptor either way. The pin holds
  // on cache hits too: a module whose descriptor does not record this
  // SHA-256 (another archive, or an entry Python wrote) is downloaded again
  // and verified (or, offline, NotFound): an unverified path is never
  // returned.
  std::string archive_sha256;

  // When set and it becomes true (from any thread: a signal-handling thread,
  // a shutdown path), a resolve in progress stops within about a second:
  // the download is cut, the temp dir and the own lock are removed, and
  // resolve() returns Aborted. The flag must outlive the call.
  const std::atomic<bool>* cancel = nullptr;

  // Receives warnings and progress lines (no trailing newline). Unset: they
  // go to stderr. Called from the resolving thread only.
  std::function<void(std::string_view)> log;

  // gs:// handles, caches and reads.
  CloudStorageOptions gcs;

  // Receives the progress of a download, on the resolving thread: at most
  // about ten times a second while the archive streams in, then once with
  // finished = true when its body's transfer ended, successfully or not
  // (checks of the whole archive may still fail after it). Only while a
  // download actually runs: never for a cache hit, a local path or offline
  // mode, nor when no body began (e.g. the server refused). If the download
  // starts over from its first byte, bytes_received and the extracted counts
  // go back to 0. Independent of log_progress.
  std::function<void(const DownloadProgress&)> progress;
};

// Builds options from the environment (the CLI adds its flags, which the
// variables beat, as in Python):
//   cache dir:   non-empty TFHUB_CACHE_DIR, else DefaultCacheDir() when used
//   load format: non-empty TFHUB_MODEL_LOAD_FORMAT, else AUTO
//   TFHUB_DISABLE_CERT_VALIDATION == "true" (exactly) turns TLS checks off
//   TFHUB_DOWNLOAD_PROGRESS non-empty turns progress lines on
//   SSL_CERT_FILE names a CA bundle to trust (as urllib honours it)
//   TFHUB_LOCK_TIMEOUT_SEC: the lock timeout in whole seconds (> 0)
//   TFHUB_DOWNLOAD_CONNECTIONS: connections per download, 1 to 64
//   TFHUB_OFFLINE: 1/true/yes/on (any case) turns offline mode on;
//                  0/false/no/off/empty leave it off
//   STORAGE_EMULATOR_HOST, GOOGLE_OAUTH_ACCESS_TOKEN,
//   GOOGLE_APPLICATION_CREDENTIALS, GCE_METADATA_HOST: CloudStorageOptions
//                  (on Google Cloud, detected by /sys/class/dmi/id/product_name,
//                  the metadata server metadata.google.internal)
// Proxy variables (http_proxy, https_proxy, no_proxy, ...) are honoured by
// the HTTP layer itself. Errors: InvalidArgument for a bad load format or a
// TFHUB_OFFLINE value that is none of the above.
Result<ResolveOptions> OptionsFromEnvironment();

// <temp dir>/tfhub_modules, the temp dir found as Python's
// tempfile.gettempdir() does: TMPDIR, TEMP, TMP, then /tmp, /var/tmp, /usr/tmp
// — the first that is a writable directory.
std::string DefaultCacheDir();

}  // namespace tfhub
