// cachetools operations behind `tfhub cache rm|prune|clean|verify`, on the
// rows of a ScanCache() snapshot.
//
// Safety rules (every function here keeps them):
//  * Only names listed in an Entry are deleted; unrecognised or untrusted
//    names never (each is looked at again just before it is deleted: one
//    that now belongs to a user the cache dir does not trust is left), and
//    deleting never follows a link (cache::CacheDir's rooted filesystem).
//  * A module is never removed while its key has a lock that is not
//    provably dead (UnderLiveLock). Removal itself takes <sha1>.lock (the
//    tensorflow_hub protocol, so Python and tfhub resolvers wait meanwhile),
//    renames <sha1>/ aside to <sha1>.<uid>.damaged/ — readers see the whole
//    module or none — deletes the descriptor, then the aside dir, then
//    releases the lock. A killed removal leaves a dead local lock and a
//    .damaged dir: `tfhub cache clean` removes both.
//  * Leftovers are re-checked just before deletion: a temp or .damaged dir
//    whose uid is now the lock's uid (a download that started after the
//    scan) is kept.
//
// Thread safety: safe to run concurrently with resolves in any process
// sharing the cache; two removals of the same key exclude each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cachetools/cache_scan.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cachetools {

// Who we are, for the lock a removal takes.
struct Identity {
  std::string host;  // base::HostName()
  long pid = 0;      // base::ProcessId()
};

// Removes a module row (complete, damaged or empty) as described above.
// Errors: FailedPrecondition when its key is locked (now or at scan time,
// unless the lock's holder is dead), InvalidArgument for a row that is not a
// module, or the filesystem's error.
Status RemoveModule(const cache::CacheDir& dir, const Entry& entry, const Identity& me);

// True for rows `tfhub cache clean` removes: orphaned temps, damaged
// leftovers, orphaned descriptors, empty module dirs, and abandoned locks
// whose holder is a dead local process — or, with include_stale_locks, any
// abandoned lock (another host, no progress for the lock timeout).
bool IsCleanable(const Entry& entry, bool include_stale_locks);

// Removes one cleanable row (see IsCleanable), re-checking the lock first.
// Errors: FailedPrecondition when the situation changed since the scan (a
// new lock, other lock contents), or the filesystem's error.
Status CleanEntry(const cache::CacheDir& dir, const Entry& entry, const Identity& me);

struct PruneCriteria {
  // Remove modules not used for at least this long.
  std::optional<std::chrono::seconds> older_than;
  // Then remove least recently used modules until all modules together take
  // at most this many bytes.
  std::optional<uint64_t> max_size;
};

// The module rows to remove, least recently used first. Rows under a live
// lock are never chosen (but count towards max_size). A module whose last
// use is unknown counts as used at the epoch (it goes first).
std::vector<const Entry*> PlanPrune(const CacheScan& scan, const PruneCriteria& criteria,
                                    std::chrono::system_clock::time_point now);

enum class VerifyResult {
  kOk,            // matches tfhub's record: file count, bytes and manifest digest
  kDamaged,       // does not (why says how)
  kUnverifiable,  // no tfhub record (written by Python): nothing to compare with
};

// "ok", "damaged", "unverifiable".
std::string_view VerifyResultName(VerifyResult r);

// Re-checks a module row against its descriptor's record, over all files
// (not only the ones a hit checks). `why` gets the first difference.
VerifyResult VerifyModule(const Entry& entry, std::string* why);

}  // namespace tfhub::cachetools
