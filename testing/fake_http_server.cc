#include "testing/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace tfhub::test {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               const std::string& name) {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.first, name)) return true;
  }
  return false;
}

// Parses the request head (everything before the blank line).
bool ParseRequestHead(const std::string& head, FakeRequest* req) {
  size_t eol = head.find("\r\n");
  std::string line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  req->method = line.substr(0, sp1);
  req->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  req->version = line.substr(sp2 + 1);
  std::string path = req->target;
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    size_t slash = path.find('/', path.find("//") + 2);
    path = slash == std::string::npos ? "/" : path.substr(slash);
  }
  req->path = path.substr(0, path.find('?'));
  while (eol != std::string::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string h = head.substr(start, eol == std::string::npos
                                           ? std::string::npos
                                           : eol - start);
    if (h.empty()) continue;
    size_t colon = h.find(':');
    if (colon == std::string::npos) continue;
    req->headers.emplace_back(Trim(h.substr(0, colon)), Trim(h.substr(colon + 1)));
  }
  return true;
}

}  // namespace

FakeResponse FakeResponse::Ok(std::string body) {
  FakeResponse r;
  r.body = std::move(body);
  return r;
}

FakeResponse FakeResponse::Status(int status, std::string reason,
                                  std::string body) {
  FakeResponse r;
  r.status = status;
  r.reason = std::move(reason);
  r.body = std::move(body);
  return r;
}

FakeResponse FakeResponse::Redirect(int status, std::string location) {
  static const std::map<int, std::string> kReasons = {
      {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"},
      {307, "Temporary Redirect"}, {308, "Permanent Redirect"}};
  FakeResponse r;
  r.status = status;
  auto it = kReasons.find(status);
  r.reason = it == kReasons.end() ? "Redirect" : it->second;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::optional<std::string> FakeRequest::Header(const std::string& name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.first, name)) return h.second;
  }
  return std::nullopt;
}

FakeHttpServer::FakeHttpServer() {
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    int saved = errno;
    close(stop_fd_);
    throw std::runtime_error(std::string("socket: ") + std::strerror(saved));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 128) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int saved = errno;
    close(listen_fd_);
    close(stop_fd_);
    throw std::runtime_error(std::string("FakeHttpServer bind/listen: ") +
                             std::strerror(saved));
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof(one));
  (void)ignored;
  cv_.notify_all();
  accept_thread_.join();
  // No new connection threads can appear now.
  for (std::thread& t : connection_threads_) t.join();
  close(listen_fd_);
  close(stop_fd_);
}

std::string FakeHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string FakeHttpServer::url(const std::string& path) const {
  return base_url() + path;
}

void FakeHttpServer::SetRoute(const std::string& path,
                              std::vector<FakeResponse> responses) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[path] = Route{std::move(responses), 0};
}

void FakeHttpServer::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

std::vector<FakeRequest> FakeHttpServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t FakeHttpServer::RequestCount(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(
      requests_.begin(), requests_.end(),
      [&](const FakeRequest& r) { return r.path == path; }));
}

bool FakeHttpServer::WaitForRequests(size_t n,
                                     std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

bool FakeHttpServer::WaitForStalls(size_t n,
                                   std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return stall_fds_.size() >= n; });
}

void FakeHttpServer::ReleaseStalls() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t one = 1;
  for (int fd : stall_fds_) {
    ssize_t ignored = write(fd, &one, sizeof(one));
    (void)ignored;
  }
}

void FakeHttpServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int rc = poll(fds, 2, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      close(fd);
      return;
    }
    connection_threads_.emplace_back([this, fd] { ServeConnection(fd); });
  }
}

bool FakeHttpServer::SendAll(int fd, const char* data, size_t size) {
  size_t off = 0;
  while (off < size) {
    pollfd fds[2] = {{fd, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
    int rc = poll(fds, 2, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents != 0) return false;
    if ((fds[0].revents & (POLLERR | POLLHUP)) != 0) return false;
    ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

bool FakeHttpServer::WaitStopOrTimeout(std::chrono::steady_clock::time_point until) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    pollfd pfd{stop_fd_, POLLIN, 0};
    int rc = poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc > 0) return false;
    if (rc < 0 && errno != EINTR) return false;
  }
}

bool FakeHttpServer::Stall(int fd) {
  int release_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (release_fd < 0) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stall_fds_.push_back(release_fd);
  }
  cv_.notify_all();
  char buf[4096];
  bool released = false;
  for (;;) {
    pollfd fds[3] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}, {release_fd, POLLIN, 0}};
    int rc = poll(fds, 3, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    if (fds[2].revents != 0) {
      released = true;
      break;
    }
    if (fds[0].revents != 0) {
      ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;  // client gone
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stall_fds_.erase(std::find(stall_fds_.begin(), stall_fds_.end(), release_fd));
  }
  close(release_fd);
  return released;
}

