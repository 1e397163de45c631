// A shared machine: a second, unprivileged local user attacks the cache of a
// root tfhub. The attacker is tfhub-other, a member of the group tfhub-team
// (scripts/test.sh creates both when it runs as root, as CI does); its
// actions run as that user (testing/run_as.h), tfhub runs as root — the CLI,
// or the library in-process where a test hook makes a race deterministic
// (io::testing::SetDeleteTreeHook). A moment in the middle of a download
// comes from a server that pauses the body until the test lets it go on.
// Nothing sleeps to synchronise. Each test reads "attack → outcome".
//
// Without root or without the user the tests are skipped, and fail when CI
// is set (CI must run them).
//
// Every test works in its own root-owned dir (0755, so the attacker can reach
// what is in it):
//   tmp/     1777             TMPDIR of the root tfhub, as /tmp: the default cache dir's parent
//   shared/  0777             an explicit cache dir anyone can write (no sticky bit)
//   sticky/  1777             an explicit cache dir anyone can write (sticky)
//   team/    2770 tfhub-team  a team's cache dir: the attacker is a member, so trusted
//   victim/  0755             authorized_keys (0600), work.tmp/keep: what the attacks aim at
//   secret   0600             a file only root may read
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "base/crypto_api.h"
#include "base/sha1.h"
#include "base/system.h"
#include "cache/cache_dir.h"
#include "cachetools/cache_ops.h"
#include "cachetools/cache_scan.h"
#include "cli_env.h"
#include "io/local_dir_file_system.h"
#include "served_models.h"
#include "testing/archive_builder.h"
#include "testing/fake_http_server.h"
#include "testing/random_bytes.h"
#include "testing/run_as.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"
#include "tfhub/resolve.h"

namespace tfhub::itest {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSecret[] = "TFHUB-TEST-SECRET-7d41c9";
constexpr char kUid[] = "0123456789abcdef0123456789abcdef";

std::string Key(const std::string& handle) { return base::Sha1Hex(handle); }

// The lock of a process on this host that no longer exists.
std::string DeadLock(const std::string& uid) {
  return base::HostName() + "." + std::to_string(test::DeadPid()) + "." + uid;
}

struct Stat {
  bool exists = false;
  mode_t type = 0;
  uid_t uid = 0;
};
Stat LStat(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return {};
  return {true, static_cast<mode_t>(st.st_mode & S_IFMT), st.st_uid};
}

// Runs `action` once, when a delete by descriptors (LocalDirFileSystem's
// DeleteRecursively) has opened the directory `dir` and is about to list it.
class OnDeleteOf {
 public:
  OnDeleteOf(std::string dir, std::function<void()> action) {
    io::testing::SetDeleteTreeHook([this, dir = std::move(dir), action = std::move(action)](const std::string& d) {
      if (d != dir || ran_) return;
      ran_ = true;
      action();
    });
  }
  ~OnDeleteOf() { io::testing::SetDeleteTreeHook(nullptr); }
  OnDeleteOf(const OnDeleteOf&) = delete;
  OnDeleteOf& operator=(const OnDeleteOf&) = delete;
  bool ran() const { return ran_; }

 private:
  bool ran_ = false;
};

// Output bytes a terminal would act on: C0 controls other than '\n', DEL,
// and the C1 controls (U+0080..U+009F) in UTF-8.
bool HasRawControl(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      return true;
    }
  }
  return false;
}

class SharedMachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing;
    if (::geteuid() != 0) {
      missing = "not running as root";
    } else if (auto user = test::LookUpUser("tfhub-other"); !user) {
      missing = "there is no user tfhub-other";
    } else if (auto team = test::LookUpGroup("tfhub-team"); !team) {
      missing = "there is no group tfhub-team";
    } else if (std::find(user->groups.begin(), user->groups.end(), *team) == user->groups.end()) {
      missing = "tfhub-other is not a member of tfhub-team";
    } else {
      other_ = *user;
      team_gid_ = *team;
    }
    if (!missing.empty()) {
      const std::string why =
          missing + ": these tests need root and the user tfhub-other that scripts/test.sh creates as root";
      if (std::getenv("CI") != nullptr) FAIL() << why << " (CI is set: they must run)";
      GTEST_SKIP() << why;
    }
    ASSERT_EQ(::chmod(root_.path().c_str(), 0755), 0);
    const auto reach = AsOther(R"(cd "$1")", {root_.path()});
    ASSERT_TRUE(reach.ok()) << "tfhub-other cannot reach " << root_.path()
                            << ": every parent dir must be searchable by others\n"
                            << reach.DebugString();
    tmp_ = MakeDir("tmp", 01777);
    shared_ = MakeDir("shared", 0777);
    sticky_ = MakeDir("sticky", 01777);
    team_ = MakeDir("team", 02770, team_gid_);
    victim_ = MakeDir("victim", 0755);
    test::WriteStringToFile(victim_ + "/authorized_keys", "ssh-ed25519 AAAAC3Nza root@victim\n");
    ASSERT_EQ(::chmod((victim_ + "/authorized_keys").c_str(), 0600), 0);
    test::WriteStringToFile(victim_ + "/work.tmp/keep", "keep\n");
    victim_before_ = TreeWithContents(victim_);
    secret_ = root_.Sub("secret");
    test::WriteStringToFile(secret_, std::string(kSecret) + "\n");
    ASSERT_EQ(::chmod(secret_.c_str(), 0600), 0);
  }

  std::string MakeDir(const std::string& name, mode_t mode, gid_t gid = 0) {
    const std::string path = root_.Sub(name);
    test::MakeDirs(path);
    if (::chown(path.c_str(), 0, gid) != 0 || ::chmod(path.c_str(), mode) != 0) {
      ADD_FAILURE() << "cannot set up " << path;
    }
    return path;
  }

  // The attacker runs `script` (sh; arguments as "$1", "$2", ...).
  test::ProcessResult AsOther(const std::string& script, const std::vector<std::string>& args = {}) {
    return test::RunAsUser(other_, script, args);
  }
  // The same, for steps that must work: false (and a test failure) if not.
  bool Attack(const std::string& script, const std::vector<std::string>& args = {}) {
    const auto r = AsOther(script, args);
    EXPECT_TRUE(r.ok()) << "the attack itself failed: " << script << "\n" << r.DebugString();
    return r.ok();
  }

  // The root tfhub CLI, with the temp dir tmp/ and `env`; a timeout only as
  // a guard against hangs.
  test::RunOptions Cli(const test::EnvChanges& env) const {
    test::RunOptions options;
    options.env_changes = CleanCliEnv();
    options.env_changes["TMPDIR"] = tmp_;
    options.env_changes["TEMP"] = std::nullopt;
    options.env_changes["TMP"] = std::nullopt;
    for (const auto& [k, v] : env) options.env_changes[k] = v;
    options.timeout = std::chrono::seconds(30);
    return options;
  }
  test::ProcessResult Tfhub(std::vector<std::string> args, const test::EnvChanges& env = {}) const {
    args.insert(args.begin(), TFHUB_CLI_PATH);
    return test::RunProcessWithOptions(args, Cli(env));
  }

  static std::string Model(const std::string& name) {
    return ServedModels::Get().url("/models/" + name + ".tar.gz");
  }
  // The victim dir is as it was.
  void ExpectVictimUntouched() const { EXPECT_EQ(TreeWithContents(victim_), victim_before_) << "victim dir changed"; }

  test::TempDir root_{"tfhub_attacks"};
  test::User other_;
  gid_t team_gid_ = 0;
  std::string tmp_, shared_, sticky_, team_, victim_, secret_;
  std::vector<std::pair<std::string, std::string>> victim_before_;
};

// --- a. Redirect writes ------------------------------------------------------

