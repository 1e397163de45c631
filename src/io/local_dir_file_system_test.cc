#include "io/local_dir_file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tfhub::io {
namespace {

using ::testing::HasSubstr;

// What is particular to a directory held open: links, FIFOs, hard links,
// renames and swaps under it. The generic contract (reads, writes, renames,
// relative paths, metadata) is checked by the conformance suite
// (file_system_conformance_test.cc), also both ways of resolving.
//
// Every test runs twice: with openat2 where the kernel has it, and with the
// component-by-component fallback.
class LocalDirFileSystemTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    testing::SetUseOpenat2(GetParam());
    test::MakeDirs(root_.Sub("cache"));
    test::MakeDirs(outside_.path());
    test::WriteStringToFile(outside_.Sub("secret"), "keep me");
    auto fs = OpenLocalDirectory(root_.Sub("cache"), /*follow_final_symlink=*/false);
    ASSERT_TRUE(fs.ok()) << fs.status().message();
    fs_ = std::move(*fs);
  }
  void TearDown() override {
    testing::SetUseOpenat2(true);
    testing::SetDeleteTreeHook(nullptr);
  }
  std::string Cache(const std::string& rel) const { return root_.Sub("cache/" + rel); }
  void Symlink(const std::string& target, const std::string& at) const {
    ASSERT_EQ(::symlink(target.c_str(), at.c_str()), 0) << at;
  }

  test::TempDir root_;
  test::TempDir outside_{"tfhub_outside"};
  std::unique_ptr<LocalDirFileSystem> fs_;
};

TEST_P(LocalDirFileSystemTest, NeverFollowsASymlinkOnTheWay) {
  Symlink(outside_.path(), Cache("link"));
  EXPECT_FALSE(fs_->WriteStringToFile("link/planted", "x").ok());
  EXPECT_FALSE(fs_->CreateDirs("link/sub").ok());
  EXPECT_FALSE(fs_->ReadFileToString("link/secret").ok());
  EXPECT_FALSE(fs_->ListDir("link").ok());
  EXPECT_FALSE(fs_->OpenDirectory("link").ok());
  EXPECT_FALSE(test::PathExists(outside_.Sub("planted")));
  EXPECT_FALSE(test::PathExists(outside_.Sub("sub")));
  EXPECT_EQ(fs_->Stat("link")->type, FileType::kSymlink);
}

TEST_P(LocalDirFileSystemTest, NeverWritesOrReadsThroughAFinalSymlink) {
  Symlink(outside_.Sub("secret"), Cache("lock"));
  auto read = fs_->ReadFileToString("lock");
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), ::testing::Not(HasSubstr("keep me")));
  EXPECT_FALSE(fs_->NewWritableFile("lock").ok());
  EXPECT_FALSE(fs_->NewRandomAccessFile("lock").ok());
  EXPECT_EQ(test::ReadFileToString(outside_.Sub("secret")), "keep me");
}

TEST_P(LocalDirFileSystemTest, AFifoFailsAtOnceInsteadOfBlocking) {
  ASSERT_EQ(::mkfifo(Cache("fifo").c_str(), 0600), 0);
  auto read = fs_->ReadFileToString("fifo");
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("not a regular file"));
  EXPECT_FALSE(fs_->NewWritableFile("fifo").ok());
}

TEST_P(LocalDirFileSystemTest, NeverWritesAFileWithAnotherLink) {
  ASSERT_EQ(::link(outside_.Sub("secret").c_str(), Cache("hard").c_str()), 0);
  EXPECT_FALSE(fs_->NewWritableFile("hard").ok());
  EXPECT_EQ(test::ReadFileToString(outside_.Sub("secret")), "keep me");
  // A file of its own is truncated and rewritten.
  test::WriteStringToFile(Cache("own"), "old contents");
  ASSERT_TRUE(fs_->WriteStringToFile("own", "new").ok());
  EXPECT_EQ(test::ReadFileToString(Cache("own")), "new");
}

TEST_P(LocalDirFileSystemTest, KeepsWorkingInTheDirectoryItOpenedAfterARename) {
  ASSERT_EQ(::rename(root_.Sub("cache").c_str(), root_.Sub("moved").c_str()), 0);
  Symlink(outside_.path(), root_.Sub("cache"));
  ASSERT_TRUE(fs_->WriteStringToFile("f", "x").ok());
  EXPECT_TRUE(test::PathExists(root_.Sub("moved/f")));
  EXPECT_FALSE(test::PathExists(outside_.Sub("f")));
}