FakeResponse FakeHttpServer::PickResponse(const FakeRequest& request) {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = routes_.find(request.path);
    if (it != routes_.end() && !it->second.responses.empty()) {
      Route& route = it->second;
      size_t i = std::min(route.hits, route.responses.size() - 1);
      ++route.hits;
      return route.responses[i];
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  return FakeResponse::Status(404, "Not Found", "not found\n");
}

void FakeHttpServer::ServeConnection(int fd) {
  // Read the request head.
  std::string data;
  size_t head_end = std::string::npos;
  char buf[8192];
  while (head_end == std::string::npos) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int rc = poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 || fds[1].revents != 0) {
      close(fd);
      return;
    }
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0 || data.size() > kMaxHeaderBytes) {
      close(fd);
      return;
    }
    data.append(buf, static_cast<size_t>(n));
    head_end = data.find("\r\n\r\n");
  }
  FakeRequest request;
  if (!ParseRequestHead(data.substr(0, head_end), &request)) {
    static const char kBad[] =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    SendAll(fd, kBad, sizeof(kBad) - 1);
    close(fd);
    return;
  }
  // Discard a request body, if announced.
  size_t body_left = 0;
  if (auto cl = request.Header("Content-Length")) {
    body_left = static_cast<size_t>(std::strtoull(cl->c_str(), nullptr, 10));
  }
  size_t have = data.size() - (head_end + 4);
  body_left = have >= body_left ? 0 : body_left - have;
  while (body_left > 0) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int rc = poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 || fds[1].revents != 0) {
      close(fd);
      return;
    }
    ssize_t n = recv(fd, buf, std::min(sizeof(buf), body_left), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    body_left -= static_cast<size_t>(n);
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
  }
  cv_.notify_all();

  const FakeResponse response = PickResponse(request);
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     response.reason + "\r\n";
  for (const auto& [name, value] : response.headers) {
    head += name + ": " + value + "\r\n";
  }
  if (!response.omit_content_length && !HasHeader(response.headers, "Content-Length")) {
    size_t len = response.declared_content_length.value_or(response.body.size());
    head += "Content-Length: " + std::to_string(len) + "\r\n";
  }
  if (!HasHeader(response.headers, "Connection")) head += "Connection: close\r\n";
  head += "\r\n";

  bool ok = SendAll(fd, head.data(), head.size());
  const bool is_head = request.method == "HEAD";
  size_t to_send = is_head ? 0 : response.body.size();
  if (response.cut_after_bytes.has_value()) {
    to_send = std::min(to_send, *response.cut_after_bytes);
  }
  if (ok && to_send > 0) {
    if (response.bytes_per_second == 0) {
      ok = SendAll(fd, response.body.data(), to_send);
    } else {
      const size_t chunk = std::max<size_t>(1, response.bytes_per_second / 20);
      const auto start = std::chrono::steady_clock::now();
      size_t sent = 0;
      while (ok && sent < to_send) {
        // Chunk k goes out at start + k*chunk/rate.
        auto due = start + std::chrono::microseconds(
                               sent * 1000000 / response.bytes_per_second);
        if (!WaitStopOrTimeout(due)) {
          ok = false;
          break;
        }
        size_t n = std::min(chunk, to_send - sent);
        ok = SendAll(fd, response.body.data() + sent, n);
        sent += n;
      }
    }
  }
  if (ok && response.cut_after_bytes.has_value() && response.stall_after_cut) {
    if (!Stall(fd) || !response.continue_after_release) {
      close(fd);
      return;
    }
    const size_t body_size = is_head ? 0 : response.body.size();
    if (to_send < body_size) ok = SendAll(fd, response.body.data() + to_send, body_size - to_send);
  }
  // Orderly close: FIN first, then drain whatever the client still sends
  // (briefly) so the kernel does not answer it with a RST that could destroy
  // data the client has not read yet.
  shutdown(fd, SHUT_WR);
  if (ok) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      int rc = poll(fds, 2, static_cast<int>(left.count()));
      if (rc <= 0 || fds[1].revents != 0) break;
      ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }
  close(fd);
}

}  // namespace tfhub::test
