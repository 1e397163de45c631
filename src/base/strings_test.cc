#include "base/strings.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "base/system.h"

namespace tfhub::base {
namespace {

TEST(StringsTest, PythonRepr) {
  EXPECT_EQ(PythonRepr("abc"), "'abc'");
  EXPECT_EQ(PythonRepr("it's"), "\"it's\"");
  EXPECT_EQ(PythonRepr("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(PythonRepr(std::string("\0\n\\", 3)), "'\\x00\\n\\\\'");
}

TEST(StringsTest, EscapeForTerminalNeutralisesControlCharacters) {
  EXPECT_EQ(EscapeForTerminal("plain text, \\ and ~"), "plain text, \\ and ~");
  EXPECT_EQ(EscapeForTerminal("\x1b]0;title\x07\x1b[2J"), "\\x1b]0;title\\x07\\x1b[2J");
  EXPECT_EQ(EscapeForTerminal("a\nb\rc\td\x7f"), "a\\nb\\rc\\td\\x7f");
  EXPECT_EQ(EscapeForTerminal(std::string("nul\0", 4)), "nul\\x00");
  // UTF-8 text stays; C1 controls (U+009B is a CSI) and invalid bytes do not.
  EXPECT_EQ(EscapeForTerminal("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(EscapeForTerminal("\xc2\x9b" "2J"), "\\u009b2J");
  EXPECT_EQ(EscapeForTerminal("\x9b" "2J"), "\\x9b2J");
  EXPECT_EQ(EscapeForTerminal("\xc0\xaf"), "\\xc0\\xaf");        // overlong '/'
  EXPECT_EQ(EscapeForTerminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(EscapeForTerminal("\xe2\x82"), "\\xe2\\x82");            // cut short
  EXPECT_TRUE(IsTerminalSafe("gs://bucket/a b/\xc3\xa9"));
  EXPECT_FALSE(IsTerminalSafe("gs://bucket/\n"));
  EXPECT_EQ(EscapeLinesForTerminal("one\x1b\ntwo\n"), "one\\x1b\ntwo\n");
}

TEST(StringsTest, PythonBytesRepr) {
  EXPECT_EQ(PythonBytesRepr('2'), "b'2'");
  EXPECT_EQ(PythonBytesRepr('1'), "b'1'");
  EXPECT_EQ(PythonBytesRepr('\0'), "b'\\x00'");
}

TEST(StringsTest, ReadableBytesMatchesTensorflowHub) {
  EXPECT_EQ(ReadableBytes(0), "0B");
  EXPECT_EQ(ReadableBytes(1023), "1023B");
  EXPECT_EQ(ReadableBytes(7404), "7.23kB");
  EXPECT_EQ(ReadableBytes(1572864), "1.50MB");
  EXPECT_EQ(ReadableBytes(uint64_t{3} << 30), "3.00GB");
}

TEST(StringsTest, TrimAndHex) {
  EXPECT_EQ(TrimWhitespace("  gs://b/m\n"), "gs://b/m");
  EXPECT_EQ(TrimWhitespace(" \n"), "");
  EXPECT_EQ(HexEncode(std::string("\x01\xab", 2)), "01ab");
}

TEST(StringsTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Z===").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!mFy").has_value());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());
}

TEST(Base64UrlTest, EncodesWithoutPaddingInTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  // "\xfb\xff\xbf" is "+/+/" in standard base64.
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(Base64UrlEncode("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"), "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9");
}

TEST(Base64UrlTest, DecodeRoundTripsAndRejectsMalformedText) {
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\xbf\xfe"}) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s) << s;
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(all)), all);
  EXPECT_EQ(Base64UrlDecode("-_-_"), "\xfb\xff\xbf");
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());   // padding
  EXPECT_FALSE(Base64UrlDecode("+/+/").has_value());   // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").has_value());  // 4n+1 characters
  EXPECT_FALSE(Base64UrlDecode("Zm.v").has_value());
}

TEST(SystemTest, RandomUidLooksLikeUuid4Hex) {
  const std::string a = RandomUid(), b = RandomUid();
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}"))) << a;
  EXPECT_NE(a, b);
}

TEST(SystemTest, PythonLocalTimeString) {
  using namespace std::chrono;
  const auto t = system_clock::time_point(seconds(1700000000));
  const std::string whole = PythonLocalTimeString(t);
  EXPECT_TRUE(std::regex_match(whole, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"))) << whole;
  const std::string frac = PythonLocalTimeString(t + microseconds(1500));
  EXPECT_EQ(frac, whole + ".001500");
}

}  // namespace
}  // namespace tfhub::base