TEST_F(SharedMachineTest, DefaultCacheDirMadeByTheAttackerIsNotUsed) {
  const std::string handle = Model("tfjs_times_two_int");
  // Attack: tfhub_modules in the shared temp dir exists before root's first run.
  ASSERT_TRUE(Attack(R"(mkdir -m 777 "$1")", {tmp_ + "/tfhub_modules"}));
  // Outcome: root warns and uses its own tfhub_modules-0; the planted dir stays empty.
  const auto r = Tfhub({"resolve", handle});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, tmp_ + "/tfhub_modules-0/" + Key(handle) + "\n");
  EXPECT_THAT(r.err, AllOf(HasSubstr("WARNING: not using the default cache dir " + tmp_ + "/tfhub_modules"),
                           HasSubstr("(tfhub-other)"), HasSubstr("TFHUB_CACHE_DIR")));
  EXPECT_THAT(test::ListDir(tmp_ + "/tfhub_modules"), IsEmpty());
  struct stat st;
  ASSERT_EQ(::lstat((tmp_ + "/tfhub_modules-0").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(SharedMachineTest, BothDefaultCacheDirsMadeByTheAttackerIsAnError) {
  // Attack: the fallback too.
  ASSERT_TRUE(Attack(R"(mkdir -m 777 "$1" "$2")", {tmp_ + "/tfhub_modules", tmp_ + "/tfhub_modules-0"}));
  // Outcome: a clear error that suggests TFHUB_CACHE_DIR; nothing written.
  const auto r = Tfhub({"resolve", Model("tfjs_times_two_int")});
  EXPECT_EQ(r.exit_code, 1) << r.DebugString();
  EXPECT_THAT(r.err, AllOf(HasSubstr("no safe default cache dir"), HasSubstr("TFHUB_CACHE_DIR")));
  EXPECT_THAT(test::ListDir(tmp_ + "/tfhub_modules"), IsEmpty());
  EXPECT_THAT(test::ListDir(tmp_ + "/tfhub_modules-0"), IsEmpty());
}

// A model whose body the server pauses halfway, until ReleaseStalls().
std::string PausedArchive() {
  test::ArchiveWriter w(/*gzip=*/true);
  w.AddFile("saved_model.pb", "pb");
  w.AddFile("variables/variables.data-00000-of-00001", test::RandomBytes(200000, 7));
  return w.Finish();
}

class TempDirSwapTest : public SharedMachineTest {
 protected:
  // Root resolves into `cache`. Attack: while the body is paused, the
  // attacker renames root's <sha1>.<uid>.tmp away (to stolen/) and puts a
  // symlink to the victim dir in its place; then the body goes on.
  // Outcome: nothing went through the link; root's resolve fails clearly.
  void SwapTheTempDirMidDownload(const std::string& cache) {
    test::FakeResponse paused = test::FakeResponse::Ok(PausedArchive());
    paused.cut_after_bytes = paused.body.size() / 2;
    paused.stall_after_cut = true;
    paused.continue_after_release = true;
    server_.SetRoute("/m.tar.gz", paused);
    test::Process root;
    root.StartWithOptions({TFHUB_CLI_PATH, "resolve", handle_}, Cli({{"TFHUB_CACHE_DIR", cache}}));
    EXPECT_TRUE(server_.WaitForStalls(1, std::chrono::seconds(30))) << "the download did not start";
    const std::string lock = test::ReadFileToString(cache + "/" + key_ + ".lock");  // <host>.<pid>.<uid>
    const std::string temp = cache + "/" + key_ + "." + lock.substr(lock.rfind('.') + 1) + ".tmp";
    EXPECT_TRUE(test::PathExists(temp)) << temp;
    Attack(R"(mv "$1" "$2" && ln -s "$3" "$1")", {temp, cache + "/stolen", victim_});
    server_.ReleaseStalls();
    const auto r = root.Wait();
    ExpectVictimUntouched();
    EXPECT_EQ(r.exit_code, 1) << r.DebugString();
    EXPECT_THAT(r.err, HasSubstr("the temp dir was replaced"));
    EXPECT_EQ(r.out, "");
    // The body went into root's own dir, held open wherever it was moved.
    EXPECT_EQ(test::ReadFileToString(cache + "/stolen/saved_model.pb"), "pb");
  }

  test::FakeHttpServer server_;
  std::string handle_ = server_.url("/m.tar.gz");
  std::string key_ = Key(handle_);
};

TEST_F(TempDirSwapTest, SymlinkSwappedForTheTempDirMidDownloadInAWorldWritableDir) {
  SwapTheTempDirMidDownload(shared_);
  // Afterwards the attacker's link (now at <sha1>) is never a hit.
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Ok(PausedArchive()));
  const auto again = Tfhub({"resolve", handle_}, {{"TFHUB_CACHE_DIR", shared_}});
  EXPECT_EQ(again.exit_code, 1) << again.DebugString();
  EXPECT_THAT(again.err, AllOf(HasSubstr("(tfhub-other)"), HasSubstr("left alone")));
  ExpectVictimUntouched();
}

TEST_F(TempDirSwapTest, SymlinkSwappedForTheTempDirMidDownloadInATeamDir) {
  SwapTheTempDirMidDownload(team_);
  // A member is trusted, yet its link at <sha1> is removed, not followed.
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Ok(PausedArchive()));
  const auto again = Tfhub({"resolve", handle_}, {{"TFHUB_CACHE_DIR", team_}});
  ASSERT_TRUE(again.ok()) << again.DebugString();
  EXPECT_EQ(again.out, team_ + "/" + key_ + "\n");
  EXPECT_EQ(LStat(team_ + "/" + key_).type, S_IFDIR);
  EXPECT_EQ(test::ReadFileToString(team_ + "/" + key_ + "/saved_model.pb"), "pb");
  ExpectVictimUntouched();
}

// --- b. Redirect deletes -----------------------------------------------------

