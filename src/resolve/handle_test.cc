#include "resolve/handle.h"

#include <gtest/gtest.h>

namespace tfhub::resolvers {
namespace {

TEST(HandleTest, HttpDetectionIsCaseSensitive) {
  EXPECT_TRUE(IsHttpUrl("http://x/y"));
  EXPECT_TRUE(IsHttpUrl("https://tfhub.dev/google/m/1"));
  EXPECT_FALSE(IsHttpUrl("HTTP://x/y"));
  EXPECT_FALSE(IsHttpUrl("gs://b/x.tgz"));
  EXPECT_FALSE(IsHttpUrl("/tmp/http://"));
}

TEST(HandleTest, TarArchiveNames) {
  EXPECT_TRUE(IsTarArchiveName("gs://b/x.tar"));
  EXPECT_TRUE(IsTarArchiveName("gs://b/x.tar.gz"));
  EXPECT_TRUE(IsTarArchiveName("gs://b/x.tgz"));
  EXPECT_FALSE(IsTarArchiveName("gs://b/foo"));
  EXPECT_FALSE(IsTarArchiveName("gs://b/footar"));
  EXPECT_FALSE(IsTarArchiveName("gs://b/x.zip"));
  EXPECT_FALSE(IsTarArchiveName("gs://b/x.TGZ"));
}

TEST(HandleTest, AppendFormatQuery) {
  EXPECT_EQ(AppendFormatQuery("https://tfhub.dev/google/m/1", "compressed"),
            "https://tfhub.dev/google/m/1?tf-hub-format=compressed");
  EXPECT_EQ(AppendFormatQuery("https://h/m?extra=abc", "compressed"),
            "https://h/m?extra=abc&tf-hub-format=compressed");
  EXPECT_EQ(AppendFormatQuery("https://h/m?extra=abc&tf-hub-format=test", "compressed"),
            "https://h/m?extra=abc&tf-hub-format=test&tf-hub-format=compressed");
  EXPECT_EQ(AppendFormatQuery("https://h/m?", "uncompressed"), "https://h/m?tf-hub-format=uncompressed");
  EXPECT_EQ(AppendFormatQuery("https://h/m#frag", "compressed"), "https://h/m?tf-hub-format=compressed");
  EXPECT_EQ(AppendFormatQuery("https://h/m?a=1#frag", "compressed"),
            "https://h/m?a=1&tf-hub-format=compressed");
}

TEST(HandleTest, ChinaMirror) {
  EXPECT_EQ(ChinaMirrorArchiveUrl("https://hub.tensorflow.google.cn/google/m/1"),
            "https://gcs.tensorflow.google.cn/tfhub-modules/google/m/1.tar.gz");
  EXPECT_EQ(ChinaMirrorArchiveUrl("https://hub.tensorflow.google.cn/google/m/1/"),
            "https://gcs.tensorflow.google.cn/tfhub-modules/google/m/1.tar.gz");
  EXPECT_FALSE(ChinaMirrorArchiveUrl("https://tfhub.dev/google/m/1").has_value());
}

}  // namespace
}  // namespace tfhub::resolvers
