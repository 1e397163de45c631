// net retry policy: which failures are worth another attempt, and how long
// to wait before it (capped exponential backoff with full jitter, honouring
// Retry-After). One place decides; RetryingHttpClient applies it.
#pragma once

#include "base/clock.h"

#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <string_view>

#include "tfhub/status.h"

namespace tfhub::net {

struct RetryOptions {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  // Waits out the backoff; null: base::Clock::Real(). Must outlive the client.
  base::Clock* clock = nullptr;
};

// Transient: connection failures, cut bodies, stalls (Unavailable,
// DeadlineExceeded). HTTP 408/429/5xx arrive as Unavailable from
// HttpErrorStatus(); other 4xx are NotFound/PermissionDenied/
// InvalidArgument/FailedPrecondition and are not retried.
bool IsRetryable(const Status& status);

// The delay before attempt `attempt` (2 = first retry): uniform in
// [0, min(max, initial * 2^(attempt-2))], or `retry_after` when the server
// said so (capped by max_backoff).
std::chrono::milliseconds Backoff(const RetryOptions& options, int attempt,
                                  std::optional<std::chrono::seconds> retry_after, std::mt19937& rng);

// Parses a Retry-After value given in seconds ("120"); dates are ignored.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

}  // namespace tfhub::net