TEST_F(SharedMachineTest, PlantedDeadLockIsLeftAloneWhereTheAttackerIsNotTrusted) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string key = Key(handle);
  // Attack: a lock of a dead process on this host and its "temp dir", so that
  // a takeover would delete what the attacker points it at.
  ASSERT_TRUE(Attack(R"(printf %s "$1" > "$2" && mkdir -p "$3/sub" && echo x > "$3/sub/file")",
                     {DeadLock(kUid), shared_ + "/" + key + ".lock", shared_ + "/" + key + "." + kUid + ".tmp"}));
  const auto before = TreeWithContents(shared_);
  // Outcome: no takeover, no delete; a clear error naming the owner.
  const auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", shared_}});
  EXPECT_EQ(r.exit_code, 1) << r.DebugString();
  EXPECT_THAT(r.err, AllOf(HasSubstr(key + ".lock belongs to uid " + std::to_string(other_.uid) + " (tfhub-other)"),
                           HasSubstr("left alone")));
  EXPECT_EQ(TreeWithContents(shared_), before);
  // `tfhub cache clean` lists them as untrusted and leaves them too.
  const auto clean = Tfhub({"cache", "clean"}, {{"TFHUB_CACHE_DIR", shared_}});
  EXPECT_TRUE(clean.ok()) << clean.DebugString();
  const auto list = Tfhub({"cache", "list", "--json"}, {{"TFHUB_CACHE_DIR", shared_}});
  ASSERT_TRUE(list.ok()) << list.DebugString();
  EXPECT_EQ(json::parse(list.out)["untrusted"].size(), 2u) << list.out;
  EXPECT_EQ(TreeWithContents(shared_), before);
}

// When the attacker swaps temp/sub for a link: as root's delete by
// descriptors has opened temp/ and is about to list it (sub is then seen as
// a link), or has opened sub/ itself (what sub/ holds would then be named
// through the link by a delete that goes by paths).
enum class SwapMoment { kWhenTheParentIsOpened, kWhenSubIsOpened };

class TeamDeleteTest : public SharedMachineTest, public ::testing::WithParamInterface<SwapMoment> {
 protected:
  // Attack, part one: a trusted member plants a dead process's lock and its
  // temp dir holding sub/ with the names the victim dir has.
  void SetUp() override {
    SharedMachineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    handle_ = Model("tfjs_times_two_int");
    key_ = Key(handle_);
    temp_ = team_ + "/" + key_ + "." + kUid + ".tmp";
    ASSERT_TRUE(Attack(R"(printf %s "$1" > "$2" && mkdir -p "$3/sub/work.tmp" && echo x > "$3/sub/work.tmp/keep" && )"
                       R"(echo x > "$3/sub/authorized_keys")",
                       {DeadLock(kUid), team_ + "/" + key_ + ".lock", temp_}));
  }
  // Attack, part two, at GetParam(): sub becomes a link to the victim dir.
  OnDeleteOf SwapSubForALink() {
    return OnDeleteOf(GetParam() == SwapMoment::kWhenTheParentIsOpened ? temp_ : temp_ + "/sub", [this] {
      Attack(R"(mv "$1/sub" "$1/sub.old" && ln -s "$2" "$1/sub")", {temp_, victim_});
    });
  }

  std::string handle_, key_, temp_;
};

INSTANTIATE_TEST_SUITE_P(Moments, TeamDeleteTest,
                         ::testing::Values(SwapMoment::kWhenTheParentIsOpened, SwapMoment::kWhenSubIsOpened),
                         [](const auto& p) {
                           return p.param == SwapMoment::kWhenTheParentIsOpened ? "WhenTheParentIsOpened"
                                                                                : "WhenSubIsOpened";
                         });

TEST_P(TeamDeleteTest, TakeoverDeleteDoesNotFollowALinkSwappedInMeanwhile) {
  OnDeleteOf swap = SwapSubForALink();
  ResolveOptions options;
  options.cache_dir = team_;
  std::vector<std::string> log;
  options.log = [&log](std::string_view line) { log.emplace_back(line); };
  const auto path = resolve(handle_, options);
  // Outcome: the takeover went ahead (a member's lock), and nothing was
  // deleted through the link.
  EXPECT_TRUE(swap.ran());
  ExpectVictimUntouched();
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, team_ + "/" + key_);
  EXPECT_THAT(log, Contains(HasSubstr("Taking over lock file")));
}

