// The tfhub CLI as a user runs it: stdout carries the path only, errors go to
// stderr with a non-zero exit, configuration comes from env and flags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_env.h"
#include "base/sha1.h"
#include "served_models.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const test::EnvChanges& kCleanEnv = CleanCliEnv();

class CliTest : public ::testing::Test {
 protected:
  CliTest() : served_(ServedModels::Get()) { served_.nginx().ClearAccessLog(); }

  test::ProcessResult Tfhub(std::vector<std::string> args, test::EnvChanges env = {},
                            const std::string& cwd = "") {
    test::EnvChanges all = kCleanEnv;
    for (auto& [k, v] : env) all[k] = v;
    args.insert(args.begin(), TFHUB_CLI_PATH);
    return test::RunProcess(args, all, cwd);
  }

  std::string Model(const std::string& name = "tf2_half_plus_two_cpu") const {
    return served_.url("/models/" + name + ".tar.gz");
  }

  ServedModels& served_;
  test::TempDir dir_{"tfhub_cli"};
};

TEST_F(CliTest, ResolvePrintsOnlyThePath) {
  const std::string handle = Model();
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", dir_.path()}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, dir_.path() + "/" + base::Sha1Hex(handle) + "\n");
  EXPECT_EQ(r.err, "");
  // Second run: a hit, no request.
  ASSERT_TRUE(served_.nginx().WaitForAccessLogLines(1));
  const auto requests = served_.nginx().AccessLog().size();
  auto again = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", dir_.path()}});
  EXPECT_EQ(again.out, r.out);
  EXPECT_EQ(served_.nginx().AccessLog().size(), requests);
}

TEST_F(CliTest, ErrorsGoToStderrWithNonZeroExit) {
  const std::string handle = served_.url("/models/missing.tar.gz");
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", dir_.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, AllOf(StartsWith("tfhub: error: "), HasSubstr("HTTP Error 404: Not Found"),
                           HasSubstr(handle)));
  EXPECT_THAT(test::ListDir(dir_.path()), IsEmpty());
}

TEST_F(CliTest, EnvCacheDirBeatsFlagAndEmptyEnvCountsAsUnset) {
  const std::string handle = Model("tfjs_times_two_int");
  const std::string key = base::Sha1Hex(handle);
  auto r = Tfhub({"resolve", handle, "--tfhub_cache_dir", dir_.Sub("flag")},
                 {{"TFHUB_CACHE_DIR", dir_.Sub("env")}});
  EXPECT_EQ(r.out, dir_.Sub("env") + "/" + key + "\n") << r.DebugString();
  r = Tfhub({"--tfhub_cache_dir", dir_.Sub("flag"), "resolve", handle}, {{"TFHUB_CACHE_DIR", ""}});
  EXPECT_EQ(r.out, dir_.Sub("flag") + "/" + key + "\n") << r.DebugString();
}

TEST_F(CliTest, DefaultCacheIsUnderTheTempDir) {
  const std::string handle = Model("tfjs_times_two_int");
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", ""}, {"TMPDIR", dir_.path()}});
  EXPECT_EQ(r.out, dir_.path() + "/tfhub_modules/" + base::Sha1Hex(handle) + "\n") << r.DebugString();
}

TEST_F(CliTest, FileUriCacheDirKeepsTheUriForm) {
  const std::string handle = Model("tfjs_times_two_int");
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", "file://" + dir_.Sub("c")}});
  EXPECT_EQ(r.out, "file://" + dir_.Sub("c") + "/" + base::Sha1Hex(handle) + "\n") << r.DebugString();
  EXPECT_TRUE(test::PathExists(dir_.Sub("c/" + base::Sha1Hex(handle) + "/saved_model.pb")));
}

TEST_F(CliTest, RelativeCacheDirGivesRelativeOutput) {
  const std::string handle = Model("tfjs_times_two_int");
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", "rel/cache"}}, dir_.path());
  EXPECT_EQ(r.out, "rel/cache/" + base::Sha1Hex(handle) + "\n") << r.DebugString();
  EXPECT_TRUE(test::PathExists(dir_.Sub("rel/cache/" + base::Sha1Hex(handle))));
}

