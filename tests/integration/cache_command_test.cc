// `tfhub cache ...` and offline mode, as a user runs them, on a cache built
// here: real downloads from nginx, an entry laid out exactly as Python
// tensorflow_hub writes it, a damaged one, locks in every state, leftovers,
// and names tfhub does not know (which must never be touched).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_env.h"
#include "base/sha1.h"
#include "base/system.h"
#include "served_models.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kUidLive[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kUidDead[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr char kUidStale[] = "cccccccccccccccccccccccccccccccc";
constexpr char kUidOrphan[] = "dddddddddddddddddddddddddddddddd";
constexpr char kUidAside[] = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

const test::EnvChanges& kCleanEnv = CleanCliEnv();

test::ProcessResult Tfhub(std::vector<std::string> args, test::EnvChanges env = {}) {
  test::EnvChanges all = kCleanEnv;
  for (auto& [k, v] : env) all[k] = v;
  args.insert(args.begin(), TFHUB_CLI_PATH);
  return test::RunProcess(args, all);
}

std::string Key(const std::string& handle) { return base::Sha1Hex(handle); }

void SetTimes(const std::string& path, time_t atime, time_t mtime) {
  const timespec t[2] = {{atime, 0}, {mtime, 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW) != 0) throw std::runtime_error("utimensat " + path);
}

time_t Atime(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path);
  return st.st_atim.tv_sec;
}

// Handles of the hand-made entries.
const std::string kPython = "https://tfhub.dev/google/written-by-python/1";
const std::string kLockedModule = "https://example.com/locked-while-present.tar.gz";
const std::string kLive = "https://example.com/being-downloaded.tar.gz";
const std::string kDead = "https://example.com/dead-local.tar.gz";
const std::string kStale = "https://example.com/stale-other-host.tar.gz";
const std::string kOrphan = "https://example.com/orphan.tar.gz";
const std::string kAside = "https://example.com/aside.tar.gz";

class CacheCommandTest : public ::testing::Test {
 protected:
  // The template cache, built once; each test works on a copy (cp -a keeps
  // the mtimes that make the foreign lock stale).
  static void SetUpTestSuite() {
    served_ = &ServedModels::Get();
    tmpl_ = new test::TempDir("tfhub_cache_tmpl");
    const std::string c = tmpl_->path();
    for (const auto& h : {A(), B(), Damaged()}) {
      auto r = Tfhub({"resolve", h}, {{"TFHUB_CACHE_DIR", c}});
      if (!r.ok()) throw std::runtime_error(r.DebugString());
    }
    // Damage: a recorded file truncated (a temp cleaner at work).
    test::WriteStringToFile(c + "/" + Key(Damaged()) + "/saved_model.pb", "");
    // Python: the module and a 3-line descriptor without trailing newline.
    test::WriteStringToFile(c + "/" + Key(kPython) + "/saved_model.pb", "python model");
    test::WriteStringToFile(c + "/" + Key(kPython) + "/variables/variables.index", "idx");
    test::WriteStringToFile(c + "/" + Key(kPython) + ".descriptor.txt",
                            "Module: " + kPython + "\nDownload Time: 2025-12-01 10:11:12.131415\n"
                            "Downloader Hostname: pyhost (PID:4242)");
    const std::string host = base::HostName();
    const std::string me = std::to_string(::getpid());
    // A complete (Python-style) module whose key is locked by this live process.
    test::WriteStringToFile(c + "/" + Key(kLockedModule) + "/saved_model.pb", "locked");
    test::WriteStringToFile(c + "/" + Key(kLockedModule) + ".lock", host + "." + me + "." + kUidLive);
    // Being downloaded by this (live) process.
    test::WriteStringToFile(c + "/" + Key(kLive) + ".lock", host + "." + me + "." + kUidLive);
    test::WriteStringToFile(c + "/" + Key(kLive) + "." + kUidLive + ".tmp/saved_model.pb", "partial");
    // Lock of a dead process on this host, with its temp dir.
    test::WriteStringToFile(c + "/" + Key(kDead) + ".lock", host + "." + std::to_string(test::DeadPid()) + "." + kUidDead);
    test::WriteStringToFile(c + "/" + Key(kDead) + "." + kUidDead + ".tmp/saved_model.pb", "dead");
    // Another host's lock, untouched for two hours.
    const std::string stale_lock = c + "/" + Key(kStale) + ".lock";
    const std::string stale_tmp = c + "/" + Key(kStale) + "." + kUidStale + ".tmp";
    test::WriteStringToFile(stale_lock, std::string("otherhost.example.com.777.") + kUidStale);
    test::WriteStringToFile(stale_tmp + "/saved_model.pb", "stale");
    const time_t old = ::time(nullptr) - 7200;
    for (const auto& p : {stale_tmp + "/saved_model.pb", stale_tmp, stale_lock}) SetTimes(p, old, old);
    // An orphaned temp dir, a leftover .damaged dir, names tfhub does not know.
    test::WriteStringToFile(c + "/" + Key(kOrphan) + "." + kUidOrphan + ".tmp/variables/x", "orphan");
    test::WriteStringToFile(c + "/" + Key(kAside) + "." + kUidAside + ".damaged/saved_model.pb", "aside");
    test::WriteStringToFile(c + "/NOTES.txt", "not tfhub's");
    test::WriteStringToFile(c + "/" + Key(kOrphan) + ".lock.bak", "not tfhub's either");
    test::MakeDirs(c + "/someone-elses-dir/" + Key(kOrphan));
  }
  static void TearDownTestSuite() { delete tmpl_; }

