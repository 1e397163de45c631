#include "testing/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace tfhub::test {
namespace {

[[noreturn]] void ThrowErrno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void CloseFd(int* fd) {
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

std::string FindProgram(const std::string& program,
                        const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path_var = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& e : env) {
    if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
  }
  std::stringstream ss(path_var);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  throw std::runtime_error("program '" + program + "' not found in PATH=" +
                           path_var);
}

std::string CommandLine(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

}  // namespace

std::vector<std::string> BuildEnv(const EnvChanges& changes) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : changes) {
    if (value.has_value()) {
      env[name] = *value;
    } else {
      env.erase(name);
    }
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::string ProcessResult::DebugString() const {
  std::ostringstream os;
  if (timed_out) os << "TIMED OUT; ";
  if (term_signal != 0) {
    os << "killed by signal " << term_signal << " (" << strsignal(term_signal)
       << ")";
  } else {
    os << "exit code " << exit_code;
  }
  os << "\n--- stdout (" << out.size() << " bytes) ---\n"
     << out << "\n--- stderr (" << err.size() << " bytes) ---\n"
     << err << "\n--- end ---";
  return os.str();
}

struct Process::State {
  std::vector<std::string> argv;
  pid_t pid = -1;
  int in_fd = -1;  // our end of the child's stdin socket (if stdin_data)
  int out_fd = -1;
  int err_fd = -1;
  std::optional<std::string> stdin_data;
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point start;
  std::thread drainer;

  mutable std::mutex mu;
  std::condition_variable reaped_cv;
  bool started = false;
  bool reaped = false;  // guarded by mu; pid may be reused once true
  ProcessResult result;

  void DrainAndReap();
};

void Process::State::DrainAndReap() {
  std::string out_buf, err_buf;
  size_t in_off = 0;
  bool timed_out = false;
  const auto deadline = start + timeout;
  char buf[65536];
  // A pidfd tells us when the child itself exits, so that a grandchild that
  // inherited stdout/stderr (e.g. `sh -c 'daemon &'`) cannot keep us waiting
  // for EOF forever.
  int pid_fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool child_exited = false;
  while (out_fd >= 0 || err_fd >= 0) {
    if (child_exited) {
      // Everything the child wrote is already in the pipes: drain without
      // blocking, then stop even if a grandchild still holds them open.
      for (int* fd : {&out_fd, &err_fd}) {
        std::string* dst = fd == &out_fd ? &out_buf : &err_buf;
        while (*fd >= 0) {
          ssize_t r = read(*fd, buf, sizeof(buf));
          if (r > 0) {
            dst->append(buf, static_cast<size_t>(r));
          } else if (r < 0 && errno == EINTR) {
            continue;
          } else {
            if (r == 0 || errno != EAGAIN) CloseFd(fd);
            break;
          }
        }
        CloseFd(fd);
      }
      break;
    }
    pollfd fds[4];
    int n = 0;
    int out_idx = -1, err_idx = -1, in_idx = -1, pid_idx = -1;
    if (out_fd >= 0) {
      out_idx = n;
      fds[n++] = {out_fd, POLLIN, 0};
    }
    if (err_fd >= 0) {
      err_idx = n;
      fds[n++] = {err_fd, POLLIN, 0};
    }
    if (in_fd >= 0) {
      in_idx = n;
      fds[n++] = {in_fd, POLLOUT, 0};
    }
    if (pid_fd >= 0) {
      pid_idx = n;
      fds[n++] = {pid_fd, POLLIN, 0};
    }
    int wait_ms = -1;
    if (timeout.count() > 0 && !timed_out) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = left.count() < 0 ? 0 : static_cast<int>(left.count()) + 1;
    }
    int rc = poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;  // should not happen; fall through to reaping
    }
    if (rc == 0) {
      if (timeout.count() > 0 && !timed_out &&
          std::chrono::steady_clock::now() >= deadline) {
        timed_out = true;
        std::lock_guard<std::mutex> lock(mu);
        kill(pid, SIGKILL);  // not reaped yet: only this thread reaps
      }
      continue;
    }
    auto read_into = [&](int idx, int* fd, std::string* dst) {
      if (idx < 0 || fds[idx].revents == 0) return;
      ssize_t r = read(*fd, buf, sizeof(buf));
      if (r > 0) {
        dst->append(buf, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        CloseFd(fd);
      }
    };
    if (pid_idx >= 0 && fds[pid_idx].revents != 0) child_exited = true;
    read_into(out_idx, &out_fd, &out_buf);
    read_into(err_idx, &err_fd, &err_buf);
    if (in_idx >= 0 && fds[in_idx].revents != 0) {
      const std::string& data = *stdin_data;
      if ((fds[in_idx].revents & (POLLERR | POLLHUP)) != 0) {
        CloseFd(&in_fd);
      } else {
        ssize_t w = send(in_fd, data.data() + in_off, data.size() - in_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
          in_off += static_cast<size_t>(w);
          if (in_off == data.size()) CloseFd(&in_fd);
        } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
          CloseFd(&in_fd);  // child closed its stdin; that's its business
        }
      }
    }
  }
  CloseFd(&in_fd);
  CloseFd(&pid_fd);
  // Wait for exit without reaping, then reap under the lock so that Kill()
  // can never signal a recycled pid.
  siginfo_t info;
  while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {
  }
  int status = 0;
  std::lock_guard<std::mutex> lock(mu);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.out = std::move(out_buf);
  result.err = std::move(err_buf);
  result.timed_out = timed_out;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    result.term_signal = 0;
  } else if (WIFSIGNALED(status)) {
    result.exit_code = -1;
    result.term_signal = WTERMSIG(status);
  }
  reaped = true;
  reaped_cv.notify_all();
}

