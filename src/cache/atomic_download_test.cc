#include "cache/atomic_download.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/system.h"
#include "cache/lock_file.h"
#include "io/local_file_system.h"
#include "testing/temp_dir.h"

namespace tfhub::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AtomicDownloadTest : public ::testing::Test {
 protected:
  AtomicDownloadTest() : layout_(dir_.Sub("cache"), "https://example.com/m/1") {
    options_.lock_timeout = std::chrono::seconds(1);
    options_.poll_interval = std::chrono::milliseconds(20);
    options_.log = [this](std::string_view line) { log_.emplace_back(line); };
  }

  // A download that writes one file and counts its calls.
  DownloadFn WriteOneFile() {
    return [this](const std::string& temp) -> Result<DownloadRecord> {
      ++downloads_;
      temp_seen_ = temp;
      test::WriteStringToFile(temp + "/saved_model.pb", "pb");
      DownloadRecord r;
      r.sizes["saved_model.pb"] = 2;
      r.bytes = 2;
      return r;
    };
  }

  Result<std::string> Run(const DownloadFn& fn) {
    return AtomicDownload(fs_, layout_, "https://example.com/m/1", fn, options_);
  }

  std::string Name(const std::string& suffix) const { return layout_.key() + suffix; }

  io::LocalFileSystem fs_;
  test::TempDir dir_;
  CacheLayout layout_;
  AtomicDownloadOptions options_;
  std::vector<std::string> log_;
  int downloads_ = 0;
  std::string temp_seen_;
};

TEST_F(AtomicDownloadTest, DownloadLeavesExactlyModuleAndDescriptor) {
  auto r = Run(WriteOneFile());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, layout_.module_dir());
  EXPECT_EQ(downloads_, 1);
  EXPECT_EQ(temp_seen_.substr(0, layout_.module_dir().size() + 1), layout_.module_dir() + ".");
  EXPECT_THAT(temp_seen_, ::testing::MatchesRegex(".*\\.[0-9a-f]{32}\\.tmp"));
  EXPECT_THAT(test::ListDir(layout_.cache_dir()), ElementsAre(Name(""), Name(".descriptor.txt")));
  const std::string d = test::ReadFileToString(layout_.descriptor_path());
  EXPECT_THAT(d, ::testing::StartsWith("Module: https://example.com/m/1\nDownload Time: "));
  EXPECT_THAT(d, HasSubstr("\nDownloader Hostname: " + base::HostName() + " (PID:" +
                           std::to_string(base::ProcessId()) + ")"));
  EXPECT_THAT(d, HasSubstr("tfhub-Files: 1"));
}

TEST_F(AtomicDownloadTest, PopulatedDirIsAHitWithoutLockOrWrite) {
  test::WriteStringToFile(layout_.module_dir() + "/x", "cached");
  // A read-only view: any lock attempt would be visible as a file.
  auto r = Run(WriteOneFile());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(downloads_, 0);
  EXPECT_THAT(test::ListDir(layout_.cache_dir()), ElementsAre(Name("")));
}

TEST_F(AtomicDownloadTest, EmptyModuleDirIsDownloadedAgain) {
  test::MakeDirs(layout_.module_dir());
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_EQ(downloads_, 1);
  EXPECT_EQ(test::ReadFileToString(layout_.module_dir() + "/saved_model.pb"), "pb");
}

TEST_F(AtomicDownloadTest, FailureLeavesTheCacheAsItWas) {
  auto r = Run([&](const std::string& temp) -> Result<DownloadRecord> {
    test::WriteStringToFile(temp + "/partial", "half");
    return DataLossError("connection dropped");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "connection dropped");
  EXPECT_TRUE(test::ListDir(layout_.cache_dir()).empty());
}

TEST_F(AtomicDownloadTest, RogueWriterWinsTheRenameWithAWarning) {
  auto r = Run([&](const std::string& temp) -> Result<DownloadRecord> {
    test::WriteStringToFile(layout_.module_dir() + "/rogue", "r");
    test::WriteStringToFile(temp + "/mine", "m");
    return DownloadRecord{};
  });
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(test::ListDir(layout_.module_dir()), ElementsAre("rogue"));
  EXPECT_THAT(test::ListDir(layout_.cache_dir()), ElementsAre(Name(""), Name(".descriptor.txt")));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("Module already exists in")));
}

TEST_F(AtomicDownloadTest, LockOfDeadLocalProcessIsTakenOverAtOnce) {
  const std::string uid(32, 'a');
  test::WriteStringToFile(layout_.lock_path(), LockContents(base::HostName(), 99999999, uid));
  test::WriteStringToFile(layout_.temp_dir(uid) + "/junk", "j");
  options_.lock_timeout = std::chrono::hours(1);  // would hang if not taken over
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_EQ(downloads_, 1);
  EXPECT_THAT(test::ListDir(layout_.cache_dir()), ElementsAre(Name(""), Name(".descriptor.txt")));
}

TEST_F(AtomicDownloadTest, AbandonedForeignLockIsTakenOverAfterTimeout) {
  const std::string uid(32, 'b');
  test::WriteStringToFile(layout_.lock_path(), LockContents("other-host", 1, uid));
  test::MakeDirs(layout_.temp_dir(uid));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, options_.lock_timeout);
  EXPECT_EQ(downloads_, 1);
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("due to inactivity")));
  EXPECT_THAT(test::ListDir(layout_.cache_dir()), ElementsAre(Name(""), Name(".descriptor.txt")));
}

TEST_F(AtomicDownloadTest, LockPathThatIsADirectoryFailsAtOnce) {
  test::MakeDirs(layout_.lock_path());
  auto r = Run(WriteOneFile());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(layout_.lock_path()));
  EXPECT_EQ(downloads_, 0);
}

TEST_F(AtomicDownloadTest, UncreatableCacheDirFailsAtOnce) {
  CacheLayout layout("/proc/tfhub-cache-test", "h");
  auto r = AtomicDownload(fs_, layout, "h", WriteOneFile(), options_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/proc/tfhub-cache-test"));
  EXPECT_EQ(downloads_, 0);
}

}  // namespace
}  // namespace tfhub::cache
