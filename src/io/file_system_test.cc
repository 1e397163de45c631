// The interface's own parts: the defaults of the optional methods, the
// registry, URI helpers. Backends are checked by the conformance suite
// (file_system_conformance_test.cc).
#include "tfhub/file_system.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tfhub::io {
namespace {

using ::testing::HasSubstr;

// Only the core methods: every other one has a default.
class CoreOnlyFileSystem final : public FileSystem {
 public:
  Result<FileInfo> Stat(const std::string&) override { return FileInfo{}; }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return NotFoundError(path);
  }
  Result<std::string> ReadFileToString(const std::string& path, uint64_t) override { return NotFoundError(path); }
};

TEST(FileSystemDefaultsTest, OptionalMethodsAreUnimplementedNamingTheMethodAndPath) {
  CoreOnlyFileSystem fs;
  const std::string p = "x://h/p";
  const std::vector<std::pair<std::string, Status>> calls = {
      {"ListDir", fs.ListDir(p).status()},
      {"CreateDirs", fs.CreateDirs(p)},
      {"DeleteFile", fs.DeleteFile(p)},
      {"DeleteRecursively", fs.DeleteRecursively(p)},
      {"RenameNoReplace", fs.RenameNoReplace(p, "x://h/q")},
      {"Rename", fs.Rename(p, "x://h/q")},
      {"NewWritableFile", fs.NewWritableFile(p).status()},
      {"NewWritableFile", fs.WriteStringToFile(p, "x")},
      {"CreateExclusive", fs.CreateExclusive(p, "x")},
      {"ListDir", fs.ListTree(p).status()},
      {"SetAccessTime", fs.SetAccessTime(p, std::chrono::system_clock::now())},
  };
  for (const auto& [method, status] : calls) {
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented) << method;
    EXPECT_EQ(status.message(), "Filesystem for '" + p + "' does not support " + method + "()");
  }
  EXPECT_TRUE(fs.HasAtomicDirectoryRename());
  auto sub = fs.OpenDirectory("x://h");  // prefixes paths; reads go to the core methods
  ASSERT_TRUE(sub.ok());
  EXPECT_THAT((*sub)->ReadFileToString("a/b").status().message(), HasSubstr("x://h/a/b"));
}

TEST(FileSystemRegistryTest, DispatchesByScheme) {
  const auto registry = MakeFileSystemRegistry({});
  EXPECT_TRUE(registry->ForUri("/tmp").ok());
  EXPECT_TRUE(registry->ForUri("relative/path").ok());
  EXPECT_TRUE(registry->ForUri("file:///tmp").ok());
  EXPECT_TRUE(registry->ForUri("gs://bucket/x").ok());
  EXPECT_TRUE(registry->ForUri("https://host/x").ok());
  auto r = registry->ForUri("nope://x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("File system scheme 'nope' not implemented"), std::string::npos);
}

TEST(UriTest, SchemeAndJoin) {
  EXPECT_EQ(UriScheme("gs://b/o"), "gs");
  EXPECT_EQ(UriScheme("/a/b"), "");
  EXPECT_EQ(UriScheme("a/b://c"), "");
  EXPECT_EQ(UriScheme("://x"), "");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a", "b/c"), "/a/b/c");
  EXPECT_EQ(JoinPath("gs://b", "k"), "gs://b/k");
  EXPECT_EQ(JoinPath("", "k"), "k");
}

}  // namespace
}  // namespace tfhub::io
