#include "cache/atomic_download.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "base/system.h"
#include "cache/lock_file.h"
#include "io/local_dir_file_system.h"
#include "testing/temp_dir.h"

namespace tfhub::cache {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint32_t kOtherUid = 4242;  // a user that is neither this one nor root

class AtomicDownloadTest : public ::testing::Test {
 protected:
  AtomicDownloadTest() : names_(EntryNames::ForHandle(kHandle)) {
    options_.lock_timeout = std::chrono::seconds(600);  // Python's default: on the fake clock below
    options_.poll_interval = std::chrono::milliseconds(100);
    options_.log = [this](std::string_view line) { log_.emplace_back(line); };
    options_.clock = &clock_;  // lock polls and the lock timeout take no real time
  }

  void SetUp() override {
    auto dir = CacheDir::Open(dir_.Sub("cache"), /*create=*/true, *registry_, options_.log);
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    cache_.emplace(std::move(*dir));
  }

  // A download that writes one file and counts its calls.
  DownloadFn WriteOneFile(std::string sha256 = "") {
    return [this, sha256](io::FileSystem& temp, const ProgressFn&) -> Result<DownloadRecord> {
      ++downloads_;
      temp_seen_ = temp.Stat("")->inode;
      TFHUB_RETURN_IF_ERROR(temp.WriteStringToFile("saved_model.pb", "pb"));
      DownloadRecord r;
      r.sizes["saved_model.pb"] = 2;
      r.bytes = 2;
      r.archive_sha256 = sha256;
      return r;
    };
  }

  Result<std::string> Run(const DownloadFn& fn) { return AtomicDownload(*cache_, kHandle, fn, options_); }

  std::string Cache(const std::string& name = "") const { return dir_.Sub("cache/" + name); }
  std::string Name(const std::string& suffix) const { return names_.key() + suffix; }
  std::string Module() const { return Cache(names_.module()); }
  static bool IsRoot() { return ::geteuid() == 0; }

  static constexpr const char* kHandle = "https://example.com/m/1";
  test::TempDir dir_;
  std::unique_ptr<io::FileSystemRegistry> registry_ = io::MakeFileSystemRegistry({});
  EntryNames names_;
  std::optional<CacheDir> cache_;
  base::FakeClock clock_;
  AtomicDownloadOptions options_;
  std::vector<std::string> log_;
  int downloads_ = 0;
  uint64_t temp_seen_ = 0;
};

TEST_F(AtomicDownloadTest, DownloadLeavesExactlyModuleAndDescriptor) {
  auto r = Run(WriteOneFile());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Module());
  EXPECT_EQ(downloads_, 1);
  struct stat st;
  ASSERT_EQ(::stat(Module().c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, temp_seen_);  // the temp dir itself was renamed into place
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
  const std::string d = test::ReadFileToString(Cache(names_.descriptor()));
  EXPECT_THAT(d, ::testing::StartsWith("Module: https://example.com/m/1\nDownload Time: "));
  EXPECT_THAT(d, HasSubstr("\nDownloader Hostname: " + base::HostName() + " (PID:" +
                           std::to_string(base::ProcessId()) + ")"));
  EXPECT_THAT(d, HasSubstr("tfhub-Files: 1"));
}

TEST_F(AtomicDownloadTest, PopulatedDirIsAHitWithoutLockOrWrite) {
  test::WriteStringToFile(Module() + "/x", "cached");
  // A read-only view: any lock attempt would be visible as a file.
  auto r = Run(WriteOneFile());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(downloads_, 0);
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name("")));
}

TEST_F(AtomicDownloadTest, EmptyModuleDirIsDownloadedAgain) {
  test::MakeDirs(Module());
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_EQ(downloads_, 1);
  EXPECT_EQ(test::ReadFileToString(Module() + "/saved_model.pb"), "pb");
}

TEST_F(AtomicDownloadTest, FailureLeavesTheCacheAsItWas) {
  auto r = Run([&](io::FileSystem& temp, const ProgressFn&) -> Result<DownloadRecord> {
    EXPECT_TRUE(temp.WriteStringToFile("partial", "half").ok());
    return DataLossError("connection dropped");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "connection dropped");
  EXPECT_TRUE(test::ListDir(Cache()).empty());
}

TEST_F(AtomicDownloadTest, RogueWriterWinsTheRenameWithAWarning) {
  auto r = Run([&](io::FileSystem& temp, const ProgressFn&) -> Result<DownloadRecord> {
    test::WriteStringToFile(Module() + "/rogue", "r");
    EXPECT_TRUE(temp.WriteStringToFile("mine", "m").ok());
    return DownloadRecord{};
  });
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(test::ListDir(Module()), ElementsAre("rogue"));
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("Module already exists in")));
}

TEST_F(AtomicDownloadTest, LockOfDeadLocalProcessIsTakenOverAtOnce) {
  const std::string uid(32, 'a');
  test::WriteStringToFile(Cache(names_.lock()), LockContents(base::HostName(), 99999999, uid));
  test::WriteStringToFile(Cache(names_.temp_dir(uid)) + "/junk", "j");
  options_.lock_timeout = std::chrono::hours(1);  // would hang if not taken over
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_EQ(downloads_, 1);
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
}

