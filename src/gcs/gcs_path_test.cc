#include "gcs/gcs_path.h"

#include <gtest/gtest.h>

namespace tfhub::gcs {
namespace {

TEST(GcsPathTest, SplitsBucketAndObject) {
  auto p = ParseGcsPath("gs://my-bucket/a/b c.txt");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->bucket, "my-bucket");
  EXPECT_EQ(p->object, "a/b c.txt");
  EXPECT_EQ(p->Uri(), "gs://my-bucket/a/b c.txt");
  auto root = ParseGcsPath("gs://my-bucket");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->object, "");
  auto slash = ParseGcsPath("gs://my-bucket/dir/");
  ASSERT_TRUE(slash.ok());
  EXPECT_EQ(slash->object, "dir/");
}

TEST(GcsPathTest, RefusesBadBucketsNamingTheUri) {
  for (const char* uri : {"gs://", "gs:///x", "gs://UPPER/x", "gs://ab/x", "s3://bucket/x"}) {
    auto p = ParseGcsPath(uri);
    ASSERT_FALSE(p.ok()) << uri;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(uri), std::string::npos) << p.status().message();
  }
}

TEST(GcsPathTest, UrlEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UrlEncode("a/b c#?%~._-Z9"), "a%2Fb%20c%23%3F%25~._-Z9");
  EXPECT_EQ(UrlEncode("\xc3\xa9"), "%C3%A9");
}

TEST(GcsPathTest, DirPrefix) {
  EXPECT_EQ(DirPrefix(""), "");
  EXPECT_EQ(DirPrefix("d"), "d/");
  EXPECT_EQ(DirPrefix("d/"), "d/");
}

}  // namespace
}  // namespace tfhub::gcs
