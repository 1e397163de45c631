#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace tfhub::base::crc32c {
namespace {

class Crc32cTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Init().ok()); }
};

TEST_F(Crc32cTest, StandardCheckValue) {
  EXPECT_EQ(Value("123456789"), 0xE3069283u);
  EXPECT_EQ(Value(""), 0u);
}

TEST_F(Crc32cTest, ExtendContinuesACrc) {
  EXPECT_EQ(Extend(Value("1234"), "56789"), Value("123456789"));
}

TEST_F(Crc32cTest, CombineJoinsTheCrcsOfTwoParts) {
  std::string data(3 << 20, '\0');
  uint32_t x = 12345;
  for (char& c : data) c = static_cast<char>((x = x * 1103515245u + 12345u) >> 23);
  const uint32_t whole = Value(data);
  // Splits at every odd alignment, empty parts at both ends, a 1 MiB cut.
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, size_t{4095}, size_t{1} << 20, data.size() - 1, data.size()}) {
    const std::string_view a = std::string_view(data).substr(0, cut);
    const std::string_view b = std::string_view(data).substr(cut);
    EXPECT_EQ(Combine(Value(a), Value(b), b.size()), whole) << "cut at " << cut;
  }
  // Many parts, combined in order, as a parallel download does.
  uint32_t crc = 0;
  for (size_t at = 0; at < data.size(); at += 333333) {
    const std::string_view part = std::string_view(data).substr(at, 333333);
    crc = Combine(crc, Value(part), part.size());
  }
  EXPECT_EQ(crc, whole);
  EXPECT_EQ(Combine(Value("1234"), Value("56789"), 5), Value("123456789"));
}

TEST_F(Crc32cTest, MaskMatchesTheFormatNoteExample) {
  // Float 0.5 as stored in the fixtures: CRC32C 0x26973e52, masked 0x1f273806.
  const std::string half("\x00\x00\x00\x3f", 4);
  EXPECT_EQ(Value(half), 0x26973e52u);
  EXPECT_EQ(Mask(Value(half)), 0x1f273806u);
  EXPECT_EQ(Unmask(0x1f273806u), 0x26973e52u);
  for (uint32_t v : {0u, 1u, 0xffffffffu, 0x12345678u}) EXPECT_EQ(Unmask(Mask(v)), v);
}

}  // namespace
}  // namespace tfhub::base::crc32c