TEST_F(CliTest, LocalPathsComeBackExactlyAsTyped) {
  test::MakeDirs(dir_.Sub("d"));
  EXPECT_EQ(Tfhub({"resolve", dir_.Sub("d") + "/"}).out, dir_.Sub("d") + "/\n");
  EXPECT_EQ(Tfhub({"resolve", "d//."}, {}, dir_.path()).out, "d//.\n");
  auto missing = Tfhub({"resolve", "/foo/"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("/foo/ does not exist."));
  auto scheme = Tfhub({"resolve", "nope://x"});
  EXPECT_EQ(scheme.exit_code, 1);
  EXPECT_THAT(scheme.err, HasSubstr("File system scheme 'nope' not implemented"));
}

TEST_F(CliTest, LoadFormats) {
  const std::string handle = Model("tfjs_times_two_int");
  auto bad = Tfhub({"resolve", handle}, {{"TFHUB_MODEL_LOAD_FORMAT", "compressed"}});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("valid values are AUTO, COMPRESSED and UNCOMPRESSED"));
  auto bad_flag = Tfhub({"--tfhub_model_load_format", "FOO", "resolve", handle});
  EXPECT_EQ(bad_flag.exit_code, 2);

  // UNCOMPRESSED asks once for the gs:// location; a plain file (200) is
  // the reference's "Expected 303" error (item 39), and no cache is touched.
  const std::string unused_cache = dir_.Sub("unused-cache");
  auto unc = Tfhub({"resolve", handle}, {{"TFHUB_MODEL_LOAD_FORMAT", "UNCOMPRESSED"},
                                         {"TFHUB_CACHE_DIR", unused_cache}});
  EXPECT_EQ(unc.exit_code, 1);
  EXPECT_THAT(unc.err, HasSubstr("Expected 303 See other HTTP response but received code 200"));
  ASSERT_TRUE(served_.nginx().WaitForAccessLogLines(1));  // nginx logs after the client has its answer
  EXPECT_THAT(served_.nginx().AccessLog(),
              ElementsAre(HasSubstr("GET /models/tfjs_times_two_int.tar.gz?tf-hub-format=uncompressed 200")));
  EXPECT_FALSE(test::PathExists(unused_cache));
  served_.nginx().ClearAccessLog();

  test::MakeDirs(dir_.Sub("local"));
  auto local = Tfhub({"resolve", dir_.Sub("local")}, {{"TFHUB_MODEL_LOAD_FORMAT", "UNCOMPRESSED"}});
  EXPECT_EQ(local.out, dir_.Sub("local") + "\n");

  for (const char* fmt : {"AUTO", "COMPRESSED"}) {
    test::TempDir cache;
    auto ok = Tfhub({"resolve", handle, "--tfhub_model_load_format", fmt}, {{"TFHUB_CACHE_DIR", cache.path()}});
    EXPECT_TRUE(ok.ok()) << ok.DebugString();
  }
}

TEST_F(CliTest, ProgressGoesToStderrAndStdoutStaysClean) {
  const std::string handle = Model("tf1_half_plus_two_cpu");
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", dir_.path()}, {"TFHUB_DOWNLOAD_PROGRESS", "1"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, dir_.path() + "/" + base::Sha1Hex(handle) + "\n");
  EXPECT_THAT(r.err, HasSubstr("Downloaded " + handle + ", Total size: "));
}

TEST_F(CliTest, Sha256PinAndBadSettings) {
  const std::string handle = Model("tfjs_times_two_int");
  auto wrong = Tfhub({"resolve", handle, "--sha256", std::string(64, 'A')}, {{"TFHUB_CACHE_DIR", dir_.path()}});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("SHA-256"));
  EXPECT_THAT(test::ListDir(dir_.path()), IsEmpty());
  auto malformed = Tfhub({"resolve", handle, "--sha256", "xyz"});
  EXPECT_EQ(malformed.exit_code, 2);
  auto timeout = Tfhub({"resolve", handle}, {{"TFHUB_LOCK_TIMEOUT_SEC", "soon"}});
  EXPECT_EQ(timeout.exit_code, 2);
  EXPECT_THAT(timeout.err, HasSubstr("TFHUB_LOCK_TIMEOUT_SEC"));
}

TEST_F(CliTest, VersionAndHelp) {
  auto v = Tfhub({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.out, StartsWith("tfhub "));
  auto h = Tfhub({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_THAT(h.out, AllOf(HasSubstr("resolve"), HasSubstr("--tfhub_cache_dir"),
                           HasSubstr("--tfhub_model_load_format")));
  auto help_resolve = Tfhub({"help", "resolve"});
  EXPECT_EQ(help_resolve.exit_code, 0);
  EXPECT_THAT(help_resolve.out, AllOf(HasSubstr("--sha256"), HasSubstr("HANDLE")));
  auto help_prune = Tfhub({"help", "cache", "prune"});
  EXPECT_EQ(help_prune.exit_code, 0) << help_prune.DebugString();
  EXPECT_THAT(help_prune.out, HasSubstr("--older-than"));
  auto help_nope = Tfhub({"help", "nope"});
  EXPECT_EQ(help_nope.exit_code, 2);
  EXPECT_EQ(help_nope.out, "");
  EXPECT_THAT(help_nope.err, HasSubstr("tfhub: error: no such command: 'nope' (tfhub has: resolve, show, cache, help)"));
  auto help_help = Tfhub({"help", "help"});
  EXPECT_EQ(help_help.exit_code, 0);
  EXPECT_THAT(help_help.out, HasSubstr("--json"));
  auto none = Tfhub({});
  EXPECT_EQ(none.exit_code, 2);
  auto unknown = Tfhub({"resolve"});
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace tfhub::itest
