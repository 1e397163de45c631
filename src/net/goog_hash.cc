#include "net/goog_hash.h"

#include <strings.h>

#include "base/strings.h"

namespace tfhub::net {

GoogHash ParseGoogHash(const HttpResponseHead& head) {
  GoogHash out;
  for (const auto& [name, value] : head.headers) {
    if (strcasecmp(name.c_str(), "x-goog-hash") != 0) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view part = base::TrimWhitespace(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const auto eq = part.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view key = part.substr(0, eq);
      const auto bytes = base::Base64Decode(part.substr(eq + 1));
      if (!bytes) continue;
      if (key == "crc32c" && bytes->size() == 4) {
        const auto* b = reinterpret_cast<const unsigned char*>(bytes->data());
        out.crc32c = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
      } else if (key == "md5" && bytes->size() == 16) {
        out.md5 = *bytes;
      }
    }
  }
  return out;
}

}  // namespace tfhub::net
