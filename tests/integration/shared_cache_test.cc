// Many processes on one cache, and processes that die: the CLI against a
// scripted server (throttled or stalled bodies) and planted locks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "base/sha1.h"
#include "base/system.h"
#include "testing/archive_builder.h"
#include "testing/random_bytes.h"
#include "testing/fake_http_server.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A small model archive: ~200 KB that does not compress.
const std::string& ModelArchive() {
  static const std::string archive = [] {
    test::ArchiveWriter w(/*gzip=*/true);
    w.AddFile("saved_model.pb", "pb");
    w.AddFile("variables/variables.index", test::RandomBytes(1000, 1));
    w.AddFile("variables/variables.data-00000-of-00001", test::RandomBytes(200000, 2));
    return w.Finish();
  }();
  return archive;
}

class SharedCacheTest : public ::testing::Test {
 protected:
  SharedCacheTest() {
    handle_ = server_.url("/m.tar.gz");
    key_ = base::Sha1Hex(handle_);
  }

  // Serves the archive in about `seconds`.
  void ServeThrottled(double seconds) {
    test::FakeResponse r = test::FakeResponse::Ok(ModelArchive());
    r.bytes_per_second = static_cast<size_t>(ModelArchive().size() / seconds);
    server_.SetRoute("/m.tar.gz", r);
  }

  test::EnvChanges Env(const std::string& cache, std::optional<std::string> lock_timeout = std::nullopt) {
    return {{"TFHUB_CACHE_DIR", cache},
            {"TFHUB_MODEL_LOAD_FORMAT", std::nullopt},
            {"TFHUB_LOCK_TIMEOUT_SEC", lock_timeout},
            {"http_proxy", std::nullopt}};
  }

  test::ProcessResult Resolve(const std::string& cache, std::optional<std::string> lock_timeout = std::nullopt) {
    return test::RunProcess({TFHUB_CLI_PATH, "resolve", handle_}, Env(cache, lock_timeout));
  }

  std::unique_ptr<test::Process> StartResolve(const std::string& cache,
                                              std::optional<std::string> lock_timeout = std::nullopt) {
    auto p = std::make_unique<test::Process>();
    p->Start({TFHUB_CLI_PATH, "resolve", handle_}, Env(cache, lock_timeout));
    return p;
  }

  std::string Module(const std::string& cache) const { return cache + "/" + key_; }
  std::vector<std::string> CleanCache() const { return {key_, key_ + ".descriptor.txt"}; }

  test::FakeHttpServer server_;
  test::TempDir dir_{"tfhub_shared"};
  std::string handle_, key_;
};

TEST_F(SharedCacheTest, SixteenProcessesOneDownload) {
  ServeThrottled(0.5);
  std::vector<std::unique_ptr<test::Process>> procs;
  for (int i = 0; i < 16; ++i) procs.push_back(StartResolve(dir_.path()));
  std::set<std::string> outputs;
  for (auto& p : procs) {
    auto r = p->Wait();
    EXPECT_TRUE(r.ok()) << r.DebugString();
    outputs.insert(r.out);
  }
  EXPECT_THAT(outputs, ElementsAre(Module(dir_.path()) + "\n"));
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 1u);
  EXPECT_EQ(test::ListDir(dir_.path()), CleanCache());
  EXPECT_EQ(test::ReadFileToString(Module(dir_.path()) + "/variables/variables.data-00000-of-00001"),
            test::RandomBytes(200000, 2));
}

