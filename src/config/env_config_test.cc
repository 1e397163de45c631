#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <optional>

#include "config/flags.h"
#include "gcs/gcs_config.h"
#include "net/scripted_http_client.h"
#include "testing/temp_dir.h"
#include "tfhub/options.h"

namespace tfhub {
namespace {

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::optional<std::string>> vars) {
    for (const auto& [k, v] : vars) {
      const char* old = getenv(k.c_str());
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
      Set(k, v);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) Set(k, v);
  }

 private:
  static void Set(const std::string& k, const std::optional<std::string>& v) {
    if (v) setenv(k.c_str(), v->c_str(), 1); else unsetenv(k.c_str());
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

const std::map<std::string, std::optional<std::string>> kClean = {
    {"TFHUB_CACHE_DIR", std::nullopt}, {"TFHUB_MODEL_LOAD_FORMAT", std::nullopt},
    {"TFHUB_DISABLE_CERT_VALIDATION", std::nullopt}, {"TFHUB_DOWNLOAD_PROGRESS", std::nullopt}};

std::map<std::string, std::optional<std::string>> With(std::map<std::string, std::optional<std::string>> extra) {
  auto m = kClean;
  for (auto& [k, v] : extra) m[k] = v;
  return m;
}

TEST(EnvConfigTest, CacheDirPrecedence) {
  {
    ScopedEnv env(With({{"TFHUB_CACHE_DIR", "/env/dir"}}));
    EXPECT_EQ(config::OptionsFromEnvironmentAndFlags({"/flag/dir", ""})->cache_dir, "/env/dir");
  }
  {
    ScopedEnv env(With({{"TFHUB_CACHE_DIR", ""}}));  // empty counts as unset
    EXPECT_EQ(config::OptionsFromEnvironmentAndFlags({"/flag/dir", ""})->cache_dir, "/flag/dir");
    EXPECT_EQ(OptionsFromEnvironment()->cache_dir, "");  // default resolved lazily
  }
}

// The Python package's keyword arguments: each given one wins over its
// variable, which is not even parsed; the others still come from the environment.
TEST(EnvConfigTest, ExplicitSettingsBeatTheEnvironment) {
  ScopedEnv env(With({{"TFHUB_CACHE_DIR", "/env/dir"},
                      {"TFHUB_MODEL_LOAD_FORMAT", "bogus"},
                      {"TFHUB_OFFLINE", "maybe"}}));
  EXPECT_FALSE(config::OptionsFromEnvironmentAndExplicitSettings({}).ok());
  auto o = config::OptionsFromEnvironmentAndExplicitSettings({"/arg/dir", "UNCOMPRESSED", false});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->cache_dir, "/arg/dir");
  EXPECT_EQ(o->load_format, LoadFormat::kUncompressed);
  EXPECT_FALSE(o->offline);
  auto bad = config::OptionsFromEnvironmentAndExplicitSettings({std::nullopt, "auto", false});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bad.status().message().starts_with("load_format: ")) << bad.status().message();
}

TEST(EnvConfigTest, DefaultCacheDirFollowsPythonTempdir) {
  test::TempDir a, b;
  {
    ScopedEnv env({{"TMPDIR", a.path()}, {"TEMP", b.path()}, {"TMP", std::nullopt}});
    EXPECT_EQ(DefaultCacheDir(), a.path() + "/tfhub_modules");
  }
  {
    ScopedEnv env({{"TMPDIR", a.path() + "/missing"}, {"TEMP", b.path()}, {"TMP", std::nullopt}});
    EXPECT_EQ(DefaultCacheDir(), b.path() + "/tfhub_modules");
  }
  {
    ScopedEnv env({{"TMPDIR", std::nullopt}, {"TEMP", std::nullopt}, {"TMP", std::nullopt}});
    EXPECT_EQ(DefaultCacheDir(), "/tmp/tfhub_modules");
  }
}

TEST(EnvConfigTest, LoadFormat) {
  {
    ScopedEnv env(kClean);
    EXPECT_EQ(OptionsFromEnvironment()->load_format, LoadFormat::kAuto);
    EXPECT_EQ(config::OptionsFromEnvironmentAndFlags({"", "COMPRESSED"})->load_format, LoadFormat::kCompressed);
  }
  {
    ScopedEnv env(With({{"TFHUB_MODEL_LOAD_FORMAT", "UNCOMPRESSED"}}));
    EXPECT_EQ(config::OptionsFromEnvironmentAndFlags({"", "COMPRESSED"})->load_format, LoadFormat::kUncompressed);
  }
  for (const char* bad : {"compressed", "FOO", "auto"}) {
    ScopedEnv env(With({{"TFHUB_MODEL_LOAD_FORMAT", bad}}));
    auto r = OptionsFromEnvironment();
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("AUTO, COMPRESSED and UNCOMPRESSED"), std::string::npos);
    EXPECT_NE(r.status().message().find(bad), std::string::npos);
  }
  ScopedEnv env(kClean);
  EXPECT_FALSE(config::OptionsFromEnvironmentAndFlags({"", "nope"}).ok());
}

