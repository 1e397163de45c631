// archive::parallel_inflate::Huffman — a canonical deflate Huffman code
// (RFC 1951 3.2.2) built from code lengths, and the LSB-first bit reader the
// windowless decoder and the block finder read with.
//
// Thread safety: a built Huffman is immutable; a BitReader is one thread's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tfhub::archive::parallel_inflate {

// Reads a byte buffer LSB-first, as deflate packs it. Bytes past the end read
// as zeros; Overran() tells when any were consumed.
class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size, uint64_t start_bit)
      : begin_(data), p_(data + start_bit / 8), end_(data + size) {
    if (p_ > end_) p_ = end_;
    Refill();
    if (start_bit / 8 <= size) Drop(static_cast<int>(start_bit % 8));
  }

  // Ensures at least 56 bits are buffered.
  void Refill() {
    if (end_ - p_ >= 8) {
      uint64_t v;
      std::memcpy(&v, p_, 8);  // little-endian hosts only (x86-64, aarch64)
      buf_ |= v << count_;
      p_ += (63 - count_) >> 3;
      count_ |= 56;
      return;
    }
    while (count_ <= 56) {
      if (p_ < end_) buf_ |= uint64_t{*p_} << count_;
      else ++past_end_;
      ++p_;
      count_ += 8;
    }
  }
  uint64_t Peek() const { return buf_; }
  uint32_t Bits(int n) const { return static_cast<uint32_t>(buf_ & ((uint64_t{1} << n) - 1)); }
  void Drop(int n) {
    buf_ >>= n;
    count_ -= n;
  }
  // Reads n <= 32 bits (refills as needed).
  uint32_t Read(int n) {
    if (count_ < n) Refill();
    const uint32_t v = Bits(n);
    Drop(n);
    return v;
  }
  int buffered() const { return count_; }
  // The bit position of the next unread bit, from the buffer's start.
  uint64_t Position() const { return static_cast<uint64_t>(p_ - begin_) * 8 - static_cast<uint64_t>(count_); }
  bool Overran() const { return Position() > static_cast<uint64_t>(end_ - begin_) * 8; }
  // Skips to the next byte boundary.
  void AlignToByte() { Drop(count_ & 7); }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;  // may run past end_ (counting zero bytes read)
  const uint8_t* end_;
  uint64_t buf_ = 0;
  int count_ = 0;
  size_t past_end_ = 0;
};

// A canonical Huffman code for decoding: a 2^kFastBits table for codes up to
// kFastBits long, and the canonical first-code walk (as RFC 1951's
// description) for longer ones.
class Huffman {
 public:
  static constexpr int kFastBits = 10;
  static constexpr int kMaxBits = 15;

  // Builds the code for lengths[0..n) (0 = unused symbol). Returns false for an
  // over-subscribed code, and for an incomplete one unless it is a single
  // code of length 1 (or empty, when allow_empty), as zlib's inflate does.
  bool Build(const uint8_t* lengths, int n, bool allow_empty);

  // Decodes one symbol; -1 for a bit pattern that is no code (incomplete).
  // REQUIRES: at least kMaxBits bits buffered in `in`.
  int Decode(BitReader& in) const {
    const uint16_t e = fast_[in.Bits(kFastBits)];
    if (e & 15) {
      in.Drop(e & 15);
      return e >> 4;
    }
    return DecodeSlow(in);
  }

 private:
  int DecodeSlow(BitReader& in) const;

  uint16_t fast_[1 << kFastBits];  // symbol << 4 | length; 0 = longer code or none
  uint16_t count_[kMaxBits + 1];   // codes of each length
  uint16_t symbols_[288];          // symbols by code
};

}  // namespace tfhub::archive::parallel_inflate
