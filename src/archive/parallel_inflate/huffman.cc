#include "archive/parallel_inflate/huffman.h"

namespace tfhub::archive::parallel_inflate {

bool Huffman::Build(const uint8_t* lengths, int n, bool allow_empty) {
  std::memset(count_, 0, sizeof(count_));
  for (int s = 0; s < n; ++s) ++count_[lengths[s]];
  const int used = n - count_[0];
  count_[0] = 0;
  std::memset(fast_, 0, sizeof(fast_));
  if (used == 0) return allow_empty;
  int left = 1;
  for (int len = 1; len <= kMaxBits; ++len) {
    left = (left << 1) - count_[len];
    if (left < 0) return false;  // over-subscribed
  }
  // Incomplete: only a lone code of length 1 is allowed (zlib).
  if (left > 0 && !(used == 1 && count_[1] == 1)) return false;

  uint16_t offsets[kMaxBits + 2];
  offsets[1] = 0;
  for (int len = 1; len <= kMaxBits; ++len) offsets[len + 1] = static_cast<uint16_t>(offsets[len] + count_[len]);
  for (int s = 0; s < n; ++s) {
    if (lengths[s] != 0) symbols_[offsets[lengths[s]]++] = static_cast<uint16_t>(s);
  }
  // Fast table: walk codes in canonical order, writing each (bit-reversed,
  // as deflate sends codes MSB first) into every slot it prefixes.
  uint32_t code = 0;
  int index = 0;
  for (int len = 1; len <= kFastBits; ++len) {
    for (int i = 0; i < count_[len]; ++i, ++index, ++code) {
      uint32_t rev = 0;
      for (int b = 0; b < len; ++b) rev |= ((code >> b) & 1u) << (len - 1 - b);
      const uint16_t entry = static_cast<uint16_t>(symbols_[index] << 4 | len);
      for (uint32_t slot = rev; slot < (1u << kFastBits); slot += 1u << len) fast_[slot] = entry;
    }
    code <<= 1;
  }
  return true;
}

int Huffman::DecodeSlow(BitReader& in) const {
  // Canonical decoding one bit at a time (codes of one length are
  // consecutive integers, the first of each length known from the counts).
  const uint64_t bits = in.Peek();
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= kMaxBits; ++len) {
    code |= static_cast<int>((bits >> (len - 1)) & 1);
    const int count = count_[len];
    if (code - first < count) {
      in.Drop(len);
      return symbols_[index + (code - first)];
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

}  // namespace tfhub::archive::parallel_inflate