TEST_F(SharedCacheTest, WaiterReturnsWhenTheHolderFinishesWithoutDownloading) {
  ServeThrottled(0.2);
  // Someone else (another host) holds the lock and keeps making progress.
  const std::string uid(32, 'c');
  const std::string temp = Module(dir_.path()) + "." + uid + ".tmp";
  test::WriteStringToFile(dir_.path() + "/" + key_ + ".lock", "otherhost.42." + uid);
  test::WriteStringToFile(temp + "/growing", "x");
  auto waiter = StartResolve(dir_.path(), "1");  // 1 s lock timeout
  // Grow the holder's temp dir for three lock timeouts: no takeover.
  for (int i = 0; i < 30; ++i) {
    test::WriteStringToFile(temp + "/growing", std::string(static_cast<size_t>(i + 2), 'x'));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(waiter->WaitFor(std::chrono::milliseconds(0)).has_value()) << "waiter gave up early";
  EXPECT_EQ(test::ReadFileToString(dir_.path() + "/" + key_ + ".lock"), "otherhost.42." + uid);
  // The holder finishes: module in place, lock gone.
  test::WriteStringToFile(temp + "/saved_model.pb", "pb");
  ASSERT_EQ(rename(temp.c_str(), Module(dir_.path()).c_str()), 0);
  ASSERT_EQ(unlink((dir_.path() + "/" + key_ + ".lock").c_str()), 0);
  auto r = waiter->WaitFor(std::chrono::seconds(5));
  ASSERT_TRUE(r.has_value()) << "waiter did not notice the finished download";
  EXPECT_TRUE(r->ok()) << r->DebugString();
  EXPECT_EQ(r->out, Module(dir_.path()) + "\n");
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 0u);
}

TEST_F(SharedCacheTest, AbandonedForeignLockIsTakenOverAfterTheTimeout) {
  ServeThrottled(0.1);
  const std::string uid(32, 'd');
  test::WriteStringToFile(dir_.path() + "/" + key_ + ".lock", "otherhost.42." + uid);
  test::WriteStringToFile(Module(dir_.path()) + "." + uid + ".tmp/stale", "s");
  const auto start = std::chrono::steady_clock::now();
  auto r = Resolve(dir_.path(), "1");
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_THAT(r.err, HasSubstr("due to inactivity"));
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 1u);
  EXPECT_EQ(test::ListDir(dir_.path()), CleanCache());
}

TEST_F(SharedCacheTest, LockOfADeadLocalProcessIsTakenOverAtOnce) {
  ServeThrottled(0.1);
  const std::string uid(32, 'e');
  test::WriteStringToFile(dir_.path() + "/" + key_ + ".lock", base::HostName() + ".99999999." + uid);
  test::WriteStringToFile(Module(dir_.path()) + "." + uid + ".tmp/partial", "p");
  auto r = Resolve(dir_.path());  // default 600 s timeout: only the dead-pid rule can help
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(test::ListDir(dir_.path()), CleanCache());
}

TEST_F(SharedCacheTest, InterruptRemovesTheTempDirAndLock) {
  for (int sig : {SIGINT, SIGTERM}) {
    test::TempDir cache("tfhub_sig");
    test::FakeResponse r = test::FakeResponse::Ok(ModelArchive());
    r.cut_after_bytes = ModelArchive().size() / 2;
    r.stall_after_cut = true;  // half the body, then silence
    server_.SetRoute("/m.tar.gz", r);
    auto p = StartResolve(cache.path());
    ASSERT_TRUE(server_.WaitForStalls(1));  // the download is under way
    EXPECT_EQ(test::ListDir(cache.path()).size(), 2u);  // the lock and the temp dir
    p->Kill(sig);
    auto result = p->WaitFor(std::chrono::seconds(10));
    ASSERT_TRUE(result.has_value()) << "no exit after signal " << sig;
    EXPECT_EQ(result->exit_code, 128 + sig) << result->DebugString();
    EXPECT_EQ(result->out, "");
    EXPECT_THAT(test::ListDir(cache.path()), IsEmpty()) << sig;
  }
  server_.ReleaseStalls();
}

