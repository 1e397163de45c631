#include "testing/nginx_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// curl -sS [-L] -o out_file -w "%{http_code} %{content_type}" url
ProcessResult Curl(const std::string& url, const std::string& out_file,
                   bool follow = false) {
  std::vector<std::string> argv = {"curl", "-sS", "--noproxy", "*", "-o", out_file,
                                   "-w", "%{http_code} %{content_type}"};
  if (follow) argv.push_back("-L");
  argv.push_back(url);
  return RunProcess(argv);
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class NginxServerTest : public ::testing::Test {
 protected:
  TempDir root_{"nginx_root"};
  TempDir scratch_;
};

TEST_F(NginxServerTest, ServesFilesAndLogsRequests) {
  std::string content(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 31);
  WriteStringToFile(root_.Sub("models/m.tar.gz"), content);
  auto server = NginxServer::Start(root_.path());
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->base_url(), "http://127.0.0.1:" + std::to_string(server->port()));

  ProcessResult r = Curl(server->url("/models/m.tar.gz?tf-hub-format=compressed"),
                         scratch_.Sub("out"));
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, "200 application/octet-stream");
  EXPECT_EQ(ReadFileToString(scratch_.Sub("out")), content);

  r = Curl(server->url("/missing.tar.gz"), scratch_.Sub("out2"));
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.out, HasSubstr("404"));

  ASSERT_TRUE(server->WaitForAccessLogLines(2));
  EXPECT_THAT(server->AccessLog(),
              ElementsAre("GET /models/m.tar.gz?tf-hub-format=compressed 200",
                          "GET /missing.tar.gz 404"));
  server->ClearAccessLog();
  EXPECT_TRUE(server->AccessLog().empty());
  ASSERT_TRUE(Curl(server->url("/models/m.tar.gz"), scratch_.Sub("out3")).ok());
  ASSERT_TRUE(server->WaitForAccessLogLines(1));
  EXPECT_THAT(server->AccessLog(), ElementsAre("GET /models/m.tar.gz 200"));
}

TEST_F(NginxServerTest, ExtraServerConfigIsApplied) {
  WriteStringToFile(root_.Sub("x.tar.gz"), "payload");
  auto server = NginxServer::Start(
      root_.path(),
      "location = /redirect/x { return 301 /x.tar.gz; }\n"
      "location = /gone { return 410; }");
  ProcessResult r = Curl(server->url("/redirect/x"), scratch_.Sub("out"), /*follow=*/true);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.out, HasSubstr("200"));
  EXPECT_EQ(ReadFileToString(scratch_.Sub("out")), "payload");
  r = Curl(server->url("/gone"), scratch_.Sub("out2"));
  EXPECT_THAT(r.out, HasSubstr("410"));
  ASSERT_TRUE(server->WaitForAccessLogLines(3));
  EXPECT_THAT(server->AccessLog(),
              ElementsAre("GET /redirect/x 301", "GET /x.tar.gz 200", "GET /gone 410"));
}

TEST_F(NginxServerTest, TwoServersRunSideBySideAndStopOnDestruction) {
  auto a = NginxServer::Start(root_.path());
  auto b = NginxServer::Start(root_.path());
  EXPECT_NE(a->port(), b->port());
  EXPECT_NE(a->work_dir(), b->work_dir());
  const int port = a->port();
  const std::string work = a->work_dir();
  EXPECT_TRUE(CanConnect(port));
  a.reset();
  EXPECT_FALSE(CanConnect(port));
  EXPECT_FALSE(PathExists(work));
  EXPECT_TRUE(CanConnect(b->port()));
}

TEST_F(NginxServerTest, NothingIsWrittenOutsideItsWorkDir) {
  auto server = NginxServer::Start(root_.path());
  std::string conf = ReadFileToString(server->work_dir() + "/nginx.conf");
  EXPECT_THAT(conf, ::testing::Not(HasSubstr("/var/")));
  EXPECT_THAT(conf, HasSubstr("daemon off;"));
  EXPECT_THAT(conf, HasSubstr("master_process off;"));
  // The root dir stays untouched.
  EXPECT_TRUE(ListDir(root_.path()).empty());
}

TEST_F(NginxServerTest, BadConfigFailsWithErrorLog) {
  try {
    NginxServer::Start(root_.path(), "this_is_not_a_directive on;");
    FAIL() << "expected throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown directive"));
    EXPECT_THAT(e.what(), HasSubstr("this_is_not_a_directive"));
  }
}

TEST_F(NginxServerTest, MissingRootDirThrows) {
  EXPECT_THROW(NginxServer::Start(root_.Sub("nope")), std::runtime_error);
}

TEST_F(NginxServerTest, NginxBinOverride) {
  const char* old = std::getenv("NGINX_BIN");
  std::string saved = old ? old : "";
  setenv("NGINX_BIN", "/nonexistent/nginx", 1);
  EXPECT_THROW(NginxServer::Start(root_.path()), std::runtime_error);
  setenv("NGINX_BIN", "/usr/sbin/nginx", 1);
  EXPECT_NO_THROW(NginxServer::Start(root_.path()));
  if (old) {
    setenv("NGINX_BIN", saved.c_str(), 1);
  } else {
    unsetenv("NGINX_BIN");
  }
}

}  // namespace
}  // namespace tfhub::test
