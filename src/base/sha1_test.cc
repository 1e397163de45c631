#include "base/sha1.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <random>

#include "base/strings.h"

namespace tfhub::base {
namespace {

TEST(Sha1Test, FipsVectors) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1Test, MatchesOpenSslForEveryLengthAroundBlockEdges) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 300; ++len) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    unsigned char d[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
    EXPECT_EQ(Sha1Hex(s), HexEncode(std::string_view(reinterpret_cast<char*>(d), sizeof d))) << len;
  }
}

}  // namespace
}  // namespace tfhub::base
