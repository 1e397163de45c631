#include "io/local_file_system.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tfhub::io {
namespace {

using ::testing::UnorderedElementsAre;

class LocalFileSystemTest : public ::testing::Test {
 protected:
  LocalFileSystem fs_;
  test::TempDir dir_;
};

TEST_F(LocalFileSystemTest, StatReportsMissingAsNotFoundType) {
  auto info = fs_.Stat(dir_.Sub("nope"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kNotFound);
  info = fs_.Stat(dir_.path());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kDirectory);
}

TEST_F(LocalFileSystemTest, FileUrisNameLocalPaths) {
  ASSERT_TRUE(fs_.WriteStringToFile("file://" + dir_.Sub("f"), "abc").ok());
  EXPECT_EQ(test::ReadFileToString(dir_.Sub("f")), "abc");
  auto info = fs_.Stat("file://" + dir_.Sub("f"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kFile);
  EXPECT_EQ(info->size, 3u);
}

TEST_F(LocalFileSystemTest, CreateDirsListAndDelete) {
  ASSERT_TRUE(fs_.CreateDirs(dir_.Sub("a/b/c")).ok());
  ASSERT_TRUE(fs_.CreateDirs(dir_.Sub("a/b/c")).ok());  // idempotent
  ASSERT_TRUE(fs_.WriteStringToFile(dir_.Sub("a/x"), "1").ok());
  auto names = fs_.ListDir(dir_.Sub("a"));
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, UnorderedElementsAre("b", "x"));
  ASSERT_TRUE(fs_.DeleteRecursively(dir_.Sub("a")).ok());
  EXPECT_FALSE(test::PathExists(dir_.Sub("a")));
  EXPECT_TRUE(fs_.DeleteRecursively(dir_.Sub("a")).ok());  // missing is fine
  EXPECT_EQ(fs_.DeleteFile(dir_.Sub("a")).code(), StatusCode::kNotFound);
}

TEST_F(LocalFileSystemTest, ListTreeWalksEveryFileWithItsSize) {
  ASSERT_TRUE(fs_.CreateDirs(dir_.Sub("t/d/e")).ok());
  ASSERT_TRUE(fs_.CreateDirs(dir_.Sub("t/empty")).ok());
  ASSERT_TRUE(fs_.WriteStringToFile(dir_.Sub("t/a"), "1").ok());
  ASSERT_TRUE(fs_.WriteStringToFile(dir_.Sub("t/d/e/b"), "22").ok());
  auto files = fs_.ListTree(dir_.Sub("t"));
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  std::vector<std::pair<std::string, uint64_t>> got;
  for (const auto& f : *files) got.emplace_back(f.path, f.size);
  EXPECT_THAT(got, UnorderedElementsAre(std::pair<std::string, uint64_t>{"a", 1},
                                        std::pair<std::string, uint64_t>{"d/e/b", 2}));
  EXPECT_EQ(fs_.ListTree(dir_.Sub("nope")).status().code(), StatusCode::kNotFound);
}

TEST_F(LocalFileSystemTest, CreateDirsUnderAFileFails) {
  test::WriteStringToFile(dir_.Sub("f"), "x");
  Status s = fs_.CreateDirs(dir_.Sub("f/sub"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(dir_.Sub("f")), std::string::npos) << s.message();
}

TEST_F(LocalFileSystemTest, RenameNoReplaceRefusesEvenAnEmptyTarget) {
  test::MakeDirs(dir_.Sub("from"));
  test::WriteStringToFile(dir_.Sub("from/x"), "1");
  test::MakeDirs(dir_.Sub("to"));
  EXPECT_EQ(fs_.RenameNoReplace(dir_.Sub("from"), dir_.Sub("to")).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(fs_.RenameNoReplace(dir_.Sub("from"), dir_.Sub("to2")).ok());
  EXPECT_EQ(test::ReadFileToString(dir_.Sub("to2/x")), "1");
}

TEST_F(LocalFileSystemTest, CreateExclusiveIsExclusiveAndLeavesNoTemp) {
  ASSERT_TRUE(fs_.CreateExclusive(dir_.Sub("lock"), "me").ok());
  Status s = fs_.CreateExclusive(dir_.Sub("lock"), "you");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(test::ReadFileToString(dir_.Sub("lock")), "me");
  EXPECT_THAT(test::ListDir(dir_.path()), UnorderedElementsAre("lock"));
  // A directory in the way also counts as "exists".
  test::MakeDirs(dir_.Sub("dirlock"));
  EXPECT_EQ(fs_.CreateExclusive(dir_.Sub("dirlock"), "x").code(), StatusCode::kAlreadyExists);
}

TEST_F(LocalFileSystemTest, ErrorsNameThePathAndCause) {
  auto r = fs_.ReadFileToString(dir_.Sub("missing"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(dir_.Sub("missing")), std::string::npos);
  EXPECT_NE(r.status().message().find("No such file or directory"), std::string::npos);
  EXPECT_EQ(PosixError("write", "/x", ENOSPC).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(PosixError("write", "/x", EROFS).code(), StatusCode::kPermissionDenied);
}

TEST_F(LocalFileSystemTest, RandomAccessReadsAndEofContract) {
  test::WriteStringToFile(dir_.Sub("f"), "0123456789");
  auto file = fs_.NewRandomAccessFile(dir_.Sub("f"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Size(), 10u);
  char scratch[16];
  auto r = (*file)->ReadAt(2, 3, scratch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "234");
  r = (*file)->ReadAt(8, 5, scratch);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  r = (*file)->ReadAt(10, 1, scratch);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(fs_.NewRandomAccessFile(dir_.Sub("missing")).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs_.NewRandomAccessFile(dir_.path()).ok());
}

}  // namespace
}  // namespace tfhub::io
