// cachetools units: the durations and sizes `tfhub cache prune` takes.
//
//   durations: <number><unit>, unit s, m, h, d or w ("30m", "12h", "7d", "2w");
//              a bare number is seconds. Whole numbers only.
//   sizes:     <number>[unit], unit B, K, M, G or T, optionally followed by
//              "B" or "iB" ("500M", "10G", "1.5GiB", "2048"); all units are
//              powers of 1024. A decimal fraction is allowed.
// Errors: InvalidArgument naming the text and the accepted forms.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::cachetools {

Result<std::chrono::seconds> ParseDuration(std::string_view text);

Result<uint64_t> ParseSize(std::string_view text);

}  // namespace tfhub::cachetools