TEST_F(SharedCacheTest, CrashCampaignSigkillAtRandomMoments) {
  ServeThrottled(0.4);
  std::mt19937 rng(12345);
  for (int i = 0; i < 20; ++i) {
    const std::string cache = dir_.Sub("c" + std::to_string(i));
    auto victim = StartResolve(cache);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 500));  // a random moment, not a sync
    victim->Kill(SIGKILL);
    victim->Wait();
    auto r = Resolve(cache);
    ASSERT_TRUE(r.ok()) << "iteration " << i << ": " << r.DebugString();
    EXPECT_EQ(r.out, Module(cache) + "\n");
    EXPECT_EQ(test::ListDir(cache), CleanCache()) << "iteration " << i;
    EXPECT_EQ(test::ReadFileToString(Module(cache) + "/variables/variables.data-00000-of-00001"),
              test::RandomBytes(200000, 2));
  }
}

TEST_F(SharedCacheTest, DamagedModuleIsDownloadedAgain) {
  ServeThrottled(0.05);
  ASSERT_TRUE(Resolve(dir_.path()).ok());
  const std::string data = Module(dir_.path()) + "/variables/variables.data-00000-of-00001";
  ASSERT_EQ(unlink(data.c_str()), 0);  // a temp cleaner at work
  auto r = Resolve(dir_.path());
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.err, HasSubstr("damaged"));
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 2u);
  EXPECT_EQ(test::ReadFileToString(data), test::RandomBytes(200000, 2));
  EXPECT_EQ(test::ListDir(dir_.path()), CleanCache());
  // Truncation counts too.
  ASSERT_EQ(truncate(data.c_str(), 10), 0);
  ASSERT_TRUE(Resolve(dir_.path()).ok());
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 3u);
  EXPECT_EQ(test::ReadFileToString(data), test::RandomBytes(200000, 2));
}

TEST_F(SharedCacheTest, PythonWrittenModuleIsTrustedAsPythonDoes) {
  ServeThrottled(0.05);
  test::WriteStringToFile(Module(dir_.path()) + "/saved_model.pb", "python wrote this");
  test::WriteStringToFile(dir_.path() + "/" + key_ + ".descriptor.txt",
                          "Module: " + handle_ + "\nDownload Time: 2026-01-01 00:00:00\n"
                          "Downloader Hostname: py (PID:1)");
  auto r = Resolve(dir_.path());
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 0u);
}

// Mounts `source` read-only at a new directory for the test's lifetime.
class ReadOnlyMount {
 public:
  explicit ReadOnlyMount(const std::string& source) : target_(dir_.Sub("ro")) {
    test::MakeDirs(target_);
    auto bind = test::RunProcess({"mount", "--bind", source, target_});
    EXPECT_TRUE(bind.ok()) << bind.DebugString();
    auto ro = test::RunProcess({"mount", "-o", "remount,bind,ro", target_});
    EXPECT_TRUE(ro.ok()) << ro.DebugString();
  }
  ~ReadOnlyMount() { test::RunProcess({"umount", target_}); }
  const std::string& path() const { return target_; }

 private:
  test::TempDir dir_{"tfhub_mnt"};
  std::string target_;
};

TEST_F(SharedCacheTest, ReadOnlyCacheServesHitsAndFailsMissesAtOnce) {
  ServeThrottled(0.05);
  ASSERT_TRUE(Resolve(dir_.path()).ok());
  ReadOnlyMount ro(dir_.path());
  ASSERT_EQ(access((ro.path() + "/" + key_).c_str(), F_OK), 0);
  auto hit = Resolve(ro.path());
  ASSERT_TRUE(hit.ok()) << hit.DebugString();
  EXPECT_EQ(hit.out, Module(ro.path()) + "\n");

  server_.SetRoute("/other.tar.gz", test::FakeResponse::Ok(ModelArchive()));
  const auto start = std::chrono::steady_clock::now();
  auto miss = test::RunProcess({TFHUB_CLI_PATH, "resolve", server_.url("/other.tar.gz")}, Env(ro.path()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(miss.exit_code, 1);
  EXPECT_THAT(miss.err, AllOf(HasSubstr(ro.path()), HasSubstr("Read-only file system")));
  EXPECT_EQ(server_.RequestCount("/other.tar.gz"), 0u);
}

}  // namespace
}  // namespace tfhub::itest
