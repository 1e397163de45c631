#include "net/credential_url.h"

#include <gtest/gtest.h>

namespace tfhub::net {
namespace {

TEST(CredentialUrlTest, UrlHostSkipsUserinfoPortPathAndIpv6Brackets) {
  EXPECT_EQ(UrlHost("https://storage.googleapis.com/storage/v1/b"), "storage.googleapis.com");
  EXPECT_EQ(UrlHost("http://127.0.0.1:9023"), "127.0.0.1");
  EXPECT_EQ(UrlHost("http://user:pw@localhost:80/x?y#z"), "localhost");
  EXPECT_EQ(UrlHost("http://[::1]:8080/token"), "::1");
  EXPECT_EQ(UrlHost("http://[::1]"), "::1");
  EXPECT_EQ(UrlHost("http://u@[fe80::1]/"), "fe80::1");
  EXPECT_EQ(UrlHost("HTTP://Example.COM?q=http://127.0.0.1/"), "Example.COM");
  EXPECT_EQ(UrlHost("http://host.test#@127.0.0.1"), "host.test");
}

TEST(CredentialUrlTest, UrlHostRefusesWhatCouldBeReadTwoWays) {
  for (const char* url : {
           "127.0.0.1:9023/token",          // no scheme
           "://127.0.0.1/",                 // empty scheme
           "1http://127.0.0.1/",            // not a scheme
           "http:///path",                  // empty host
           "http://user@/path",             // empty host after userinfo
           "http://a@b@127.0.0.1/",         // two '@'
           "http://evil.test\\@127.0.0.1/",  // a backslash
           "http://127.0.0.1 .evil.test/",  // a space
           "http://127.0.0.1\t/",           // a control character
           "http://127.0.0.1:80x/",         // a port that is not digits
           "http://127.0.0.1:8:9/",         // two ports
           "http://[::1/",                  // unclosed bracket
           "http://[::1]x/",                // junk after the bracket
           "http://[]/",                    // empty IPv6 literal
       }) {
    EXPECT_EQ(UrlHost(url), std::nullopt) << url;
  }
}

TEST(CredentialUrlTest, LoopbackHosts) {
  for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"", "[::1]", "localhost.", "localhost.evil.test", "evil-localhost", "128.0.0.1",
                           "10.0.0.1", "127.1", "0177.0.0.1", "127.0.0.1.evil.test", "::2", "::ffff:10.0.0.1",
                           "metadata.google.internal", "::"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(CredentialUrlTest, HttpsOrLoopbackHttpMayCarryCredentials) {
  for (const char* url : {"https://oauth2.googleapis.com/token", "HTTPS://storage.googleapis.com",
                          "https://10.0.0.1:8443/x", "http://127.0.0.1:9023/storage/v1/b",
                          "http://localhost/token", "Http://[::1]:4443/", "http://user:pw@127.0.0.2/"}) {
    EXPECT_TRUE(MaySendCredentials(url)) << url;
    EXPECT_TRUE(CheckMaySendCredentials(url).ok()) << url;
  }
}

TEST(CredentialUrlTest, PlainHttpToOtherHostsIsRefusedNamingOnlySchemeHostAndPort) {
  for (const char* url : {"http://storage.googleapis.com/storage/v1/b", "http://10.0.0.1:9023/x",
                          "http://user:secret@gcs.test:80/upload?upload_id=SESSION", "http://[fe80::1]/",
                          "ftp://127.0.0.1/", "file:///etc/token", "gs://bucket/object", "localhost:9023/token",
                          "http://evil.test\\@127.0.0.1/", "https://a@b@c/"}) {
    EXPECT_FALSE(MaySendCredentials(url)) << url;
    const Status s = CheckMaySendCredentials(url);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << url;
    EXPECT_NE(s.message().find("refusing to send credentials to "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("loopback"), std::string::npos) << s.message();
  }
  const Status s = CheckMaySendCredentials("http://user:secret@gcs.test:80/upload?upload_id=SESSION");
  EXPECT_NE(s.message().find("to http://gcs.test:80:"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("SESSION"), std::string::npos) << s.message();
  EXPECT_NE(CheckMaySendCredentials("http://[fe80::1]/").message().find("to http://[fe80::1]:"), std::string::npos);
}

}  // namespace
}  // namespace tfhub::net
