#include "runtime/context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "net/scripted_http_client.h"
#include "resolve/resolver.h"
#include "testing/temp_dir.h"

namespace tfhub::runtime {
namespace {

using ::testing::HasSubstr;

// Every ResolveOptions field that concerns requests reaches every backend:
// the same transport sees them on http(s) reads, gs:// reads and
// UNCOMPRESSED lookups.
class ContextTest : public ::testing::Test {
 protected:
  ContextTest() {
    options_.verify_tls = false;
    options_.ca_file = "/etc/my-ca.pem";
    options_.stall_timeout = std::chrono::seconds(7);
    options_.cancel = &cancel_;
    options_.max_attempts = 3;
    options_.retry_initial_backoff = std::chrono::seconds(10);
    options_.gcs.emulator_host = "127.0.0.1:9999";
    options_.gcs.access_token = "ya29.never-sent-to-the-emulator";
    options_.log = [this](std::string_view line) { log_.emplace_back(line); };
  }

  std::unique_ptr<Context> Make() { return Context::Make(options_, Seams{&clock_, &transport_}); }

  void ExpectOptionsOn(const net::HttpRequest& r) {
    EXPECT_FALSE(r.verify_tls) << r.url;
    EXPECT_EQ(r.ca_file, "/etc/my-ca.pem") << r.url;
    EXPECT_EQ(r.stall_timeout, std::chrono::seconds(7)) << r.url;
    EXPECT_EQ(r.cancel, &cancel_) << r.url;
  }

  std::atomic<bool> cancel_{false};
  ResolveOptions options_;
  base::FakeClock clock_;
  net::ScriptedHttpClient transport_;
  std::vector<std::string> log_;
};

TEST_F(ContextTest, HttpReadsCarryTheOptions) {
  transport_.Expect(net::Answer("GET", "https://models.test/m/saved_model.pb", 200, "pb"));
  const auto ctx = Make();
  io::FileSystem* fs = *ctx->file_systems().ForUri("https://models.test/m/saved_model.pb");
  auto text = fs->ReadFileToString("https://models.test/m/saved_model.pb");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "pb");
  ASSERT_EQ(transport_.seen().size(), 1u);
  ExpectOptionsOn(transport_.seen()[0]);
}

TEST_F(ContextTest, CloudStorageReadsCarryTheOptionsAndGoToTheEmulatorWithoutCredentials) {
  transport_.Expect(net::Answer("GET", "http://127.0.0.1:9999/storage/v1/b/bkt/o/obj", 200,
                                R"({"name":"obj","size":"3","generation":"1"})"));
  const auto ctx = Make();
  auto info = (*ctx->file_systems().ForUri("gs://bkt/obj"))->Stat("gs://bkt/obj");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 3u);
  ASSERT_EQ(transport_.seen().size(), 1u);
  ExpectOptionsOn(transport_.seen()[0]);
  EXPECT_FALSE(net::RequestHeader(transport_.seen()[0], "Authorization").has_value());
}

TEST_F(ContextTest, RetriesFollowTheOptionsOnTheContextsClock) {
  for (int i = 0; i < 3; ++i) {
    transport_.Expect(net::Answer("GET", "https://models.test/busy", 503, "busy"));
  }
  const auto ctx = Make();
  auto text = (*ctx->file_systems().ForUri("https://models.test/busy"))->ReadFileToString("https://models.test/busy");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(transport_.seen().size(), 3u);  // max_attempts
  EXPECT_GT(clock_.slept(), std::chrono::milliseconds(0));  // backoffs, on the fake clock
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("Retrying GET https://models.test/busy")));
}

TEST_F(ContextTest, UncompressedLookupsCarryTheOptions) {
  // The 303 names a gs:// location, which is then looked at (Stat) through
  // the gs:// backend: both requests carry the options (the second is not
  // scripted; it is recorded as unexpected and fails the resolve).
  transport_.Expect(net::Answer("GET", "https://hub.test/m/1?tf-hub-format=uncompressed", 303, "gs://bkt/m/1"));
  options_.load_format = LoadFormat::kUncompressed;
  const auto ctx = Make();
  EXPECT_FALSE(resolvers::ResolveWithContext("https://hub.test/m/1", *ctx).ok());
  ASSERT_EQ(transport_.seen().size(), 1u);
  ExpectOptionsOn(transport_.seen()[0]);
  EXPECT_FALSE(transport_.seen()[0].follow_redirects);
  ASSERT_FALSE(transport_.unexpected().empty());
  for (const auto& r : transport_.unexpected()) {
    ExpectOptionsOn(r);
    EXPECT_THAT(r.url, ::testing::StartsWith("http://127.0.0.1:9999/storage/v1/b/bkt/"));
  }
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("Disabled certificate validation")));
}

}  // namespace
}  // namespace tfhub::runtime
