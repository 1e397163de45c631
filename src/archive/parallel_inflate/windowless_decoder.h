// archive::parallel_inflate::WindowlessDecoder — decodes raw deflate blocks
// (RFC 1951: stored, fixed and dynamic Huffman) from any block start, without
// the 32 KiB window that precedes it.
//
// Output is 16-bit symbols: 0..255 are bytes; kMarkerBase + w stands for
// byte w of the unknown window (w = 0 is 32 KiB before the start, 32767 the
// byte just before it), so once the window is known every symbol resolves to
// its byte (see ResolveMarkers). Back-references copy symbols, so a marker's
// copies stay markers.
//
// Decoding stops only at block boundaries, so where it ends is exact: the
// caller learns whether a candidate boundary (another chunk's start) is one.
// Errors (any invalid code, length, distance or stored length) are reported
// as kError, never repaired: the caller falls back to ISA-L, whose verdict is
// the one reported.
//
// Thread safety: the functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tfhub::archive::parallel_inflate {

constexpr uint16_t kMarkerBase = 256;
constexpr size_t kWindowSize = 32768;

struct WindowlessOptions {
  uint64_t stop_bit = UINT64_MAX;  // stop when a block ends exactly here
  bool stop_when_clean = false;    // stop after a block once the last 32 KiB hold no marker
  size_t max_blocks = SIZE_MAX;    // stop after this many blocks
  size_t max_output = SIZE_MAX;    // give up (kOutputLimit) past this many symbols
};

struct WindowlessResult {
  enum End {
    kStop,         // a block ended at stop_bit
    kFinal,        // the final block (BFINAL) ended
    kClean,        // stop_when_clean: the window behind end_bit is all bytes
    kBlocks,       // max_blocks decoded
    kPassedStop,   // a block straddled stop_bit: it is no boundary
    kError,        // invalid data (from this start)
    kNeedInput,    // the buffer ended inside a block
    kOutputLimit,  // max_output exceeded
  } end;
  uint64_t end_bit = 0;          // bit where decoding stopped (a block boundary unless kError/kNeedInput)
  size_t last_marker_end = 0;    // one past the last marker written (0: none)
};

// Decodes data[0..size) from bit `start_bit`, appending symbols to *out.
WindowlessResult DecodeWindowless(const uint8_t* data, size_t size, uint64_t start_bit,
                                  const WindowlessOptions& options, std::vector<uint16_t>* out);

// Replaces symbols by bytes given the window before the chunk (its last
// window_size bytes, window_size <= kWindowSize). Returns false if a marker
// points before the window's start (a distance too far back).
bool ResolveMarkers(const uint16_t* symbols, size_t n, const uint8_t* window, size_t window_size, uint8_t* out);

}  // namespace tfhub::archive::parallel_inflate
