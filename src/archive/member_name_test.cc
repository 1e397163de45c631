#include "archive/member_name.h"

#include <gtest/gtest.h>

namespace tfhub::archive {
namespace {

std::string Norm(std::string_view name) {
  auto r = NormalizeMemberName(name);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

TEST(MemberNameTest, RootSpellingsMeanTheModuleDir) {
  EXPECT_EQ(Norm(""), "");
  EXPECT_EQ(Norm("."), "");
  EXPECT_EQ(Norm("./"), "");
  EXPECT_EQ(Norm("/"), "");
  EXPECT_EQ(Norm("//./"), "");
}

TEST(MemberNameTest, NormalisesLikePosixpath) {
  EXPECT_EQ(Norm("hello/../bla"), "bla");
  EXPECT_EQ(Norm("./a//b/./c/"), "a/b/c");
  EXPECT_EQ(Norm("/d.txt"), "d.txt");
  EXPECT_EQ(Norm("/sub/e.txt"), "sub/e.txt");
  EXPECT_EQ(Norm("a/b/../../c"), "c");
  EXPECT_EQ(Norm("variables/variables.index"), "variables/variables.index");
  EXPECT_EQ(Norm("a..b/c"), "a..b/c");
}

TEST(MemberNameTest, RefusesEscapesWithTheReferenceMessage) {
  for (const char* bad : {"..", "../x", "/../", "a/../../x", "/..", "./../x", "..foo"}) {
    auto r = NormalizeMemberName(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "Relative path '" + std::string(bad) + "' is invalid.");
  }
}

TEST(MemberNameTest, QuotesLikePythonRepr) {
  auto r = NormalizeMemberName("../it's");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Relative path \"../it's\" is invalid.");
}

TEST(MemberNameTest, RefusesControlCharacters) {
  auto r = NormalizeMemberName(std::string("a\nb"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("control characters"), std::string::npos);
  EXPECT_FALSE(NormalizeMemberName(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(NormalizeMemberName("a\x7f").ok());
}

}  // namespace
}  // namespace tfhub::archive
