// archive::parallel_inflate::crc32 — the gzip CRC-32 (polynomial 0xedb88320,
// zlib's crc32()) of pieces computed apart, and their combination.
//
// Convention as zlib: Extend(0, data) is the CRC-32 gzip stores in a member
// trailer, and Extend(Extend(0, a), b) == Extend(0, a + b). Computed by
// ISA-L's crc32_gzip_refl (loaded with dlopen, see archive/isal_api.h).
//
// Thread safety: all functions are safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tfhub/status.h"

namespace tfhub::archive::parallel_inflate::crc32 {

// Loads ISA-L if needed; FailedPrecondition when libisal is missing.
Status Init();

// The CRC-32 of (the data whose CRC-32 is `crc`) followed by data[0..size).
// REQUIRES: Init() returned OK.
uint32_t Extend(uint32_t crc, const void* data, size_t size);

// Combine(crc(A), crc(B), |B|) == crc(A + B) (zlib's crc32_combine): the
// CRC of a stream from the CRCs of its parts, checksummed on the threads that
// decoded them. O(log len_b); needs no Init().
uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

}  // namespace tfhub::archive::parallel_inflate::crc32
