#include "archive/parallel_inflate/block_finder.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "archive/parallel_inflate/huffman.h"
#include "archive/parallel_inflate/windowless_decoder.h"

namespace tfhub::archive::parallel_inflate {

namespace {

// The header's code-length code is complete (and not a lone code)?
bool CodeLengthCodeComplete(const uint8_t* data, size_t size, uint64_t bit) {
  BitReader in(data, size, bit + 13);
  const int ncode = static_cast<int>(in.Read(4)) + 4;
  int left = 1 << 7;  // Kraft sum in units of 2^-7
  int used = 0;
  for (int i = 0; i < ncode; ++i) {
    const int len = static_cast<int>(in.Read(3));
    if (len == 0) continue;
    left -= 1 << (7 - len);
    ++used;
    if (left < 0) return false;
  }
  return left == 0 && used > 1 && !in.Overran();
}

}  // namespace

std::optional<uint64_t> FindBlockStart(const uint8_t* data, size_t size, size_t search_bytes) {
  if (search_bytes > size) search_bytes = size;
  std::vector<uint16_t> scratch;
  scratch.reserve(1 << 16);
  for (size_t byte = 0; byte < search_bytes; ++byte) {
    uint64_t v = 0;
    std::memcpy(&v, data + byte, std::min<size_t>(8, size - byte));
    for (int shift = 0; shift < 8; ++shift) {
      const uint64_t bits = v >> shift;
      if ((bits & 7) != 4) continue;                                      // BFINAL 0, BTYPE 2
      if (((bits >> 3) & 31) > 29 || ((bits >> 8) & 31) > 29) continue;  // HLIT, HDIST
      const uint64_t bit = byte * 8 + static_cast<uint64_t>(shift);
      if (!CodeLengthCodeComplete(data, size, bit)) continue;
      WindowlessOptions options;
      options.max_blocks = 1;
      options.max_output = 1 << 16;
      scratch.clear();
      const auto r = DecodeWindowless(data, size, bit, options, &scratch);
      if (r.end == WindowlessResult::kBlocks || r.end == WindowlessResult::kOutputLimit) return bit;
    }
  }
  return std::nullopt;
}

}  // namespace tfhub::archive::parallel_inflate
