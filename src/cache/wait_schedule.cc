#include "cache/wait_schedule.h"

#include <algorithm>
#include <cmath>

namespace tfhub::cache {

WaitSchedule::WaitSchedule(WaitScheduleOptions options, uint64_t seed)
    : options_(options), rng_(seed != 0 ? seed : std::random_device{}()) {}

std::chrono::milliseconds WaitSchedule::Jitter(double ms) {
  std::uniform_real_distribution<double> spread(1.0 - options_.jitter, 1.0 + options_.jitter);
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(1.0, ms * spread(rng_))));
}

std::chrono::milliseconds WaitSchedule::Next(const std::optional<LockProgress>& record, bool record_gone,
                                             std::chrono::milliseconds cap) {
  const std::optional<std::chrono::milliseconds> remaining =
      record ? EstimatedRemaining(*record) : std::optional<std::chrono::milliseconds>();
  double ms;
  if (record_gone || (remaining && *remaining <= options_.near_threshold)) {
    ms = std::min<double>(static_cast<double>(options_.near_first.count()) * std::pow(options_.near_growth, near_looks_),
                          static_cast<double>(options_.near_max.count()));
    ++near_looks_;
    blind_looks_ = 0;
  } else if (remaining) {
    ms = std::clamp<double>(static_cast<double>(remaining->count()) * options_.fraction,
                            static_cast<double>(options_.near_first.count()),
                            static_cast<double>(options_.far_max.count()));
    near_looks_ = 0;
    blind_looks_ = 0;
  } else {
    ms = std::min<double>(
        static_cast<double>(options_.blind_first.count()) * std::pow(options_.blind_growth, blind_looks_),
        static_cast<double>(options_.blind_max.count()));
    ++blind_looks_;
  }
  return std::min(Jitter(ms), std::max(cap, std::chrono::milliseconds(1)));
}

}  // namespace tfhub::cache