TEST(EnvConfigTest, CertValidationOffOnlyForExactlyTrue) {
  for (const auto& [value, verify] : std::vector<std::pair<std::string, bool>>{
           {"true", false}, {"TRUE", true}, {"1", true}, {"", true}, {"yes", true}}) {
    ScopedEnv env(With({{"TFHUB_DISABLE_CERT_VALIDATION", value}}));
    EXPECT_EQ(OptionsFromEnvironment()->verify_tls, verify) << value;
  }
}

TEST(EnvConfigTest, DownloadConnections) {
  {
    ScopedEnv env(With({{"TFHUB_DOWNLOAD_CONNECTIONS", ""}}));
    EXPECT_EQ(OptionsFromEnvironment()->download_connections, 16);
  }
  {
    ScopedEnv env(With({{"TFHUB_DOWNLOAD_CONNECTIONS", "1"}}));
    EXPECT_EQ(OptionsFromEnvironment()->download_connections, 1);
  }
  for (const char* bad : {"0", "65", "-3", "8x", "many"}) {
    ScopedEnv env(With({{"TFHUB_DOWNLOAD_CONNECTIONS", bad}}));
    auto r = OptionsFromEnvironment();
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("TFHUB_DOWNLOAD_CONNECTIONS"), std::string::npos);
  }
}

TEST(EnvConfigTest, Sha256PinsAreSixtyFourHexDigitsInAnyCase) {
  const std::string lower(64, 'a');
  EXPECT_EQ(config::NormalizeSha256Pin(lower), lower);
  EXPECT_EQ(config::NormalizeSha256Pin(std::string(32, 'A') + std::string(32, '9')), std::string(32, 'a') + std::string(32, '9'));
  for (const std::string& bad : {std::string(), std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g",
                                std::string(63, 'a') + " "}) {
    EXPECT_EQ(config::NormalizeSha256Pin(bad), std::nullopt) << bad;
  }
}

TEST(EnvConfigTest, DecodeThreads) {
  {
    ScopedEnv env(With({{"TFHUB_DECODE_THREADS", ""}}));
    EXPECT_EQ(OptionsFromEnvironment()->decode_threads, 0);  // one per core
  }
  for (int n : {0, 1, 2, 16}) {
    ScopedEnv env(With({{"TFHUB_DECODE_THREADS", std::to_string(n)}}));
    EXPECT_EQ(OptionsFromEnvironment()->decode_threads, n);
  }
  for (const char* bad : {"-1", "257", "2x", "all"}) {
    ScopedEnv env(With({{"TFHUB_DECODE_THREADS", bad}}));
    auto r = OptionsFromEnvironment();
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("TFHUB_DECODE_THREADS"), std::string::npos);
  }
}

TEST(EnvConfigTest, ProgressWhenNonEmpty) {
  {
    ScopedEnv env(With({{"TFHUB_DOWNLOAD_PROGRESS", "1"}}));
    EXPECT_TRUE(OptionsFromEnvironment()->log_progress);
  }
  ScopedEnv env(With({{"TFHUB_DOWNLOAD_PROGRESS", ""}}));
  EXPECT_FALSE(OptionsFromEnvironment()->log_progress);
}

TEST(EnvConfigTest, GcsEmulatorGetsNoCredentialsEvenWithATokenOrKeyFileSet) {
  ScopedEnv env({{"STORAGE_EMULATOR_HOST", "127.0.0.1:9023"},
                 {"GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.not-for-the-emulator"},
                 {"GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json"},
                 {"GCE_METADATA_HOST", "metadata.test"}});
  auto options = OptionsFromEnvironment();
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->gcs.emulator_host, "127.0.0.1:9023");
  EXPECT_EQ(options->gcs.metadata_host, "metadata.test");
  const gcs::GcsConfig config = gcs::GcsConfigFor(*options);
  EXPECT_EQ(config.client.endpoint, "http://127.0.0.1:9023");
  net::ScriptedHttpClient http;
  http.Expect(net::Answer("GET", "http://127.0.0.1:9023/storage/v1/b/bkt/o/obj", 200, R"({"name":"obj"})"));
  auto credentials = gcs::MakeCredentials(config.credentials);
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ((*credentials)->Describe(), "anonymous");
  auto meta = gcs::GcsClient(&http, *credentials, config.client).GetMetadata(gcs::GcsPath{"bkt", "obj"});
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  const auto seen = http.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(net::RequestHeader(seen[0], "Authorization").has_value());
  EXPECT_TRUE(http.unexpected().empty());
}

}  // namespace
}  // namespace tfhub