TEST_P(TeamDeleteTest, CleanDoesNotFollowALinkSwappedInMeanwhile) {
  const auto registry = io::MakeFileSystemRegistry({});
  auto dir = cache::CacheDir::Open(team_, /*create=*/false, *registry, {});
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  cachetools::ScanOptions scan_options;
  scan_options.host = base::HostName();
  auto scan = cachetools::ScanCache(*dir, scan_options);
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  ASSERT_EQ(scan->entries.size(), 1u);
  const cachetools::Entry& lock = scan->entries[0];
  ASSERT_EQ(lock.state, cachetools::EntryState::kAbandonedLock);
  OnDeleteOf swap = SwapSubForALink();
  const Status s = cachetools::CleanEntry(*dir, lock, {base::HostName(), base::ProcessId()});
  // Outcome: nothing was deleted through the link. Seen in time, the link
  // itself is removed with the rest; a directory that became a link after
  // it was opened cannot be removed, and clean says so.
  EXPECT_TRUE(swap.ran());
  ExpectVictimUntouched();
  if (GetParam() == SwapMoment::kWhenTheParentIsOpened) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_THAT(test::ListDir(team_), IsEmpty());
  } else {
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(s.message(), HasSubstr(temp_ + "/sub"));
    EXPECT_EQ(LStat(temp_ + "/sub").type, S_IFLNK);
  }
}

// --- c. Name a path directly -------------------------------------------------

// Attack: the lock "<host>.<dead pid>.x/work" names the temp dir
// <sha1>.x/work.tmp, and <sha1>.x is a link to the victim dir, which holds
// work.tmp/.

TEST_F(SharedMachineTest, LockNamingAPathIsRefusedAtOnceWhereTheAttackerIsNotTrusted) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string key = Key(handle);
  ASSERT_TRUE(Attack(R"(printf %s "$1" > "$2" && ln -s "$3" "$4")",
                     {DeadLock("x/work"), sticky_ + "/" + key + ".lock", victim_, sticky_ + "/" + key + ".x"}));
  const auto before = TreeWithContents(sticky_);
  const auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", sticky_}});
  EXPECT_EQ(r.exit_code, 1) << r.DebugString();
  EXPECT_THAT(r.err, AllOf(HasSubstr("(tfhub-other)"), HasSubstr("left alone")));
  EXPECT_EQ(TreeWithContents(sticky_), before);
  ExpectVictimUntouched();
}

TEST_F(SharedMachineTest, LockNamingAPathOfATrustedMemberIsOnlyRemovedAfterTheTimeout) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string key = Key(handle);
  ASSERT_TRUE(Attack(R"(printf %s "$1" > "$2" && ln -s "$3" "$4")",
                     {DeadLock("x/work"), team_ + "/" + key + ".lock", victim_, team_ + "/" + key + ".x"}));
  const auto start = std::chrono::steady_clock::now();
  const auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", team_}, {"TFHUB_LOCK_TIMEOUT_SEC", "1"}});
  // Outcome: a lock of another shape is no dead process's: it goes only
  // after the lock timeout, and nothing it names goes with it.
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_THAT(r.err, HasSubstr("due to inactivity"));
  ExpectVictimUntouched();
  EXPECT_EQ(LStat(team_ + "/" + key + ".x").type, S_IFLNK);
  // The same lock under `tfhub cache clean --stale-locks`, once stale.
  const std::string handle2 = Model("tfjs_times_three_float");
  const std::string key2 = Key(handle2);
  ASSERT_TRUE(Attack(R"(printf %s "$1" > "$2" && touch -d '1 hour ago' "$2" && ln -s "$3" "$4")",
                     {DeadLock("x/work"), team_ + "/" + key2 + ".lock", victim_, team_ + "/" + key2 + ".x"}));
  const auto clean = Tfhub({"cache", "clean", "--stale-locks"}, {{"TFHUB_CACHE_DIR", team_}, {"TFHUB_LOCK_TIMEOUT_SEC", "1"}});
  EXPECT_TRUE(clean.ok()) << clean.DebugString();
  EXPECT_THAT(clean.out, HasSubstr("removed " + team_ + "/" + key2 + ".lock"));
  EXPECT_FALSE(test::PathExists(team_ + "/" + key2 + ".lock"));
  EXPECT_EQ(LStat(team_ + "/" + key2 + ".x").type, S_IFLNK);
  ExpectVictimUntouched();
}

// --- d. Poison the cache -----------------------------------------------------

TEST_F(SharedMachineTest, ModulePlantedInAStickyDirIsNotAHit) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string key = Key(handle);
  ServedModels::Get().nginx().ClearAccessLog();
  // Attack: a module (and a descriptor, as Python writes it) for the handle.
  ASSERT_TRUE(Attack(R"(mkdir "$1" && echo evil > "$1/saved_model.pb" && printf 'Module: %s\n' "$3" > "$2")",
                     {sticky_ + "/" + key, sticky_ + "/" + key + ".descriptor.txt", handle}));
  // Outcome: not returned; a clear error naming the owner, online and offline.
  const auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", sticky_}});
  EXPECT_EQ(r.exit_code, 1) << r.DebugString();
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, AllOf(HasSubstr(key + " belongs to uid " + std::to_string(other_.uid) + " (tfhub-other)"),
                           HasSubstr("left alone")));
  const auto offline = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", sticky_}, {"TFHUB_OFFLINE", "1"}});
  EXPECT_EQ(offline.exit_code, 1) << offline.DebugString();
  EXPECT_THAT(offline.err, HasSubstr("(tfhub-other)"));
  EXPECT_EQ(test::ReadFileToString(sticky_ + "/" + key + "/saved_model.pb"), "evil\n");
  EXPECT_THAT(ServedModels::Get().nginx().AccessLog(), IsEmpty());
}

