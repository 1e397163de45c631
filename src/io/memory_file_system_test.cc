// What is particular to the in-memory backend: its paths, POSIX's finer
// rename rules, the life of open files, thread safety. The generic contract
// is checked by the conformance suite (file_system_conformance_test.cc).
#include "io/memory_file_system.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace tfhub::io {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class MemoryFileSystemTest : public ::testing::Test {
 protected:
  void Put(const std::string& path, std::string_view content) { ASSERT_TRUE(fs_.WriteStringToFile(path, content).ok()); }
  std::string Read(const std::string& path) {
    auto r = fs_.ReadFileToString(path);
    return r.ok() ? *r : "<" + r.status().ToString() + ">";
  }
  FileType TypeOf(const std::string& path) { return fs_.Stat(path).value().type; }

  MemoryFileSystem fs_;
};

TEST_F(MemoryFileSystemTest, PathsIgnoreEmptyComponentsAndAScheme) {
  ASSERT_TRUE(fs_.CreateDirs("/a//b/").ok());
  Put("a/b/f", "x");
  EXPECT_EQ(Read("/a/b/f"), "x");
  EXPECT_EQ(Read("mem:///a//b/f"), "x");
  EXPECT_EQ(TypeOf(""), FileType::kDirectory);
  EXPECT_EQ(TypeOf("/"), FileType::kDirectory);
  EXPECT_THAT(*fs_.ListDir("/"), ElementsAre("a"));
  for (const std::string bad : {"a/./b", "a/../a", ".."}) {
    EXPECT_EQ(fs_.Stat(bad).status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(fs_.CreateDirs(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(MemoryFileSystemTest, WorksRegisteredUnderAScheme) {
  FileSystemRegistry registry;
  auto shared = std::make_shared<MemoryFileSystem>();
  registry.Register("mem", shared);
  ASSERT_TRUE(shared->CreateDirs("/model").ok());
  FileSystem* fs = registry.ForUri("mem://model/saved_model.pb").value();
  ASSERT_TRUE(fs->WriteStringToFile("mem://model/saved_model.pb", "pb").ok());
  EXPECT_EQ(*shared->ReadFileToString("/model/saved_model.pb"), "pb");
}

TEST_F(MemoryFileSystemTest, AFileOnTheWayIsNotADirectory) {
  Put("f", "x");
  EXPECT_EQ(fs_.WriteStringToFile("f/g", "y").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.WriteStringToFile("f/g/h", "y").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.ListDir("f").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.ListTree("f").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(TypeOf("f/g"), FileType::kNotFound);
  ASSERT_TRUE(fs_.CreateDirs("d").ok());
  EXPECT_EQ(fs_.NewWritableFile("d").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.DeleteFile("d").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.DeleteRecursively("/").code(), StatusCode::kInvalidArgument);
}

TEST_F(MemoryFileSystemTest, RenameFollowsPosix) {
  ASSERT_TRUE(fs_.CreateDirs("src/sub").ok());
  Put("src/sub/f", "1");
  ASSERT_TRUE(fs_.CreateDirs("empty").ok());
  ASSERT_TRUE(fs_.CreateDirs("full").ok());
  Put("full/x", "2");
  Put("file", "3");
  // A directory replaces an empty one only.
  EXPECT_EQ(fs_.Rename("src", "full").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(fs_.Rename("src", "file").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.Rename("file", "empty").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs_.Rename("src", "src/sub/inside").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fs_.Rename("src", "nodir/x").code(), StatusCode::kNotFound);
  ASSERT_TRUE(fs_.Rename("src", "empty").ok());
  EXPECT_EQ(Read("empty/sub/f"), "1");
  EXPECT_EQ(TypeOf("src"), FileType::kNotFound);
  ASSERT_TRUE(fs_.Rename("file", "file").ok());
  EXPECT_EQ(fs_.RenameNoReplace("file", "file").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(fs_.Rename("", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(fs_.ListTree("").value(), ::testing::SizeIs(3));
}

TEST_F(MemoryFileSystemTest, AWritableFileFollowsItsFileAndPublishesAtClose) {
  auto file = fs_.NewWritableFile("f");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(TypeOf("f"), FileType::kFile);  // created at once, empty
  ASSERT_TRUE((*file)->Append("abc").ok());
  EXPECT_EQ(Read("f"), "");
  ASSERT_TRUE(fs_.Rename("f", "g").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Read("g"), "abc");
  EXPECT_EQ((*file)->Append("more").code(), StatusCode::kFailedPrecondition);
  // Destroying an unclosed file closes it.
  {
    auto h = fs_.NewWritableFile("h");
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE((*h)->Append("kept").ok());
  }
  EXPECT_EQ(Read("h"), "kept");
}

TEST_F(MemoryFileSystemTest, ARandomAccessFileReadsWhatWasThereWhenOpened) {
  Put("f", "before");
  auto file = fs_.NewRandomAccessFile("f");
  ASSERT_TRUE(file.ok());
  Put("f", "after!!");
  ASSERT_TRUE(fs_.DeleteFile("f").ok());
  char scratch[8];
  EXPECT_EQ((*file)->Size(), 6u);
  EXPECT_EQ(*(*file)->ReadAt(0, 6, scratch), "before");
  auto past = (*file)->ReadAt(4, 3, scratch);
  EXPECT_EQ(past.status().code(), StatusCode::kOutOfRange);
  EXPECT_THAT(past.status().message(), HasSubstr("'f', which has 6 bytes"));
}

TEST_F(MemoryFileSystemTest, ConcurrentWritersAndReaders) {
  ASSERT_TRUE(fs_.CreateDirs("d").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      const std::string name = "d/" + std::to_string(t);
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(fs_.WriteStringToFile(name, std::to_string(i)).ok());
        EXPECT_TRUE(fs_.ReadFileToString(name).ok());
        EXPECT_TRUE(fs_.ListTree("d").ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_THAT(*fs_.ListDir("d"), UnorderedElementsAre("0", "1", "2", "3", "4", "5", "6", "7"));
  EXPECT_EQ(Read("d/3"), "99");
}

TEST_F(MemoryFileSystemTest, OpenDirectoryChecksTheDirectoryAndNamesFullPaths) {
  ASSERT_TRUE(fs_.CreateDirs("top").ok());
  Put("top/f", "x");
  EXPECT_EQ(fs_.OpenDirectory("/nope").status().code(), StatusCode::kNotFound);
  auto sub = fs_.OpenDirectory("/top");
  ASSERT_TRUE(sub.ok());
  EXPECT_THAT((*sub)->ReadFileToString("nope").status().message(), HasSubstr("/top/nope"));
  // A subtree's own OpenDirectory() is the base's: checked as well.
  EXPECT_EQ((*sub)->OpenDirectory("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*sub)->OpenDirectory("f").status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tfhub::io
