#include "testing/fake_http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

// Minimal raw client: a connected socket to 127.0.0.1:port.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~RawClient() { close(fd_); }
  void Send(const std::string& s) {
    ASSERT_EQ(send(fd_, s.data(), s.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(s.size()));
  }
  // Reads until EOF.
  std::string ReadAll() {
    std::string out;
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // Reads until at least `n` bytes arrived (or EOF).
  std::string ReadAtLeast(size_t n) {
    std::string out;
    char buf[8192];
    while (out.size() < n) {
      ssize_t got = recv(fd_, buf, sizeof(buf), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

std::string Get(int port, const std::string& target, const std::string& method = "GET") {
  RawClient c(port);
  c.Send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: raw\r\n\r\n");
  return c.ReadAll();
}

std::string BodyOf(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

ProcessResult Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"curl", "-sS", "--noproxy", "*"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv);
}

TEST(FakeHttpServerTest, ServesRouteAndRecordsRequest) {
  FakeHttpServer server;
  FakeResponse resp = FakeResponse::Ok("hello");
  resp.headers.emplace_back("X-Test", "yes");
  server.SetRoute("/a/b.tar.gz", resp);
  std::string r = Get(server.port(), "/a/b.tar.gz?tf-hub-format=compressed");
  EXPECT_EQ(r,
            "HTTP/1.1 200 OK\r\nX-Test: yes\r\nContent-Length: 5\r\n"
            "Connection: close\r\n\r\nhello");
  ASSERT_TRUE(server.WaitForRequests(1));
  auto reqs = server.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, "/a/b.tar.gz?tf-hub-format=compressed");
  EXPECT_EQ(reqs[0].path, "/a/b.tar.gz");
  EXPECT_EQ(reqs[0].version, "HTTP/1.1");
  EXPECT_THAT(reqs[0].headers, ElementsAre(Pair("Host", "x"), Pair("User-Agent", "raw")));
  EXPECT_EQ(reqs[0].Header("user-agent"), "raw");
  EXPECT_FALSE(reqs[0].Header("Range").has_value());
  EXPECT_EQ(server.RequestCount("/a/b.tar.gz"), 1u);
}

TEST(FakeHttpServerTest, UnknownPathIs404AndHandlerIsFallback) {
  FakeHttpServer server;
  EXPECT_THAT(Get(server.port(), "/nope"), HasSubstr("HTTP/1.1 404 Not Found\r\n"));
  server.SetHandler([](const FakeRequest& req) {
    return FakeResponse::Ok("handled " + req.target);
  });
  EXPECT_EQ(BodyOf(Get(server.port(), "/any?x=1")), "handled /any?x=1");
}

TEST(FakeHttpServerTest, SequenceOfResponsesLastRepeats) {
  FakeHttpServer server;
  server.SetRoute("/m", {FakeResponse::Status(503, "Service Unavailable"),
                         FakeResponse::Redirect(302, "/n"), FakeResponse::Ok("third")});
  EXPECT_THAT(Get(server.port(), "/m"), HasSubstr("HTTP/1.1 503 Service Unavailable"));
  std::string second = Get(server.port(), "/m");
  EXPECT_THAT(second, HasSubstr("HTTP/1.1 302 Found\r\n"));
  EXPECT_THAT(second, HasSubstr("Location: /n\r\n"));
  EXPECT_EQ(BodyOf(Get(server.port(), "/m")), "third");
  EXPECT_EQ(BodyOf(Get(server.port(), "/m")), "third");
  EXPECT_EQ(server.RequestCount("/m"), 4u);
}

TEST(FakeHttpServerTest, WorksWithCurlIncludingRedirects) {
  FakeHttpServer server;
  server.SetRoute("/r", FakeResponse::Redirect(301, "/final"));
  server.SetRoute("/final", FakeResponse::Ok(std::string(1 << 20, 'f')));
  TempDir dir;
  ProcessResult r = Curl({"-L", "-o", dir.Sub("out"), "-w", "%{http_code}", server.url("/r")});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, "200");
  EXPECT_EQ(ReadFileToString(dir.Sub("out")), std::string(1 << 20, 'f'));
  EXPECT_THAT(server.Requests(), ::testing::SizeIs(2));
}

TEST(FakeHttpServerTest, HeadHasNoBody) {
  FakeHttpServer server;
  server.SetRoute("/h", FakeResponse::Ok("0123456789"));
  std::string r = Get(server.port(), "/h", "HEAD");
  EXPECT_THAT(r, HasSubstr("Content-Length: 10\r\n"));
  EXPECT_EQ(BodyOf(r), "");
}

TEST(FakeHttpServerTest, RequestBodyIsDiscarded) {
  FakeHttpServer server;
  server.SetRoute("/p", FakeResponse::Ok("ok"));
  RawClient c(server.port());
  c.Send("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_EQ(BodyOf(c.ReadAll()), "ok");
}

TEST(FakeHttpServerTest, CutAfterBytesReallyCuts) {
  FakeHttpServer server;
  FakeResponse resp = FakeResponse::Ok(std::string(100000, 'c'));
  resp.cut_after_bytes = 1234;
  server.SetRoute("/cut", resp);
  std::string r = Get(server.port(), "/cut");
  EXPECT_THAT(r, HasSubstr("Content-Length: 100000\r\n"));
  EXPECT_EQ(BodyOf(r).size(), 1234u);

  TempDir dir;
  ProcessResult c = Curl({"-o", dir.Sub("out"), server.url("/cut")});
  EXPECT_EQ(c.exit_code, 18) << c.DebugString();  // CURLE_PARTIAL_FILE
  EXPECT_EQ(ReadFileToString(dir.Sub("out")).size(), 1234u);
}

TEST(FakeHttpServerTest, DeclaredContentLengthLies) {
  FakeHttpServer server;
  FakeResponse resp = FakeResponse::Ok("short");
  resp.declared_content_length = 50;
  server.SetRoute("/lie", resp);
  std::string r = Get(server.port(), "/lie");
  EXPECT_THAT(r, HasSubstr("Content-Length: 50\r\n"));
  EXPECT_EQ(BodyOf(r), "short");

  FakeResponse none = FakeResponse::Ok("until-close");
  none.omit_content_length = true;
  server.SetRoute("/none", none);
  r = Get(server.port(), "/none");
  EXPECT_THAT(r, ::testing::Not(HasSubstr("Content-Length")));
  EXPECT_EQ(BodyOf(r), "until-close");
}

TEST(FakeHttpServerTest, ThrottledBodyTakesTime) {
  FakeHttpServer server;
  FakeResponse resp = FakeResponse::Ok(std::string(400, 't'));
  resp.bytes_per_second = 2000;  // 400 bytes -> ~200 ms, chunks of 100
  server.SetRoute("/slow", resp);
  auto start = std::chrono::steady_clock::now();
  std::string r = Get(server.port(), "/slow");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(BodyOf(r), std::string(400, 't'));
  EXPECT_GE(elapsed, std::chrono::milliseconds(140));
}

TEST(FakeHttpServerTest, StallUntilReleased) {
  FakeHttpServer server;
  FakeResponse resp = FakeResponse::Ok(std::string(1000, 's'));
  resp.cut_after_bytes = 10;
  resp.stall_after_cut = true;
  server.SetRoute("/stall", resp);
  RawClient c(server.port());
  c.Send("GET /stall HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(server.WaitForStalls(1));
  const std::string expected =
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n" +
      std::string(10, 's');
  // Everything up to the cut arrives while the connection stays open.
  EXPECT_EQ(c.ReadAtLeast(expected.size()), expected);
  server.ReleaseStalls();
  EXPECT_EQ(c.ReadAll(), "");  // then EOF, nothing more
  EXPECT_TRUE(server.WaitForStalls(0));
}

TEST(FakeHttpServerTest, StallThenContinueSendsTheWholeBody) {
  FakeHttpServer server;
  FakeResponse resp = FakeResponse::Ok(std::string(10, 'a') + std::string(990, 'b'));
  resp.cut_after_bytes = 10;
  resp.stall_after_cut = true;
  resp.continue_after_release = true;
  server.SetRoute("/pause", resp);
  RawClient c(server.port());
  c.Send("GET /pause HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(server.WaitForStalls(1));
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(c.ReadAtLeast(head.size() + 10), head + std::string(10, 'a'));
  server.ReleaseStalls();
  EXPECT_EQ(c.ReadAll(), std::string(990, 'b'));  // the rest, then EOF
  EXPECT_TRUE(server.WaitForStalls(0));
}

TEST(FakeHttpServerTest, DestructorDoesNotHangOnStalledOrIdleConnections) {
  auto server = std::make_unique<FakeHttpServer>();
  FakeResponse resp = FakeResponse::Ok(std::string(1000, 's'));
  resp.cut_after_bytes = 0;
  resp.stall_after_cut = true;
  server->SetRoute("/stall", resp);
  FakeResponse slow = FakeResponse::Ok(std::string(100000, 'z'));
  slow.bytes_per_second = 10;
  server->SetRoute("/slow", slow);
  RawClient stalled(server->port());
  stalled.Send("GET /stall HTTP/1.1\r\n\r\n");
  RawClient dripping(server->port());
  dripping.Send("GET /slow HTTP/1.1\r\n\r\n");
  RawClient idle(server->port());  // never sends a request
  ASSERT_TRUE(server->WaitForStalls(1));
  // The dripping response has started once its status line arrived.
  std::string drip = dripping.ReadAtLeast(15);
  server.reset();
  EXPECT_THAT(stalled.ReadAll(), StartsWith("HTTP/1.1 200 OK\r\n"));
  drip += dripping.ReadAll();
  EXPECT_THAT(drip, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_LT(BodyOf(drip).size(), 100000u);  // cut short by the shutdown
  EXPECT_EQ(idle.ReadAll(), "");
}

TEST(FakeHttpServerTest, ConcurrentClients) {
  FakeHttpServer server;
  server.SetHandler([](const FakeRequest& req) { return FakeResponse::Ok(req.path); });
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(16);
  for (size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      bodies[i] = BodyOf(Get(server.port(), "/c" + std::to_string(i)));
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < bodies.size(); ++i) EXPECT_EQ(bodies[i], "/c" + std::to_string(i));
  EXPECT_EQ(server.Requests().size(), bodies.size());
}

}  // namespace
}  // namespace tfhub::test