// No attacker: a pinned resolve (--sha256) takes a hit only when its
// descriptor records that very archive.
class PinnedHitTest : public ::testing::Test {
 protected:
  test::ProcessResult Resolve(const test::EnvChanges& extra = {}) {
    test::EnvChanges env = CleanCliEnv();
    env["TFHUB_CACHE_DIR"] = cache_.path();
    for (const auto& [k, v] : extra) env[k] = v;
    return test::RunProcess({TFHUB_CLI_PATH, "resolve", handle_, "--sha256", sha256_}, env);
  }
  std::string Descriptor() const { return test::ReadFileToString(cache_.path() + "/" + Key(handle_) + ".descriptor.txt"); }
  void SetDescriptor(const std::string& text) const {
    test::WriteStringToFile(cache_.path() + "/" + Key(handle_) + ".descriptor.txt", text);
  }
  size_t Downloads(size_t at_least = 0) const {
    if (at_least > 0) {
      EXPECT_TRUE(served_.nginx().WaitForAccessLogLines(at_least));
    }
    return served_.nginx().AccessLog().size();
  }

  ServedModels& served_ = ServedModels::Get();
  test::TempDir cache_{"tfhub_pinned"};
  std::string handle_ = served_.url("/models/tf1_half_plus_two_cpu.tar.gz");
  std::string sha256_ = [this] {
    base::Sha256 sha;
    sha.Update(test::ReadFileToString(served_.nginx().root_dir() + "/models/tf1_half_plus_two_cpu.tar.gz"));
    return *sha.HexDigest();
  }();
};

TEST_F(PinnedHitTest, HitRecordingAnotherArchiveIsDownloadedAgain) {
  served_.nginx().ClearAccessLog();
  ASSERT_TRUE(Resolve().ok());
  ASSERT_THAT(Descriptor(), HasSubstr("tfhub-Archive-SHA256: " + sha256_));
  std::string d = Descriptor();
  d.replace(d.find(sha256_), 64, std::string(64, 'f'));
  SetDescriptor(d);
  const auto offline = Resolve({{"TFHUB_OFFLINE", "1"}});
  EXPECT_EQ(offline.exit_code, 1) << offline.DebugString();
  EXPECT_THAT(offline.err, HasSubstr("does not match the pin"));
  const auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.err, HasSubstr("does not match the pinned archive"));
  EXPECT_EQ(Downloads(2), 2u);
  EXPECT_THAT(Descriptor(), HasSubstr("tfhub-Archive-SHA256: " + sha256_));
  EXPECT_TRUE(Resolve({{"TFHUB_OFFLINE", "1"}}).ok());  // and now a hit
}

TEST_F(PinnedHitTest, HitWrittenByPythonIsDownloadedAgain) {
  served_.nginx().ClearAccessLog();
  ASSERT_TRUE(Resolve().ok());
  SetDescriptor("Module: " + handle_ + "\nDownload Time: 2024-01-02 03:04:05.678901\nDownloader Hostname: py (PID:7)");
  const auto offline = Resolve({{"TFHUB_OFFLINE", "1"}});
  EXPECT_EQ(offline.exit_code, 1) << offline.DebugString();
  EXPECT_THAT(offline.err, HasSubstr("no archive SHA-256 is recorded"));
  const auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(Downloads(2), 2u);
  EXPECT_THAT(Descriptor(), HasSubstr("tfhub-Archive-SHA256: " + sha256_));
}

// --- e. Symlinked cache dir --------------------------------------------------

