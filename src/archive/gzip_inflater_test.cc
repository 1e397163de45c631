#include "archive/gzip_inflater.h"

#include <gtest/gtest.h>

#include <random>

#include "testing/archive_builder.h"

namespace tfhub::archive {
namespace {

std::string RandomText(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 8);
  return s;
}

// Inflates `gz` fed in pieces of `piece` bytes into an output of `out_size`.
Status InflateAll(const std::string& gz, size_t piece, size_t out_size, std::string* out,
                  bool* complete) {
  GzipInflater inflater;
  std::vector<char> buf(out_size);
  for (size_t pos = 0; pos < gz.size(); pos += piece) {
    std::string_view in(gz.data() + pos, std::min(piece, gz.size() - pos));
    for (;;) {
      size_t produced = 0;
      TFHUB_RETURN_IF_ERROR(inflater.Inflate(&in, buf.data(), buf.size(), &produced));
      out->append(buf.data(), produced);
      if (produced == 0) break;
    }
    EXPECT_TRUE(in.empty());
  }
  *complete = inflater.AtMemberBoundary();
  return Status::Ok();
}

TEST(GzipInflaterTest, DecodesInAnyPieceSizes) {
  const std::string text = RandomText(300000, 1);
  const std::string gz = test::Gzip(text);
  for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, gz.size()}) {
    for (size_t out : {size_t{1}, size_t{1000}, size_t{1} << 20}) {
      if (piece == 1 && out == 1) continue;  // slow, nothing new
      std::string got;
      bool complete = false;
      ASSERT_TRUE(InflateAll(gz, piece, out, &got, &complete).ok()) << piece << "/" << out;
      EXPECT_EQ(got, text);
      EXPECT_TRUE(complete);
    }
  }
}

TEST(GzipInflaterTest, ConcatenatedMembers) {
  const std::string a = RandomText(5000, 2), b = RandomText(7000, 3);
  std::string got;
  bool complete = false;
  ASSERT_TRUE(InflateAll(test::Gzip(a) + test::Gzip(b), 100, 4096, &got, &complete).ok());
  EXPECT_EQ(got, a + b);
  EXPECT_TRUE(complete);
}

TEST(GzipInflaterTest, TruncatedStreamIsNotComplete) {
  const std::string gz = test::Gzip(RandomText(50000, 4));
  std::string got;
  bool complete = true;
  ASSERT_TRUE(InflateAll(gz.substr(0, gz.size() - 5), 512, 4096, &got, &complete).ok());
  EXPECT_FALSE(complete);
}

TEST(GzipInflaterTest, CorruptChecksumIsDataLoss) {
  std::string gz = test::Gzip(RandomText(5000, 5));
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC-32 trailer
  std::string got;
  bool complete = false;
  Status s = InflateAll(gz, gz.size(), 1 << 16, &got, &complete);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST(GzipInflaterTest, TrailingGarbageIsDataLoss) {
  const std::string gz = test::Gzip(RandomText(5000, 6)) + "garbage!";
  std::string got;
  bool complete = false;
  Status s = InflateAll(gz, gz.size(), 1 << 16, &got, &complete);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("trailing garbage"), std::string::npos) << s.message();
}

TEST(GzipInflaterTest, SniffsMagic) {
  EXPECT_TRUE(GzipInflater::LooksLikeGzip("\x1f\x8b\x08"));
  EXPECT_FALSE(GzipInflater::LooksLikeGzip("BZh"));
  EXPECT_FALSE(GzipInflater::LooksLikeGzip("\x1f"));
}

}  // namespace
}  // namespace tfhub::archive
