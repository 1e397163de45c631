// archive::parallel_inflate::ParseGzipHeader — the length of a gzip member
// header (RFC 1952 2.3), for starting the deflate decoding after it.
//
// Conservative: anything the parallel decoder need not handle (a header CRC,
// reserved flags, a method other than deflate, a header not entirely in
// `data`) gives nullopt, and the caller decodes with GzipInflater, whose
// verdict on such headers is the one reported.
//
// Thread safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tfhub::archive::parallel_inflate {

std::optional<size_t> ParseGzipHeader(const uint8_t* data, size_t size);

}  // namespace tfhub::archive::parallel_inflate