TEST_F(SharedMachineTest, DefaultCacheDirLinkedToTheAttackersDirIsNotFollowed) {
  const std::string handle = Model("tfjs_times_two_int");
  // Attack: tfhub_modules is a link to a dir of the attacker's.
  ASSERT_TRUE(Attack(R"(mkdir -m 777 "$1" && ln -s "$1" "$2")", {tmp_ + "/mine", tmp_ + "/tfhub_modules"}));
  // Outcome: not followed; the fallback, with a warning.
  const auto r = Tfhub({"resolve", handle});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, tmp_ + "/tfhub_modules-0/" + Key(handle) + "\n");
  EXPECT_THAT(r.err, HasSubstr("it is a symbolic link"));
  EXPECT_THAT(test::ListDir(tmp_ + "/mine"), IsEmpty());
  const auto list = Tfhub({"cache", "list", "--json"});
  ASSERT_TRUE(list.ok()) << list.DebugString();
  EXPECT_EQ(json::parse(list.out)["cache_dir"], tmp_ + "/tfhub_modules-0");
  // Named explicitly, a link of another user is not followed either.
  const auto explicit_dir = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", tmp_ + "/tfhub_modules"}});
  EXPECT_EQ(explicit_dir.exit_code, 1) << explicit_dir.DebugString();
  EXPECT_THAT(explicit_dir.err, AllOf(HasSubstr("is a symbolic link that belongs to"), HasSubstr("(tfhub-other)")));
  EXPECT_THAT(test::ListDir(tmp_ + "/mine"), IsEmpty());
}

// --- f. Lock files -----------------------------------------------------------

TEST_F(SharedMachineTest, FifoAsTheLockFailsAtOnce) {
  const std::string handle = Model("tfjs_times_two_int");
  for (const std::string& cache : {sticky_, team_}) {
    SCOPED_TRACE(cache);
    ASSERT_TRUE(Attack(R"(mkfifo "$1")", {cache + "/" + Key(handle) + ".lock"}));
    // The timeout guards against a hang; it is not what ends the resolve.
    const auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", cache}});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 1) << r.DebugString();
    EXPECT_THAT(r.err, HasSubstr(cache == team_ ? "is not a regular file" : "(tfhub-other)"));
    const auto list = Tfhub({"cache", "list"}, {{"TFHUB_CACHE_DIR", cache}});
    EXPECT_TRUE(list.ok()) << list.DebugString();
    EXPECT_EQ(LStat(cache + "/" + Key(handle) + ".lock").type, S_IFIFO);
  }
}

TEST_F(SharedMachineTest, LockOrDescriptorLinkedToASecretShowsNothingOfIt) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string handle2 = Model("tfjs_times_three_float");
  for (const std::string& cache : {sticky_, team_}) {
    SCOPED_TRACE(cache);
    // Attack: the lock of one handle, and the descriptor of a module of the
    // attacker's, are links to a file only root may read.
    ASSERT_TRUE(Attack(R"(ln -s "$1" "$2" && mkdir "$3" && echo pb > "$3/saved_model.pb" && ln -s "$1" "$4")",
                       {secret_, cache + "/" + Key(handle) + ".lock", cache + "/" + Key(handle2),
                        cache + "/" + Key(handle2) + ".descriptor.txt"}));
    std::string all;
    for (const auto& args : std::vector<std::vector<std::string>>{{"resolve", handle},
                                                                  {"resolve", handle2},
                                                                  {"cache", "list"},
                                                                  {"cache", "list", "--json"},
                                                                  {"cache", "verify", "--json"},
                                                                  {"cache", "clean"}}) {
      const auto r = Tfhub(args, {{"TFHUB_CACHE_DIR", cache}});
      EXPECT_FALSE(r.timed_out);
      all += r.out + r.err;
    }
    EXPECT_THAT(all, Not(HasSubstr(kSecret)));
    EXPECT_EQ(test::ReadFileToString(secret_), std::string(kSecret) + "\n");
    EXPECT_EQ(LStat(cache + "/" + Key(handle) + ".lock").type, S_IFLNK);
  }
}

// --- g. Looping symlinks -----------------------------------------------------

TEST_F(SharedMachineTest, LoopingLinksInAModuleDirAreNeitherFollowedNorCounted) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string module = team_ + "/" + Key(handle);
  ASSERT_TRUE(Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", team_}}).ok());
  test::WriteStringToFile(team_ + "/keep", "root's\n");
  // A module of a team member's (as if tfhub-other had resolved it) ...
  ASSERT_TRUE(test::RunProcess({"chown", "-R", "tfhub-other", module}).ok());
  // Attack: ... gets links to itself and its parents.
  ASSERT_TRUE(Attack(R"(cd "$1" && ln -s . a && ln -s .. b && ln -s . c && ln -s ../.. variables/up)", {module}));
  const auto list = Tfhub({"cache", "list", "--json"}, {{"TFHUB_CACHE_DIR", team_}});
  ASSERT_TRUE(list.ok()) << list.DebugString();
  const json entry = json::parse(list.out)["entries"][0];
  EXPECT_EQ(entry["state"], "complete");
  EXPECT_EQ(entry["files"], 3u);  // saved_model.pb and the two variables files
  uint64_t bytes = 0;
  for (const auto& [path, content] : TreeWithContents(ServedModels::ModelDir("tfjs_times_two_int"))) {
    bytes += content.size();
  }
  EXPECT_EQ(entry["bytes"], bytes);
  const auto verify = Tfhub({"cache", "verify"}, {{"TFHUB_CACHE_DIR", team_}});
  EXPECT_TRUE(verify.ok()) << verify.DebugString();
  EXPECT_THAT(verify.out, HasSubstr("1 ok, 0 damaged"));
  EXPECT_TRUE(Tfhub({"cache", "du"}, {{"TFHUB_CACHE_DIR", team_}}).ok());
  // Removing it removes the links, not what they lead to (b -> .. is the cache dir).
  const auto rm = Tfhub({"cache", "rm", handle}, {{"TFHUB_CACHE_DIR", team_}});
  EXPECT_TRUE(rm.ok()) << rm.DebugString();
  EXPECT_EQ(test::ListDir(team_), std::vector<std::string>{"keep"});
  EXPECT_EQ(test::ReadFileToString(team_ + "/keep"), "root's\n");
}

