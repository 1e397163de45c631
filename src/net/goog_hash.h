// The x-goog-hash response header of Cloud Storage (and servers that mimic
// it): "crc32c=<base64 of 4 big-endian bytes>", "md5=<base64 of 16 bytes>",
// as separate headers or comma-separated in one. Both describe the whole
// object as stored, so they check a complete download of it — unless Cloud
// Storage decoded a gzip-encoded object on the fly (x-goog-stored-content-
// encoding set, no Content-Encoding): then there is nothing to check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.h"

namespace tfhub::net {

struct GoogHash {
  std::optional<uint32_t> crc32c;
  std::optional<std::string> md5;  // 16 raw bytes
};

// Reads every x-goog-hash header of `head`; malformed parts are ignored.
GoogHash ParseGoogHash(const HttpResponseHead& head);

// The same from an object's JSON metadata ("crc32c", "md5Hash": base64;
// empty or malformed: absent).
GoogHash DecodeObjectHashes(std::string_view crc32c_base64, std::string_view md5_base64);

}  // namespace tfhub::net
