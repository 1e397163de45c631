// tfhub::resolve — turn a model handle into a usable directory.
//
// Handles:
//   * http:// and https:// URLs (tfhub.dev-style "smart" URLs, or direct links
//     to .tar/.tar.gz/.tgz): in AUTO/COMPRESSED mode the server is asked for
//     <url>?tf-hub-format=compressed (appended to any existing query), the
//     archive is streamed, decompressed and unpacked into
//     <cache>/<sha1(handle)>/, and that path is returned. A populated module
//     dir (of a user the cache dir trusts) is a cache hit: no request, no
//     lock, no write. In UNCOMPRESSED mode the server's 303 names a gs://
//     location, which is returned as it is (it must exist).
//   * gs://bucket/x.tar, .tar.gz, .tgz: the archive is read from Cloud
//     Storage into the cache likewise.
//   * anything else is a path (local, file://, gs:// directories): returned
//     exactly as given if it exists, otherwise NotFound "<handle> does not
//     exist.".
// The cache is shared with Python tensorflow_hub (same layout, descriptor and
// lock protocol; see docs/cache_layout.md).
//
// Errors (never throws): InvalidArgument (bad option, invalid archive:
// "<handle> does not appear to be a valid module."), NotFound (also offline
// mode without a cached module), the HTTP error classes (Unavailable,
// DeadlineExceeded, PermissionDenied, FailedPrecondition for TLS failures),
// DataLoss (integrity checks, archive_sha256 mismatch), Aborted
// (ResolveOptions::cancel), ResourceExhausted (disk full, extraction limits),
// FailedPrecondition (no safe default cache dir; an entry, lock or temp dir
// of a user the cache dir does not trust; a lock that is not a regular file).
// On any error the cache is left as it was.
//
// Ownership: the returned path is a string the caller owns; the directory it
// names is the caller's own local path or belongs to the cache (where the
// cache tools, `tfhub cache rm/prune`, may remove it later). `options` is
// read only during the call. Version() returns a view of static storage.
//
// Thread safety: safe to call concurrently from several threads and
// processes, including on the same handle.
#pragma once

#include <string>
#include <string_view>

#include "tfhub/options.h"
#include "tfhub/result.h"

namespace tfhub {

// What a resolve found.
struct ResolvedModule {
  std::string path;       // the module's directory (what resolve() returns)
  std::string cache_dir;  // the cache dir it is in; empty for handles used where they lie
  std::string key;        // its entry's key there (what `tfhub cache rm` takes); empty likewise
};

// Resolves with explicit options, and says where the module came from.
Result<ResolvedModule> ResolveModule(std::string_view handle, const ResolveOptions& options);

// Resolves with options read from the environment (OptionsFromEnvironment()).
Result<std::string> resolve(std::string_view handle);

// Resolves with explicit options; reads no environment variables except for
// the default temp dir when options.cache_dir is empty.
Result<std::string> resolve(std::string_view handle, const ResolveOptions& options);

// The library version, e.g. "0.1.0".
std::string_view Version();

}  // namespace tfhub