// --- h. Terminal escapes -----------------------------------------------------

TEST_F(SharedMachineTest, TerminalEscapesFromDiskAreNeverPrintedRaw) {
  const std::string c1 = "\xc2\x9b" "31m";  // CSI as a C1 control, in UTF-8
  const std::string nasty = "\x1b]0;owned\x07\x1b[2J" + c1;
  const std::string handle = "https://example.com/" + nasty + ".tar.gz";
  const std::string locked = Model("tfjs_times_two_int");
  const std::string locked2 = Model("tfjs_times_three_float");
  // Attack: a module whose descriptor names a handle full of escapes, locks
  // whose contents carry them (of another shape, and of the lock's shape
  // with a C1 control in the host name), and file names with them.
  ASSERT_TRUE(Attack(
      R"(mkdir "$1" && echo pb > "$1/saved_model.pb" && printf 'Module: %s\nDownload Time: 2024-01-02 03:04:05.678901\nDownloader Hostname: %s (PID:1)' "$3" "$4" > "$2" && )"
      R"(printf %s "$5" > "$6" && printf %s "$7" > "$8" && touch "$9/$4" "$9/x$4.tmp")",
      {team_ + "/" + Key(handle), team_ + "/" + Key(handle) + ".descriptor.txt", handle, nasty,
       nasty + ".1." + kUid, team_ + "/" + Key(locked) + ".lock", "host" + c1 + ".2." + kUid,
       team_ + "/" + Key(locked2) + ".lock", team_}));
  const test::EnvChanges env = {{"TFHUB_CACHE_DIR", team_}, {"TFHUB_LOCK_TIMEOUT_SEC", "1"}};
  // Outcome: text output escapes them ...
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"cache", "list"}, {"cache", "verify"}, {"cache", "du"}, {"cache", "clean"}}) {
    SCOPED_TRACE(args[1]);
    const auto r = Tfhub(args, env);
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(HasRawControl(r.out)) << r.DebugString();
    EXPECT_FALSE(HasRawControl(r.err)) << r.DebugString();
  }
  const auto list = Tfhub({"cache", "list"}, env);
  EXPECT_THAT(list.out, AllOf(HasSubstr("\\x1b]0;owned\\x07"), HasSubstr("\\u009b31m")));
  // ... and so does resolve's "being downloaded by" message.
  const auto resolve = Tfhub({"resolve", locked}, env);
  EXPECT_TRUE(resolve.ok()) << resolve.DebugString();
  EXPECT_THAT(resolve.err, HasSubstr("already being downloaded by '\\x1b]0;owned"));
  EXPECT_FALSE(HasRawControl(resolve.out + resolve.err)) << resolve.DebugString();
  // JSON is valid, plain ASCII, and carries the names exactly.
  for (const auto& args : std::vector<std::vector<std::string>>{{"cache", "list", "--json"},
                                                                {"cache", "verify", "--json"},
                                                                {"cache", "du", "--json"}}) {
    SCOPED_TRACE(args[1]);
    const auto r = Tfhub(args, env);
    EXPECT_TRUE(r.ok()) << r.DebugString();
    EXPECT_TRUE(std::all_of(r.out.begin(), r.out.end(), [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); }))
        << r.out;
    EXPECT_TRUE(json::accept(r.out)) << r.out;
  }
  const json doc = json::parse(Tfhub({"cache", "list", "--json"}, env).out);
  const auto unrecognized = doc["unrecognized"].get<std::vector<std::string>>();
  std::vector<std::string> handles;
  for (const auto& e : doc["entries"]) {
    if (e["handle"].is_string()) handles.push_back(e["handle"]);
  }
  EXPECT_THAT(handles, Contains(handle));
  EXPECT_THAT(unrecognized, Contains(nasty));
}

}  // namespace
}  // namespace tfhub::itest
