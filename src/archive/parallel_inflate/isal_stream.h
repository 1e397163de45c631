// archive::parallel_inflate::IsalStream — ISA-L's raw deflate decoder started
// at any block boundary (a bit offset) with a known window, and able to tell
// whether decoding stopped exactly at a given block boundary.
//
// Positions are bits counted from the start of the bytes fed since Start()
// (the first fed byte is the one holding the start bit). To test whether
// bit e is a block boundary, feed the bytes before e's byte, then the
// partial byte through MaskedByte() (the bits at and after e zeroed: a
// stored-block header that needs more input, so ISA-L stops there), and ask
// AtBoundary(e). The zeroed bits are fake input: Snapshot() before and
// Restore() after a failed test.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "archive/isal_api.h"
#include "tfhub/status.h"

namespace tfhub::archive::parallel_inflate {

class IsalStream {
 public:
  IsalStream();
  ~IsalStream();
  IsalStream(const IsalStream&) = delete;
  IsalStream& operator=(const IsalStream&) = delete;

  Status status() const { return load_error_; }

  // Starts decoding at bit `bit_offset` (0..7) of `first_byte`, the first
  // input byte, with window[0..window_size) as the history before it.
  // The caller feeds input from the byte after first_byte on.
  void Start(uint8_t first_byte, int bit_offset, const uint8_t* window, size_t window_size);

  struct Step {
    int rc = 0;           // isal_inflate's code (< 0: corrupt data)
    size_t consumed = 0;  // input bytes taken
    size_t produced = 0;  // output bytes written
  };
  // Decodes from in[0..in_size) into out[0..out_size).
  Step Decode(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size);

  // The final block has ended (and everything is written out).
  bool Finished() const;
  // Bits fed so far, from the start byte's first bit (8 per byte).
  uint64_t BitsFed() const { return bits_fed_; }
  // The position of the next unread bit.
  uint64_t Position() const;
  // Decoding stands exactly at a block boundary at bit `bit` (a header not yet
  // read, nothing pending).
  bool AtBoundary(uint64_t bit) const;

  // `byte` with bit `bit` (0..7) and above cleared.
  static uint8_t MaskedByte(uint8_t byte, int bit) { return static_cast<uint8_t>(byte & ((1u << bit) - 1)); }

  void Snapshot();
  void Restore();

 private:
  Status load_error_;
  const IsalApi* api_ = nullptr;
  std::unique_ptr<inflate_state> st_;
  std::unique_ptr<inflate_state> saved_;
  uint64_t bits_fed_ = 0;
  uint64_t saved_bits_fed_ = 0;
};

}  // namespace tfhub::archive::parallel_inflate
