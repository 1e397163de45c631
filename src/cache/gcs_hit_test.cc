// What a hit costs on a gs:// cache dir, in HTTP requests: AtomicDownload
// over the real GcsFileSystem, whose client talks to scripted exchanges, so
// any request beyond the scripted ones fails the test. A hit is the
// descriptor read and one listing of the module dir (2 requests; was 6: the
// cache dir's placeholder written, the module stat'ed as object and as
// prefix, listed, the descriptor stat'ed and read); a miss learns it from
// the descriptor's 404 alone.
#include <gtest/gtest.h>

#include "base/sha1.h"
#include "cache/atomic_download.h"
#include "cache/cache_dir.h"
#include "gcs/gcs_file_system.h"
#include "net/scripted_http_client.h"

namespace tfhub::cache {
namespace {

using net::Answer;

constexpr char kHandle[] = "https://example.test/models/m.tar.gz";

class GcsHitTest : public ::testing::Test {
 protected:
  GcsHitTest() : sha1_(base::Sha1Hex(kHandle)) {
    fs_ = std::make_shared<gcs::GcsFileSystem>(
        [this]() -> Result<std::shared_ptr<gcs::GcsClient>> {
          gcs::GcsClientOptions o;
          o.endpoint = "https://gcs.test";
          return std::make_shared<gcs::GcsClient>(&http_, nullptr, o);
        },
        gcs::GcsFileSystemOptions{});
    registry_.Register("gs", fs_);
  }
  void TearDown() override {
    for (const auto& r : http_.unexpected()) ADD_FAILURE() << "unexpected request: " << r.method << " " << r.url;
  }
  std::string Object(const std::string& name) {
    return "https://gcs.test/storage/v1/b/bkt/o/" + gcs::UrlEncode("cache/" + name);
  }
  std::string ListOf(const std::string& dir) {
    return "https://gcs.test/storage/v1/b/bkt/o?prefix=" + gcs::UrlEncode("cache/" + dir + "/") + "&delimiter=%2F";
  }

  net::ScriptedHttpClient http_;
  std::shared_ptr<gcs::GcsFileSystem> fs_;
  io::FileSystemRegistry registry_;
  std::string sha1_;
};

TEST_F(GcsHitTest, AHitIsTwoRequests) {
  http_.Expect(Answer("GET", Object(sha1_ + ".descriptor.txt") + "?alt=media", 200,
                      std::string("Module: ") + kHandle + "\nDownload Time: t\nDownloader Hostname: h (PID:1)\n"));
  http_.Expect(Answer("GET", ListOf(sha1_), 200,
                      R"({"items":[{"name":"cache/)" + sha1_ + R"(/saved_model.pb","size":"3"}],"prefixes":["cache/)" +
                          sha1_ + R"(/variables/"]})"));
  auto dir = CacheDir::Open("gs://bkt/cache", /*create=*/true, registry_, nullptr);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  AtomicDownloadOptions options;
  options.log = [](std::string_view) {};
  auto path = AtomicDownload(
      *dir, kHandle, [](io::FileSystem&, const ProgressFn&) -> Result<DownloadRecord> {
        return InternalError("a hit downloads nothing");
      },
      options);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, "gs://bkt/cache/" + sha1_);
  EXPECT_EQ(http_.seen().size(), 2u);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsHitTest, NoDescriptorIsAMissAfterOneRequest) {
  // A module dir without its descriptor: a copy in progress or cut short.
  http_.Expect(Answer("GET", Object(sha1_ + ".descriptor.txt") + "?alt=media", 404,
                      R"({"error":{"code":404,"message":"No such object"}})"));
  auto dir = CacheDir::Open("gs://bkt/cache", /*create=*/true, registry_, nullptr);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  std::string why;
  EXPECT_EQ(InspectModule(*dir, EntryNames::ForHandle(kHandle), "", &why), ModuleState::kMissing);
  EXPECT_EQ(http_.seen().size(), 1u);
  EXPECT_NE(why.find("no descriptor"), std::string::npos) << why;
}

TEST_F(GcsHitTest, ADescriptorWithoutModuleFilesIsAMiss) {
  http_.Expect(Answer("GET", Object(sha1_ + ".descriptor.txt") + "?alt=media", 200,
                      std::string("Module: ") + kHandle + "\nDownload Time: t\nDownloader Hostname: h (PID:1)\n"));
  http_.Expect(Answer("GET", ListOf(sha1_), 200, "{}"));
  auto dir = CacheDir::Open("gs://bkt/cache", /*create=*/true, registry_, nullptr);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(InspectModule(*dir, EntryNames::ForHandle(kHandle), "", nullptr), ModuleState::kMissing);
  EXPECT_EQ(http_.seen().size(), 2u);
}

TEST_F(GcsHitTest, APinIsCheckedAgainstTheDescriptor) {
  const std::string descriptor = std::string("Module: ") + kHandle +
                                 "\nDownload Time: t\nDownloader Hostname: h (PID:1)\n";
  http_.Expect(Answer("GET", Object(sha1_ + ".descriptor.txt") + "?alt=media", 200, descriptor));
  http_.Expect(Answer("GET", ListOf(sha1_), 200, R"({"items":[{"name":"cache/)" + sha1_ + R"(/a","size":"1"}]})"));
  auto dir = CacheDir::Open("gs://bkt/cache", /*create=*/true, registry_, nullptr);
  ASSERT_TRUE(dir.ok());
  // Written by Python: no archive SHA-256 recorded, so a pin is not proven.
  EXPECT_EQ(InspectModule(*dir, EntryNames::ForHandle(kHandle), std::string(64, 'a'), nullptr),
            ModuleState::kUnpinned);
}

}  // namespace
}  // namespace tfhub::cache
