// The x-goog-hash response header of Cloud Storage (and servers that mimic
// it): "crc32c=<base64 of 4 big-endian bytes>", "md5=<base64 of 16 bytes>",
// as separate headers or comma-separated in one. Both describe the whole
// object as stored, so they check a complete download of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "net/http_client.h"

namespace tfhub::net {

struct GoogHash {
  std::optional<uint32_t> crc32c;
  std::optional<std::string> md5;  // 16 raw bytes
};

// Reads every x-goog-hash header of `head`; malformed parts are ignored.
GoogHash ParseGoogHash(const HttpResponseHead& head);

}  // namespace tfhub::net