TEST_F(AtomicDownloadTest, AbandonedForeignLockIsTakenOverAfterTimeout) {
  const std::string uid(32, 'b');
  test::WriteStringToFile(Cache(names_.lock()), LockContents("other-host", 1, uid));
  test::MakeDirs(Cache(names_.temp_dir(uid)));
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_GE(clock_.slept(), options_.lock_timeout);
  EXPECT_EQ(downloads_, 1);
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("due to inactivity")));
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
}

TEST_F(AtomicDownloadTest, LockPathThatIsADirectoryFailsAtOnce) {
  test::MakeDirs(Cache(names_.lock()));
  auto r = Run(WriteOneFile());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(Cache(names_.lock())));
  EXPECT_EQ(downloads_, 0);
}

TEST_F(AtomicDownloadTest, PinnedHitMustRecordThePinnedArchive) {
  const std::string pin(64, 'a');
  ASSERT_TRUE(Run(WriteOneFile(pin)).ok());
  options_.archive_sha256 = pin;
  ASSERT_TRUE(Run(WriteOneFile(pin)).ok());
  EXPECT_EQ(downloads_, 1);  // a hit: the descriptor records the pinned archive
  options_.archive_sha256 = std::string(64, 'b');
  ASSERT_TRUE(Run(WriteOneFile(options_.archive_sha256)).ok());
  EXPECT_EQ(downloads_, 2);  // another pin: downloaded again, and now recorded
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("does not match the pinned archive")));
  EXPECT_THAT(test::ReadFileToString(Cache(names_.descriptor())), HasSubstr(options_.archive_sha256));
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
}

TEST_F(AtomicDownloadTest, PinnedHitWrittenByPythonIsDownloadedAgainAndAFailureKeepsIt) {
  test::WriteStringToFile(Module() + "/saved_model.pb", "python's");
  test::WriteStringToFile(Cache(names_.descriptor()), "Module: " + std::string(kHandle));
  options_.archive_sha256 = std::string(64, 'c');
  std::string why;
  EXPECT_EQ(InspectModule(*cache_, names_, options_.archive_sha256, &why), ModuleState::kUnpinned);
  EXPECT_THAT(why, HasSubstr("no archive SHA-256 is recorded"));
  // The new download fails its check: the old module is still there.
  auto r = Run([](io::FileSystem&, const ProgressFn&) -> Result<DownloadRecord> { return DataLossError("SHA-256 mismatch"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(test::ReadFileToString(Module() + "/saved_model.pb"), "python's");
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
  ASSERT_TRUE(Run(WriteOneFile(options_.archive_sha256)).ok());
  EXPECT_EQ(test::ReadFileToString(Module() + "/saved_model.pb"), "pb");
  EXPECT_THAT(test::ListDir(Cache()), ElementsAre(Name(""), Name(".descriptor.txt")));
}

TEST_F(AtomicDownloadTest, AMalformedLockNeverNamesAPath) {
  // "host.<dead pid>.x/work": read naively, its uid "x/work" names the temp
  // dir <sha1>.x/work.tmp — through a link, a directory anywhere.
  test::TempDir victim{"tfhub_victim"};
  test::WriteStringToFile(victim.Sub("work.tmp/keep"), "keep me");
  ASSERT_EQ(::symlink(victim.path().c_str(), Cache(Name(".x")).c_str()), 0);
  test::WriteStringToFile(Cache(names_.lock()), base::HostName() + ".99999999.x/work");
  EXPECT_FALSE(ParseLockContents(base::HostName() + ".99999999.x/work").has_value());
  ASSERT_TRUE(Run(WriteOneFile()).ok());  // after the lock timeout: only the lock goes
  EXPECT_EQ(test::ReadFileToString(victim.Sub("work.tmp/keep")), "keep me");
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("due to inactivity")));
}

TEST_F(AtomicDownloadTest, AFifoLockFailsAtOnceInsteadOfHanging) {
  ASSERT_EQ(::mkfifo(Cache(names_.lock()).c_str(), 0666), 0);
  auto r = Run(WriteOneFile());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("not a regular file"));
  EXPECT_EQ(downloads_, 0);
}

TEST_F(AtomicDownloadTest, ALockLinkedToASecretNeverShowsIt) {
  test::TempDir elsewhere;
  test::WriteStringToFile(elsewhere.Sub("secret"), "s3cr3t");
  ASSERT_EQ(::symlink(elsewhere.Sub("secret").c_str(), Cache(names_.lock()).c_str()), 0);
  auto r = Run(WriteOneFile());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), Not(HasSubstr("s3cr3t")));
  for (const auto& line : log_) EXPECT_THAT(line, Not(HasSubstr("s3cr3t")));
  EXPECT_EQ(test::ReadFileToString(elsewhere.Sub("secret")), "s3cr3t");
}

