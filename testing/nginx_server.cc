#include "testing/nginx_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tfhub::test {
namespace {

// Binds 127.0.0.1:0 to learn a free port, then releases it.
int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int saved = errno;
    close(fd);
    throw std::runtime_error(std::string("bind/getsockname: ") + std::strerror(saved));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string FindNginx() {
  const char* env = std::getenv("NGINX_BIN");
  if (env != nullptr && *env != '\0') return env;
  if (access("/usr/sbin/nginx", X_OK) == 0) return "/usr/sbin/nginx";
  return "nginx";  // PATH lookup by RunProcess
}

std::string ReadIfExists(const std::string& path) {
  try {
    return ReadFileToString(path);
  } catch (const std::exception&) {
    return "";
  }
}

size_t CountLines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (c == '\n');
  return n;
}

}  // namespace

std::unique_ptr<NginxServer> NginxServer::Start(
    const std::string& root_dir, const std::string& extra_server_config) {
  std::unique_ptr<NginxServer> server(new NginxServer());
  char resolved[PATH_MAX];
  if (realpath(root_dir.c_str(), resolved) == nullptr) {
    throw std::runtime_error("NginxServer: root_dir '" + root_dir +
                             "': " + std::strerror(errno));
  }
  server->root_dir_ = resolved;
  std::string nginx_bin = FindNginx();
  std::string failures;
  constexpr int kAttempts = 5;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    std::string failure;
    if (server->TryStart(nginx_bin, extra_server_config, &failure)) {
      return server;
    }
    failures += "--- attempt " + std::to_string(attempt) + " ---\n" + failure + "\n";
    // Only a lost port race is worth retrying.
    if (failure.find("Address already in use") == std::string::npos) break;
  }
  throw std::runtime_error("NginxServer failed to start (" + nginx_bin +
                           "):\n" + failures);
}

bool NginxServer::TryStart(const std::string& nginx_bin,
                           const std::string& extra, std::string* failure) {
  const std::string& w = work_.path();
  port_ = PickFreePort();
  RemoveTree(w + "/error.log");
  RemoveTree(w + "/access.log");
  for (const char* d : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    MakeDirs(w + "/tmp/" + d);
  }
  std::ostringstream conf;
  conf << "daemon off;\n"
       << "master_process off;\n"
       << "worker_processes 1;\n";
  // With master_process off nginx never switches user (verified with 1.22:
  // it serves a root-only 0700 directory), but as root it still resolves the
  // default user "nobody" and chowns the *_temp_path dirs to it. Naming root
  // keeps everything root-owned. As non-root the directive is omitted (nginx
  // would only warn about it).
  if (geteuid() == 0) conf << "user root root;\n";
  conf << "pid " << w << "/nginx.pid;\n"
       << "lock_file " << w << "/nginx.lock;\n"
       << "error_log " << w << "/error.log notice;\n"
       << "events { worker_connections 256; }\n"
       << "http {\n"
       << "  client_body_temp_path " << w << "/tmp/client_body;\n"
       << "  proxy_temp_path " << w << "/tmp/proxy;\n"
       << "  fastcgi_temp_path " << w << "/tmp/fastcgi;\n"
       << "  uwsgi_temp_path " << w << "/tmp/uwsgi;\n"
       << "  scgi_temp_path " << w << "/tmp/scgi;\n"
       << "  default_type application/octet-stream;\n"
       << "  sendfile on;\n"
       << "  keepalive_timeout 5s;\n"
       << "  log_format tfhub_test '$request_method $request_uri $status';\n"
       << "  access_log " << w << "/access.log tfhub_test;\n"
       << "  server {\n"
       << "    listen 127.0.0.1:" << port_ << ";\n"
       << "    server_name localhost;\n"
       << "    root " << root_dir_ << ";\n"
       << extra << "\n"
       << "  }\n"
       << "}\n";
  const std::string conf_path = w + "/nginx.conf";
  WriteStringToFile(conf_path, conf.str());

  auto process = std::make_unique<Process>();
  RunOptions options;
  // Never outlive the test process, even if it crashes.
  options.kill_when_parent_dies = true;
  try {
    process->StartWithOptions(
        {nginx_bin, "-p", w + "/", "-e", w + "/error.log", "-c", conf_path},
        options);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("NginxServer failed to start: ") +
                             e.what() + " (set NGINX_BIN to override)");
  }
  process_ = std::move(process);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) break;
    if (CanConnect(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string why;
  if (process_->running()) {
    why = "nginx did not accept connections on port " + std::to_string(port_) +
          " within 10 s";
    process_->Kill(SIGKILL);
  } else {
    why = "nginx exited during start-up";
  }
  ProcessResult r = process_->Wait();
  process_.reset();
  *failure = why + "; " + r.DebugString() + "\n--- error.log ---\n" +
             ReadIfExists(w + "/error.log") + "\n--- nginx.conf ---\n" +
             conf.str();
  return false;
}

NginxServer::~NginxServer() {
  if (process_ == nullptr || !process_->running()) return;
  process_->Kill(SIGTERM);
  if (!process_->WaitFor(std::chrono::seconds(5)).has_value()) {
    process_->Kill(SIGKILL);
    process_->Wait();
  }
}

std::string NginxServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string NginxServer::url(const std::string& path) const {
  return base_url() + path;
}

std::string NginxServer::AccessLogPath() const {
  return work_.path() + "/access.log";
}

std::vector<std::string> NginxServer::AccessLog() const {
  std::vector<std::string> lines;
  std::istringstream in(ReadIfExists(AccessLogPath()));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void NginxServer::ClearAccessLog() {
  // nginx opened the log with O_APPEND, so truncation is safe.
  if (truncate(AccessLogPath().c_str(), 0) != 0 && errno != ENOENT) {
    throw std::runtime_error("truncate access log: " +
                             std::string(std::strerror(errno)));
  }
}

bool NginxServer::WaitForAccessLogLines(size_t n,
                                        std::chrono::milliseconds timeout) const {
  int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (ifd < 0) {
    throw std::runtime_error("inotify_init1: " + std::string(std::strerror(errno)));
  }
  // Watch the directory: the log file may not exist yet.
  inotify_add_watch(ifd, work_.path().c_str(), IN_MODIFY | IN_CREATE);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool reached = false;
  for (;;) {
    // Check after arming the watch so no write can slip between.
    if (CountLines(ReadIfExists(AccessLogPath())) >= n) {
      reached = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{ifd, POLLIN, 0};
    int rc = poll(&pfd, 1, static_cast<int>(left.count()) + 1);
    if (rc < 0 && errno != EINTR) break;
    char buf[4096];
    while (read(ifd, buf, sizeof(buf)) > 0) {
    }
  }
  close(ifd);
  return reached;
}

std::string NginxServer::ErrorLog() const {
  return ReadIfExists(work_.path() + "/error.log");
}

}  // namespace tfhub::test
