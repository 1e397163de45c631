#include "base/clock.h"

#include <algorithm>
#include <thread>

namespace tfhub::base {

namespace {

class RealClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }

  bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>* cancel) override {
    const auto until = Now() + d;
    for (;;) {
      if (IsCancelled(cancel)) return false;
      const auto now = Now();
      if (now >= until) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now,
                                                                                std::chrono::milliseconds(50)));
    }
  }
};

}  // namespace

Clock& Clock::Real() {
  static RealClock* clock = new RealClock();
  return *clock;
}

}  // namespace tfhub::base
