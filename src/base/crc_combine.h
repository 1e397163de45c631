// base::CombineCrc — the CRC of A followed by B from the CRCs of A and B and
// B's length alone (zlib's crc32_combine), for any bit-reflected 32-bit CRC
// with the usual pre- and post-inversion: gzip's CRC-32 (0xedb88320) and
// CRC32C (0x82f63b78) alike. Lets parts checksummed apart, on the threads
// that received or decoded them, give the whole stream's CRC without a
// second pass over its bytes. O(log len_b) multiplications in GF(2)[x].
//
// Thread safety: safe from any thread (the table of powers is a
// function-local static per polynomial).
#pragma once

#include <cstdint>

namespace tfhub::base {

namespace crc_combine_internal {

// a(x) * b(x) modulo the polynomial, in the reflected bit order (bit 31 is
// x^0).
template <uint32_t kPoly>
uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t m = uint32_t{1} << 31;
  uint32_t p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return p;
}

// x^(2^k) modulo the polynomial, for k = 0..31 (the cycle repeats after that).
template <uint32_t kPoly>
struct PowersOfX {
  uint32_t x2n[32];
  PowersOfX() {
    uint32_t p = uint32_t{1} << 30;  // x^1
    x2n[0] = p;
    for (int k = 1; k < 32; ++k) x2n[k] = p = MultModP<kPoly>(p, p);
  }
};

// x^(n * 2^k) modulo the polynomial.
template <uint32_t kPoly>
uint32_t X2NModP(uint64_t n, unsigned k) {
  static const PowersOfX<kPoly> powers;
  uint32_t p = uint32_t{1} << 31;  // x^0
  while (n != 0) {
    if (n & 1) p = MultModP<kPoly>(powers.x2n[k & 31], p);
    n >>= 1;
    ++k;
  }
  return p;
}

}  // namespace crc_combine_internal

// CombineCrc<poly>(crc(A), crc(B), |B|) == crc(A + B).
template <uint32_t kPoly>
uint32_t CombineCrc(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  using namespace crc_combine_internal;
  return MultModP<kPoly>(X2NModP<kPoly>(len_b, 3), crc_a) ^ crc_b;  // shift A by 8 * len_b bits
}

}  // namespace tfhub::base
