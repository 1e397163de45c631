#include "net/retry.h"

#include <algorithm>
#include <string>

namespace tfhub::net {

bool IsRetryable(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded;
}

std::chrono::milliseconds Backoff(const RetryOptions& options, int attempt,
                                  std::optional<std::chrono::seconds> retry_after, std::mt19937& rng) {
  if (retry_after) {
    return std::min<std::chrono::milliseconds>(*retry_after, options.max_backoff);
  }
  auto cap = options.initial_backoff;
  for (int i = 2; i < attempt && cap < options.max_backoff; ++i) cap *= 2;
  cap = std::min(cap, options.max_backoff);
  std::uniform_int_distribution<long long> dist(0, cap.count());
  return std::chrono::milliseconds(dist(rng));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  if (value.empty() || value.size() > 9) return std::nullopt;
  long long secs = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    secs = secs * 10 + (c - '0');
  }
  return std::chrono::seconds(secs);
}

}  // namespace tfhub::net
