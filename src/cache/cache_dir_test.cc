#include "cache/cache_dir.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tfhub::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint32_t kOtherUid = 4242;  // neither this user nor root

// The default cache dir lives in $TMPDIR: each test points it at a sticky,
// world-writable dir of its own (what /tmp is).
class CacheDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TMPDIR");
    if (old != nullptr) old_tmpdir_ = old;
    ASSERT_EQ(::chmod(tmp_.path().c_str(), 01777), 0);
    ASSERT_EQ(::setenv("TMPDIR", tmp_.path().c_str(), 1), 0);
  }
  void TearDown() override {
    if (old_tmpdir_) {
      ::setenv("TMPDIR", old_tmpdir_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }

  Result<CacheDir> Open(const std::string& dir, bool create = true) {
    return CacheDir::Open(dir, create, *registry_,
                          [this](std::string_view line) { log_.emplace_back(line); });
  }
  std::string Default() const { return tmp_.Sub("tfhub_modules"); }
  std::string Fallback() const { return Default() + "-" + std::to_string(::geteuid()); }
  static bool IsRoot() { return ::geteuid() == 0; }

  std::unique_ptr<io::FileSystemRegistry> registry_ = io::MakeFileSystemRegistry({});
  test::TempDir tmp_{"tfhub_tmp"};
  std::optional<std::string> old_tmpdir_;
  std::vector<std::string> log_;
};

TEST_F(CacheDirTest, TheDefaultDirIsCreatedPrivate) {
  auto dir = Open("");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(dir->path(), Default());
  struct stat st;
  ASSERT_EQ(::lstat(Default().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_THAT(log_, IsEmpty());
}

TEST_F(CacheDirTest, AnExistingPrivateDefaultDirIsUsedAsItIs) {
  test::MakeDirs(Default());
  ASSERT_EQ(::chmod(Default().c_str(), 0755), 0);  // as Python creates it: readable, not writable by others
  auto dir = Open("");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->path(), Default());
  EXPECT_THAT(log_, IsEmpty());
}

TEST_F(CacheDirTest, NotCreatingAMissingDirIsAnEmptyCacheDir) {
  auto dir = Open("", /*create=*/false);
  ASSERT_TRUE(dir.ok());
  EXPECT_FALSE(dir->exists());
  EXPECT_FALSE(test::PathExists(Default()));
  auto explicit_dir = Open(tmp_.Sub("nope"), /*create=*/false);
  ASSERT_TRUE(explicit_dir.ok());
  EXPECT_FALSE(explicit_dir->exists());
}

TEST_F(CacheDirTest, AWorldWritableDefaultDirFallsBackToAPerUserOneWithOneWarning) {
  test::MakeDirs(Default());
  ASSERT_EQ(::chmod(Default().c_str(), 0777), 0);
  auto dir = Open("");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(dir->path(), Fallback());
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("mode 0777"));
  EXPECT_THAT(log_[0], HasSubstr(Fallback()));
  struct stat st;
  ASSERT_EQ(::lstat(Fallback().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_TRUE(Open("").ok());
  EXPECT_EQ(log_.size(), 1u);  // once per process
}

TEST_F(CacheDirTest, ASymlinkedDefaultDirIsNotFollowed) {
  test::TempDir elsewhere;
  ASSERT_EQ(::symlink(elsewhere.path().c_str(), Default().c_str()), 0);
  auto dir = Open("");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->path(), Fallback());
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("symbolic link"));
  EXPECT_THAT(test::ListDir(elsewhere.path()), IsEmpty());
}

TEST_F(CacheDirTest, WhenBothDefaultsAreUnsafeItFailsSuggestingTfhubCacheDir) {
  test::MakeDirs(Default());
  ASSERT_EQ(::chmod(Default().c_str(), 0777), 0);
  ASSERT_EQ(::symlink("/", Fallback().c_str()), 0);
  auto dir = Open("");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(dir.status().message(), HasSubstr(Default()));
  EXPECT_THAT(dir.status().message(), HasSubstr(Fallback()));
  EXPECT_THAT(dir.status().message(), HasSubstr("TFHUB_CACHE_DIR"));
}

TEST_F(CacheDirTest, ADefaultDirOfAnotherUserIsNotUsedNorAreItsEntriesTrusted) {
  if (!IsRoot()) GTEST_SKIP() << "needs root to make files of another user";
  test::MakeDirs(Default());
  ASSERT_EQ(::chmod(Default().c_str(), 0700), 0);
  ASSERT_EQ(::lchown(Default().c_str(), kOtherUid, kOtherUid), 0);
  auto dir = Open("");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->path(), Fallback());
  EXPECT_THAT(log_.at(0), HasSubstr("uid 4242"));
}

TEST_F(CacheDirTest, AnExplicitDirFollowsOnlyItsOwnersSymlinks) {
  test::TempDir target;
  ASSERT_EQ(::symlink(target.path().c_str(), tmp_.Sub("mine").c_str()), 0);
  auto dir = Open(tmp_.Sub("mine"));
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  ASSERT_TRUE(dir->fs().WriteStringToFile("f", "x").ok());
  EXPECT_TRUE(test::PathExists(target.Sub("f")));
  if (!IsRoot()) return;
  ASSERT_EQ(::symlink(target.path().c_str(), tmp_.Sub("theirs").c_str()), 0);
  ASSERT_EQ(::lchown(tmp_.Sub("theirs").c_str(), kOtherUid, kOtherUid), 0);
  auto refused = Open(tmp_.Sub("theirs"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("symbolic link"));
  EXPECT_THAT(refused.status().message(), HasSubstr("uid 4242"));
}

TEST_F(CacheDirTest, TrustFollowsTheOwner) {
  auto dir = Open(tmp_.Sub("explicit"));
  ASSERT_TRUE(dir.ok());
  io::FileInfo info;
  info.owner = ::geteuid();
  EXPECT_TRUE(dir->Trusts(info));
  info.owner = 0;
  EXPECT_TRUE(dir->Trusts(info));
  info.owner = kOtherUid;  // not the dir's owner; the dir (0755) is not group-writable
  EXPECT_FALSE(dir->Trusts(info));
  EXPECT_THAT(dir->Distrust("x", info), HasSubstr("uid 4242"));
  info.owner.reset();  // a backend without owners
  EXPECT_TRUE(dir->Trusts(info));
}

}  // namespace
}  // namespace tfhub::cache
