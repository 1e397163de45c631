// cache::AtomicDownload — tensorflow_hub's atomic_download protocol: fill a
// module dir exactly once, even with several processes (Python or tfhub)
// sharing the cache.
//
//  1. A non-empty <sha1>/ is a hit: return it (no lock, no write).
//  2. Create the cache dir; take <sha1>.lock by exclusive create. If someone
//     holds it, wait (polling) until it is gone, then start over; a lock
//     whose holder shows no progress (temp dir size and lock contents
//     unchanged) for lock_timeout is taken over, and one held by a dead
//     process on this host at once.
//  3. Holding the lock: re-check for a hit; remove an empty <sha1>/; fill
//     <sha1>.<uid>.tmp/ with `download`; write the descriptor; rename the
//     temp dir to <sha1>/ (losing that race to a rogue writer is a warning).
//  4. Always: remove the own temp dir, and the lock if it still holds our
//     contents.
// Errors other than "the lock exists" fail at once (no hang on a read-only
// or missing cache dir) and leave the cache as it was.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "cache/cache_layout.h"
#include "io/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cache {

// What a download extracted, for the descriptor's record.
struct DownloadRecord {
  std::map<std::string, uint64_t> sizes;  // relative path → bytes
  uint64_t bytes = 0;
};

// Fills the given (existing, empty) temp dir.
using DownloadFn = std::function<Result<DownloadRecord>(const std::string& temp_dir)>;

struct AtomicDownloadOptions {
  std::chrono::seconds lock_timeout{600};
  std::chrono::milliseconds poll_interval{500};
  std::function<void(std::string_view)> log;  // warnings; never null
};

// True if `dir` exists and holds at least one entry.
bool ModuleDirPopulated(io::FileSystem& fs, const std::string& dir);

// Runs the protocol for `handle`; returns layout.module_dir().
Result<std::string> AtomicDownload(io::FileSystem& fs, const CacheLayout& layout,
                                   std::string_view handle, const DownloadFn& download,
                                   const AtomicDownloadOptions& options);

}  // namespace tfhub::cache
