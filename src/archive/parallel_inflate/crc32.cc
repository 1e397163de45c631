#include "archive/parallel_inflate/crc32.h"

#include <algorithm>

#include "archive/isal_api.h"
#include "base/crc_combine.h"

namespace tfhub::archive::parallel_inflate::crc32 {

namespace {

decltype(&::crc32_gzip_refl) g_crc32_gzip_refl = nullptr;

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
  return base::CombineCrc<0xedb88320u>(crc_a, crc_b, len_b);  // gzip's, bit-reflected
}

}  // namespace tfhub::archive::parallel_inflate::crc32
