// base::FakeClock — a Clock for tests: time moves only when someone sleeps
// on it (or Advance() is called), so a 600 s lock timeout or a 30 s backoff
// takes no real time. Sleeping advances the time by exactly the amount
// asked, unless `cancel` is already set.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <mutex>

#include "base/clock.h"

namespace tfhub::base {

class FakeClock final : public Clock {
 public:
  TimePoint Now() override {
    std::lock_guard lock(mu_);
    return now_;
  }
  bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>* cancel) override {
    if (IsCancelled(cancel)) return false;
    std::lock_guard lock(mu_);
    now_ += d;
    slept_ += d;
    return true;
  }
  void Advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  // The total time slept so far.
  std::chrono::milliseconds slept() {
    std::lock_guard lock(mu_);
    return slept_;
  }

 private:
  std::mutex mu_;
  TimePoint now_{std::chrono::hours(1)};
  std::chrono::milliseconds slept_{0};
};

}  // namespace tfhub::base
