#include "archive/parallel_inflate/windowless_decoder.h"

#include "archive/parallel_inflate/huffman.h"

namespace tfhub::archive::parallel_inflate {

namespace {

constexpr uint16_t kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr uint16_t kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
constexpr uint8_t kCodeLengthOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

struct FixedCodes {
  Huffman lit, dist;
  FixedCodes() {
    uint8_t l[288];
    for (int i = 0; i < 144; ++i) l[i] = 8;
    for (int i = 144; i < 256; ++i) l[i] = 9;
    for (int i = 256; i < 280; ++i) l[i] = 7;
    for (int i = 280; i < 288; ++i) l[i] = 8;
    lit.Build(l, 288, false);
    // 32 codes of 5 bits (a complete code); 30 and 31 are refused when met.
    uint8_t d[32];
    for (auto& x : d) x = 5;
    dist.Build(d, 32, false);
  }
};

// Reads a dynamic block's code descriptions (RFC 1951 3.2.7).
bool ReadDynamicCodes(BitReader& in, Huffman* lit, Huffman* dist) {
  in.Refill();
  const int nlen = static_cast<int>(in.Read(5)) + 257;
  const int ndist = static_cast<int>(in.Read(5)) + 1;
  const int ncode = static_cast<int>(in.Read(4)) + 4;
  if (nlen > 286 || ndist > 30) return false;
  uint8_t cl[19] = {};
  in.Refill();
  for (int i = 0; i < ncode; ++i) cl[kCodeLengthOrder[i]] = static_cast<uint8_t>(in.Read(3));
  Huffman cl_code;
  if (!cl_code.Build(cl, 19, false)) return false;
  // zlib refuses an incomplete code-length code even with one symbol.
  {
    int used = 0;
    for (uint8_t x : cl) used += x != 0;
    if (used == 1) return false;
  }
  uint8_t lengths[286 + 30];
  int n = 0;
  while (n < nlen + ndist) {
    if (in.buffered() < 32) in.Refill();
    const int sym = cl_code.Decode(in);
    if (sym < 0) return false;
    if (sym < 16) {
      lengths[n++] = static_cast<uint8_t>(sym);
      continue;
    }
    uint8_t value = 0;
    int repeat;
    if (sym == 16) {
      if (n == 0) return false;
      value = lengths[n - 1];
      repeat = 3 + static_cast<int>(in.Read(2));
    } else if (sym == 17) {
      repeat = 3 + static_cast<int>(in.Read(3));
    } else {
      repeat = 11 + static_cast<int>(in.Read(7));
    }
    if (n + repeat > nlen + ndist) return false;
    while (repeat--) lengths[n++] = value;
  }
  if (lengths[256] == 0) return false;  // no end-of-block code
  if (!lit->Build(lengths, nlen, false)) return false;
  return dist->Build(lengths + nlen, ndist, /*allow_empty=*/true);
}

}  // namespace

WindowlessResult DecodeWindowless(const uint8_t* data, size_t size, uint64_t start_bit,
                                  const WindowlessOptions& options, std::vector<uint16_t>* out) {
  static const FixedCodes fixed;
  WindowlessResult r;
  const size_t base = out->size();  // symbol index 0 of this decode
  size_t last_marker_end = 0;       // relative to base
  BitReader in(data, size, start_bit);
  auto finish = [&](WindowlessResult::End end) {
    r.end = end;
    r.end_bit = in.Position();
    r.last_marker_end = last_marker_end;
    if ((end == WindowlessResult::kStop || end == WindowlessResult::kFinal || end == WindowlessResult::kClean ||
         end == WindowlessResult::kBlocks || end == WindowlessResult::kPassedStop) && in.Overran()) {
      r.end = WindowlessResult::kNeedInput;
    }
    return r;
  };
  Huffman dyn_lit, dyn_dist;
  size_t blocks = 0;
  for (;;) {
    in.Refill();
    const uint32_t header = in.Read(3);
    const bool final = header & 1;
    const uint32_t type = header >> 1;
    if (type == 0) {
      in.AlignToByte();
      in.Refill();
      const uint32_t len = in.Read(16);
      const uint32_t nlen = in.Read(16);
      if ((len ^ 0xffffu) != nlen) return finish(WindowlessResult::kError);
      // The reader holds no partial byte now: copy from the buffer directly.
      for (uint32_t i = 0; i < len; ++i) {
        if (in.buffered() < 8) in.Refill();
        out->push_back(static_cast<uint16_t>(in.Read(8)));
      }
      if (in.Overran()) return finish(WindowlessResult::kNeedInput);
    } else if (type == 3) {
      return finish(WindowlessResult::kError);
    } else {
      const Huffman* lit = &fixed.lit;
      const Huffman* dist = &fixed.dist;
      if (type == 2) {
        if (!ReadDynamicCodes(in, &dyn_lit, &dyn_dist)) return finish(WindowlessResult::kError);
        lit = &dyn_lit;
        dist = &dyn_dist;
      }
      for (;;) {
        if (in.buffered() < 48) {
          in.Refill();
          if (in.Overran()) return finish(WindowlessResult::kNeedInput);
        }
        const int sym = lit->Decode(in);
        if (sym < 256) {
          if (sym < 0) return finish(WindowlessResult::kError);
          out->push_back(static_cast<uint16_t>(sym));
          continue;
        }
        if (sym == 256) break;
        if (sym > 285) return finish(WindowlessResult::kError);
        const int li = sym - 257;
        const size_t length = kLengthBase[li] + in.Read(kLengthExtra[li]);
        const int ds = dist->Decode(in);
        if (ds < 0 || ds > 29) return finish(WindowlessResult::kError);
        const size_t distance = kDistBase[ds] + in.Read(kDistExtra[ds]);
        if (in.Overran()) return finish(WindowlessResult::kNeedInput);
        const size_t pos = out->size() - base;  // symbols written from the start
        out->resize(out->size() + length);
        uint16_t* dst = out->data() + base + pos;
        if (distance <= pos) {
          const uint16_t* src = dst - distance;
          uint16_t any = 0;  // copies of markers are markers
          for (size_t i = 0; i < length; ++i) any |= dst[i] = src[i];
          if (any >= kMarkerBase) last_marker_end = pos + length;  // conservatively: the whole copy
        } else {
          // Reaches before the start: symbols from the unknown window.
          for (size_t i = 0; i < length; ++i) {
            const size_t at = pos + i;
            dst[i] = at >= distance ? (*out)[base + at - distance]
                                    : static_cast<uint16_t>(kMarkerBase + kWindowSize - (distance - at));
          }
          last_marker_end = pos + length;  // conservatively: the whole copy
        }
        if (out->size() - base > options.max_output) return finish(WindowlessResult::kOutputLimit);
      }
      if (in.Overran()) return finish(WindowlessResult::kNeedInput);
    }
    ++blocks;
    const uint64_t at = in.Position();
    if (final) return finish(WindowlessResult::kFinal);
    if (at == options.stop_bit) return finish(WindowlessResult::kStop);
    if (at > options.stop_bit) return finish(WindowlessResult::kPassedStop);
    if (out->size() - base > options.max_output) return finish(WindowlessResult::kOutputLimit);
    if (blocks >= options.max_blocks) return finish(WindowlessResult::kBlocks);
    if (options.stop_when_clean && out->size() - base >= last_marker_end + kWindowSize) {
      return finish(WindowlessResult::kClean);
    }
  }
}

bool ResolveMarkers(const uint16_t* symbols, size_t n, const uint8_t* window, size_t window_size, uint8_t* out) {
  const size_t first_valid = kWindowSize - window_size;
  for (size_t i = 0; i < n; ++i) {
    const uint16_t s = symbols[i];
    if (s < kMarkerBase) {
      out[i] = static_cast<uint8_t>(s);
    } else {
      const size_t w = s - kMarkerBase;
      if (w < first_valid) return false;
      out[i] = window[w - first_valid];
    }
  }
  return true;
}

}  // namespace tfhub::archive::parallel_inflate
