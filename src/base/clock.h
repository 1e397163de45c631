// base::Clock — the time and the waiting tfhub does, behind one seam, so
// that timeouts and backoffs are tested on a fake clock instead of in real
// seconds (runtime::Context hands the real one to everything; tests give
// testing::FakeClock).
//
// Thread safety: implementations are safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>

namespace tfhub::base {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;

  // A monotonic time.
  virtual TimePoint Now() = 0;

  // Waits `d`, checking `cancel` (may be null) at least every 50 ms.
  // Returns false (early) when cancelled, true when the whole time passed.
  virtual bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>* cancel) = 0;

  // std::chrono::steady_clock and real sleeps; lives for the whole process.
  static Clock& Real();
};

// True when `cancel` is set and true. `cancel` may be null.
inline bool IsCancelled(const std::atomic<bool>* cancel) { return cancel != nullptr && cancel->load(); }

}  // namespace tfhub::base
