#include "archive/parallel_inflate/crc32.h"

#include <algorithm>

#include "archive/isal_api.h"

namespace tfhub::archive::parallel_inflate::crc32 {

namespace {

decltype(&::crc32_gzip_refl) g_crc32_gzip_refl = nullptr;

constexpr uint32_t kPoly = 0xedb88320u;  // reflected x^32 + x^26 + ... + 1

// a * b modulo the polynomial, bit-reflected (bit 31 is x^0).
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

// x^(2^k) modulo the polynomial, k = 0..31.
struct PowersOfX {
  uint32_t x2n[32];
  PowersOfX() {
    uint32_t p = uint32_t{1} << 30;  // x^1
    x2n[0] = p;
    for (int k = 1; k < 32; ++k) x2n[k] = p = MultModP(p, p);
  }
};

// x^(n * 2^k) modulo the polynomial.
uint32_t X2NModP(uint64_t n, unsigned k) {
  static const PowersOfX powers;
  uint32_t p = uint32_t{1} << 31;  // x^0
  while (n != 0) {
    if (n & 1) p = MultModP(powers.x2n[k & 31], p);
    n >>= 1;
    ++k;
  }
  return p;
}

}  // namespace

Status Init() {
  static const Status status = [] {
    auto api = Isal();
    if (!api.ok()) return api.status();
    g_crc32_gzip_refl = (*api)->crc32_gzip_refl;
    return Status::Ok();
  }();
  return status;
}

uint32_t Extend(uint32_t crc, const void* data, size_t size) {
  auto* p = static_cast<const unsigned char*>(data);
  constexpr size_t kPiece = size_t{1} << 30;
  while (size > 0) {
    const size_t n = std::min(size, kPiece);
    crc = g_crc32_gzip_refl(crc, p, n);
    p += n;
    size -= n;
  }
  return crc;
}

uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return MultModP(X2NModP(len_b, 3), crc_a) ^ crc_b;  // shift A by 8 * len_b bits
}

}  // namespace tfhub::archive::parallel_inflate::crc32
