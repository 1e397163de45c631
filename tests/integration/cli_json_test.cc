// The CLI's machine-facing contract: every command takes --json and prints
// one JSON document on stdout, failures included ({"error": {"code",
// "message"}}, same exit code, message still on stderr); the exit codes are
// the ones README.md lists; `tfhub help COMMAND` covers every command.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "cli_env.h"
#include "base/sha1.h"
#include "base/system.h"
#include "served_models.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

extern char** environ;

namespace tfhub::itest {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const test::EnvChanges& kCleanEnv = CleanCliEnv();

// stdout must be exactly one JSON document (parse() refuses trailing data).
json ParseOne(const test::ProcessResult& r) {
  try {
    return json::parse(r.out);
  } catch (const json::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON document: " << e.what() << "\n" << r.DebugString();
    return json();
  }
}

// A tfhub child whose stderr is a terminal (a pty) or a pipe, and whose
// stdout goes to a file: the interrupt tests watch stderr while it runs.
class Child {
 public:
  Child(std::vector<std::string> args, const test::EnvChanges& changes, bool tty, const std::string& stdout_file) {
    std::vector<std::string> env_strings = test::BuildEnv(changes);
    args.insert(args.begin(), TFHUB_CLI_PATH);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    int pipe_fds[2] = {-1, -1};
    if (tty) {
      pid_ = ::forkpty(&fd_, nullptr, nullptr, nullptr);
    } else {
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
      pid_ = ::fork();
    }
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {  // only async-signal-safe calls from here on
      const int out = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int in = ::open("/dev/null", O_RDONLY);
      if (out < 0 || in < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(in, STDIN_FILENO) < 0) ::_exit(126);
      if (!tty && ::dup2(pipe_fds[1], STDERR_FILENO) < 0) ::_exit(126);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    if (!tty) {
      ::close(pipe_fds[1]);
      fd_ = pipe_fds[0];
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  // Reads stderr until it contains `text`; false on EOF or after 30 s.
  bool WaitForErr(std::string_view text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (err_.find(text) == std::string::npos) {
      if (!ReadSome(deadline)) return false;
    }
    return true;
  }

  // Sends `sig`, reads stderr to its end and reaps the child; its exit code
  // (-1 if a signal killed it).
  int Signal(int sig) {
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (ReadSome(deadline)) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& err() const { return err_; }

 private:
  // One read; false at EOF (EIO on a pty whose other side closed) or the deadline.
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    err_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string err_;
};

class CliJsonTest : public ::testing::Test {
 protected:
  CliJsonTest() : served_(ServedModels::Get()) {}

  test::ProcessResult Tfhub(std::vector<std::string> args, test::EnvChanges env = {}) {
    test::EnvChanges all = kCleanEnv;
    all["TFHUB_CACHE_DIR"] = cache();
    for (auto& [k, v] : env) all[k] = v;
    args.insert(args.begin(), TFHUB_CLI_PATH);
    return test::RunProcess(args, all);
  }

  std::string Model(const std::string& name = "tfjs_times_two_int") const {
    return served_.url("/models/" + name + ".tar.gz");
  }
  std::string cache() const { return dir_.Sub("cache"); }

  // A lock on `handle`'s key held by this (live) process: a resolve of it
  // waits, announcing so on stderr, until it is interrupted.
  void LockAsLiveProcess(const std::string& handle) {
    test::WriteStringToFile(cache() + "/" + base::Sha1Hex(handle) + ".lock",
                            base::HostName() + "." + std::to_string(::getpid()) + "." + std::string(32, 'a'));
  }

  ServedModels& served_;
  test::TempDir dir_{"tfhub_cli_json"};
};

TEST_F(CliJsonTest, ResolveJsonNamesThePathAndTheCacheEntry) {
  const std::string handle = Model();
  auto r = Tfhub({"resolve", handle, "--json"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const json j = ParseOne(r);
  EXPECT_EQ(j, json({{"handle", handle},
                     {"path", cache() + "/" + base::Sha1Hex(handle)},
                     {"cache_dir", cache()},
                     {"key", base::Sha1Hex(handle)}}));
  EXPECT_EQ(r.err, "");

  test::MakeDirs(dir_.Sub("local"));
  auto local = Tfhub({"resolve", dir_.Sub("local") + "/", "--json"});
  ASSERT_TRUE(local.ok()) << local.DebugString();
  EXPECT_EQ(ParseOne(local), json({{"handle", dir_.Sub("local") + "/"},
                                   {"path", dir_.Sub("local") + "/"},
                                   {"cache_dir", nullptr},
                                   {"key", nullptr}}));
  // A local path inside the cache dir is still a local path.
  auto inside = Tfhub({"resolve", cache() + "/" + base::Sha1Hex(handle), "--json"});
  EXPECT_EQ(ParseOne(inside)["key"], nullptr);
}

TEST_F(CliJsonTest, EveryCommandPrintsOneJsonDocument) {
  const std::string handle = Model();
  ASSERT_TRUE(Tfhub({"resolve", handle}).ok());
  const std::vector<std::vector<std::string>> commands = {
      {"resolve", handle, "--json"},
      {"show", Model("rust_regression_savedmodel"), "--json"},
      {"show", Model("rust_regression_savedmodel"), "--json", "--tensor", "w/.ATTRIBUTES/VARIABLE_VALUE"},
      {"cache", "list", "--json"},
      {"cache", "--json", "list"},
      {"cache", "du", "--json"},
      {"cache", "verify", "--json"},
      {"cache", "clean", "--dry-run", "--json"},
      {"cache", "prune", "--older-than", "1d", "--dry-run", "--json"},
      {"cache", "rm", "--dry-run", base::Sha1Hex(handle), "--json"},
      {"help", "--json"},
      {"help", "cache", "rm", "--json"},
      {"resolve", "--help", "--json"},
  };
  for (const auto& args : commands) {
    auto r = Tfhub(args);
    const std::string what = ::testing::PrintToString(args);
    EXPECT_EQ(r.exit_code, 0) << what << r.DebugString();
    const json j = ParseOne(r);
    EXPECT_TRUE(j.is_object()) << what;
    EXPECT_FALSE(j.contains("error")) << what << r.out;
  }
}

TEST_F(CliJsonTest, FailuresAreAnErrorDocumentWithTheSameExitCode) {
  struct Case {
    std::vector<std::string> args;
    test::EnvChanges env;
    int exit_code;
    std::string code;
    std::string message;
  };
  test::WriteStringToFile(dir_.Sub("plain/file.txt"), "x");
  const std::vector<Case> cases = {
      {{"resolve", served_.url("/models/missing.tar.gz")}, {}, 1, "not_found", "HTTP Error 404: Not Found"},
      {{"resolve", "/no/such/dir"}, {}, 1, "not_found", "/no/such/dir does not exist."},
      {{"resolve", Model()}, {{"TFHUB_MODEL_LOAD_FORMAT", "bad"}}, 2, "invalid_argument", "valid values are"},
      {{"--offline", "resolve", Model()}, {}, 1, "", "offline"},
      {{"resolve", Model(), "--sha256", "xyz"}, {}, 2, "invalid_argument", "64 hexadecimal digits"},
      {{"resolve"}, {}, 2, "invalid_argument", "handle is required"},
      {{"show", dir_.Sub("plain")}, {}, 1, "", "contains neither 'saved_model.pb'"},
      {{"cache", "prune"}, {}, 2, "invalid_argument", "prune needs --older-than and/or --max-size"},
      {{"cache", "prune", "--max-size", "lots"}, {}, 2, "invalid_argument", "--max-size"},
      {{"cache", "list"}, {{"TFHUB_CACHE_DIR", "nope://x"}}, 1, "unimplemented", "nope"},
      {{"cache", "frobnicate"}, {}, 2, "invalid_argument", "no such command: 'cache frobnicate' (tfhub cache has: list,"},
      {{"frobnicate"}, {}, 2, "invalid_argument", "no such command: 'frobnicate' (tfhub has: resolve, show,"},
      {{"cache"}, {}, 2, "invalid_argument", "tfhub cache needs a command: list, du, rm, prune, verify, clean"},
      {{"help", "nope"}, {}, 2, "invalid_argument", "no such command: 'nope'"},
  };
  for (const auto& c : cases) {
    const std::string what = ::testing::PrintToString(c.args);
    auto text = Tfhub(c.args, c.env);
    auto args = c.args;
    args.push_back("--json");
    auto r = Tfhub(args, c.env);
    EXPECT_EQ(text.exit_code, c.exit_code) << what << text.DebugString();
    EXPECT_EQ(r.exit_code, c.exit_code) << what << r.DebugString();
    EXPECT_EQ(text.out, "") << what;
    const json j = ParseOne(r);
    ASSERT_TRUE(j.contains("error")) << what << r.out;
    EXPECT_EQ(j.size(), 1u) << what << r.out;
    if (!c.code.empty()) {
      EXPECT_EQ(j["error"]["code"], c.code) << what;
    }
    EXPECT_TRUE(j["error"]["code"].is_string()) << what;
    EXPECT_THAT(j["error"]["message"].get<std::string>(), HasSubstr(c.message)) << what;
    // The human-readable message goes to stderr in both modes.
    EXPECT_THAT(r.err, HasSubstr(c.message)) << what;
    EXPECT_THAT(text.err, HasSubstr(c.message)) << what;
  }
}

TEST_F(CliJsonTest, ShowFailuresInJson) {
  const std::string handle = Model("rust_regression_savedmodel");
  auto sig = Tfhub({"show", handle, "--signature", "nope", "--json"});
  EXPECT_EQ(sig.exit_code, 2) << sig.DebugString();
  EXPECT_EQ(ParseOne(sig)["error"]["code"], "invalid_argument");
  EXPECT_THAT(sig.err, HasSubstr("no signature 'nope'"));
  auto tensor = Tfhub({"show", handle, "--tensor", "nope", "--json"});
  EXPECT_EQ(tensor.exit_code, 1) << tensor.DebugString();
  EXPECT_THAT(ParseOne(tensor)["error"]["message"].get<std::string>(), HasSubstr("'nope'"));
  EXPECT_THAT(tensor.err, StartsWith("tfhub: error: "));
}

TEST_F(CliJsonTest, CacheRemovalFailuresKeepTheResultAndAddTheError) {
  const std::string handle = Model();
  ASSERT_TRUE(Tfhub({"resolve", handle}).ok());
  const std::string never = "https://example.com/never-cached.tar.gz";
  auto r = Tfhub({"cache", "rm", "--dry-run", handle, never, "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.DebugString();
  const json j = ParseOne(r);
  ASSERT_EQ(j["removed"].size(), 1u) << r.out;
  EXPECT_EQ(j["removed"][0]["handle"], handle);
  EXPECT_EQ(j["errors"], json::array({{{"target", never},
                                       {"code", "not_found"},
                                       {"error", never + " is not in the cache " + cache()}}}));
  EXPECT_EQ(j["error"], json({{"code", "not_found"}, {"message", never + " is not in the cache " + cache()}}));
  EXPECT_THAT(r.err, HasSubstr("tfhub: error: " + never + " is not in the cache"));

  auto two = Tfhub({"cache", "rm", never, never + "2", "--json"});
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_THAT(ParseOne(two)["error"]["message"].get<std::string>(), HasSubstr("(and 1 more errors)"));
}

// The exit codes README.md lists, each produced where it applies (130 and
// 143: InterruptsExit130And143).
TEST_F(CliJsonTest, ExitCodesAreTheDocumentedOnes) {
  std::ifstream readme(std::string(TFHUB_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << readme.rdbuf();
  const std::string doc = text.str();
  const auto section = doc.find("### Exit codes");
  ASSERT_NE(section, std::string::npos);
  std::set<int> documented;
  const std::regex row(R"(\n\| `(\d+)` \|)");
  const std::string table = doc.substr(section, doc.find("\n\n", doc.find("\n|", section)) - section);
  for (std::sregex_iterator it(table.begin(), table.end(), row), end; it != end; ++it) {
    documented.insert(std::stoi((*it)[1]));
  }
  EXPECT_EQ(documented, (std::set<int>{0, 1, 2, 3, 130, 143}));

  const std::string handle = Model();
  EXPECT_EQ(Tfhub({"resolve", handle}).exit_code, 0);
  EXPECT_EQ(Tfhub({"resolve", served_.url("/models/missing.tar.gz")}).exit_code, 1);
  EXPECT_EQ(Tfhub({"resolve", handle, "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(Tfhub({"nope"}).exit_code, 2);
  EXPECT_EQ(Tfhub({"cache", "verify"}).exit_code, 0);
  test::WriteStringToFile(cache() + "/" + base::Sha1Hex(handle) + "/saved_model.pb", "");  // damage
  auto damaged = Tfhub({"cache", "verify", "--json"});
  EXPECT_EQ(damaged.exit_code, 3) << damaged.DebugString();
  const json j = ParseOne(damaged);
  EXPECT_EQ(j["damaged"], 1);
  EXPECT_FALSE(j.contains("error"));  // damage found is a result, not a failure
}

TEST_F(CliJsonTest, InterruptsExit130And143) {
  const std::string handle = Model();
  LockAsLiveProcess(handle);
  test::EnvChanges env = kCleanEnv;
  env["TFHUB_CACHE_DIR"] = cache();
  constexpr std::string_view kWaiting = "already being downloaded";

  // Ctrl-C with stderr on a terminal: the message starts by erasing the
  // line (where a progress bar may be).
  {
    Child tty({"resolve", handle}, env, /*tty=*/true, dir_.Sub("tty.out"));
    ASSERT_TRUE(tty.WaitForErr(kWaiting)) << tty.err();
    EXPECT_EQ(tty.Signal(SIGINT), 130) << tty.err();
    EXPECT_THAT(tty.err(), HasSubstr("\r\033[Ktfhub: interrupted; stopping and cleaning up"));
    EXPECT_EQ(test::ReadFileToString(dir_.Sub("tty.out")), "");
  }
  // SIGTERM, stderr a pipe, --json: no escape sequence; the error document.
  {
    Child pipe({"resolve", handle, "--json"}, env, /*tty=*/false, dir_.Sub("pipe.out"));
    ASSERT_TRUE(pipe.WaitForErr(kWaiting)) << pipe.err();
    EXPECT_EQ(pipe.Signal(SIGTERM), 143) << pipe.err();
    EXPECT_THAT(pipe.err(), AllOf(HasSubstr("\ntfhub: interrupted; stopping"), Not(HasSubstr("\033"))));
    const json j = json::parse(test::ReadFileToString(dir_.Sub("pipe.out")));
    EXPECT_EQ(j["error"]["code"], "aborted");
    EXPECT_THAT(j["error"]["message"].get<std::string>(), HasSubstr("interrupted"));
  }
  // The lock is not ours to remove: it is still there.
  EXPECT_TRUE(test::PathExists(cache() + "/" + base::Sha1Hex(handle) + ".lock"));
}

TEST_F(CliJsonTest, HelpCoversEveryCommandAndSubcommand) {
  auto top = Tfhub({"help", "--json"});
  ASSERT_TRUE(top.ok()) << top.DebugString();
  const json root = ParseOne(top);
  EXPECT_EQ(root["command"], "tfhub");
  // Walk the whole tree that `help --json` describes.
  std::vector<std::vector<std::string>> pending = {{}};
  std::set<std::string> seen;
  while (!pending.empty()) {
    const auto path = pending.back();
    pending.pop_back();
    std::string name = "tfhub";
    for (const auto& p : path) name += " " + p;
    seen.insert(name);

    auto args = path;
    args.insert(args.begin(), "help");
    auto text = Tfhub(args);
    EXPECT_EQ(text.exit_code, 0) << name << text.DebugString();
    EXPECT_THAT(text.out, HasSubstr("Usage:")) << name;
    args.push_back("--json");
    auto r = Tfhub(args);
    EXPECT_EQ(r.exit_code, 0) << name << r.DebugString();
    const json j = ParseOne(r);
    EXPECT_EQ(j["command"], name);
    EXPECT_TRUE(j["description"].is_string()) << name;
    bool has_json_flag = false;
    for (const auto& o : j["options"]) {
      EXPECT_TRUE(o["takes_value"].is_boolean()) << name;
      if (o["names"] == json::array({"--json"})) has_json_flag = true;
    }
    // Every command that runs takes --json (`cache` alone only dispatches,
    // and takes it too).
    if (!path.empty()) {
      EXPECT_TRUE(has_json_flag) << name;
    }
    for (const auto& sub : j["subcommands"]) {
      auto next = path;
      next.push_back(sub["name"]);
      pending.push_back(next);
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"tfhub", "tfhub resolve", "tfhub show", "tfhub help", "tfhub cache",
                                         "tfhub cache list", "tfhub cache du", "tfhub cache rm", "tfhub cache prune",
                                         "tfhub cache verify", "tfhub cache clean"}));

  auto prune = ParseOne(Tfhub({"help", "cache", "prune", "--json"}));
  bool older_than = false;
  for (const auto& o : prune["options"]) {
    if (o["names"] == json::array({"--older-than"})) {
      older_than = true;
      EXPECT_TRUE(o["takes_value"].get<bool>());
    }
  }
  EXPECT_TRUE(older_than);
  const json resolve = ParseOne(Tfhub({"help", "resolve", "--json"}));
  ASSERT_EQ(resolve["arguments"].size(), 1u);
  EXPECT_EQ(resolve["arguments"][0]["name"], "handle");
  EXPECT_TRUE(resolve["arguments"][0]["required"].get<bool>());

  auto unknown = Tfhub({"help", "cache", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.out, "");
  EXPECT_THAT(unknown.err, AllOf(HasSubstr("no such command: 'cache nope'"), HasSubstr("list, du, rm, prune")));
  auto unknown_top = Tfhub({"help", "nope"});
  EXPECT_EQ(unknown_top.exit_code, 2);
  EXPECT_THAT(unknown_top.err, AllOf(HasSubstr("no such command: 'nope'"), HasSubstr("resolve, show, cache, help")));
}

}  // namespace
}  // namespace tfhub::itest