  CacheCommandTest() {
    served_->nginx().ClearAccessLog();
    auto r = test::RunProcess({"cp", "-a", tmpl_->path() + "/.", cache_.path()});
    if (!r.ok()) throw std::runtime_error(r.DebugString());
  }

  static std::string A() { return served_->url("/models/tfjs_times_two_int.tar.gz"); }
  static std::string B() { return served_->url("/models/tf1_counter.tar.gz"); }
  static std::string Damaged() { return served_->url("/models/tfjs_times_three_float.tar.gz"); }

  test::ProcessResult Cache(std::vector<std::string> args, test::EnvChanges env = {}) {
    args.insert(args.begin(), "cache");
    env["TFHUB_CACHE_DIR"] = cache_.path();
    return Tfhub(args, env);
  }

  json ListJson() {
    auto r = Cache({"list", "--json"});
    EXPECT_TRUE(r.ok()) << r.DebugString();
    return json::parse(r.out);
  }

  // State of each row, "<state> <path relative to the cache>".
  std::vector<std::string> States(const json& list) {
    std::vector<std::string> out;
    for (const auto& e : list["entries"]) {
      out.push_back(e["state"].get<std::string>() + " " + e["path"].get<std::string>().substr(cache_.path().size() + 1));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string P(const std::string& rel) const { return cache_.Sub(rel); }

  // The tree without everything of the given keys (module, descriptor).
  std::vector<std::pair<std::string, std::string>> TreeWithout(const std::vector<std::string>& keys) {
    auto tree = TreeWithContents(cache_.path());
    std::erase_if(tree, [&](const auto& item) {
      for (const auto& k : keys) {
        if (item.first.rfind(k + "/", 0) == 0 || item.first == k + ".descriptor.txt") return true;
      }
      return false;
    });
    return tree;
  }

  static ServedModels* served_;
  static test::TempDir* tmpl_;
  test::TempDir cache_{"tfhub_cache_cmd"};
};

ServedModels* CacheCommandTest::served_ = nullptr;
test::TempDir* CacheCommandTest::tmpl_ = nullptr;

TEST_F(CacheCommandTest, ListShowsOneRowPerEntryWithItsState) {
  const json list = ListJson();
  std::vector<std::string> expected = {
      "complete " + Key(A()),
      "complete " + Key(B()),
      "complete " + Key(kPython),
      "complete " + Key(kLockedModule),
      "damaged " + Key(Damaged()),
      "downloading " + Key(kLive) + ".lock",
      "downloading " + Key(kLockedModule) + ".lock",
      "abandoned_lock " + Key(kDead) + ".lock",
      "abandoned_lock " + Key(kStale) + ".lock",
      "orphaned_temp " + Key(kOrphan) + "." + kUidOrphan + ".tmp",
      "damaged_leftover " + Key(kAside) + "." + kUidAside + ".damaged",
  };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(States(list), expected);
  std::vector<std::string> unrecognized = {"NOTES.txt", Key(kOrphan) + ".lock.bak", "someone-elses-dir"};
  std::sort(unrecognized.begin(), unrecognized.end());
  EXPECT_EQ(list["unrecognized"], json(unrecognized));

  for (const auto& e : list["entries"]) {
    const std::string key = e["key"];
    if (key == Key(A())) {
      EXPECT_EQ(e["handle"], A());
      EXPECT_EQ(e["downloaded_by"]["host"], base::HostName());
      EXPECT_TRUE(e["tfhub_record"].get<bool>());
      EXPECT_GT(e["files"].get<int>(), 1);
      EXPECT_GT(e["bytes"].get<int>(), 100);
      EXPECT_TRUE(e["last_used"].is_number());
    } else if (key == Key(kPython)) {
      EXPECT_EQ(e["handle"], kPython);
      EXPECT_EQ(e["download_time"], "2025-12-01 10:11:12.131415");
      EXPECT_EQ(e["downloaded_by"], json({{"host", "pyhost"}, {"pid", 4242}}));
      EXPECT_FALSE(e["tfhub_record"].get<bool>());
      EXPECT_EQ(e["files"], 2);
      EXPECT_EQ(e["bytes"], 15);
    } else if (key == Key(Damaged()) && e["state"] == "damaged") {
      EXPECT_THAT(e["why"].get<std::string>(), HasSubstr("saved_model.pb has 0 bytes"));
    } else if (key == Key(kDead)) {
      EXPECT_EQ(e["lock_holder"], "dead_local_process");
      EXPECT_EQ(e["bytes"], 4);
    } else if (key == Key(kStale)) {
      EXPECT_EQ(e["lock_holder"], "stale");
    }
  }

  auto text = Cache({"list"});
  ASSERT_TRUE(text.ok()) << text.DebugString();
  EXPECT_THAT(text.out, HasSubstr("STATE"));
  EXPECT_THAT(text.out, HasSubstr(kPython));
  EXPECT_THAT(text.out, HasSubstr("pyhost (PID:4242)"));
  EXPECT_THAT(text.out, HasSubstr("11 entries"));
  EXPECT_THAT(text.out, HasSubstr("3 unrecognised name(s) left alone"));
}

TEST_F(CacheCommandTest, ListingDoesNotCountAsUse) {
  const std::string module = P(Key(A()));
  SetTimes(module, 1'000'000'000, ::time(nullptr));
  ASSERT_TRUE(Cache({"list"}).ok());
  ASSERT_TRUE(Cache({"du"}).ok());
  EXPECT_EQ(Atime(module), 1'000'000'000);
}

TEST_F(CacheCommandTest, DuAddsUp) {
  const json list = ListJson();
  uint64_t total = 0;
  for (const auto& e : list["entries"]) total += e["bytes"].get<uint64_t>();
  auto r = Cache({"du", "--json"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const json du = json::parse(r.out);
  EXPECT_EQ(du["total_bytes"], total);
  EXPECT_EQ(du["modules"], 5);
  // clean reclaims the dead lock's temp dir (4), the orphan (6) and the aside dir (5).
  EXPECT_EQ(du["cleanable_bytes"], 15);
  auto text = Cache({"du"});
  EXPECT_THAT(text.out, HasSubstr("total"));
  EXPECT_THAT(text.out, HasSubstr(A()));
}

TEST_F(CacheCommandTest, VerifyReportsEachModuleAndExits3OnDamage) {
  auto r = Cache({"verify", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.DebugString();
  const json v = json::parse(r.out);
  EXPECT_EQ(v["ok"], 2);
  EXPECT_EQ(v["damaged"], 1);
  EXPECT_EQ(v["unverifiable"], 2);  // Python's entry, and the locked Python-style one
  for (const auto& e : v["entries"]) {
    if (e["handle"] == Damaged()) {
      EXPECT_EQ(e["result"], "damaged");
    }
    if (e["handle"] == A()) {
      EXPECT_EQ(e["result"], "ok");
    }
    if (e["handle"] == kPython) {
      EXPECT_EQ(e["result"], "unverifiable");
    }
  }
  // A renamed file (same count and bytes) is found too.
  ASSERT_TRUE(Cache({"rm", Damaged()}).ok());
  const std::string m = P(Key(A()));
  ASSERT_EQ(::rename((m + "/saved_model.pb").c_str(), (m + "/saved_model.pbx").c_str()), 0);
  auto text = Cache({"verify"});
  EXPECT_EQ(text.exit_code, 3) << text.DebugString();
  EXPECT_THAT(text.out, HasSubstr("saved_model.pb is missing"));
  ASSERT_EQ(::rename((m + "/saved_model.pbx").c_str(), (m + "/saved_model.pb").c_str()), 0);
  EXPECT_EQ(Cache({"verify"}).exit_code, 0);
}

TEST_F(CacheCommandTest, RmRemovesOnlyTheEntryAndNeverALockedOne) {
  const auto before = TreeWithout({Key(A()), Key(kPython)});
  auto dry = Cache({"rm", "--dry-run", A()});
  ASSERT_TRUE(dry.ok()) << dry.DebugString();
  EXPECT_THAT(dry.out, HasSubstr("would remove " + P(Key(A()))));
  EXPECT_TRUE(test::PathExists(P(Key(A()))));

  auto r = Cache({"rm", A(), Key(kPython)});  // a handle, and a key
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.out, HasSubstr("removed " + P(Key(A()))));
  EXPECT_FALSE(test::PathExists(P(Key(A()))));
  EXPECT_FALSE(test::PathExists(P(Key(A()) + ".descriptor.txt")));
  EXPECT_FALSE(test::PathExists(P(Key(A()) + ".lock")));
  EXPECT_FALSE(test::PathExists(P(Key(kPython))));
  EXPECT_EQ(TreeWithContents(cache_.path()), before);

  auto locked = Cache({"rm", kLockedModule});
  EXPECT_EQ(locked.exit_code, 1);
  EXPECT_THAT(locked.err, HasSubstr("locked"));
  auto missing = Cache({"rm", "https://example.com/never-cached.tar.gz"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("https://example.com/never-cached.tar.gz is not in the cache"));
  EXPECT_EQ(TreeWithContents(cache_.path()), before);
}

TEST_F(CacheCommandTest, PruneRemovesLeastRecentlyUsedFirst) {
  const json list = ListJson();
  uint64_t a_bytes = 0, b_bytes = 0;
  for (const auto& e : list["entries"]) {
    if (e["key"] == Key(A())) a_bytes = e["bytes"];
    if (e["key"] == Key(B())) b_bytes = e["bytes"];
  }
  const auto before_all = TreeWithContents(cache_.path());
  const time_t now = ::time(nullptr);
  const time_t day = 86400;
  // Python's entry unused for 30 days, A for 10, B for 2, the damaged one
  // for 1. Reading the tree here counts as a use, so this is done again
  // before each prune.
  auto age = [&] {
    const std::pair<std::string, int> ages[] = {
        {Key(kPython), 30}, {Key(A()), 10}, {Key(B()), 2}, {Key(Damaged()), 1}, {Key(kLockedModule), 90}};
    for (const auto& [key, days] : ages) {
      if (test::PathExists(P(key))) SetTimes(P(key), now - days * day, now - 40 * day);
    }
  };
  age();

  auto dry = Cache({"prune", "--older-than", "7d", "--dry-run", "--json"});
  ASSERT_TRUE(dry.ok()) << dry.DebugString();
  EXPECT_EQ(TreeWithContents(cache_.path()), before_all);
  const json plan = json::parse(dry.out);
  ASSERT_EQ(plan["removed"].size(), 2u);
  EXPECT_EQ(plan["removed"][0]["key"], Key(kPython));  // least recently used first
  EXPECT_EQ(plan["removed"][1]["key"], Key(A()));

  const auto before = TreeWithout({Key(kPython), Key(A())});
  age();
  auto r = Cache({"prune", "--older-than", "7d"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(TreeWithContents(cache_.path()), before);

  // --max-size: B is now the least recently used; the damaged one is newer.
  const json after = ListJson();
  uint64_t modules = 0;
  for (const auto& e : after["entries"]) {
    if (e["state"] == "complete" || e["state"] == "damaged") modules += e["bytes"].get<uint64_t>();
  }
  const auto before_b = TreeWithout({Key(B())});
  age();
  auto size = Cache({"prune", "--max-size", std::to_string(modules - b_bytes)});
  ASSERT_TRUE(size.ok()) << size.DebugString();
  EXPECT_EQ(TreeWithContents(cache_.path()), before_b);
  EXPECT_GT(a_bytes, 0u);

  EXPECT_EQ(Cache({"prune"}).exit_code, 2);
  EXPECT_EQ(Cache({"prune", "--older-than", "7 days"}).exit_code, 2);
  EXPECT_EQ(Cache({"prune", "--max-size", "lots"}).exit_code, 2);
}

TEST_F(CacheCommandTest, CleanRemovesLeftoversAndDeadLocksOnly) {
  const auto before = TreeWithContents(cache_.path());
  auto dry = Cache({"clean", "--dry-run"});
  ASSERT_TRUE(dry.ok()) << dry.DebugString();
  EXPECT_EQ(TreeWithContents(cache_.path()), before);
  EXPECT_THAT(dry.out, HasSubstr("would free 15B (3 entries)"));

  auto r = Cache({"clean", "--json"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(json::parse(r.out)["freed_bytes"], 15);
  auto expected = before;
  std::erase_if(expected, [&](const auto& item) {
    const std::string& p = item.first;
    return p.rfind(Key(kDead), 0) == 0 || p.rfind(Key(kOrphan) + "." + kUidOrphan + ".tmp/", 0) == 0 ||
           p.rfind(Key(kAside), 0) == 0;
  });
  EXPECT_EQ(TreeWithContents(cache_.path()), expected);

  // The foreign stale lock goes only when asked.
  auto stale = Cache({"clean", "--stale-locks"});
  ASSERT_TRUE(stale.ok()) << stale.DebugString();
  EXPECT_FALSE(test::PathExists(P(Key(kStale) + ".lock")));
  EXPECT_FALSE(test::PathExists(P(Key(kStale) + "." + kUidStale + ".tmp")));
  // Live locks, modules and unknown names stay.
  EXPECT_TRUE(test::PathExists(P(Key(kLive) + "." + kUidLive + ".tmp/saved_model.pb")));
  EXPECT_TRUE(test::PathExists(P(Key(kLockedModule) + ".lock")));
  EXPECT_TRUE(test::PathExists(P("NOTES.txt")));
  EXPECT_TRUE(test::PathExists(P(Key(kOrphan) + ".lock.bak")));
  EXPECT_TRUE(test::PathExists(P("someone-elses-dir/" + Key(kOrphan))));
}

TEST_F(CacheCommandTest, OfflineResolvesFromTheCacheOnly) {
  auto hit = Tfhub({"resolve", A()}, {{"TFHUB_CACHE_DIR", cache_.path()}, {"TFHUB_OFFLINE", "1"}});
  ASSERT_TRUE(hit.ok()) << hit.DebugString();
  EXPECT_EQ(hit.out, P(Key(A())) + "\n");

  const auto before = TreeWithContents(cache_.path());
  const std::string missing = served_->url("/models/tf2_half_plus_two_cpu.tar.gz");
  auto miss = Tfhub({"--offline", "resolve", missing}, {{"TFHUB_CACHE_DIR", cache_.path()}});
  EXPECT_EQ(miss.exit_code, 1);
  EXPECT_EQ(miss.out, "");
  EXPECT_THAT(miss.err, HasSubstr(missing + " is not in the cache " + cache_.path()));
  EXPECT_THAT(miss.err, HasSubstr("offline"));
  auto damaged = Tfhub({"resolve", Damaged()}, {{"TFHUB_CACHE_DIR", cache_.path()}, {"TFHUB_OFFLINE", "true"}});
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_THAT(damaged.err, HasSubstr("damaged"));
  EXPECT_EQ(TreeWithContents(cache_.path()), before);
  EXPECT_THAT(served_->nginx().AccessLog(), IsEmpty());

  auto bad = Tfhub({"resolve", A()}, {{"TFHUB_CACHE_DIR", cache_.path()}, {"TFHUB_OFFLINE", "maybe"}});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("TFHUB_OFFLINE"));
  // TFHUB_OFFLINE=0 is online: the download happens.
  auto online = Tfhub({"resolve", missing}, {{"TFHUB_CACHE_DIR", cache_.path()}, {"TFHUB_OFFLINE", "0"}});
  EXPECT_TRUE(online.ok()) << online.DebugString();
}

TEST_F(CacheCommandTest, HelpAndUsage) {
  auto help = Tfhub({"cache", "prune", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--older-than"));
  EXPECT_EQ(Tfhub({"cache"}).exit_code, 2);
  EXPECT_EQ(Tfhub({"cache", "rm"}).exit_code, 2);
  EXPECT_EQ(Tfhub({"cache", "frobnicate"}).exit_code, 2);
  test::TempDir empty;
  auto r = Tfhub({"cache", "list"}, {{"TFHUB_CACHE_DIR", empty.Sub("none")}});
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.out, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace tfhub::itest
