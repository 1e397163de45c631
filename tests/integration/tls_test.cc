// TLS: verified by default, trusted through SSL_CERT_FILE, off only with
// TFHUB_DISABLE_CERT_VALIDATION=true (exactly), with a warning.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "served_models.h"
#include "testing/archive_builder.h"
#include "testing/nginx_server.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new test::TempDir("tfhub_tls");
    auto r = test::RunProcess({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                               certs_->Sub("key.pem"), "-out", certs_->Sub("cert.pem"), "-days", "2",
                               "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
    ASSERT_TRUE(r.ok()) << r.DebugString();
    www_ = new test::TempDir("tfhub_tls_www");
    test::MakeTarWithGnuTar(ServedModels::ModelDir("tfjs_times_two_int"), www_->Sub("m.tar.gz"));
    tls_port_ = FreePort();
    nginx_ = test::NginxServer::Start(www_->path(), "listen 127.0.0.1:" + std::to_string(tls_port_) +
                                                        " ssl;\nssl_certificate " + certs_->Sub("cert.pem") +
                                                        ";\nssl_certificate_key " + certs_->Sub("key.pem") + ";\n")
                 .release();
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete www_;
    delete certs_;
  }

  test::ProcessResult Resolve(test::EnvChanges env) {
    env["TFHUB_CACHE_DIR"] = cache_.path();
    env["TFHUB_DISABLE_CERT_VALIDATION"] = env.count("TFHUB_DISABLE_CERT_VALIDATION")
                                               ? env["TFHUB_DISABLE_CERT_VALIDATION"]
                                               : std::nullopt;
    env["https_proxy"] = std::nullopt;
    env["HTTPS_PROXY"] = std::nullopt;
    return test::RunProcess({TFHUB_CLI_PATH, "resolve", url()}, env);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(tls_port_) + "/m.tar.gz"; }

  static test::TempDir* certs_;
  static test::TempDir* www_;
  static test::NginxServer* nginx_;
  static int tls_port_;
  test::TempDir cache_{"tfhub_tls_cache"};
};

test::TempDir* TlsTest::certs_ = nullptr;
test::TempDir* TlsTest::www_ = nullptr;
test::NginxServer* TlsTest::nginx_ = nullptr;
int TlsTest::tls_port_ = 0;

TEST_F(TlsTest, UntrustedCertificateFails) {
  for (const char* value : {"", "TRUE", "1"}) {
    auto r = Resolve({{"TFHUB_DISABLE_CERT_VALIDATION", value}});
    EXPECT_EQ(r.exit_code, 1) << value;
    EXPECT_THAT(r.err, AllOf(HasSubstr(url()), HasSubstr("certificate"))) << r.err;
    EXPECT_THAT(test::ListDir(cache_.path()), IsEmpty());
  }
}

TEST_F(TlsTest, TrustedThroughSslCertFile) {
  auto r = Resolve({{"SSL_CERT_FILE", certs_->Sub("cert.pem")}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.err, "");
}

TEST_F(TlsTest, DisabledOnlyWithExactlyTrueAndWarns) {
  auto r = Resolve({{"TFHUB_DISABLE_CERT_VALIDATION", "true"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.err, HasSubstr("Disabled certificate validation for resolving handles."));
}

}  // namespace
}  // namespace tfhub::itest
