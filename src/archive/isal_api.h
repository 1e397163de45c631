// archive::IsalApi — ISA-L's inflate and CRC entry points, loaded on first use (see
// base/dynamic_library.h for why ISA-L is not linked).
#pragma once

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include "tfhub/result.h"

namespace tfhub::archive {

struct IsalApi {
  decltype(&::isal_inflate_init) isal_inflate_init;
  decltype(&::isal_inflate_reset) isal_inflate_reset;
  decltype(&::isal_inflate) isal_inflate;
  // CRC32C (Castagnoli) without pre/post inversion (see base/crc32c.h).
  decltype(&::crc32_iscsi) crc32_iscsi;
  // Parallel gzip decoding: start mid-stream with a known window, and the
  // gzip CRC-32 (zlib convention) of the pieces.
  decltype(&::isal_inflate_set_dict) isal_inflate_set_dict;
  decltype(&::crc32_gzip_refl) crc32_gzip_refl;
};

// Loads libisal.so.2 once. Errors: FailedPrecondition when missing.
Result<const IsalApi*> Isal();

}  // namespace tfhub::archive
