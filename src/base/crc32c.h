// base::crc32c — CRC32C (Castagnoli) and the "masked" form that
// LevelDB tables and TensorBundle entries store.
//
// Convention (standard CRC32C, as LevelDB's crc32c::Extend): initial value
// 0xFFFFFFFF and final XOR 0xFFFFFFFF folded into Extend(), so Value(data) =
// Extend(0, data) and Extend(Value(a), b) == Value(a + b); "123456789" gives
// 0xE3069283. Computed by ISA-L's crc32_iscsi (loaded with dlopen, see
// archive/isal_api.h), which takes and returns the CRC register without
// those inversions.
//
// Thread safety: all functions are safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::base::crc32c {

// Loads ISA-L if needed; FailedPrecondition when libisal is missing.
Status Init();

// The CRC32C of (the data whose CRC32C is `crc`) followed by `data`.
// REQUIRES: Init() returned OK.
uint32_t Extend(uint32_t crc, std::string_view data);
inline uint32_t Value(std::string_view data) { return Extend(0, data); }

// The CRC32C of A followed by B, from crc_a = Value(A), crc_b = Value(B) and
// B's length alone (zlib's crc32_combine, for the Castagnoli polynomial):
// Combine(Value(a), Value(b), b.size()) == Value(a + b). Parts of a stream
// checksummed apart (on the threads that received them) give the stream's
// CRC without a second pass over its bytes. O(log len_b); needs no Init().
uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Rotates right by 15 bits and adds a constant, so that a CRC stored next to
// the data it covers does not make the CRC of the whole trivially known.
constexpr uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
constexpr uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace tfhub::base::crc32c