TEST_F(AtomicDownloadTest, LockAndDescriptorWithOtherHardLinksAreNeverRead) {
  // A hard link says nothing of who put it here (only where protected_hardlinks is off could
  // another user link a file of root's): its contents are never read, nor shown.
  test::TempDir elsewhere;
  test::WriteStringToFile(elsewhere.Sub("secret"), "host.1." + std::string(32, 'a') + " s3cr3t");
  ASSERT_EQ(::link(elsewhere.Sub("secret").c_str(), Cache(names_.lock()).c_str()), 0);
  ASSERT_TRUE(Run(WriteOneFile()).ok());  // after the lock timeout, the link (not the file) goes
  for (const auto& line : log_) EXPECT_THAT(line, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(test::ReadFileToString(elsewhere.Sub("secret")), HasSubstr("s3cr3t"));
  // A descriptor with another link is not read: the module counts as one Python wrote.
  ASSERT_EQ(::unlink(Cache(names_.descriptor()).c_str()), 0);
  test::WriteStringToFile(elsewhere.Sub("desc"), "Module: " + std::string(kHandle) + "\ntfhub-Files: 1");
  ASSERT_EQ(::link(elsewhere.Sub("desc").c_str(), Cache(names_.descriptor()).c_str()), 0);
  EXPECT_FALSE(ReadDescriptor(*cache_, names_).has_value());
}

TEST_F(AtomicDownloadTest, LockContentsAreLoggedEscaped) {
  test::WriteStringToFile(Cache(names_.lock()), "evil\x1b]0;owned\x07host.1." + std::string(32, 'a'));
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  ASSERT_FALSE(log_.empty());
  EXPECT_THAT(log_[0], HasSubstr("evil\\x1b]0;owned\\x07host"));
  for (const auto& line : log_) EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
}

TEST_F(AtomicDownloadTest, ATempDirSwappedForALinkWritesNothingThereAndIsNotReturned) {
  test::TempDir outside{"tfhub_outside"};
  auto r = Run([&](io::FileSystem& temp, const ProgressFn&) -> Result<DownloadRecord> {
    // Another user renames the temp dir away and puts a link in its place.
    const std::string name = Cache(names_.key() + "." + ParseLockContents(test::ReadFileToString(
                                                                Cache(names_.lock())))->uid + ".tmp");
    EXPECT_EQ(::rename(name.c_str(), Cache("moved").c_str()), 0);
    EXPECT_EQ(::symlink(outside.path().c_str(), name.c_str()), 0);
    TFHUB_RETURN_IF_ERROR(temp.WriteStringToFile("authorized_keys", "attacker"));
    DownloadRecord record;
    record.sizes["authorized_keys"] = 8;
    return record;
  });
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("replaced"));
  EXPECT_FALSE(test::PathExists(outside.Sub("authorized_keys")));
  EXPECT_TRUE(test::PathExists(Cache("moved/authorized_keys")));
  // What stands at <sha1> is no module: the next resolve downloads again.
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_EQ(test::ReadFileToString(Module() + "/saved_model.pb"), "pb");
  EXPECT_TRUE(test::ListDir(outside.path()).empty());
}

TEST_F(AtomicDownloadTest, EntriesOfAnotherUserAreNeitherHitsNorTakenOver) {
  if (!IsRoot()) GTEST_SKIP() << "needs root to make files of another user";
  test::WriteStringToFile(Module() + "/saved_model.pb", "planted");
  ASSERT_EQ(::lchown(Module().c_str(), kOtherUid, kOtherUid), 0);
  std::string why;
  EXPECT_EQ(InspectModule(*cache_, names_, "", &why), ModuleState::kUntrusted);
  auto r = Run(WriteOneFile());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("uid 4242"));
  EXPECT_THAT(r.status().message(), HasSubstr("does not trust"));
  EXPECT_EQ(test::ReadFileToString(Module() + "/saved_model.pb"), "planted");

  test::RemoveTree(Module());
  const std::string uid(32, 'd');
  test::WriteStringToFile(Cache(names_.lock()), LockContents(base::HostName(), 99999999, uid));
  ASSERT_EQ(::lchown(Cache(names_.lock()).c_str(), kOtherUid, kOtherUid), 0);
  r = Run(WriteOneFile());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("does not trust"));
  EXPECT_TRUE(test::PathExists(Cache(names_.lock())));  // not taken over, though its pid is dead
  EXPECT_EQ(downloads_, 0);
}

TEST_F(AtomicDownloadTest, TakeoverLeavesAnotherUsersTempDir) {
  if (!IsRoot()) GTEST_SKIP() << "needs root to make files of another user";
  const std::string uid(32, 'e');
  test::WriteStringToFile(Cache(names_.lock()), LockContents(base::HostName(), 99999999, uid));
  test::WriteStringToFile(Cache(names_.temp_dir(uid)) + "/theirs", "t");
  ASSERT_EQ(::lchown(Cache(names_.temp_dir(uid)).c_str(), kOtherUid, kOtherUid), 0);
  ASSERT_TRUE(Run(WriteOneFile()).ok());
  EXPECT_TRUE(test::PathExists(Cache(names_.temp_dir(uid)) + "/theirs"));
}

}  // namespace
}  // namespace tfhub::cache
