// cache::WaitSchedule — when a waiter on a billed backend (gs://) looks
// again at a foreign lock, given what the holder's progress record
// (lock_progress.h) says. Every look is a billed, rate-limited request, and
// a pod has hundreds of waiters, so:
//
//  * far from the end (the estimate says more than near_threshold remains):
//    the next look comes after `fraction` of the estimated remaining time,
//    at least near_first and at most far_max — a handful of looks per
//    download, whatever its length, each re-estimating;
//  * near the end (estimate below near_threshold, the download over, or the
//    record gone after it was seen — the holder finishing): near_first,
//    growing by near_growth per look up to near_max, so a waiter returns
//    well within a second or two of the holder, and a long install or a
//    wrong estimate costs few looks;
//  * blind (no record yet, or one without an estimate: a Python holder, a
//    holder that just started): blind_first, growing by blind_growth up to
//    blind_max (Python polls every 5 s);
//  * every delay is spread by ±jitter (uniformly), so a pod's waiters do not
//    look in lockstep, and capped by the caller's `cap` (takeover checks).
//
// Thread safety: one waiter (one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "cache/lock_progress.h"

namespace tfhub::cache {

struct WaitScheduleOptions {
  std::chrono::milliseconds near_threshold{2500};
  std::chrono::milliseconds near_first{400};
  double near_growth = 1.3;
  std::chrono::milliseconds near_max{4000};
  double fraction = 0.7;
  std::chrono::milliseconds far_max{30000};
  std::chrono::milliseconds blind_first{1000};
  double blind_growth = 1.5;
  std::chrono::milliseconds blind_max{5000};
  double jitter = 0.2;
};

class WaitSchedule {
 public:
  // `seed` 0: a random one.
  explicit WaitSchedule(WaitScheduleOptions options = {}, uint64_t seed = 0);

  // The delay until the next look, after a look that read `record` (nullopt:
  // none, or not of the record's shape); `record_gone` when a record was
  // seen earlier for the same holder and is gone now. At most `cap`.
  std::chrono::milliseconds Next(const std::optional<LockProgress>& record, bool record_gone,
                                 std::chrono::milliseconds cap);

 private:
  std::chrono::milliseconds Jitter(double ms);

  WaitScheduleOptions options_;
  std::mt19937_64 rng_;
  int near_looks_ = 0;
  int blind_looks_ = 0;
};

}  // namespace tfhub::cache
