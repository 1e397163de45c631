#include "cache/descriptor.h"

#include <gtest/gtest.h>

#include <regex>

namespace tfhub::cache {
namespace {

TEST(DescriptorTest, FirstThreeLinesAreTensorflowHubs) {
  Descriptor d;
  d.handle = "https://tfhub.dev/google/m/1?x=1#f";
  d.download_time = "2026-11-27 09:00:00.123456";
  d.hostname = "host.example";
  d.pid = 42;
  const std::string text = FormatDescriptor(d);
  EXPECT_EQ(text,
            "Module: https://tfhub.dev/google/m/1?x=1#f\nDownload Time: 2026-11-27 09:00:00.123456\n"
            "Downloader Hostname: host.example (PID:42)");
  // The regex of tensorflow_hub's testModuleDescriptor.
  EXPECT_TRUE(std::regex_search(text, std::regex("Module: .*\nDownload Time: .*\nDownloader Hostname: .* \\(PID:\\d+\\)")));
}

TEST(DescriptorTest, RecordRoundTrips) {
  Descriptor d;
  d.handle = "h";
  d.download_time = "t";
  d.hostname = "a.b.c";
  d.pid = 7;
  d.has_record = true;
  d.tfhub_version = "0.1.0";
  d.files = 3;
  d.bytes = 1234;
  d.manifest_sha256 = *ManifestSha256({{"a", 1}, {"b/c", 2}});
  d.checked_files = {{"a", 1}, {"b/with space", 2}};
  d.archive_sha256 = std::string(64, 'f');
  const std::string text = FormatDescriptor(d);
  EXPECT_EQ(text.rfind("Module: h\nDownload Time: t\nDownloader Hostname: a.b.c (PID:7)\n", 0), 0u);
  EXPECT_NE(text.back(), '\n');
  const Descriptor p = ParseDescriptor(text);
  EXPECT_EQ(p.handle, "h");
  EXPECT_EQ(p.hostname, "a.b.c");
  EXPECT_EQ(p.pid, 7);
  EXPECT_TRUE(p.has_record);
  EXPECT_EQ(p.files, 3u);
  EXPECT_EQ(p.bytes, 1234u);
  EXPECT_EQ(p.manifest_sha256, d.manifest_sha256);
  EXPECT_EQ(p.checked_files, d.checked_files);
  EXPECT_EQ(p.archive_sha256, d.archive_sha256);
}

TEST(DescriptorTest, FilesToCheckAreAllOrTheLargest) {
  std::map<std::string, uint64_t> few = {{"a", 1}, {"b", 2}};
  EXPECT_EQ(FilesToCheck(few), (std::vector<std::pair<std::string, uint64_t>>{{"a", 1}, {"b", 2}}));
  std::map<std::string, uint64_t> many;
  for (uint64_t i = 0; i < 1000; ++i) many["f" + std::to_string(i)] = i;
  const auto checked = FilesToCheck(many);
  ASSERT_EQ(checked.size(), kMaxCheckedFiles);
  for (const auto& [path, size] : checked) EXPECT_GE(size, 1000 - kMaxCheckedFiles) << path;
}

TEST(DescriptorTest, PythonDescriptorHasNoRecord) {
  const Descriptor p = ParseDescriptor("Module: x\nDownload Time: y\nDownloader Hostname: z (PID:1)");
  EXPECT_FALSE(p.has_record);
  EXPECT_EQ(p.handle, "x");
}

TEST(DescriptorTest, ManifestDependsOnNamesAndSizes) {
  EXPECT_NE(*ManifestSha256({{"a", 1}}), *ManifestSha256({{"a", 2}}));
  EXPECT_NE(*ManifestSha256({{"a", 1}}), *ManifestSha256({{"b", 1}}));
  EXPECT_EQ(*ManifestSha256({{"a", 1}, {"b", 2}}), *ManifestSha256({{"b", 2}, {"a", 1}}));
  // sha256 of the empty string.
  EXPECT_EQ(*ManifestSha256({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace tfhub::cache
