// Waiting that a cancellation flag can cut short (ResolveOptions::cancel).
#pragma once

#include <atomic>
#include <chrono>

namespace tfhub::base {

// True when `cancel` is set and true. `cancel` may be null.
inline bool IsCancelled(const std::atomic<bool>* cancel) { return cancel != nullptr && cancel->load(); }

// Sleeps `d`, checking `cancel` at least every 50 ms. Returns false (early)
// when cancelled, true when the whole time passed.
bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>* cancel);

}  // namespace tfhub::base