Process::Process() : state_(std::make_unique<State>()) {}

Process::~Process() {
  if (state_->started) {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (!state_->reaped) kill(state_->pid, SIGKILL);
    }
    if (state_->drainer.joinable()) state_->drainer.join();
  }
}

void Process::Start(const std::vector<std::string>& argv,
                    const EnvChanges& env_changes, const std::string& cwd) {
  RunOptions options;
  options.env_changes = env_changes;
  options.cwd = cwd;
  StartWithOptions(argv, options);
}

void Process::StartWithOptions(const std::vector<std::string>& argv,
                               const RunOptions& options) {
  if (state_->started) throw std::runtime_error("Process::Start called twice");
  if (argv.empty()) throw std::runtime_error("RunProcess: empty argv");
  state_->argv = argv;

  // Everything the child needs is prepared before fork(): after fork() in a
  // multi-threaded process only async-signal-safe calls are allowed.
  std::vector<std::string> env = BuildEnv(options.env_changes);
  std::string program = FindProgram(argv[0], env);
  std::vector<char*> c_argv, c_env;
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  for (const std::string& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);
  const char* c_cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();
  const Credentials* creds = options.credentials ? &*options.credentials : nullptr;

  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, exec_pipe[2] = {-1, -1};
  int in_pair[2] = {-1, -1};
  int child_stdin = -1;
  auto cleanup = [&] {
    for (int* fd : {&out_pipe[0], &out_pipe[1], &err_pipe[0], &err_pipe[1],
                    &exec_pipe[0], &exec_pipe[1], &in_pair[0], &in_pair[1],
                    &child_stdin}) {
      CloseFd(fd);
    }
  };
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(exec_pipe, O_CLOEXEC) != 0) {
    cleanup();
    ThrowErrno("pipe2");
  }
  if (options.stdin_data.has_value()) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
      cleanup();
      ThrowErrno("socketpair");
    }
    shutdown(in_pair[0], SHUT_RD);
    child_stdin = in_pair[1];
    in_pair[1] = -1;
  } else {
    child_stdin = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (child_stdin < 0) {
      cleanup();
      ThrowErrno("open /dev/null");
    }
  }

  state_->start = std::chrono::steady_clock::now();
  const bool die_with_parent = options.kill_when_parent_dies;
  const pid_t parent_pid = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    cleanup();
    ThrowErrno("fork");
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    int stage = 0;
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, nullptr);
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent_pid) _exit(127);  // parent already gone
    }
    if (dup2(child_stdin, 0) < 0 || dup2(out_pipe[1], 1) < 0 ||
        dup2(err_pipe[1], 2) < 0) {
      stage = 1;
    } else if (creds != nullptr &&
               // Raw system calls: glibc's wrappers would try to change
               // every thread's ids, and this child has only the one.
               (syscall(SYS_setgroups, creds->groups.size(), creds->groups.data()) != 0 ||
                syscall(SYS_setresgid, creds->gid, creds->gid, creds->gid) != 0 ||
                syscall(SYS_setresuid, creds->uid, creds->uid, creds->uid) != 0)) {
      stage = 4;
    } else if (c_cwd != nullptr && chdir(c_cwd) != 0) {
      stage = 2;
    } else {
      execve(program.c_str(), c_argv.data(), c_env.data());
      stage = 3;
    }
    int report[2] = {stage, errno};
    ssize_t ignored = write(exec_pipe[1], report, sizeof(report));
    (void)ignored;
    _exit(127);
  }

  // Parent.
  CloseFd(&exec_pipe[1]);
  CloseFd(&out_pipe[1]);
  CloseFd(&err_pipe[1]);
  CloseFd(&child_stdin);
  int report[2] = {0, 0};
  ssize_t got;
  do {
    got = read(exec_pipe[0], report, sizeof(report));
  } while (got < 0 && errno == EINTR);
  CloseFd(&exec_pipe[0]);
  if (got > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    cleanup();
    std::string what = report[0] == 1   ? "dup2 failed"
                       : report[0] == 2 ? "cannot chdir to '" + options.cwd + "'"
                       : report[0] == 4 ? "cannot take the user and group ids " +
                                              std::to_string(creds->uid) + ":" + std::to_string(creds->gid)
                                        : "cannot execute '" + program + "'";
    throw std::runtime_error("RunProcess(" + CommandLine(argv) + "): " + what +
                             ": " + std::strerror(report[1]));
  }

  // Non-blocking read ends: the final drain after the child's exit must not
  // block on a pipe that a grandchild keeps open.
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  state_->pid = pid;
  state_->out_fd = out_pipe[0];
  state_->err_fd = err_pipe[0];
  state_->in_fd = in_pair[0];
  out_pipe[0] = err_pipe[0] = in_pair[0] = -1;
  state_->stdin_data = options.stdin_data;
  state_->timeout = options.timeout;
  state_->started = true;
  state_->drainer = std::thread([s = state_.get()] { s->DrainAndReap(); });
}

