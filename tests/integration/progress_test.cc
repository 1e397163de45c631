// Download progress: the library's ResolveOptions::progress reports, and the
// CLI's progress bar, seen through a real pseudo-terminal on stderr while
// stdout stays a pipe carrying the path only. The server drips the archive
// so the download lasts about a second and a half; the tests synchronise on
// the child's exit and the terminal's end of output, never on sleeps.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/sha1.h"
#include "testing/archive_builder.h"
#include "testing/fake_http_server.h"
#include "testing/random_bytes.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"
#include "tfhub/resolve.h"

extern char** environ;

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int kFiles = 12;
constexpr size_t kFileBytes = 100'000;
constexpr size_t kBytesPerSecond = 800'000;  // ~1.2 MB: about 1.5 s

// Random (incompressible) files, so the archive is as big as its contents.
std::string ModelArchive() {
  test::ArchiveWriter w(/*gzip=*/true);
  w.AddFile("saved_model.pb", "pb");
  w.AddDir("variables");
  for (int i = 0; i < kFiles - 1; ++i) {
    w.AddFile("variables/part-" + std::to_string(i), test::RandomBytes(kFileBytes, 7 + i));
  }
  return w.Finish();
}

// What the CLI leaves on each stream.
struct PtyResult {
  int exit_code = -1;
  std::string out;       // stdout (a pipe)
  std::string terminal;  // stderr (the pseudo-terminal), byte for byte
  std::string DebugString() const {
    return "exit " + std::to_string(exit_code) + "\nstdout: " + out + "\nterminal: " + testing::PrintToString(terminal);
  }
};

// Runs argv with stdin /dev/null, stdout a pipe and stderr the slave side of
// a new pseudo-terminal (raw mode: no "\n" → "\r\n", so every '\r' is the
// program's own; 100 columns). Returns once the child has exited and both
// streams reached their end.
PtyResult RunOnPty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env_changes) {
  // Everything the child needs, built before fork() (the test process has
  // threads: only async-signal-safe calls between fork and exec).
  test::EnvChanges changes;
  for (char** e = environ; *e != nullptr; ++e) {  // no configuration from the outside
    const std::string kv = *e;
    const std::string name = kv.substr(0, kv.find('='));
    if (name.rfind("TFHUB_", 0) == 0 || name.find("proxy") != std::string::npos ||
        name.find("PROXY") != std::string::npos) {
      changes[name] = std::nullopt;
    }
  }
  for (const auto& [k, v] : env_changes) changes[k] = v;
  std::vector<std::string> env_strings = test::BuildEnv(changes);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  termios raw{};
  cfmakeraw(&raw);
  winsize size{};
  size.ws_col = 100;
  size.ws_row = 24;
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, &raw, &size) != 0) throw std::runtime_error("openpty failed");
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const int dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // dup2 clears close-on-exec on the targets.
    if (dup2(dev_null, STDIN_FILENO) < 0 || dup2(out_pipe[1], STDOUT_FILENO) < 0 ||
        dup2(slave, STDERR_FILENO) < 0) {
      _exit(126);
    }
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(slave);
  close(out_pipe[1]);
  close(dev_null);

  PtyResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool out_open = true, pty_open = true;
  while (out_open || pty_open) {
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {pty_open ? master : -1, POLLIN, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);  // hung: fail instead of waiting forever
      ADD_FAILURE() << "the CLI did not finish within 60 s";
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[4096];
    if (out_open && fds[0].revents != 0) {
      const ssize_t n = read(out_pipe[0], buf, sizeof buf);
      if (n > 0) result.out.append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR) out_open = false;
    }
    if (pty_open && fds[1].revents != 0) {
      const ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) result.terminal.append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR) pty_open = false;  // EIO: the slave side is closed everywhere
    }
  }
  close(out_pipe[0]);
  close(master);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class ProgressTest : public ::testing::Test {
 protected:
  ProgressTest() : archive_(ModelArchive()) {
    test::FakeResponse r = test::FakeResponse::Ok(archive_);
    r.bytes_per_second = kBytesPerSecond;
    server_.SetRoute("/m.tar.gz", r);
    handle_ = server_.url("/m.tar.gz");
  }

  std::string ModulePath() const { return cache_.path() + "/" + base::Sha1Hex(handle_); }

  PtyResult TfhubOnPty(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), TFHUB_CLI_PATH);
    env["TFHUB_CACHE_DIR"] = cache_.path();
    return RunOnPty(args, env);
  }

  const std::string archive_;
  test::FakeHttpServer server_;
  std::string handle_;
  test::TempDir cache_{"tfhub_progress"};
};

