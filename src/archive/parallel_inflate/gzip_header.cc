#include "archive/parallel_inflate/gzip_header.h"

namespace tfhub::archive::parallel_inflate {

std::optional<size_t> ParseGzipHeader(const uint8_t* data, size_t size) {
  if (size < 10 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8) return std::nullopt;
  const uint8_t flags = data[3];
  if (flags & 0xe2) return std::nullopt;  // reserved bits, or FHCRC
  size_t pos = 10;
  if (flags & 4) {  // FEXTRA
    if (size - pos < 2) return std::nullopt;
    const size_t xlen = data[pos] | size_t{data[pos + 1]} << 8;
    pos += 2;
    if (size - pos < xlen) return std::nullopt;
    pos += xlen;
  }
  for (const uint8_t flag : {uint8_t{8}, uint8_t{16}}) {  // FNAME, FCOMMENT: zero-terminated
    if (!(flags & flag)) continue;
    while (pos < size && data[pos] != 0) ++pos;
    if (pos == size) return std::nullopt;
    ++pos;
  }
  if (pos >= size) return std::nullopt;
  return pos;
}

}  // namespace tfhub::archive::parallel_inflate
