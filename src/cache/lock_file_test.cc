#include "cache/lock_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/system.h"
#include "cache/cache_layout.h"
#include "io/local_file_system.h"
#include "testing/temp_dir.h"

namespace tfhub::cache {
namespace {

TEST(LockFileTest, ContentsRoundTripWithDottedHost) {
  const std::string c = LockContents("node-1.example.com", 1234, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c, "node-1.example.com.1234.0123456789abcdef0123456789abcdef");
  auto owner = ParseLockContents(c);
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->host, "node-1.example.com");
  EXPECT_EQ(owner->pid, 1234);
  EXPECT_EQ(owner->uid, "0123456789abcdef0123456789abcdef");
  EXPECT_FALSE(ParseLockContents("garbage").has_value());
  EXPECT_FALSE(ParseLockContents("host.notapid.uid").has_value());
}

TEST(LockFileTest, LayoutNamesFollowTensorflowHub) {
  CacheLayout layout("/a/b/", "h");
  EXPECT_EQ(layout.key(), "27d5482eebd075de44389774fce28c69f45c8a75");
  EXPECT_EQ(layout.module_dir(), "/a/b/27d5482eebd075de44389774fce28c69f45c8a75");
  EXPECT_EQ(layout.lock_path(), layout.module_dir() + ".lock");
  EXPECT_EQ(layout.temp_dir("t"), layout.module_dir() + ".t.tmp");
  EXPECT_EQ(layout.descriptor_path(), layout.module_dir() + ".descriptor.txt");
}

TEST(LockFileTest, DeadLocalOwner) {
  const std::string host = base::HostName();
  EXPECT_FALSE(IsDeadLocalOwner({host, getpid(), "u"}, host));
  EXPECT_FALSE(IsDeadLocalOwner({"other-host", 999999999, "u"}, host));
  // pid_max is at most 2^22 on Linux: this pid cannot exist.
  EXPECT_TRUE(IsDeadLocalOwner({host, 99999999, "u"}, host));
}

TEST(LockFileTest, DirectorySizeSumsRegularFilesRecursively) {
  test::TempDir dir;
  io::LocalFileSystem fs;
  EXPECT_EQ(DirectorySize(fs, dir.path() + "/missing"), 0u);
  test::WriteStringToFile(dir.path() + "/a", "12345");
  test::WriteStringToFile(dir.path() + "/sub/b", "123");
  EXPECT_EQ(DirectorySize(fs, dir.path()), 8u);
}

}  // namespace
}  // namespace tfhub::cache