// --- the library's reports ---------------------------------------------------

TEST_F(ProgressTest, LibraryReportsTheDownloadAndFinishesOnce) {
  ResolveOptions options;
  options.cache_dir = cache_.path();
  options.log = [](std::string_view) {};
  std::vector<DownloadProgress> reports;
  std::vector<std::chrono::steady_clock::time_point> times;
  options.progress = [&](const DownloadProgress& p) {
    reports.push_back(p);
    times.push_back(std::chrono::steady_clock::now());
  };
  auto path = resolve(handle_, options);
  ASSERT_TRUE(path.ok()) << path.status().ToString();

  ASSERT_GE(reports.size(), 4u);  // ~1.5 s at up to ten a second, and the last
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].handle, handle_);
    EXPECT_EQ(reports[i].total_bytes, archive_.size());
    EXPECT_EQ(reports[i].finished, i + 1 == reports.size()) << i;
    if (i > 0) {
      EXPECT_GE(reports[i].bytes_received, reports[i - 1].bytes_received);
      EXPECT_GE(reports[i].files_extracted, reports[i - 1].files_extracted);
    }
    if (i > 0 && i + 1 < reports.size()) {  // throttled, except the last
      EXPECT_GE(times[i] - times[i - 1], std::chrono::milliseconds(90)) << i;
    }
  }
  const DownloadProgress& last = reports.back();
  EXPECT_EQ(last.bytes_received, archive_.size());
  EXPECT_EQ(last.files_extracted, static_cast<uint64_t>(kFiles));
  EXPECT_EQ(last.bytes_extracted, 2 + (kFiles - 1) * kFileBytes);
  EXPECT_LT(reports.front().bytes_received, archive_.size());  // reported while streaming

  // A cache hit downloads nothing and reports nothing.
  reports.clear();
  ASSERT_TRUE(resolve(handle_, options).ok());
  EXPECT_THAT(reports, IsEmpty());
}

TEST_F(ProgressTest, LibraryReportsNoTotalWithoutContentLength) {
  test::FakeResponse r = test::FakeResponse::Ok(archive_);
  r.omit_content_length = true;
  server_.SetRoute("/m.tar.gz", r);
  ResolveOptions options;
  options.cache_dir = cache_.path();
  options.log = [](std::string_view) {};
  std::vector<DownloadProgress> reports;
  options.progress = [&](const DownloadProgress& p) { reports.push_back(p); };
  ASSERT_TRUE(resolve(handle_, options).ok());
  ASSERT_THAT(reports, Not(IsEmpty()));
  EXPECT_EQ(reports.back().total_bytes, std::nullopt);
  EXPECT_TRUE(reports.back().finished);
  EXPECT_EQ(reports.back().bytes_received, archive_.size());
}

TEST_F(ProgressTest, LibraryReportsNothingWhenTheServerRefuses) {
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Status(404, "Not Found"));
  ResolveOptions options;
  options.cache_dir = cache_.path();
  options.log = [](std::string_view) {};
  std::vector<DownloadProgress> reports;
  options.progress = [&](const DownloadProgress& p) { reports.push_back(p); };
  EXPECT_FALSE(resolve(handle_, options).ok());
  EXPECT_THAT(reports, IsEmpty());
}

// --- the CLI's bar -------------------------------------------------------------

