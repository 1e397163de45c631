// Test-support: a real nginx serving a directory on 127.0.0.1.
//
// Contract:
//  * Start() launches nginx ($NGINX_BIN, else /usr/sbin/nginx, else `nginx`
//    from PATH) as a child process in the foreground (daemon off,
//    master_process off, one process). Everything nginx writes - config,
//    pid file, error log, access log, lock file and all *_temp_path dirs -
//    lives in the server's own TempDir; nothing under /var or /run is
//    touched, so it works as root and as an ordinary user.
//  * It listens on 127.0.0.1:<free port> (found by binding port 0; retried
//    with a fresh port if nginx fails to bind) and serves `root_dir`
//    statically (sendfile on, default_type application/octet-stream, so
//    .tar/.tar.gz/.tgz are sent as application/octet-stream).
//  * `extra_server_config` is inserted verbatim inside the server { } block,
//    e.g. "location = /redirect/x { return 301 /x.tar.gz; }".
//  * Start() returns only once a TCP connect to the port succeeds (bounded
//    ~10 s). On failure it throws std::runtime_error containing nginx's
//    error log, stderr and the generated config.
//  * Access log lines have the format "$request_method $request_uri $status"
//    (e.g. "GET /models/a.tar.gz?x=1 200"). The log is unbuffered, but nginx
//    writes a line only when it finalises the request, which can be a hair
//    after the client has seen the last byte: use WaitForAccessLogLines()
//    before asserting on AccessLog() right after a request.
//  * nginx is started with PR_SET_PDEATHSIG=SIGKILL, so it never outlives
//    the test process (crash, abort, ctest timeout). The flip side: call
//    Start() on a thread that lives as long as the server (the test's main
//    thread - gtest fixtures, SetUpTestSuite and function-local statics are
//    fine); nginx is killed when the thread that started it exits.
//  * The destructor sends SIGTERM (fast shutdown, does not wait for open
//    connections), waits for exit (SIGKILL after 5 s) and removes the
//    TempDir.
#ifndef TFHUB_TESTING_NGINX_SERVER_H_
#define TFHUB_TESTING_NGINX_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::test {

class NginxServer {
 public:
  static std::unique_ptr<NginxServer> Start(
      const std::string& root_dir, const std::string& extra_server_config = "");
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" (no trailing slash).
  std::string base_url() const;
  // base_url() + path; `path` should start with '/'.
  std::string url(const std::string& path) const;
  const std::string& root_dir() const { return root_dir_; }
  // Directory holding nginx.conf, logs and temp dirs.
  const std::string& work_dir() const { return work_.path(); }

  // Access-log lines in order, without trailing newlines.
  std::vector<std::string> AccessLog() const;
  // Truncates the access log.
  void ClearAccessLog();
  // Blocks (inotify, no sleeping) until the access log has at least `n`
  // lines or `timeout` elapses; returns whether it got there.
  bool WaitForAccessLogLines(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Contents of nginx's error log (for diagnostics).
  std::string ErrorLog() const;

 private:
  NginxServer() = default;
  bool TryStart(const std::string& nginx_bin, const std::string& extra,
                std::string* failure);
  std::string AccessLogPath() const;

  TempDir work_{"tfhub_nginx"};
  std::string root_dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_NGINX_SERVER_H_
