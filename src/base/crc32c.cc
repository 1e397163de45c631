#include "base/crc32c.h"

#include <algorithm>
#include <climits>

#include "archive/isal_api.h"
#include "base/crc_combine.h"

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

uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return CombineCrc<0x82f63b78u>(crc_a, crc_b, len_b);  // Castagnoli, bit-reflected
}

}  // namespace tfhub::base::crc32c
