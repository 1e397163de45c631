// Test-support: an in-process, scripted HTTP/1.1 server on 127.0.0.1 for the
// misbehaviour nginx cannot produce (truncated bodies, lying Content-Length,
// slow drips, stalls, scripted status sequences).
//
// Contract:
//  * Listening starts in the constructor on an ephemeral port of 127.0.0.1
//    (std::runtime_error if that fails). One thread accepts; each connection
//    gets its own thread. One request per connection: every response carries
//    "Connection: close" (unless the response sets Connection itself) and the
//    server closes after it.
//  * Routing is by exact path (request target without the query string; for
//    an absolute-form target "http://h:p/x?q" the path is "/x"). A route is a
//    sequence: the Nth request to that path gets responses[N] (0-based), the
//    last one repeats. Paths without a route go to the handler set with
//    SetHandler(), else get "404 Not Found". Routes can be changed at any
//    time (SetRoute resets that path's counter).
//  * Every request is recorded (before the response is sent) and visible in
//    Requests(); WaitForRequests() blocks on a condition variable - use it to
//    synchronise tests instead of sleeping.
//  * Request bodies (Content-Length) are read and discarded; chunked request
//    bodies are not supported.
//  * The destructor stops accepting, wakes every connection (including
//    stalled and throttled ones), closes them and joins all threads; it does
//    not hang on stalled connections or on clients that stopped reading.
#ifndef TFHUB_TESTING_FAKE_HTTP_SERVER_H_
#define TFHUB_TESTING_FAKE_HTTP_SERVER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tfhub::test {

struct FakeResponse {
  int status = 200;
  std::string reason = "OK";
  // Sent in order after the status line. "Content-Length" is added
  // automatically (body.size(), or declared_content_length) unless a header
  // of that name is given here or omit_content_length is set.
  // "Connection: close" is added unless a Connection header is given.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Lie about the length: advertise this instead of body.size().
  std::optional<size_t> declared_content_length;
  // Send no Content-Length at all (body delimited by connection close).
  bool omit_content_length = false;
  // Close the connection after sending this many body bytes (the headers
  // are always sent in full).
  std::optional<size_t> cut_after_bytes;
  // 0 = unthrottled. Otherwise the body is dripped at about this rate in
  // chunks of max(1, bytes_per_second / 20) bytes.
  size_t bytes_per_second = 0;
  // With cut_after_bytes: instead of closing at the cut, keep the socket
  // open and send nothing until ReleaseStalls(), the client closes, or the
  // server is destroyed; then close.
  bool stall_after_cut = false;
  // With stall_after_cut: ReleaseStalls() does not close the connection but
  // lets the response go on — the rest of the body (unthrottled), then the
  // ordinary end. The client sees one whole response that paused at the
  // cut: a moment tests can choose to act in.
  bool continue_after_release = false;

  // Convenience constructors.
  static FakeResponse Ok(std::string body);
  static FakeResponse Status(int status, std::string reason,
                             std::string body = "");
  // 301/302/303/307/308 with a Location header.
  static FakeResponse Redirect(int status, std::string location);
};

struct FakeRequest {
  std::string method;
  std::string target;  // path + query exactly as received
  std::string path;    // target without the query string
  std::string version; // e.g. "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;  // in order
  // Value of the first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(const std::string& name) const;
};

class FakeHttpServer {
 public:
  using FakeRequest = tfhub::test::FakeRequest;
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  FakeHttpServer();
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" (no trailing slash).
  std::string base_url() const;
  // base_url() + path; `path` should start with '/'.
  std::string url(const std::string& path) const;

  void SetRoute(const std::string& path, std::vector<FakeResponse> responses);
  void SetRoute(const std::string& path, FakeResponse response) {
    SetRoute(path, std::vector<FakeResponse>{std::move(response)});
  }
  // Fallback for paths without a route. Called on connection threads,
  // possibly concurrently, without the server's lock held.
  void SetHandler(Handler handler);

  // Thread-safe snapshot of all requests received so far, in arrival order.
  std::vector<FakeRequest> Requests() const;
  // Number of received requests whose path equals `path`.
  size_t RequestCount(const std::string& path) const;
  // Blocks until at least `n` requests have been received in total (or
  // `timeout` passes); returns whether that happened.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout =
                                     std::chrono::seconds(10)) const;
  // Blocks until at least `n` connections are currently stalled (sent their
  // cut and are waiting); returns whether that happened.
  bool WaitForStalls(size_t n, std::chrono::milliseconds timeout =
                                   std::chrono::seconds(10)) const;
  // Ends all currently stalled connections: they are closed, or go on with
  // FakeResponse::continue_after_release.
  void ReleaseStalls();

 private:
  struct Route {
    std::vector<FakeResponse> responses;
    size_t hits = 0;
  };

  void AcceptLoop();
  void ServeConnection(int fd);
  FakeResponse PickResponse(const FakeRequest& request);
  // I/O helpers that give up when the server stops. Return false on
  // stop/error.
  bool SendAll(int fd, const char* data, size_t size);
  bool WaitStopOrTimeout(std::chrono::steady_clock::time_point until);
  // Returns true when ReleaseStalls() ended the stall (not the client or
  // the server's stop).
  bool Stall(int fd);

  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd; becomes readable forever once stopping
  int port_ = 0;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, Route> routes_;
  Handler handler_;
  std::vector<FakeRequest> requests_;
  std::vector<int> stall_fds_;  // eventfds of currently stalled connections
  bool stopping_ = false;
  std::vector<std::thread> connection_threads_;
  std::thread accept_thread_;
};

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_FAKE_HTTP_SERVER_H_
