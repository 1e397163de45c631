#include "testing/subprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "testing/temp_dir.h"

namespace tfhub::test {
namespace {

using ::testing::HasSubstr;

TEST(RunProcessTest, CapturesStdoutStderrAndExitCode) {
  ProcessResult r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.DebugString(), HasSubstr("exit code 3"));
}

TEST(RunProcessTest, ArgumentsAreNotInterpretedByAShell) {
  ProcessResult r = RunProcess({"printf", "%s|", "a b", "$HOME", "*", "'q'"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, "a b|$HOME|*|'q'|");
}

TEST(RunProcessTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  // stderr is filled first, then stdout: a reader that drains stdout to EOF
  // before touching stderr would deadlock here.
  ProcessResult r = RunProcess(
      {"sh", "-c", "head -c 3000000 /dev/zero >&2; head -c 4000000 /dev/zero; "
                   "head -c 1000000 /dev/zero >&2"});
  ASSERT_TRUE(r.ok()) << r.exit_code;
  EXPECT_EQ(r.out.size(), 4000000u);
  EXPECT_EQ(r.err.size(), 4000000u);
}

TEST(RunProcessTest, EnvChangesSetAndUnsetAndInheritTheRest) {
  setenv("TFHUB_SUBPROCESS_TEST_INHERITED", "inherited", 1);
  setenv("TFHUB_SUBPROCESS_TEST_UNSET_ME", "x", 1);
  ProcessResult r = RunProcess(
      {"env"}, {{"TFHUB_SUBPROCESS_TEST_NEW", "new value"},
                {"TFHUB_SUBPROCESS_TEST_UNSET_ME", std::nullopt}});
  unsetenv("TFHUB_SUBPROCESS_TEST_INHERITED");
  unsetenv("TFHUB_SUBPROCESS_TEST_UNSET_ME");
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.out, HasSubstr("\nTFHUB_SUBPROCESS_TEST_NEW=new value\n"));
  EXPECT_THAT(r.out, HasSubstr("TFHUB_SUBPROCESS_TEST_INHERITED=inherited\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("TFHUB_SUBPROCESS_TEST_UNSET_ME")));
}

TEST(RunProcessTest, PathFromEnvChangesIsUsedForLookup) {
  TempDir dir;
  WriteStringToFile(dir.Sub("bin/my-tool"), "#!/bin/sh\necho from-my-tool\n");
  ASSERT_EQ(chmod(dir.Sub("bin/my-tool").c_str(), 0755), 0);
  ProcessResult r = RunProcess({"my-tool"}, {{"PATH", dir.Sub("bin") + ":/usr/bin:/bin"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, "from-my-tool\n");
}

TEST(RunProcessTest, RunsInCwd) {
  TempDir dir;
  char resolved[4096];
  ASSERT_NE(realpath(dir.path().c_str(), resolved), nullptr);
  ProcessResult r = RunProcess({"pwd", "-P"}, {}, dir.path());
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, std::string(resolved) + "\n");
}

TEST(RunProcessTest, StartFailuresThrow) {
  EXPECT_THROW(RunProcess({"tfhub-no-such-program-xyz"}), std::runtime_error);
  EXPECT_THROW(RunProcess({"/nonexistent/prog"}), std::runtime_error);
  EXPECT_THROW(RunProcess({}), std::runtime_error);
  try {
    RunProcess({"true"}, {}, "/nonexistent-dir-xyz");
    FAIL() << "expected throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent-dir-xyz"));
  }
}

TEST(RunProcessTest, GrandchildHoldingStdoutDoesNotBlockCompletion) {
  ProcessResult r = RunProcess({"sh", "-c", "echo before; sleep 30 & echo $!"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  ASSERT_EQ(r.out.rfind("before\n", 0), 0u) << r.out;
  pid_t grandchild = static_cast<pid_t>(std::stol(r.out.substr(7)));
  ASSERT_GT(grandchild, 0);
  EXPECT_EQ(kill(grandchild, SIGKILL), 0);
}

TEST(RunProcessTest, ReportsTerminatingSignal) {
  ProcessResult r = RunProcess({"sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.ok());
}

TEST(RunProcessTest, FeedsStdin) {
  RunOptions options;
  options.stdin_data = std::string(2000000, 'q') + "end";
  ProcessResult r = RunProcessWithOptions({"cat"}, options);
  ASSERT_TRUE(r.ok()) << r.exit_code;
  EXPECT_EQ(r.out, *options.stdin_data);
  // Default stdin is /dev/null: cat sees EOF immediately.
  EXPECT_EQ(RunProcess({"cat"}).out, "");
}

TEST(RunProcessTest, ChildThatIgnoresStdinDoesNotBreakUs) {
  RunOptions options;
  options.stdin_data = std::string(5000000, 'q');
  ProcessResult r = RunProcessWithOptions({"true"}, options);
  EXPECT_TRUE(r.ok());
}

TEST(RunProcessTest, TimeoutKillsTheChild) {
  RunOptions options;
  options.timeout = std::chrono::milliseconds(100);
  ProcessResult r = RunProcessWithOptions({"sleep", "30"}, options);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
}

TEST(ProcessTest, KillAndWait) {
  Process p;
  p.Start({"sleep", "30"});
  EXPECT_GT(p.pid(), 0);
  EXPECT_TRUE(p.running());
  EXPECT_FALSE(p.WaitFor(std::chrono::milliseconds(1)).has_value());
  p.Kill(SIGTERM);
  ProcessResult r = p.Wait();
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.Wait().term_signal, SIGTERM);  // idempotent
  p.Kill(SIGTERM);                           // no-op after reaping
}

TEST(ProcessTest, WaitForReturnsResult) {
  Process p;
  p.Start({"sh", "-c", "echo hello"}, {});
  std::optional<ProcessResult> r = p.WaitFor(std::chrono::seconds(10));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out, "hello\n");
}

TEST(ProcessTest, DestructorKillsRunningChild) {
  pid_t pid;
  {
    Process p;
    p.Start({"sleep", "30"});
    pid = p.pid();
  }
  // Already reaped by the destructor: it is no longer our child.
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ProcessTest, KillWhenParentDies) {
  // The "parent" is the thread that starts the child: start it on a thread
  // that then exits, and the child must be killed.
  Process p;
  std::thread([&p] {
    RunOptions options;
    options.kill_when_parent_dies = true;
    p.StartWithOptions({"sleep", "30"}, options);
  }).join();
  std::optional<ProcessResult> r = p.WaitFor(std::chrono::seconds(10));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->term_signal, SIGKILL);
}

TEST(ProcessTest, ManyConcurrentRuns) {
  std::vector<std::thread> threads;
  std::vector<std::string> outs(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([i, &outs] {
      outs[static_cast<size_t>(i)] =
          RunProcess({"sh", "-c", "echo $0", std::to_string(i)}).out;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(outs[static_cast<size_t>(i)], std::to_string(i) + "\n");
  }
}

}  // namespace
}  // namespace tfhub::test
