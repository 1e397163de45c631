// SHA-1 of a byte string (the cache key of a handle, as in tensorflow_hub).
#pragma once

#include <string>
#include <string_view>

namespace tfhub::base {

// Lowercase hex SHA-1 of `data` (40 characters).
std::string Sha1Hex(std::string_view data);

}  // namespace tfhub::base
