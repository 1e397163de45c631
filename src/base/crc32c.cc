#include "base/crc32c.h"

#include <algorithm>
#include <climits>

#include "archive/isal_api.h"

namespace tfhub::base::crc32c {

namespace {
decltype(&::crc32_iscsi) g_crc32_iscsi = nullptr;
}  // namespace

Status Init() {
  static const Status status = [] {
    auto api = archive::Isal();
    if (!api.ok()) return api.status();
    g_crc32_iscsi = (*api)->crc32_iscsi;
    return Status::Ok();
  }();
  return status;
}

uint32_t Extend(uint32_t crc, std::string_view data) {
  // crc32_iscsi works on the raw register: invert in and out to get the
  // standard CRC32C. Its length is an int, so feed large buffers in pieces.
  uint32_t reg = ~crc;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  constexpr size_t kChunk = size_t{1} << 30;
  while (left > 0) {
    const size_t n = std::min(left, kChunk);
    reg = g_crc32_iscsi(p, static_cast<int>(n), reg);
    p += n;
    left -= n;
  }
  return ~reg;
}

namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // Castagnoli, bit-reflected

// a(x) * b(x) modulo the polynomial, in the reflected bit order (the
// highest bit is x^0).
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

uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return MultModP(X2NModP(len_b, 3), crc_a) ^ crc_b;  // shift A by 8 * len_b bits
}

}  // namespace tfhub::base::crc32c
