#include "testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace tfhub::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

bool IsDir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

TEST(TempDirTest, CreatesPrivateDirAndRemovesTreeOnDestruction) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    ASSERT_TRUE(IsDir(path));
    EXPECT_EQ(path.front(), '/');
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    WriteStringToFile(dir.Sub("a/b/c.txt"), "x");
    ASSERT_EQ(symlink("/nonexistent", dir.Sub("a/dangling").c_str()), 0);
    // A subdirectory without permissions must still be removed.
    MakeDirs(dir.Sub("locked/inner"));
    ASSERT_EQ(chmod(dir.Sub("locked").c_str(), 0), 0);
  }
  EXPECT_FALSE(PathExists(path));
}

TEST(TempDirTest, RemovalDoesNotFollowSymlinks) {
  TempDir outside;
  WriteStringToFile(outside.Sub("keep.txt"), "keep");
  {
    TempDir dir;
    ASSERT_EQ(symlink(outside.path().c_str(), dir.Sub("link").c_str()), 0);
  }
  EXPECT_EQ(ReadFileToString(outside.Sub("keep.txt")), "keep");
}

TEST(TempDirTest, MoveTransfersOwnership) {
  TempDir a;
  const std::string path = a.path();
  TempDir b(std::move(a));
  EXPECT_EQ(b.path(), path);
  EXPECT_TRUE(a.path().empty());  // NOLINT(bugprone-use-after-move)
  TempDir c;
  const std::string c_old = c.path();
  c = std::move(b);
  EXPECT_EQ(c.path(), path);
  EXPECT_FALSE(PathExists(c_old));
  EXPECT_TRUE(IsDir(path));
}

TEST(TempDirTest, HonoursTmpdir) {
  TempDir base;
  const char* old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", (base.path() + "/").c_str(), 1);
  std::string inner_path;
  {
    TempDir inner("custom");
    inner_path = inner.path();
  }
  if (old) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  EXPECT_EQ(inner_path.rfind(base.path() + "/custom.", 0), 0u) << inner_path;
}

TEST(FileHelpersTest, WriteReadRoundTripIsBinarySafeAndCreatesParents) {
  TempDir dir;
  std::string content("a\0b\xff\n", 5);
  content += std::string(200000, 'z');
  WriteStringToFile(dir.Sub("x/y/z.bin"), content);
  EXPECT_EQ(ReadFileToString(dir.Sub("x/y/z.bin")), content);
  WriteStringToFile(dir.Sub("x/y/z.bin"), "short");
  EXPECT_EQ(ReadFileToString(dir.Sub("x/y/z.bin")), "short");
  WriteStringToFile(dir.Sub("empty"), "");
  EXPECT_EQ(ReadFileToString(dir.Sub("empty")), "");
}

TEST(FileHelpersTest, ErrorsThrowWithPath) {
  TempDir dir;
  try {
    ReadFileToString(dir.Sub("missing"));
    FAIL() << "expected throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir.Sub("missing")));
  }
  EXPECT_THROW(ListDir(dir.Sub("missing")), std::runtime_error);
  WriteStringToFile(dir.Sub("file"), "");
  EXPECT_THROW(WriteStringToFile(dir.Sub("file/sub"), ""), std::runtime_error);
}

TEST(FileHelpersTest, ListDirAndListTree) {
  TempDir dir;
  WriteStringToFile(dir.Sub("b.txt"), "");
  WriteStringToFile(dir.Sub("a/z.txt"), "");
  WriteStringToFile(dir.Sub("a/inner/deep.txt"), "");
  MakeDirs(dir.Sub("empty"));
  ASSERT_EQ(symlink("a", dir.Sub("link").c_str()), 0);
  EXPECT_THAT(ListDir(dir.path()), ElementsAre("a", "b.txt", "empty", "link"));
  EXPECT_THAT(ListTree(dir.path()),
              ElementsAre("a/", "a/inner/", "a/inner/deep.txt", "a/z.txt",
                          "b.txt", "empty/", "link"));
  EXPECT_TRUE(ListDir(dir.Sub("empty")).empty());
  RemoveTree(dir.Sub("a"));
  EXPECT_FALSE(PathExists(dir.Sub("a")));
  EXPECT_TRUE(PathExists(dir.Sub("link")));  // dangling now, still exists
  RemoveTree(dir.Sub("does-not-exist"));     // no-op
}

}  // namespace
}  // namespace tfhub::test
