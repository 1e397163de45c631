// cache::AtomicDownload — tensorflow_hub's atomic_download protocol: fill a
// module dir exactly once, even with several processes (Python or tfhub)
// sharing the cache. Everything goes through the CacheDir's rooted
// filesystem (names relative to the cache dir; on local disks by directory
// descriptors that never follow a link), and no entry the CacheDir does not
// trust is used, taken over or deleted.
//
//  1. A trusted, non-empty <sha1>/ is a hit: return it (no lock, no write)
//     — unless a file listed in tfhub's record in the descriptor is missing
//     or has another size (a temp cleaner at work), or the resolve is pinned
//     (archive_sha256) and the descriptor does not record that archive
//     SHA-256 (a mismatch, or a module Python wrote): then it is downloaded
//     again. At most kMaxCheckedFiles are stat'ed, so a hit stays cheap. An
//     untrusted <sha1>/ fails at once (FailedPrecondition, CacheDir::Distrust).
//  2. Take <sha1>.lock by exclusive create. If someone holds it, wait
//     until it is gone, then start over. Locally the waiter reads the lock
//     every poll_interval. On billed backends (gs://: every read is a
//     billed, rate-limited request) the holder publishes its progress
//     beside the lock (<sha1>.<uid>.progress, lock_progress.h) and the
//     waiter reads only that, when WaitSchedule says (rarely while the end
//     is far, often near it, with jitter); it reads the lock itself only
//     while there is no record, or the record stopped changing. A lock whose holder is a
//     dead process on this host is taken over at once, one whose holder
//     shows no progress (temp dir size, lock contents and progress record
//     unchanged) after lock_timeout; a lock the CacheDir does not trust, or that is not a
//     regular file tfhub can read, fails at once instead (never a hang, never
//     its contents in a message). A takeover deletes the holder's temp dir
//     only when the lock has the lock's shape (lock_file.h) and the temp dir
//     is trusted.
//  3. Holding the lock: re-check for a hit; remove an empty <sha1>/ or a
//     link there; create <sha1>.<uid>.tmp/ and hold it open; fill it with
//     `download` (on billed backends publishing its progress); then move a damaged or unpinned old module aside
//     (<sha1>.<uid>.damaged/, deleted at the end — kept until now, so a
//     failed download loses nothing), write the descriptor, and rename the
//     temp dir to <sha1>/, checking that what now stands there is the
//     directory that was filled (losing that race to a rogue writer is a
//     warning). On filesystems without atomic directory renames (gs://:
//     object by object copies) the order is reversed — rename, then
//     descriptor — and there a module counts as complete only with its
//     descriptor, so a reader never takes a copy in progress for a module;
//     the per-file damage check is skipped there (it would cost a request
//     per file).
//  4. Always: remove the own temp dir (if it is still the one created), the
//     own progress record, and then the lock if it still holds our
//     contents.
// Errors other than "the lock exists" fail at once (no hang on a read-only
// or missing cache dir) and leave the cache as it was.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "cache/cache_dir.h"
#include "cache/descriptor.h"
#include "cache/entry_names.h"
#include "cache/wait_schedule.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cache {

// What a download extracted, for the descriptor's record.
struct DownloadRecord {
  std::map<std::string, uint64_t> sizes;  // relative path → bytes
  uint64_t bytes = 0;
  std::string archive_sha256;  // of the downloaded (compressed) bytes, if known
};

// Told by a download as archive bytes arrive: `done` of `total` (0:
// unknown). Cheap to call often: on billed backends it publishes the lock
// holder's progress record now and then (lock_progress.h), elsewhere it
// does nothing.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// Fills the given (existing, empty) temp dir, a filesystem rooted at it,
// telling `progress` how far it got.
using DownloadFn = std::function<Result<DownloadRecord>(io::FileSystem& temp_dir, const ProgressFn& progress)>;

struct AtomicDownloadOptions {
  std::chrono::seconds lock_timeout{600};
  // How often a waiter reads a foreign lock on filesystems whose requests
  // are not billed (local disks). On billed ones (gs://) the waiter follows
  // the holder's progress instead (wait_schedule below).
  std::chrono::milliseconds poll_interval{100};
  // Billed filesystems: how often the holder publishes its progress while
  // bytes arrive (a write each), and how waiters schedule their looks.
  std::chrono::milliseconds progress_every{2000};
  WaitScheduleOptions wait_schedule;
  uint64_t jitter_seed = 0;  // 0: random (tests fix it)
  std::function<void(std::string_view)> log;  // warnings; never null
  const std::atomic<bool>* cancel = nullptr;  // see ResolveOptions::cancel
  // Time and waiting (lock polls, the lock timeout); null: base::Clock::Real().
  base::Clock* clock = nullptr;
  // When non-empty (64 lowercase hex digits), a hit must have been
  // downloaded from an archive with this SHA-256 (see step 1).
  std::string archive_sha256;
};

// A descriptor holds a few KiB; anything much larger is not one.
inline constexpr uint64_t kMaxDescriptorBytes = 1 << 20;

// True if `dir` exists and holds at least one entry.
bool ModuleDirPopulated(io::FileSystem& fs, const std::string& dir);

// The descriptor of `names`, when there is one the CacheDir trusts and can
// read (a regular file of at most kMaxDescriptorBytes, not a link).
std::optional<Descriptor> ReadDescriptor(const CacheDir& dir, const EntryNames& names);

enum class ModuleState {
  kMissing,    // no module dir, an empty one, or a link (or, on gs://, a copy cut short)
  kComplete,   // populated, trusted, matching tfhub's record (and the pin) when there is one
  kDamaged,    // populated, but a file tfhub recorded is missing or has another size
  kUnpinned,   // populated, but not recorded as downloaded from the pinned archive
  kUntrusted,  // a module dir (or link) that belongs to a user the CacheDir does not trust
};

// What the cache holds for `names`. A populated dir without tfhub's record
// in the descriptor (written by Python, or no descriptor) is trusted, as
// Python trusts it — unless `pin` is set. *why (if given) says what is wrong
// for the states other than kComplete.
ModuleState InspectModule(const CacheDir& dir, const EntryNames& names, std::string_view pin, std::string* why);

// Runs the protocol for `handle`; returns dir.PathOf(<sha1>).
Result<std::string> AtomicDownload(const CacheDir& dir, std::string_view handle, const DownloadFn& download,
                                   const AtomicDownloadOptions& options);

}  // namespace tfhub::cache
