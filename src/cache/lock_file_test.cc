#include "cache/lock_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/system.h"
#include "cache/entry_names.h"
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
  // Python's own lock (no trailing newline) and one written by hand.
  EXPECT_TRUE(ParseLockContents("h.7." + std::string(32, 'f') + "\n").has_value());
}

TEST(LockFileTest, OnlyTheLocksOwnShapeIsAccepted) {
  const std::string uid(32, 'a');
  EXPECT_TRUE(ParseLockContents("host.12." + uid).has_value());
  // The uid names a path (the temp dir): exactly 32 lowercase hex digits.
  EXPECT_FALSE(ParseLockContents("host.12.x/work").has_value());
  EXPECT_FALSE(ParseLockContents("host.12." + std::string(32, 'A')).has_value());
  EXPECT_FALSE(ParseLockContents("host.12." + uid + "0").has_value());
  EXPECT_FALSE(ParseLockContents("host.12." + uid.substr(1)).has_value());
  EXPECT_FALSE(ParseLockContents("host.12.../../" + uid.substr(6)).has_value());
  // The pid: a positive decimal number.
  EXPECT_FALSE(ParseLockContents("host.-12." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("host.+12." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("host.0." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("host.012." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("host.99999999999." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("host.. 12." + uid).has_value());
  // The host: not empty, no '/', no control characters.
  EXPECT_FALSE(ParseLockContents(".12." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("a/b.12." + uid).has_value());
  EXPECT_FALSE(ParseLockContents("a\x1b[2Jb.12." + uid).has_value());
}

TEST(LockFileTest, NamesFollowTensorflowHub) {
  const EntryNames names = EntryNames::ForHandle("h");
  EXPECT_EQ(names.key(), "27d5482eebd075de44389774fce28c69f45c8a75");
  EXPECT_EQ(names.module(), names.key());
  EXPECT_EQ(names.lock(), names.key() + ".lock");
  EXPECT_EQ(names.temp_dir("t"), names.key() + ".t.tmp");
  EXPECT_EQ(names.descriptor(), names.key() + ".descriptor.txt");
  const std::string uid(32, '0');
  for (const auto& [name, kind] : std::vector<std::pair<std::string, NameKind>>{
           {names.module(), NameKind::kModule},
           {names.descriptor(), NameKind::kDescriptor},
           {names.lock(), NameKind::kLock},
           {names.lock_temp(uid), NameKind::kLockTemp},
           {names.temp_dir(uid), NameKind::kTempDir},
           {names.descriptor_temp(uid), NameKind::kDescriptorTemp},
           {names.damaged_dir(uid), NameKind::kDamaged},
           {names.progress(uid), NameKind::kProgress},
           {names.temp_dir("x"), NameKind::kUnknown},
           {"unrelated", NameKind::kUnknown}}) {
    const ParsedName p = ParseName(name);
    EXPECT_EQ(p.kind, kind) << name;
    if (kind != NameKind::kUnknown) {
      EXPECT_EQ(p.key, names.key()) << name;
    }
  }
  EXPECT_EQ(ParseName(names.temp_dir(uid)).uid, uid);
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
