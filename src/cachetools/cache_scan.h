// cachetools::ScanCache — what a cache dir holds, as rows for the
// `tfhub cache` commands (see docs/cache_layout.md for the names).
//
// Every name in the cache dir is either recognised and part of exactly one
// Entry, or listed in CacheScan::unrecognized or CacheScan::untrusted (and
// never touched by any command). Recognised names (cache/entry_names.h),
// <uid> being 32 lowercase hex characters:
//   <sha1>/                          module dir            (a directory)
//   <sha1>.descriptor.txt            its descriptor        (a file)
//   <sha1>.lock                      lock                  (a file)
//   <sha1>.<uid>.tmp/                a download's temp dir (a directory)
//   <sha1>.descriptor.txt.<uid>.tmp  a descriptor being written (a file)
//   <sha1>.<uid>.damaged/            a module dir renamed aside to be deleted
// A name of the right shape but the wrong type (a file called <sha1>, a
// symlink anywhere) is unrecognised; one that belongs to a user the cache dir
// does not trust (cache/cache_dir.h) is untrusted. Nothing below the cache
// dir is ever followed through a link, and the contents of a lock or a
// descriptor are read only from regular files of bounded size.
//
// Entries (one row each):
//   module   <sha1>/ with its descriptor: complete, damaged or empty. Entries
//            Python wrote (a 3-line descriptor, or none) are complete when
//            populated, as Python trusts them.
//   lock     <sha1>.lock with the temp dir, descriptor temp and .damaged dir
//            of its uid: downloading (holder alive, or not provably gone)
//            or abandoned (holder is a dead process on this host, or nothing
//            changed — lock and temp dir mtimes — for the lock timeout).
//   leftover a temp dir / descriptor temp (orphaned_temp) or a .damaged dir
//            (damaged_leftover) whose uid is not the current lock's, or a
//            descriptor with neither module dir nor lock
//            (orphaned_descriptor).
//
// "Last used" of a module is the access time of its dir <sha1>/: every
// cache hit lists that directory (tfhub and Python alike), which updates the
// atime — under `relatime` at most once a day. A scan lists module dirs too
// (to size them), so it puts their atimes back afterwards
// (FileSystem::SetAccessTime): `tfhub cache list` never changes what prune
// does. Without access times (gs://), the descriptor's download time.
//
// A scan only reads (and puts module dirs' atimes back).
// Thread safety: ScanCache may run concurrently with anything; the result is
// a snapshot.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_dir.h"
#include "cache/descriptor.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cachetools {

enum class EntryState {
  kComplete,            // module: populated; matches tfhub's record, or has none
  kDamaged,             // module: a file tfhub recorded is missing or has another size
  kEmpty,               // module: an empty <sha1>/ (resolve would replace it)
  kDownloading,         // lock: holder alive (or not provably gone)
  kAbandonedLock,       // lock: holder dead (this host) or no progress for the lock timeout
  kOrphanedTemp,        // <sha1>.<uid>.tmp/ or descriptor temp without its lock, or a
                        // lock temp (<sha1>.lock.tmp<uid>) older than a minute
  kDamagedLeftover,     // <sha1>.<uid>.damaged/ without its lock
  kOrphanedDescriptor,  // <sha1>.descriptor.txt without module dir and lock
};

// Stable lower_snake_case names, used in text and JSON output:
// "complete", "damaged", "empty", "downloading", "abandoned_lock",
// "orphaned_temp", "damaged_leftover", "orphaned_descriptor".
std::string_view EntryStateName(EntryState state);

// A lock row's holder, as the scan judged it.
enum class LockHolder {
  kNone,      // no lock
  kAlive,     // a live process on this host, or another host making progress
  kDeadLocal, // a process on this host that no longer exists
  kStale,     // another host (or unreadable contents): nothing changed for the lock timeout
};

struct Entry {
  EntryState state = EntryState::kComplete;
  std::string key;   // the sha1
  std::string uid;   // lock and leftover rows: the uid in the names
  std::string path;  // the row's main path (module dir, lock, temp dir, ...)
  // Everything the row consists of, deleted together (module: the module
  // dir then the descriptor; lock: temp dirs, descriptor temp, then the
  // lock): as names in the cache dir, and as paths (for output).
  std::vector<std::string> names;
  std::vector<std::string> paths;
  uint64_t bytes = 0;  // regular files, recursively
  uint64_t files = 0;

  // The descriptor (module rows, and lock rows when one was already written).
  bool has_descriptor = false;
  cache::Descriptor descriptor;

  // Module rows: when last used (see above); nullopt if unknown.
  std::optional<std::chrono::system_clock::time_point> last_used;
  // Module rows: every regular file, relative path → bytes (for verify).
  std::map<std::string, uint64_t> file_sizes;
  bool walk_failed = false;  // some directory could not be listed

  // The key's lock (any row of the key): contents and how its holder was
  // judged. A module row with lock_holder other than kNone/kDeadLocal is
  // "under a live lock" and never removed.
  std::string lock_contents;
  LockHolder lock_holder = LockHolder::kNone;

  std::string why;  // damaged / abandoned / odd: in words
};

// True when the entry's key has a lock that is not provably dead.
inline bool UnderLiveLock(const Entry& e) {
  return e.lock_holder == LockHolder::kAlive || e.lock_holder == LockHolder::kStale;
}

struct ScanOptions {
  std::chrono::seconds lock_timeout{600};
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::string host;  // this host's name (base::HostName()); locks naming it are checked by pid
};

// A recognisable name that belongs to a user the cache dir does not trust.
struct UntrustedName {
  std::string name;
  uint32_t owner = 0;
};

struct CacheScan {
  std::string cache_dir;
  bool exists = false;                    // false: no cache dir (no entries)
  std::vector<Entry> entries;             // by key, then module, lock, leftovers
  std::vector<std::string> unrecognized;  // names, sorted
  std::vector<UntrustedName> untrusted;   // sorted by name
};

// Scans `dir`. Errors only when the cache dir itself cannot be listed (a
// missing one is an empty scan); entries that vanish meanwhile are skipped.
Result<CacheScan> ScanCache(const cache::CacheDir& dir, const ScanOptions& options);

// Every regular file under `dir`, relative path → bytes (paths as the
// extractor records them: "variables/variables.index"). Sets *failed when a
// directory could not be listed. Depth-limited (symlink loops).
std::map<std::string, uint64_t> FileSizes(io::FileSystem& fs, const std::string& dir, bool* failed);

// "tfhub cache rm" arguments: a 40-hex-digit key is taken as is (lowercased),
// anything else is a handle and hashed.
std::string KeyForArgument(std::string_view handle_or_sha1);

}  // namespace tfhub::cachetools
