// cache lock progress: what a lock holder publishes about its download, so
// that waiters on a billed backend (gs://, FileSystem::RequestsAreBilled())
// can look rarely while the end is far and often only when it is near,
// instead of reading the lock at a fixed fast rate.
//
// The record is <sha1>.<uid>.progress beside the lock (uid: the holder's
// lock uid), a few lines of text:
//
//   tfhub-lock-progress 1
//   done <archive bytes received>
//   total <archive bytes expected, or 0 when unknown>
//   rate <bytes per second over the last interval, 0 when not yet known>
//   seq <a number that grows with every write>
//   phase download|install
//
// Only the holder writes it: about every publish_every while bytes arrive
// (each write is a request), once more when the download ends (phase
// install), and it deletes it before releasing the lock. Each write differs
// from the last (seq), so a changing record is the holder's heartbeat. A
// record belongs to one lock uid: one left by a killed holder never
// describes another holder's download, so it can never block anything (the
// cache tools list it as an orphaned temp entry). Python tensorflow_hub
// ignores it. Local filesystems get none: their waiters poll the lock as
// before.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "cache/cache_dir.h"
#include "cache/entry_names.h"

namespace tfhub::cache {

// A record holds well under 200 bytes; anything larger is not one.
inline constexpr uint64_t kMaxProgressBytes = 1024;

struct LockProgress {
  uint64_t done = 0;
  uint64_t total = 0;  // 0: unknown
  uint64_t rate = 0;   // bytes per second; 0: unknown
  uint64_t seq = 0;
  bool installing = false;  // the download is over; the module is being put in place
};

std::string FormatLockProgress(const LockProgress& p);

// nullopt unless `text` is exactly a record of the shape above (numbers in
// decimal, at most 19 digits): anything else is ignored, never trusted.
std::optional<LockProgress> ParseLockProgress(std::string_view text);

// Estimated time until the holder's download ends, from the record alone;
// nullopt when it cannot be told (total or rate unknown). Zero once done
// (or installing).
std::optional<std::chrono::milliseconds> EstimatedRemaining(const LockProgress& p);

// Publishes the progress of the lock holder `uid` (only on billed
// backends: elsewhere every method does nothing). Best effort: a failed
// write is ignored (waiters then read the lock as for a Python holder).
// Deletes the record on Finish() or destruction.
//
// Thread safety: one thread (the download's).
class ProgressPublisher {
 public:
  ProgressPublisher(const CacheDir& dir, const EntryNames& names, std::string uid, base::Clock& clock,
                    std::chrono::milliseconds publish_every);
  ProgressPublisher(const ProgressPublisher&) = delete;
  ProgressPublisher& operator=(const ProgressPublisher&) = delete;
  ~ProgressPublisher() { Finish(); }

  // `done` bytes of `total` (0: unknown) have arrived. Writes the record
  // at the first report, half publish_every later (the first with a rate),
  // then whenever publish_every has passed since the last write.
  // `done` going back (the download started over) resets the rate.
  void Report(uint64_t done, uint64_t total);
  // The download is over; the module is being installed (always written).
  void Installing();
  // Deletes the record (idempotent).
  void Finish();

  // Writes made so far (tests, benchmarks).
  uint64_t writes() const { return record_.seq; }

 private:
  void Write();

  const CacheDir* dir_;
  std::string name_;
  base::Clock& clock_;
  const std::chrono::milliseconds publish_every_;
  const bool enabled_;
  bool written_ = false;
  bool finished_ = false;
  LockProgress record_;
  base::Clock::TimePoint last_write_{};
  uint64_t last_write_done_ = 0;
};

}  // namespace tfhub::cache
