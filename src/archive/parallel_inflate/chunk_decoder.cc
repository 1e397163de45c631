#include "archive/parallel_inflate/chunk_decoder.h"

#include <algorithm>
#include <cstring>

#include "archive/parallel_inflate/crc32.h"
#include "archive/parallel_inflate/isal_stream.h"
#include "archive/parallel_inflate/windowless_decoder.h"

namespace tfhub::archive::parallel_inflate {

namespace {

// A growable byte buffer that does not zero what it allocates.
struct ByteBuffer {
  std::unique_ptr<uint8_t[]> data;
  size_t size = 0, capacity = 0;
  void Reserve(size_t n) {
    if (n <= capacity) return;
    auto bigger = std::unique_ptr<uint8_t[]>(new uint8_t[n]);
    if (size) std::memcpy(bigger.get(), data.get(), size);
    data = std::move(bigger);
    capacity = n;
  }
};

// ISA-L from `bit` (a block start) with `window`, to stop_bit or the final
// block's end. Sets out->end and out->end_bit.
void DecodeWithIsal(const uint8_t* data, size_t size, uint64_t bit, std::optional<uint64_t> stop_bit,
                    const uint8_t* window, size_t window_size, size_t max_output, size_t estimate,
                    ChunkOutput* out) {
  out->end = ChunkOutput::kFailed;
  IsalStream isal;
  if (!isal.status().ok() || bit / 8 >= size) return;
  isal.Start(data[bit / 8], static_cast<int>(bit % 8), window, window_size);
  const uint64_t base_bit = bit / 8 * 8;  // IsalStream positions count from here
  ByteBuffer buf;
  buf.data = std::move(out->bytes);  // recycled, if any
  buf.capacity = buf.data ? out->bytes_capacity : 0;
  buf.Reserve(std::max<size_t>(estimate, 1 << 16));
  size_t pos = bit / 8 + 1;
  const size_t end_byte = stop_bit ? std::min<size_t>(*stop_bit / 8, size) : size;
  uint8_t masked = 0;
  const bool has_masked = stop_bit && *stop_bit % 8 != 0 && *stop_bit / 8 < size;
  if (has_masked) masked = IsalStream::MaskedByte(data[*stop_bit / 8], static_cast<int>(*stop_bit % 8));
  bool masked_fed = !has_masked;
  for (;;) {
    const uint8_t* in;
    size_t in_size;
    if (pos < end_byte) {
      in = data + pos;
      in_size = end_byte - pos;
    } else if (!masked_fed) {
      in = &masked;
      in_size = 1;
    } else {
      in = nullptr;
      in_size = 0;
    }
    if (buf.capacity - buf.size < (1 << 16)) {
      if (buf.capacity >= max_output) return;
      buf.Reserve(std::min(max_output + (1 << 16), buf.capacity * 2));
    }
    const auto step = isal.Decode(in, in_size, buf.data.get() + buf.size, buf.capacity - buf.size);
    if (step.rc < 0) return;
    buf.size += step.produced;
    if (buf.size > max_output) return;
    if (in == &masked) {
      if (step.consumed == 1) masked_fed = true;
    } else {
      pos += step.consumed;
    }
    if (isal.Finished()) {
      const uint64_t end = base_bit + isal.Position();
      if (stop_bit && end > *stop_bit) return;
      out->end = ChunkOutput::kFinal;
      out->end_bit = end;
      break;
    }
    if (pos >= end_byte && masked_fed && step.produced == 0 && step.consumed == 0) {
      // All input given and taken: where did decoding stop?
      if (stop_bit && isal.AtBoundary(*stop_bit - base_bit)) {
        out->end = ChunkOutput::kBoundary;
        out->end_bit = *stop_bit;
      }
      if (out->end == ChunkOutput::kFailed) return;
      break;
    }
  }
  out->bytes = std::move(buf.data);
  out->bytes_size = buf.size;
  out->bytes_capacity = buf.capacity;
  out->bytes_crc = crc32::Extend(0, out->bytes.get(), out->bytes_size);
}

}  // namespace

ChunkOutput DecodeChunk(const uint8_t* data, size_t size, uint64_t start_bit, std::optional<uint64_t> stop_bit,
                        const uint8_t* window, size_t window_size, size_t max_output, ChunkOutput recycled) {
  ChunkOutput out = std::move(recycled);
  out.end = ChunkOutput::kFailed;
  out.end_bit = 0;
  out.symbols.clear();
  out.bytes_size = 0;
  out.bytes_crc = 0;  // crc32 of no bytes
  const size_t estimate = (stop_bit ? *stop_bit / 8 : size) - start_bit / 8;
  const size_t estimate_out = estimate + estimate / 4;
  if (window != nullptr) {
    DecodeWithIsal(data, size, start_bit, stop_bit, window, window_size, max_output, estimate_out, &out);
    return out;
  }
  WindowlessOptions options;
  if (stop_bit) options.stop_bit = *stop_bit;
  options.stop_when_clean = true;
  options.max_output = max_output;
  out.symbols.reserve(1 << 17);
  const auto r = DecodeWindowless(data, size, start_bit, options, &out.symbols);
  switch (r.end) {
    case WindowlessResult::kStop:
      out.end = ChunkOutput::kBoundary;
      out.end_bit = r.end_bit;
      return out;
    case WindowlessResult::kFinal:
      if (stop_bit && r.end_bit > *stop_bit) return out;
      out.end = ChunkOutput::kFinal;
      out.end_bit = r.end_bit;
      return out;
    case WindowlessResult::kClean:
      break;
    default:
      return out;  // kFailed
  }
  // The last 32 KiB are all bytes: ISA-L takes over with them as its window.
  uint8_t dict[kWindowSize];
  const uint16_t* tail = out.symbols.data() + out.symbols.size() - kWindowSize;
  for (size_t i = 0; i < kWindowSize; ++i) dict[i] = static_cast<uint8_t>(tail[i]);
  const size_t done = out.symbols.size();
  DecodeWithIsal(data, size, r.end_bit, stop_bit, dict, kWindowSize, max_output > done ? max_output - done : 0,
                 estimate_out, &out);
  return out;
}

}  // namespace tfhub::archive::parallel_inflate
