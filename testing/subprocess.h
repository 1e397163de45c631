// Test-support: running programs without a shell, capturing their output.
//
// Contract:
//  * argv[0] is the program; if it contains no '/', it is searched in the
//    PATH of the child's environment (after env_changes are applied).
//  * env_changes: a value sets the variable, std::nullopt unsets it; all
//    other variables are inherited from this process.
//  * cwd: empty = inherit this process's working directory.
//  * stdin is /dev/null unless RunOptions::stdin_data is given (then it is
//    written to the child's stdin, which is then closed).
//  * stdout and stderr are captured fully and concurrently (poll), so large
//    outputs on either stream cannot deadlock.
//  * Failure to start the program (not found, not executable, bad cwd)
//    throws std::runtime_error; a non-zero exit is NOT an error here - it is
//    reported in ProcessResult.
//  * RunOptions::credentials runs the program as another user (root only):
//    the child sets its supplementary groups, gid and uid (in that order, by
//    raw setgroups/setresgid/setresuid) before it changes directory and
//    executes. A failure to do so is reported like a failed exec.
//  * Thread-safe: may be called from several threads at once (fork+execve,
//    with only async-signal-safe calls in the child).
#ifndef TFHUB_TESTING_SUBPROCESS_H_
#define TFHUB_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tfhub::test {

using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct ProcessResult {
  // WEXITSTATUS if the process exited normally, else -1.
  int exit_code = -1;
  // WTERMSIG if the process was killed by a signal, else 0.
  int term_signal = 0;
  std::string out;  // everything written to stdout
  std::string err;  // everything written to stderr
  // True if RunOptions::timeout elapsed and the process was SIGKILLed.
  bool timed_out = false;

  bool ok() const { return exit_code == 0 && term_signal == 0; }
  // Multi-line human-readable summary (status, stdout, stderr) for
  // assertion messages: EXPECT_EQ(r.exit_code, 0) << r.DebugString();
  std::string DebugString() const;
};

// Who a child runs as (see RunOptions::credentials).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups
};

struct RunOptions {
  EnvChanges env_changes;
  std::string cwd;
  std::optional<std::string> stdin_data;
  // 0 = no limit. Otherwise the process is SIGKILLed after this long and
  // ProcessResult::timed_out is set.
  std::chrono::milliseconds timeout{0};
  // Linux PR_SET_PDEATHSIG: the child gets SIGKILL when the *thread* that
  // started it exits (including when this whole process dies without
  // running destructors: crash, abort, _exit, ctest timeout). Only use it
  // from a thread that outlives the child, e.g. the test's main thread.
  bool kill_when_parent_dies = false;
  // When set, the child runs with these ids instead of this process's
  // (requires root; see the contract above).
  std::optional<Credentials> credentials;
};

// This process's environment with `changes` applied, as "NAME=value"
// strings (sorted by name) for execve().
std::vector<std::string> BuildEnv(const EnvChanges& changes);

// Runs argv to completion and returns its status and output.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const EnvChanges& env_changes = {},
                         const std::string& cwd = "");
// Same with all options, e.g.
//   RunProcessWithOptions({"cat"}, {.stdin_data = "x", .timeout = 5s});
ProcessResult RunProcessWithOptions(const std::vector<std::string>& argv,
                                    const RunOptions& options);

// An asynchronously running child. Its output is drained by a background
// thread, so the child never blocks on a full pipe.
// Destroying a still-running Process sends SIGKILL and reaps it.
class Process {
 public:
  Process();
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts the child (at most once per Process). Throws std::runtime_error
  // if it cannot be started. RunOptions::timeout applies from Start().
  void Start(const std::vector<std::string>& argv,
             const EnvChanges& env_changes = {}, const std::string& cwd = "");
  void StartWithOptions(const std::vector<std::string>& argv,
                        const RunOptions& options);

  pid_t pid() const;
  // True between a successful Start() and Wait() having reaped the child.
  bool running() const;
  // Sends `sig` to the child (no-op if it was already reaped).
  void Kill(int sig);
  // Waits for the child to exit (and for its stdout/stderr to reach EOF)
  // and returns the result. Subsequent calls return the same result.
  // Call Wait()/WaitFor() from one thread at a time.
  ProcessResult Wait();
  // Like Wait(), but gives up after `timeout` and returns std::nullopt if
  // the child has not been reaped by then (it keeps running).
  std::optional<ProcessResult> WaitFor(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The pid of a child that has exited and been reaped: a pid that no process
// has (until the kernel hands it out again, after a whole cycle of pids), for
// lock files of a dead process.
pid_t DeadPid();

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_SUBPROCESS_H_
