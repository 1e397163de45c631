// archive::parallel_inflate::DecodeChunk — decodes one chunk of a deflate
// stream on a worker thread: from a block start to the block boundary where
// the next chunk's decoding starts (or to the end of the final block).
//
// With the window unknown, the windowless decoder runs first (markers for
// window bytes); as soon as the last 32 KiB it produced hold no marker, the
// rest is decoded by ISA-L with those 32 KiB as its dictionary. With the
// window known (the first chunk), ISA-L decodes all of it.
//
// Thread safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace tfhub::archive::parallel_inflate {

struct ChunkOutput {
  enum End {
    kBoundary,  // ended exactly at stop_bit, a block boundary
    kFinal,     // the final block ended at end_bit (<= stop_bit)
    kFailed,    // invalid data from this start, stop_bit no boundary, out of input, or too much output
  } end = kFailed;
  uint64_t end_bit = 0;
  std::vector<uint16_t> symbols;     // first part, with markers (empty when the window was known)
  std::unique_ptr<uint8_t[]> bytes;  // the rest
  size_t bytes_size = 0;
  size_t bytes_capacity = 0;         // allocated at `bytes`
  uint32_t bytes_crc = 0;            // gzip CRC-32 of bytes[0..bytes_size)
  size_t size() const { return symbols.size() + bytes_size; }
};

// Decodes data[0..size) from bit start_bit up to stop_bit (none: the end of
// the final block). window == nullptr: unknown; otherwise the
// window_size <= 32 KiB bytes before the start. Gives up past max_output bytes.
// `recycled`'s buffers (symbols, bytes) are reused when given: memory
// already touched costs no page faults.
// REQUIRES: crc32::Init() succeeded.
ChunkOutput DecodeChunk(const uint8_t* data, size_t size, uint64_t start_bit, std::optional<uint64_t> stop_bit,
                        const uint8_t* window, size_t window_size, size_t max_output, ChunkOutput recycled = {});

}  // namespace tfhub::archive::parallel_inflate