TEST_F(ProgressTest, BarIsDrawnOnATerminalAndClearedBeforeThePathIsPrinted) {
  const PtyResult r = TfhubOnPty({"resolve", handle_});
  ASSERT_EQ(r.exit_code, 0) << r.DebugString();
  EXPECT_EQ(r.out, ModulePath() + "\n");
  const std::string& t = r.terminal;
  EXPECT_THAT(t, StartsWith("\r  ")) << r.DebugString();
  // Bytes of the total (1.1 MB), the bar, the rate and ETA, files so far.
  EXPECT_THAT(t, AllOf(HasSubstr(" / 1.1 MB  ["), HasSubstr("]  "), HasSubstr("B/s  ETA 0:0"), HasSubstr(" files")))
      << r.DebugString();
  EXPECT_THAT(t, EndsWith("\r\033[K")) << r.DebugString();  // erased at the end
  EXPECT_EQ(t.find('\n'), std::string::npos) << r.DebugString();  // redrawn in place only
  // Every line fits the 100 columns (no wrapping breaks the '\r' redraws).
  size_t start = 0;
  while (start < t.size()) {
    size_t end = t.find('\r', start + 1);
    if (end == std::string::npos) end = t.size();
    std::string line = t.substr(start, end - start);
    if (const auto esc = line.find("\033[K"); esc != std::string::npos) line.resize(esc);
    EXPECT_LE(line.size(), 1u + 99u) << testing::PrintToString(line);  // '\r' + 99 columns
    start = end;
  }
}

TEST_F(ProgressTest, NoBarWhenStderrIsNotATerminal) {
  const auto r = test::RunProcess({TFHUB_CLI_PATH, "resolve", handle_},
                                  {{"TFHUB_CACHE_DIR", cache_.path()},
                                   {"TFHUB_DOWNLOAD_PROGRESS", std::nullopt},
                                   {"TFHUB_OFFLINE", std::nullopt},
                                   {"TFHUB_MODEL_LOAD_FORMAT", std::nullopt},
                                   {"http_proxy", std::nullopt},
                                   {"all_proxy", std::nullopt},
                                   {"ALL_PROXY", std::nullopt}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, ModulePath() + "\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(ProgressTest, QuietLeavesTheTerminalEmpty) {
  const PtyResult r = TfhubOnPty({"resolve", "--quiet", handle_}, {{"TFHUB_DOWNLOAD_PROGRESS", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.DebugString();
  EXPECT_EQ(r.out, ModulePath() + "\n");
  EXPECT_EQ(r.terminal, "");
}

TEST_F(ProgressTest, QuietStillReportsErrors) {
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Status(404, "Not Found"));
  const PtyResult r = TfhubOnPty({"resolve", "-q", handle_});
  EXPECT_EQ(r.exit_code, 1) << r.DebugString();
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.terminal, AllOf(StartsWith("tfhub: error: "), HasSubstr("404")));
}

TEST_F(ProgressTest, DownloadProgressLinesReplaceTheBar) {
  const PtyResult r = TfhubOnPty({"resolve", handle_}, {{"TFHUB_DOWNLOAD_PROGRESS", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.DebugString();
  EXPECT_EQ(r.out, ModulePath() + "\n");
  EXPECT_THAT(r.terminal, HasSubstr("Downloading " + handle_ + ": ")) << r.DebugString();
  EXPECT_THAT(r.terminal, HasSubstr("Downloaded " + handle_ + ", Total size: ")) << r.DebugString();
  EXPECT_EQ(r.terminal.find('\r'), std::string::npos) << r.DebugString();
  EXPECT_THAT(r.terminal, Not(HasSubstr(" files")));
}

TEST_F(ProgressTest, CacheHitDrawsNothing) {
  ASSERT_EQ(TfhubOnPty({"resolve", handle_}).exit_code, 0);
  const PtyResult r = TfhubOnPty({"resolve", handle_});
  ASSERT_EQ(r.exit_code, 0) << r.DebugString();
  EXPECT_EQ(r.out, ModulePath() + "\n");
  EXPECT_EQ(r.terminal, "");
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 1u);
}

}  // namespace
}  // namespace tfhub::itest