pid_t Process::pid() const { return state_->pid; }

bool Process::running() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->started && !state_->reaped;
}

void Process::Kill(int sig) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->started && !state_->reaped) kill(state_->pid, sig);
}

ProcessResult Process::Wait() {
  if (!state_->started) throw std::runtime_error("Process::Wait before Start");
  if (state_->drainer.joinable()) state_->drainer.join();
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->result;
}

std::optional<ProcessResult> Process::WaitFor(
    std::chrono::milliseconds timeout) {
  if (!state_->started) throw std::runtime_error("Process::WaitFor before Start");
  {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (!state_->reaped_cv.wait_for(lock, timeout,
                                    [this] { return state_->reaped; })) {
      return std::nullopt;
    }
  }
  return Wait();
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const EnvChanges& env_changes,
                         const std::string& cwd) {
  RunOptions options;
  options.env_changes = env_changes;
  options.cwd = cwd;
  return RunProcessWithOptions(argv, options);
}

ProcessResult RunProcessWithOptions(const std::vector<std::string>& argv,
                                    const RunOptions& options) {
  Process p;
  p.StartWithOptions(argv, options);
  return p.Wait();
}

pid_t DeadPid() {
  const pid_t pid = fork();
  if (pid < 0) ThrowErrno("fork");
  if (pid == 0) _exit(0);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return pid;
}

}  // namespace tfhub::test
