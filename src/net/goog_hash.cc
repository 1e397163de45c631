#include "net/goog_hash.h"

#include <strings.h>

#include "base/strings.h"

namespace tfhub::net {

namespace {

// One "<key>=<base64>" of the header (or a JSON metadata field's value).
void AddHash(std::string_view key, std::string_view base64, GoogHash& out) {
  const auto bytes = base::Base64Decode(base64);
  if (!bytes) return;
  if (key == "crc32c" && bytes->size() == 4) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes->data());
    out.crc32c = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  } else if (key == "md5" && bytes->size() == 16) {
    out.md5 = *bytes;
  }
}

}  // namespace

GoogHash DecodeObjectHashes(std::string_view crc32c_base64, std::string_view md5_base64) {
  GoogHash out;
  AddHash("crc32c", crc32c_base64, out);
  AddHash("md5", md5_base64, out);
  return out;
}

GoogHash ParseGoogHash(const HttpResponseHead& head) {
  GoogHash out;
  // Decompressive transcoding: an object stored gzip-encoded and served
  // decoded. Its hashes are the stored bytes', not these.
  const auto stored = head.Header("x-goog-stored-content-encoding");
  if (stored && !base::TrimWhitespace(*stored).empty() && *stored != "identity" && !IsContentEncoded(head)) {
    return out;
  }
  for (const auto& [name, value] : head.headers) {
    if (strcasecmp(name.c_str(), "x-goog-hash") != 0) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view part = base::TrimWhitespace(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const auto eq = part.find('=');
      if (eq == std::string_view::npos) continue;
      AddHash(part.substr(0, eq), part.substr(eq + 1), out);
    }
  }
  return out;
}

}  // namespace tfhub::net
