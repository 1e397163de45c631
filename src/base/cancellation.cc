#include "base/cancellation.h"

#include <algorithm>
#include <thread>

namespace tfhub::base {

bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>* cancel) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + d;
  for (;;) {
    if (IsCancelled(cancel)) return false;
    const auto now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

}  // namespace tfhub::base