TEST_P(LocalDirFileSystemTest, DeletingRemovesLinksNotTheirTargets) {
  test::MakeDirs(Cache("t/sub"));
  test::WriteStringToFile(Cache("t/sub/f"), "x");
  Symlink(outside_.path(), Cache("t/sub/link"));
  Symlink(outside_.path(), Cache("top"));
  ASSERT_TRUE(fs_->DeleteRecursively("t").ok());
  ASSERT_TRUE(fs_->DeleteRecursively("top").ok());
  EXPECT_FALSE(test::PathExists(Cache("t")));
  EXPECT_FALSE(test::PathExists(Cache("top")));
  EXPECT_EQ(test::ReadFileToString(outside_.Sub("secret")), "keep me");
  EXPECT_TRUE(fs_->DeleteRecursively("missing").ok());
}

TEST_P(LocalDirFileSystemTest, ADirectorySwappedForASymlinkMidDeleteIsNotFollowed) {
  // While the tree is being deleted, "t/a" is replaced by a link to a
  // directory outside: the deletion must remove the link and nothing there.
  test::MakeDirs(Cache("t/a/deep"));
  test::WriteStringToFile(Cache("t/a/deep/f"), "x");
  test::WriteStringToFile(Cache("t/b"), "y");
  bool swapped = false;
  testing::SetDeleteTreeHook([&](const std::string& dir) {
    if (swapped || dir != Cache("t")) return;
    swapped = true;
    test::RemoveTree(Cache("t/a"));
    Symlink(outside_.path(), Cache("t/a"));
  });
  ASSERT_TRUE(fs_->DeleteRecursively("t").ok());
  EXPECT_TRUE(swapped);
  EXPECT_FALSE(test::PathExists(Cache("t")));
  EXPECT_EQ(test::ReadFileToString(outside_.Sub("secret")), "keep me");
}

TEST_P(LocalDirFileSystemTest, TreeWalksIgnoreLinksAndLoops) {
  test::MakeDirs(Cache("m/d"));
  test::WriteStringToFile(Cache("m/d/f"), "abc");
  Symlink(".", Cache("m/d/loop1"));
  Symlink("..", Cache("m/d/loop2"));
  Symlink(outside_.Sub("secret"), Cache("m/d/out"));
  auto tree = fs_->ListTree("m");
  ASSERT_TRUE(tree.ok()) << tree.status().message();
  ASSERT_EQ(tree->size(), 1u);
  EXPECT_EQ((*tree)[0].path, "d/f");
  EXPECT_EQ((*tree)[0].size, 3u);
}

TEST_P(LocalDirFileSystemTest, SubdirectoriesAreHeldOpenToo) {
  ASSERT_TRUE(fs_->CreateDirs("tmp").ok());
  auto sub = fs_->OpenDirectory("tmp");
  ASSERT_TRUE(sub.ok()) << sub.status().message();
  ASSERT_EQ(::rename(Cache("tmp").c_str(), Cache("elsewhere").c_str()), 0);
  Symlink(outside_.path(), Cache("tmp"));
  ASSERT_TRUE((*sub)->WriteStringToFile("f", "x").ok());
  EXPECT_TRUE(test::PathExists(Cache("elsewhere/f")));
  EXPECT_FALSE(test::PathExists(outside_.Sub("f")));
}

INSTANTIATE_TEST_SUITE_P(Resolution, LocalDirFileSystemTest, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "openat2" : "per_component"; });

TEST(OpenLocalDirectoryTest, AFinalSymlinkIsFollowedOnlyWhenAsked) {
  test::TempDir dir;
  test::MakeDirs(dir.Sub("real"));
  ASSERT_EQ(::symlink(dir.Sub("real").c_str(), dir.Sub("link").c_str()), 0);
  auto refused = OpenLocalDirectory(dir.Sub("link"), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("symbolic link"));
  EXPECT_TRUE(OpenLocalDirectory(dir.Sub("link"), true).ok());
  EXPECT_EQ(OpenLocalDirectory(dir.Sub("nope"), false).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tfhub::io
