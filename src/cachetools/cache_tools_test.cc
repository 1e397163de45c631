// Unit tests of the cache tools library on caches laid out by hand.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "base/sha1.h"
#include "base/system.h"
#include "cache/descriptor.h"
#include "cache/lock_file.h"
#include "cachetools/cache_ops.h"
#include "cachetools/cache_scan.h"
#include "cachetools/units.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::cachetools {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::system_clock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kUid1[] = "11111111111111111111111111111111";
constexpr char kUid2[] = "22222222222222222222222222222222";

TEST(UnitsTest, Durations) {
  EXPECT_EQ(*ParseDuration("30m"), seconds(1800));
  EXPECT_EQ(*ParseDuration("12h"), hours(12));
  EXPECT_EQ(*ParseDuration("7d"), hours(7 * 24));
  EXPECT_EQ(*ParseDuration("2w"), hours(14 * 24));
  EXPECT_EQ(*ParseDuration("45s"), seconds(45));
  EXPECT_EQ(*ParseDuration("90"), seconds(90));
  for (const char* bad : {"", "d", "7x", "-1d", "1.5h", "7 d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(UnitsTest, Sizes) {
  EXPECT_EQ(*ParseSize("0"), 0u);
  EXPECT_EQ(*ParseSize("2048"), 2048u);
  EXPECT_EQ(*ParseSize("500M"), 500ull << 20);
  EXPECT_EQ(*ParseSize("10G"), 10ull << 30);
  EXPECT_EQ(*ParseSize("10GB"), 10ull << 30);
  EXPECT_EQ(*ParseSize("1.5GiB"), 3ull << 29);
  EXPECT_EQ(*ParseSize("1k"), 1024u);
  EXPECT_EQ(*ParseSize("3B"), 3u);
  for (const char* bad : {"", "G", "1.2.3M", "10X", "-1M", ".5G", "5.G", "1iB", "99999999T"}) {
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  }
}

TEST(KeysTest, HandlesAndKeys) {
  const std::string key = base::Sha1Hex("https://x/m.tar.gz");
  EXPECT_EQ(KeyForArgument("https://x/m.tar.gz"), key);
  EXPECT_EQ(KeyForArgument(key), key);
  std::string upper = key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(KeyForArgument(upper), key);
  EXPECT_TRUE(cache::IsKey(key));
  EXPECT_FALSE(cache::IsKey(key.substr(1)));
}

class CacheToolsTest : public ::testing::Test {
 protected:
  CacheToolsTest() {
    options_.host = base::HostName();
    options_.now = system_clock::now();
    me_ = {base::HostName(), base::ProcessId()};
  }

  std::string Key(const std::string& handle) const { return base::Sha1Hex(handle); }
  std::string P(const std::string& name) const { return dir_.Sub(name); }

  // A module as tfhub writes it: files plus a descriptor with the record.
  void TfhubModule(const std::string& handle, const std::map<std::string, std::string>& files) {
    std::map<std::string, uint64_t> sizes;
    uint64_t bytes = 0;
    for (const auto& [path, content] : files) {
      test::WriteStringToFile(P(Key(handle) + "/" + path), content);
      sizes[path] = content.size();
      bytes += content.size();
    }
    cache::Descriptor d;
    d.handle = handle;
    d.download_time = "2026-01-02 03:04:05.678901";
    d.hostname = "builder";
    d.pid = 42;
    d.has_record = true;
    d.tfhub_version = "0.1.0";
    d.files = sizes.size();
    d.bytes = bytes;
    d.manifest_sha256 = *cache::ManifestSha256(sizes);
    d.checked_files = cache::FilesToCheck(sizes);
    test::WriteStringToFile(P(Key(handle) + ".descriptor.txt"), cache::FormatDescriptor(d));
  }

  // The cache dir as the CLI opens it (not created when missing).
  static cache::CacheDir Open(const std::string& path) {
    static const auto registry = io::MakeFileSystemRegistry({});
    auto dir = cache::CacheDir::Open(path, /*create=*/false, *registry, nullptr);
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    return std::move(*dir);
  }

  CacheScan Scan() {
    auto scan = ScanCache(cache_, options_);
    EXPECT_TRUE(scan.ok()) << scan.status().ToString();
    return scan.ok() ? *scan : CacheScan{};
  }

  const Entry* Find(const CacheScan& scan, EntryState state, const std::string& key) {
    for (const auto& e : scan.entries) {
      if (e.state == state && e.key == key) return &e;
    }
    ADD_FAILURE() << "no " << EntryStateName(state) << " row for " << key;
    return nullptr;
  }

  test::TempDir dir_{"tfhub_cachetools"};
  cache::CacheDir cache_ = Open(dir_.path());
  ScanOptions options_;
  Identity me_;
};

TEST_F(CacheToolsTest, MissingCacheDirIsAnEmptyScan) {
  auto scan = ScanCache(Open(P("nope")), options_);
  ASSERT_TRUE(scan.ok());
  EXPECT_FALSE(scan->exists);
  EXPECT_TRUE(scan->entries.empty());
}

TEST_F(CacheToolsTest, ClassifiesEveryKindOfName) {
  TfhubModule("h/complete", {{"saved_model.pb", "abc"}, {"variables/variables.index", "12345"}});
  const std::string py = Key("h/python");
  test::WriteStringToFile(P(py + "/saved_model.pb"), "xyz");
  test::WriteStringToFile(P(py + ".descriptor.txt"),
                          "Module: h/python\nDownload Time: 2026-01-02 03:04:05\nDownloader Hostname: py (PID:7)");
  test::MakeDirs(P(Key("h/empty")));
  const std::string live = Key("h/live");
  test::WriteStringToFile(P(live + ".lock"), cache::LockContents(me_.host, me_.pid, kUid1));
  test::WriteStringToFile(P(live + "." + kUid1 + ".tmp/part"), "1234");
  test::WriteStringToFile(P(live + "." + kUid2 + ".tmp/old"), "12");  // another uid: orphaned
  const std::string dead = Key("h/dead");
  test::WriteStringToFile(P(dead + ".lock"), cache::LockContents(me_.host, test::DeadPid(), kUid1));
  test::WriteStringToFile(P(dead + ".descriptor.txt." + kUid1 + ".tmp"), "Module: h/dead");
  test::WriteStringToFile(P(Key("h/aside") + "." + kUid2 + ".damaged/f"), "x");
  test::WriteStringToFile(P(Key("h/desc") + ".descriptor.txt"), "Module: h/desc");
  test::WriteStringToFile(P("unrelated.txt"), "mine");
  test::WriteStringToFile(P(Key("h/file")), "a file where a module dir belongs");
  test::MakeDirs(P(Key("h/x") + ".notauid.tmp"));

  const CacheScan scan = Scan();
  EXPECT_THAT(scan.unrecognized, ElementsAre(Key("h/file"), Key("h/x") + ".notauid.tmp", "unrelated.txt"));
  const Entry* c = Find(scan, EntryState::kComplete, Key("h/complete"));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->files, 2u);
  EXPECT_EQ(c->bytes, 8u);
  EXPECT_EQ(c->descriptor.handle, "h/complete");
  EXPECT_TRUE(c->last_used.has_value());
  const Entry* p = Find(scan, EntryState::kComplete, py);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->descriptor.has_record);
  EXPECT_EQ(p->descriptor.hostname, "py");
  Find(scan, EntryState::kEmpty, Key("h/empty"));
  const Entry* l = Find(scan, EntryState::kDownloading, live);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->bytes, 4u);
  const Entry* o = Find(scan, EntryState::kOrphanedTemp, live);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->uid, kUid2);
  const Entry* d = Find(scan, EntryState::kAbandonedLock, dead);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->lock_holder, LockHolder::kDeadLocal);
  EXPECT_EQ(d->paths.size(), 2u);  // descriptor temp, lock
  Find(scan, EntryState::kDamagedLeftover, Key("h/aside"));
  Find(scan, EntryState::kOrphanedDescriptor, Key("h/desc"));
  EXPECT_EQ(scan.entries.size(), 8u);
}

