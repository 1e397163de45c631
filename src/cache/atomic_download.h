// cache::AtomicDownload — tensorflow_hub's atomic_download protocol: fill a
// module dir exactly once, even with several processes (Python or tfhub)
// sharing the cache.
//
//  1. A non-empty <sha1>/ is a hit: return it (no lock, no write) — unless
//     a file listed in tfhub's record in the descriptor is missing or has
//     another size (a temp cleaner at work): then it is replaced like a
//     missing one. At most kMaxCheckedFiles are stat'ed, so a hit stays cheap.
//  2. Create the cache dir; take <sha1>.lock by exclusive create. If someone
//     holds it, wait (polling) until it is gone, then start over; a lock
//     whose holder shows no progress (temp dir size and lock contents
//     unchanged) for lock_timeout is taken over, and one held by a dead
//     process on this host at once.
//  3. Holding the lock: re-check for a hit; remove an empty or damaged
//     <sha1>/ (a damaged one is first renamed aside); fill
//     <sha1>.<uid>.tmp/ with `download`; write the descriptor; rename the
//     temp dir to <sha1>/ (losing that race to a rogue writer is a warning).
//     On filesystems without atomic directory renames (gs://: object by
//     object copies) the order is reversed — rename, then descriptor — and
//     there a module counts as complete only with its descriptor, so a
//     reader never takes a copy in progress for a module; the per-file
//     damage check is skipped there (it would cost a request per file).
//  4. Always: remove the own temp dir, and the lock if it still holds our
//     contents.
// Errors other than "the lock exists" fail at once (no hang on a read-only
// or missing cache dir) and leave the cache as it was.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "cache/cache_layout.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cache {

// What a download extracted, for the descriptor's record.
struct DownloadRecord {
  std::map<std::string, uint64_t> sizes;  // relative path → bytes
  uint64_t bytes = 0;
  std::string archive_sha256;  // of the downloaded (compressed) bytes, if known
};

// Fills the given (existing, empty) temp dir.
using DownloadFn = std::function<Result<DownloadRecord>(const std::string& temp_dir)>;

struct AtomicDownloadOptions {
  std::chrono::seconds lock_timeout{600};
  std::chrono::milliseconds poll_interval{100};
  std::function<void(std::string_view)> log;  // warnings; never null
  const std::atomic<bool>* cancel = nullptr;  // see ResolveOptions::cancel
};

// True if `dir` exists and holds at least one entry.
bool ModuleDirPopulated(io::FileSystem& fs, const std::string& dir);

enum class ModuleState {
  kMissing,   // no module dir, or an empty one
  kComplete,  // populated, and matching tfhub's record when there is one
  kDamaged,   // populated, but a file tfhub recorded is missing or has another size
};

// What the cache holds for `layout`. A populated dir without tfhub's record
// in the descriptor (written by Python, or no descriptor) is trusted, as
// Python trusts it. For kDamaged, *why (if given) says what differs.
ModuleState InspectModule(io::FileSystem& fs, const CacheLayout& layout, std::string* why);

// Runs the protocol for `handle`; returns layout.module_dir().
Result<std::string> AtomicDownload(io::FileSystem& fs, const CacheLayout& layout,
                                   std::string_view handle, const DownloadFn& download,
                                   const AtomicDownloadOptions& options);

}  // namespace tfhub::cache
