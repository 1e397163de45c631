// base::ForEachParallel — a bounded fan-out for independent pieces of work
// (parallel ranged reads, object copies, reading every variable).
#pragma once

#include <cstddef>
#include <functional>

#include "tfhub/status.h"

namespace tfhub::base {

// Runs fn(0..n-1) on up to `parallelism` threads (the calling thread is one
// of them); every index runs once even after an error. Returns the first
// error in completion order.
Status ForEachParallel(size_t n, int parallelism, const std::function<Status(size_t)>& fn);

}  // namespace tfhub::base
