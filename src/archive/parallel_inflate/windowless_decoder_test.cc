#include "archive/parallel_inflate/windowless_decoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "archive/parallel_inflate/block_finder.h"
#include "archive/parallel_inflate/chunk_decoder.h"
#include "archive/parallel_inflate/crc32.h"

namespace tfhub::archive::parallel_inflate {
namespace {

std::string RawDeflate(const std::string& in, int level, int strategy) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, -15, 8, strategy), Z_OK);
  std::string out(2 * in.size() + 4096, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Text(size_t n, uint32_t seed) {
  static const char* words[] = {"alpha ", "beta ", "gamma ", "delta\n", "epsilon ", "zeta, ", "eta; "};
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += words[rng() % 7];
    if (rng() % 5 == 0) s += static_cast<char>(rng());
  }
  s.resize(n);
  return s;
}

struct Block {
  uint64_t bit;   // where it starts
  size_t offset;  // output before it
};

// Every block start of a raw deflate stream, found by decoding a block at a time.
std::vector<Block> Blocks(const std::string& raw, size_t* total) {
  std::vector<Block> blocks;
  const auto* d = reinterpret_cast<const uint8_t*>(raw.data());
  uint64_t bit = 0;
  size_t offset = 0;
  for (;;) {
    std::vector<uint16_t> out;
    WindowlessOptions o;
    o.max_blocks = 1;
    const auto r = DecodeWindowless(d, raw.size(), bit, o, &out);
    blocks.push_back({bit, offset});
    offset += out.size();
    bit = r.end_bit;
    if (r.end != WindowlessResult::kBlocks) {
      EXPECT_EQ(r.end, WindowlessResult::kFinal);
      break;
    }
  }
  *total = offset;
  return blocks;
}

TEST(WindowlessDecoderTest, DecodesFromAnyBlockWithMarkersThatResolve) {
  ASSERT_TRUE(crc32::Init().ok());
  const std::string data = Text(600000, 3);
  for (int level : {1, 6, 9}) {
    for (int strategy : {Z_DEFAULT_STRATEGY, Z_FIXED}) {
      const std::string raw = RawDeflate(data, level, strategy);
      const auto* d = reinterpret_cast<const uint8_t*>(raw.data());
      size_t total = 0;
      const auto blocks = Blocks(raw, &total);
      ASSERT_EQ(total, data.size());
      ASSERT_GE(blocks.size(), 3u) << level << " " << strategy;
      for (size_t i = 1; i + 1 < blocks.size(); ++i) {
        // Windowless from block i to block i + 1: markers, resolved with the window.
        std::vector<uint16_t> symbols;
        WindowlessOptions o;
        o.stop_bit = blocks[i + 1].bit;
        const auto r = DecodeWindowless(d, raw.size(), blocks[i].bit, o, &symbols);
        ASSERT_EQ(r.end, WindowlessResult::kStop);
        const size_t at = blocks[i].offset;
        const size_t window = std::min<size_t>(at, kWindowSize);
        std::string resolved(symbols.size(), '\0');
        ASSERT_TRUE(ResolveMarkers(symbols.data(), symbols.size(), reinterpret_cast<const uint8_t*>(data.data()) + at - window,
                                   window, reinterpret_cast<uint8_t*>(resolved.data())));
        ASSERT_EQ(resolved, data.substr(at, blocks[i + 1].offset - at)) << level << " " << strategy << " " << i;
        // The chunk decoder (ISA-L once the window is clean) agrees, with the
        // window unknown and known, and stops exactly at the next block.
        for (bool known : {false, true}) {
          auto c = DecodeChunk(d, raw.size(), blocks[i].bit, blocks[i + 1].bit,
                               known ? reinterpret_cast<const uint8_t*>(data.data()) + at - window : nullptr,
                               known ? window : 0, 1 << 30);
          ASSERT_EQ(c.end, ChunkOutput::kBoundary) << known << " " << i;
          std::string got(c.symbols.size(), '\0');
          ASSERT_TRUE(ResolveMarkers(c.symbols.data(), c.symbols.size(),
                                     reinterpret_cast<const uint8_t*>(data.data()) + at - window, window,
                                     reinterpret_cast<uint8_t*>(got.data())));
          got.append(reinterpret_cast<const char*>(c.bytes.get()), c.bytes_size);
          ASSERT_EQ(got, data.substr(at, blocks[i + 1].offset - at)) << known << " " << i;
        }
        // A bit that is no block boundary is refused.
        auto wrong = DecodeChunk(d, raw.size(), blocks[i].bit, blocks[i + 1].bit + 1, nullptr, 0, 1 << 30);
        EXPECT_EQ(wrong.end, ChunkOutput::kFailed);
      }
    }
  }
}

TEST(WindowlessDecoderTest, MarkersPointBeforeAShortWindowAreRefused) {
  const uint16_t symbols[] = {'a', kMarkerBase + kWindowSize - 1, kMarkerBase + 0};
  const uint8_t window[4] = {1, 2, 3, 4};
  uint8_t out[3];
  EXPECT_FALSE(ResolveMarkers(symbols, 3, window, 4, out));
  EXPECT_TRUE(ResolveMarkers(symbols, 2, window, 4, out));
  EXPECT_EQ(out[1], 4);
}

TEST(BlockFinderTest, FindsARealDynamicBlock) {
  const std::string data = Text(3000000, 9);  // many blocks: the last (final) one is not looked for
  const std::string raw = RawDeflate(data, 6, Z_DEFAULT_STRATEGY);
  size_t total = 0;
  const auto blocks = Blocks(raw, &total);
  const auto* d = reinterpret_cast<const uint8_t*>(raw.data());
  for (size_t from : {size_t{100}, raw.size() / 3, raw.size() / 2}) {
    const auto found = FindBlockStart(d + from, raw.size() - from, raw.size() - from);
    ASSERT_TRUE(found.has_value()) << from;
    const uint64_t bit = 8 * from + *found;
    EXPECT_TRUE(std::any_of(blocks.begin(), blocks.end(), [&](const Block& b) { return b.bit == bit; })) << from;
  }
  const std::string noise(100000, 'x');
  EXPECT_FALSE(FindBlockStart(reinterpret_cast<const uint8_t*>(noise.data()), noise.size(), noise.size()).has_value());
}

}  // namespace
}  // namespace tfhub::archive::parallel_inflate