TEST_F(CacheToolsTest, StaleForeignLockNeedsTheTimeout) {
  const std::string key = Key("h/foreign");
  test::WriteStringToFile(P(key + ".lock"), cache::LockContents("elsewhere.example", 1, kUid1));
  test::WriteStringToFile(P(key + "." + kUid1 + ".tmp/part"), "1");
  EXPECT_EQ(Find(Scan(), EntryState::kDownloading, key)->lock_holder, LockHolder::kAlive);
  options_.now += hours(1);
  const CacheScan scan = Scan();
  const Entry* e = Find(scan, EntryState::kAbandonedLock, key);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->lock_holder, LockHolder::kStale);
  EXPECT_THAT(e->why, HasSubstr("no progress"));
  EXPECT_FALSE(IsCleanable(*e, false));
  EXPECT_TRUE(IsCleanable(*e, true));
}

TEST_F(CacheToolsTest, VerifyComparesCountBytesAndManifest) {
  TfhubModule("h/a", {{"a", "1"}, {"b", "22"}});
  auto why = std::string();
  EXPECT_EQ(VerifyModule(*Find(Scan(), EntryState::kComplete, Key("h/a")), &why), VerifyResult::kOk);
  test::WriteStringToFile(P(Key("h/a") + "/extra"), "");  // an extra empty file: count differs
  EXPECT_EQ(VerifyModule(*Find(Scan(), EntryState::kComplete, Key("h/a")), &why), VerifyResult::kDamaged);
  EXPECT_THAT(why, HasSubstr("3 files, recorded 2"));
  test::RemoveTree(P(Key("h/a") + "/extra"));
  test::WriteStringToFile(P(Key("h/a") + "/b"), "333");  // a hit sees it too
  const CacheScan scan = Scan();
  const Entry* e = Find(scan, EntryState::kDamaged, Key("h/a"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(VerifyModule(*e, &why), VerifyResult::kDamaged);
  EXPECT_THAT(why, HasSubstr("b has 3 bytes, not 2"));
}

TEST_F(CacheToolsTest, ScanPutsTheModuleDirsAccessTimeBack) {
  TfhubModule("h/a", {{"a", "1"}});
  const std::string module = P(Key("h/a"));
  const timespec old[2] = {{1'000'000'000, 0}, {0, UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, module.c_str(), old, 0), 0);
  const CacheScan scan = Scan();
  struct stat st;
  ASSERT_EQ(::stat(module.c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1'000'000'000);
  EXPECT_EQ(system_clock::to_time_t(*scan.entries.at(0).last_used), 1'000'000'000);
}

TEST_F(CacheToolsTest, PrunePlansLeastRecentlyUsedFirstAndSkipsLockedModules) {
  CacheScan scan;
  auto add = [&](const std::string& key, int days_ago, uint64_t bytes, LockHolder holder) {
    Entry e;
    e.key = key;
    e.bytes = bytes;
    e.last_used = options_.now - hours(24 * days_ago);
    e.lock_holder = holder;
    scan.entries.push_back(e);
  };
  add("new", 1, 100, LockHolder::kNone);
  add("old", 30, 100, LockHolder::kNone);
  add("locked", 40, 100, LockHolder::kAlive);
  add("mid", 10, 100, LockHolder::kNone);
  auto keys = [](const std::vector<const Entry*>& v) {
    std::vector<std::string> out;
    for (const Entry* e : v) out.push_back(e->key);
    return out;
  };
  EXPECT_THAT(keys(PlanPrune(scan, {.older_than = hours(24 * 7)}, options_.now)), ElementsAre("old", "mid"));
  EXPECT_THAT(keys(PlanPrune(scan, {.max_size = 250}, options_.now)), ElementsAre("old", "mid"));
  EXPECT_THAT(keys(PlanPrune(scan, {.max_size = 300}, options_.now)), ElementsAre("old"));
  EXPECT_THAT(keys(PlanPrune(scan, {.max_size = 0}, options_.now)), ElementsAre("old", "mid", "new"));
  EXPECT_THAT(keys(PlanPrune(scan, {.older_than = hours(24 * 20), .max_size = 250}, options_.now)),
              ElementsAre("old", "mid"));
}

TEST_F(CacheToolsTest, RemoveTakesTheLockAndLeavesNothingBehind) {
  TfhubModule("h/a", {{"a", "1"}});
  TfhubModule("h/b", {{"b", "1"}});
  const CacheScan scan = Scan();
  const Entry* a = Find(scan, EntryState::kComplete, Key("h/a"));
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(RemoveModule(cache_, *a, me_).ok());
  EXPECT_THAT(test::ListDir(dir_.path()), ElementsAre(Key("h/b"), Key("h/b") + ".descriptor.txt"));
}

TEST_F(CacheToolsTest, RemoveRefusesAModuleUnderALock) {
  TfhubModule("h/a", {{"a", "1"}});
  const CacheScan scan = Scan();
  const Entry a = *Find(scan, EntryState::kComplete, Key("h/a"));
  // Locked after the scan: taking the lock fails.
  test::WriteStringToFile(P(Key("h/a") + ".lock"), cache::LockContents("other", 1, kUid1));
  const Status s = RemoveModule(cache_, a, me_);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("other.1." + std::string(kUid1)));
  EXPECT_TRUE(test::PathExists(P(Key("h/a") + "/a")));
  // Locked at scan time.
  const CacheScan again = Scan();
  const Entry* locked = Find(again, EntryState::kComplete, Key("h/a"));
  ASSERT_NE(locked, nullptr);
  EXPECT_TRUE(UnderLiveLock(*locked));
  EXPECT_EQ(RemoveModule(cache_, *locked, me_).code(), StatusCode::kFailedPrecondition);
}

TEST_F(CacheToolsTest, CleanKeepsATempDirThatALockClaimedAfterTheScan) {
  const std::string key = Key("h/a");
  test::WriteStringToFile(P(key + "." + kUid1 + ".tmp/part"), "1");
  const Entry orphan = *Find(Scan(), EntryState::kOrphanedTemp, key);
  test::WriteStringToFile(P(key + ".lock"), cache::LockContents("other", 1, kUid1));
  EXPECT_EQ(CleanEntry(cache_, orphan, me_).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(test::PathExists(P(key + "." + kUid1 + ".tmp/part")));
  test::RemoveTree(P(key + ".lock"));
  EXPECT_TRUE(CleanEntry(cache_, orphan, me_).ok());
  EXPECT_TRUE(test::ListDir(dir_.path()).empty());
}

TEST_F(CacheToolsTest, CleanRemovesADeadLocalLockWithItsTempDir) {
  const std::string key = Key("h/a");
  test::WriteStringToFile(P(key + ".lock"), cache::LockContents(me_.host, test::DeadPid(), kUid1));
  test::WriteStringToFile(P(key + "." + kUid1 + ".tmp/part"), "1");
  const Entry lock = *Find(Scan(), EntryState::kAbandonedLock, key);
  ASSERT_TRUE(IsCleanable(lock, false));
  EXPECT_TRUE(CleanEntry(cache_, lock, me_).ok());
  EXPECT_TRUE(test::ListDir(dir_.path()).empty());
}

TEST_F(CacheToolsTest, CleanRemovesALockTempFileOnlyOnceItIsOld) {
  // What a process killed between writing its lock and linking it leaves.
  const std::string key = Key("h/a");
  const std::string old_temp = P(key + ".lock.tmp" + kUid1);
  const std::string fresh_temp = P(key + ".lock.tmp" + kUid2);  // a lock being taken right now
  test::WriteStringToFile(old_temp, "host.1.x");
  test::WriteStringToFile(fresh_temp, "host.2.y");
  std::filesystem::last_write_time(old_temp, std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));

  const CacheScan scan = Scan();
  EXPECT_TRUE(scan.unrecognized.empty());
  ASSERT_EQ(scan.entries.size(), 1u);
  const Entry& orphan = scan.entries[0];
  EXPECT_EQ(orphan.state, EntryState::kOrphanedTemp);
  EXPECT_EQ(orphan.path, old_temp);
  ASSERT_TRUE(IsCleanable(orphan, false));
  EXPECT_TRUE(CleanEntry(cache_, orphan, me_).ok());
  EXPECT_FALSE(test::PathExists(old_temp));
  EXPECT_TRUE(test::PathExists(fresh_temp));
}

TEST_F(CacheToolsTest, LinksAreUnrecognisedAndNeverFollowed) {
  test::TempDir elsewhere;
  test::WriteStringToFile(elsewhere.Sub("secret"), "s3cr3t");
  const std::string key = Key("h/a");
  ASSERT_EQ(::symlink(elsewhere.Sub("secret").c_str(), P(key + ".lock").c_str()), 0);
  ASSERT_EQ(::symlink(elsewhere.path().c_str(), P(Key("h/b")).c_str()), 0);
  TfhubModule("h/c", {{"a", "1"}});
  ASSERT_EQ(::symlink(".", P(Key("h/c") + "/loop1").c_str()), 0);
  ASSERT_EQ(::symlink("..", P(Key("h/c") + "/loop2").c_str()), 0);
  const CacheScan scan = Scan();
  EXPECT_THAT(scan.unrecognized, ::testing::UnorderedElementsAre(key + ".lock", Key("h/b")));
  const Entry* c = Find(scan, EntryState::kComplete, Key("h/c"));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->files, 1u);
  for (const auto& e : scan.entries) EXPECT_EQ(e.lock_contents.find("s3cr3t"), std::string::npos);
}

TEST_F(CacheToolsTest, NamesOfUntrustedUsersAreListedApartAndNeverTouched) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make files of another user";
  constexpr uint32_t kOther = 4242;
  const std::string key = Key("h/planted");
  test::WriteStringToFile(P(key + "/saved_model.pb"), "x");
  test::WriteStringToFile(P(key + "." + kUid1 + ".tmp/part"), "1");
  ASSERT_EQ(::lchown(P(key).c_str(), kOther, kOther), 0);
  ASSERT_EQ(::lchown(P(key + "." + kUid1 + ".tmp").c_str(), kOther, kOther), 0);
  const CacheScan scan = Scan();
  EXPECT_TRUE(scan.entries.empty());
  ASSERT_EQ(scan.untrusted.size(), 2u);
  EXPECT_EQ(scan.untrusted[0].name, key);
  EXPECT_EQ(scan.untrusted[0].owner, kOther);
  // A row made before the owner changed is refused at deletion time.
  ASSERT_EQ(::lchown(P(key + "." + kUid1 + ".tmp").c_str(), 0, 0), 0);
  const Entry orphan = *Find(Scan(), EntryState::kOrphanedTemp, key);
  ASSERT_EQ(::lchown(P(key + "." + kUid1 + ".tmp").c_str(), kOther, kOther), 0);
  const Status s = CleanEntry(cache_, orphan, me_);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("does not trust"));
  EXPECT_TRUE(test::PathExists(P(key + "." + kUid1 + ".tmp/part")));
}

}  // namespace
}  // namespace tfhub::cachetools
