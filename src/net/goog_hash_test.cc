#include "net/goog_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "base/strings.h"

namespace tfhub::net {
namespace {

// "123456789": CRC32C 0xE3069283, MD5 25f9e794323b453885f5181f1b624d0b.
const std::string kCrc = base::Base64Encode(std::string("\xE3\x06\x92\x83", 4));
const std::string kMd5 = base::Base64Encode(
    std::string("\x25\xf9\xe7\x94\x32\x3b\x45\x38\x85\xf5\x18\x1f\x1b\x62\x4d\x0b", 16));

TEST(GoogHashTest, ReadsBothHashesFromOneHeaderOrTwo) {
  HttpResponseHead one;
  one.headers = {{"X-Goog-Hash", "crc32c=" + kCrc + ", md5=" + kMd5}};
  HttpResponseHead two;
  two.headers = {{"x-goog-hash", "crc32c=" + kCrc}, {"x-goog-hash", "md5=" + kMd5}};
  for (const auto& head : {one, two}) {
    const GoogHash h = ParseGoogHash(head);
    EXPECT_EQ(h.crc32c, 0xE3069283u);
    ASSERT_TRUE(h.md5.has_value());
    EXPECT_EQ(h.md5->size(), 16u);
  }
}

TEST(GoogHashTest, MalformedPartsAreIgnored) {
  HttpResponseHead head;
  head.headers = {{"x-goog-hash", "crc32c=!!!, md5=" + base::Base64Encode("short")}};
  const GoogHash h = ParseGoogHash(head);
  EXPECT_FALSE(h.crc32c.has_value());
  EXPECT_FALSE(h.md5.has_value());
}

TEST(GoogHashTest, AnObjectDecodedOnTheFlyHasNothingToCheck) {
  HttpResponseHead decoded;  // stored gzip-encoded, served decoded: the hashes are the stored bytes'
  decoded.headers = {{"x-goog-stored-content-encoding", "gzip"}, {"x-goog-hash", "crc32c=" + kCrc}};
  EXPECT_FALSE(ParseGoogHash(decoded).crc32c.has_value());
  HttpResponseHead empty_encoding = decoded;  // "Content-Encoding: " (as the emulator sends) is none
  empty_encoding.headers.emplace_back("Content-Encoding", "");
  EXPECT_FALSE(ParseGoogHash(empty_encoding).crc32c.has_value());
  HttpResponseHead as_stored = decoded;  // served as stored: they apply
  as_stored.headers.emplace_back("Content-Encoding", "gzip");
  EXPECT_EQ(ParseGoogHash(as_stored).crc32c, 0xE3069283u);
  HttpResponseHead identity;
  identity.headers = {{"x-goog-stored-content-encoding", "identity"}, {"x-goog-hash", "crc32c=" + kCrc}};
  EXPECT_EQ(ParseGoogHash(identity).crc32c, 0xE3069283u);
}

TEST(GoogHashTest, ObjectMetadataHashesDecodeTheSameWay) {
  const GoogHash h = DecodeObjectHashes(kCrc, kMd5);
  EXPECT_EQ(h.crc32c, 0xE3069283u);
  EXPECT_TRUE(h.md5.has_value());
  const GoogHash none = DecodeObjectHashes("", "");
  EXPECT_FALSE(none.crc32c.has_value());
  EXPECT_FALSE(none.md5.has_value());
}

}  // namespace
}  // namespace tfhub::net
