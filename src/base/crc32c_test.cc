#include "base/crc32c.h"

#include <gtest/gtest.h>

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
