#include "gcs/credentials.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/strings.h"
#include "net/scripted_http_client.h"
#include "testing/temp_dir.h"

namespace tfhub::gcs {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr char kEmail[] = "sa@project.iam.gserviceaccount.com";
constexpr char kTokenUri[] = "https://oauth2.example.test/token";
constexpr char kGrant[] = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
constexpr char kScope[] = "https://www.googleapis.com/auth/devstorage.read_write";

// One 2048-bit test key for the whole suite (OpenSSL is linked into tests).
EVP_PKEY* TestKey() {
  static EVP_PKEY* key = EVP_RSA_gen(2048);
  return key;
}

std::string TestKeyPem() {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, TestKey(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

bool VerifiesWithTestKey(const std::string& data, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, TestKey()) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

json KeyJson() {
  return {{"type", "service_account"},
          {"project_id", "project"},
          {"private_key_id", "0123456789abcdef"},
          {"private_key", TestKeyPem()},
          {"client_email", kEmail},
          {"client_id", "1234"},
          {"token_uri", kTokenUri}};
}

// The assertion of a token request's form body.
std::string AssertionOf(const net::HttpRequest& request) {
  const std::string body = request.body;
  EXPECT_EQ(body.rfind(kGrant, 0), 0u) << body;
  return body.substr(std::string(kGrant).size());
}

// An error message must quote no 16-character piece of a secret.
void ExpectNoPieceOf(const std::string& message, const std::string& secret) {
  for (size_t i = 0; i + 16 <= secret.size(); i += 16) {
    EXPECT_EQ(message.find(secret.substr(i, 16)), std::string::npos) << message;
  }
}

struct Jwt {
  json header;
  json claims;
  std::string signing_input;
  std::string signature;
};

Jwt DecodeJwt(const std::string& assertion) {
  Jwt jwt;
  const size_t dot1 = assertion.find('.');
  const size_t dot2 = assertion.find('.', dot1 + 1);
  EXPECT_NE(dot1, std::string::npos);
  EXPECT_NE(dot2, std::string::npos);
  if (dot1 == std::string::npos || dot2 == std::string::npos) return jwt;
  EXPECT_EQ(assertion.find('.', dot2 + 1), std::string::npos);
  auto header = base::Base64UrlDecode(assertion.substr(0, dot1));
  auto claims = base::Base64UrlDecode(assertion.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base::Base64UrlDecode(assertion.substr(dot2 + 1));
  EXPECT_TRUE(header && claims && signature) << assertion;
  if (!header || !claims || !signature) return jwt;
  jwt.header = json::parse(*header);
  jwt.claims = json::parse(*claims);
  jwt.signing_input = assertion.substr(0, dot2);
  jwt.signature = *signature;
  return jwt;
}

net::ScriptedExchange TokenAnswer(const std::string& url, const std::string& token, int expires_in = 3600) {
  net::ScriptedExchange e;
  e.method = "POST";
  e.url = url;
  e.status = 200;
  e.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  e.body = json{{"access_token", token}, {"expires_in", expires_in}, {"token_type", "Bearer"}}.dump();
  return e;
}

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    config_.now = [this] {
      std::lock_guard<std::mutex> lock(clock_mu_);
      return now_;
    };
  }

  void Advance(seconds s) {
    std::lock_guard<std::mutex> lock(clock_mu_);
    now_ += s;
  }
  long long NowSeconds() {
    std::lock_guard<std::mutex> lock(clock_mu_);
    return std::chrono::duration_cast<seconds>(now_.time_since_epoch()).count();
  }

  std::string WriteKey(const json& key, const std::string& name = "key.json") {
    const std::string path = dir_.Sub(name);
    test::WriteStringToFile(path, key.dump(2));
    return path;
  }

  std::shared_ptr<Credentials> Make() {
    auto creds = MakeCredentials(config_);
    EXPECT_TRUE(creds.ok()) << creds.status().ToString();
    return creds.ok() ? *creds : nullptr;
  }

  test::TempDir dir_{"tfhub_credentials"};
  net::ScriptedHttpClient http_;
  CredentialsConfig config_;
  std::mutex clock_mu_;
  system_clock::time_point now_{seconds(1'800'000'000)};
};

TEST_F(CredentialsTest, ServiceAccountExchangesASignedJwtForAnAccessToken) {
  config_.key_file = WriteKey(KeyJson());
  http_.Expect(TokenAnswer(kTokenUri, "ya29.first"));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->Describe(), std::string("service account ") + kEmail + " (key file " + config_.key_file + ")");
  EXPECT_TRUE(http_.seen().empty()) << "no token is fetched before it is needed";

  auto header = creds->AuthorizationHeader(http_);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(*header, "Authorization: Bearer ya29.first");

  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].url, kTokenUri);
  EXPECT_EQ(net::RequestHeader(seen[0], "Content-Type"), "application/x-www-form-urlencoded");
  const Jwt jwt = DecodeJwt(AssertionOf(seen[0]));
  EXPECT_EQ(jwt.header, (json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "0123456789abcdef"}}));
  const long long now = NowSeconds();
  EXPECT_EQ(jwt.claims, (json{{"iss", kEmail}, {"scope", kScope}, {"aud", kTokenUri}, {"iat", now},
                              {"exp", now + 3600}}));
  EXPECT_EQ(jwt.signature.size(), 256u);
  EXPECT_TRUE(VerifiesWithTestKey(jwt.signing_input, jwt.signature));
  EXPECT_FALSE(VerifiesWithTestKey(jwt.signing_input + "x", jwt.signature));
}

TEST_F(CredentialsTest, TokenIsCachedUntilFiveMinutesBeforeItExpires) {
  config_.key_file = WriteKey(KeyJson());
  http_.Expect(TokenAnswer(kTokenUri, "ya29.first"));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.first");
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.first");
  Advance(seconds(3600 - 300 - 1));
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.first");
  EXPECT_EQ(http_.seen().size(), 1u);
  EXPECT_TRUE(http_.unexpected().empty());

  Advance(seconds(1));  // 5 minutes left: refresh
  http_.Expect(TokenAnswer(kTokenUri, "ya29.second"));
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.second");
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 2u);
  const Jwt jwt = DecodeJwt(AssertionOf(seen[1]));
  EXPECT_EQ(jwt.claims["iat"], NowSeconds());
  EXPECT_EQ(jwt.claims["exp"], NowSeconds() + 3600);
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.second");
  EXPECT_EQ(http_.seen().size(), 2u);
}

TEST_F(CredentialsTest, TokenUriOverrideMovesTheEndpointNotTheAudience) {
  json key = KeyJson();
  key.erase("private_key_id");
  config_.key_file = WriteKey(key);
  config_.token_uri_override = "http://127.0.0.1:9/token";
  config_.verify_tls = false;
  config_.ca_file = "/etc/ca.pem";
  http_.Expect(TokenAnswer("http://127.0.0.1:9/token", "tok"));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer tok");
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].verify_tls);
  EXPECT_EQ(seen[0].ca_file, "/etc/ca.pem");
  const Jwt jwt = DecodeJwt(AssertionOf(seen[0]));
  EXPECT_EQ(jwt.claims["aud"], kTokenUri);
  EXPECT_EQ(jwt.header, (json{{"alg", "RS256"}, {"typ", "JWT"}})) << "no kid without a private_key_id";
}

TEST_F(CredentialsTest, TokenUriMustBeHttpsOrPlainHttpToLoopback) {
  for (const char* uri : {"http://oauth2.example.test/token", "http://10.0.0.1/token", "ftp://127.0.0.1/token",
                          "oauth2.example.test/token", "http://evil.test\\@127.0.0.1/token"}) {
    json key = KeyJson();
    key["token_uri"] = uri;
    config_.key_file = WriteKey(key);
    auto creds = MakeCredentials(config_);
    ASSERT_FALSE(creds.ok()) << uri;
    const std::string& message = creds.status().message();
    EXPECT_EQ(creds.status().code(), StatusCode::kInvalidArgument) << creds.status().ToString();
    EXPECT_NE(message.find("credentials key file " + config_.key_file + ": token_uri " + uri), std::string::npos)
        << message;
    EXPECT_NE(message.find("loopback"), std::string::npos) << message;
  }
  // The endpoint actually used is checked, an override included.
  config_.key_file = WriteKey(KeyJson());
  config_.token_uri_override = "http://oauth2.example.test/token";
  EXPECT_EQ(MakeCredentials(config_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.seen().empty());
  EXPECT_TRUE(http_.unexpected().empty());

  config_.token_uri_override.clear();
  for (const char* uri : {"http://127.0.0.1:9/token", "http://[::1]:9/token", "http://localhost:9/token"}) {
    json key = KeyJson();
    key["token_uri"] = uri;
    config_.key_file = WriteKey(key);
    http_.Expect(TokenAnswer(uri, "tok"));
    auto creds = Make();
    ASSERT_NE(creds, nullptr) << uri;
    EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer tok") << uri;
  }
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(CredentialsTest, TokenExchangeDoesNotFollowARedirectToAnotherHost) {
  config_.key_file = WriteKey(KeyJson());
  const std::string elsewhere = "https://collector.example/token";
  http_.Expect(net::Answer("POST", kTokenUri, 302, "", {{"Location", elsewhere}}));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  auto header = creds->AuthorizationHeader(http_);
  ASSERT_FALSE(header.ok());
  const std::string message = header.status().message();
  EXPECT_EQ(header.status().code(), StatusCode::kFailedPrecondition) << message;
  EXPECT_NE(message.find(std::string("from ") + kTokenUri + ": HTTP 302 Found"), std::string::npos) << message;
  EXPECT_NE(message.find("do not follow redirects (to " + elsewhere + ")"), std::string::npos) << message;
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].follow_redirects) << "the HTTP client would carry the JWT to " << elsewhere;
  EXPECT_TRUE(http_.unexpected().empty()) << "the redirect target is never asked";
  ExpectNoPieceOf(message, AssertionOf(seen[0]));
}

TEST_F(CredentialsTest, DefaultTokenUriIsGoogles) {
  json key = KeyJson();
  key.erase("token_uri");
  config_.key_file = WriteKey(key);
  http_.Expect(TokenAnswer("https://oauth2.googleapis.com/token", "tok"));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer tok");
  ASSERT_EQ(http_.seen().size(), 1u);
  EXPECT_EQ(DecodeJwt(AssertionOf(http_.seen()[0])).claims["aud"], "https://oauth2.googleapis.com/token");
}

TEST_F(CredentialsTest, RejectedGrantNamesEndpointStatusAndErrorButNotTheAssertion) {
  config_.key_file = WriteKey(KeyJson());
  net::ScriptedExchange e;
  e.method = "POST";
  e.url = kTokenUri;
  e.status = 400;
  e.body = R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})";
  http_.Expect(e);
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  auto header = creds->AuthorizationHeader(http_);
  ASSERT_FALSE(header.ok());
  const std::string message = header.status().message();
  EXPECT_EQ(header.status().code(), StatusCode::kPermissionDenied) << message;
  EXPECT_NE(message.find(kTokenUri), std::string::npos) << message;
  EXPECT_NE(message.find("400"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid_grant"), std::string::npos) << message;
  EXPECT_NE(message.find("Invalid JWT Signature."), std::string::npos) << message;
  EXPECT_NE(message.find(kEmail), std::string::npos) << message;
  ASSERT_EQ(http_.seen().size(), 1u);
  ExpectNoPieceOf(message, AssertionOf(http_.seen()[0]));
  EXPECT_EQ(message.find("PRIVATE KEY"), std::string::npos) << message;
}

TEST_F(CredentialsTest, ServerErrorsAreRetryableAndTheNextCallTriesAgain) {
  config_.key_file = WriteKey(KeyJson());
  for (long status : {503L, 429L}) {
    net::ScriptedExchange e;
    e.method = "POST";
    e.url = kTokenUri;
    e.status = status;
    e.body = "<html>busy</html>";
    http_.Expect(e);
  }
  net::ScriptedExchange refused;
  refused.method = "POST";
  refused.url = kTokenUri;
  refused.transport_error = UnavailableError(std::string("POST ") + kTokenUri + ": connection refused");
  http_.Expect(refused);
  http_.Expect(TokenAnswer(kTokenUri, "tok"));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  for (const char* status : {"503", "429", "connection refused"}) {
    auto header = creds->AuthorizationHeader(http_);
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.status().code(), StatusCode::kUnavailable) << header.status().ToString();
    EXPECT_NE(header.status().message().find(status), std::string::npos) << header.status().message();
    EXPECT_NE(header.status().message().find(kTokenUri), std::string::npos) << header.status().message();
  }
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer tok");
}

TEST_F(CredentialsTest, OtherTokenEndpointErrors) {
  config_.key_file = WriteKey(KeyJson());
  struct Case {
    long status;
    std::string body;
    StatusCode code;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {403, R"({"error":"access_denied"})", StatusCode::kPermissionDenied, "access_denied"},
      {401, "", StatusCode::kPermissionDenied, "401 Unauthorized"},
      {400, R"({"error":"invalid_request","error_description":"bad\nline"})", StatusCode::kInvalidArgument,
       "invalid_request: bad?line"},
      {400, R"({"error":{"code":400,"message":"Bad scope","status":"INVALID_ARGUMENT"}})",
       StatusCode::kInvalidArgument, "Bad scope"},
      {200, "not json", StatusCode::kUnavailable, "not JSON"},
      {200, R"({"expires_in":3600})", StatusCode::kUnavailable, "no access_token"},
      {200, R"({"access_token":"a b","expires_in":3600})", StatusCode::kUnavailable, "access_token"},
  };
  for (const Case& c : cases) {
    net::ScriptedExchange e;
    e.method = "POST";
    e.url = kTokenUri;
    e.status = c.status;
    e.body = c.body;
    http_.Expect(e);
  }
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  for (const Case& c : cases) {
    auto header = creds->AuthorizationHeader(http_);
    ASSERT_FALSE(header.ok()) << c.body;
    EXPECT_EQ(header.status().code(), c.code) << header.status().ToString();
    EXPECT_NE(header.status().message().find(c.mentions), std::string::npos) << header.status().message();
    EXPECT_EQ(header.status().message().find("a b"), std::string::npos) << header.status().message();
  }
}

TEST_F(CredentialsTest, MalformedKeyFilesAreInvalidArgumentNamingTheFile) {
  const std::string pem = TestKeyPem();
  struct Case {
    std::string name;
    std::string content;  // "" with no file: missing
    std::string problem;
  };
  json wrong_type = KeyJson();
  wrong_type["type"] = "authorized_user";
  json no_key = KeyJson();
  no_key.erase("private_key");
  json garbage_key = KeyJson();
  garbage_key["private_key"] = "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n";
  json no_email = KeyJson();
  no_email.erase("client_email");
  json no_type = KeyJson();
  no_type.erase("type");
  json bad_uri = KeyJson();
  bad_uri["token_uri"] = 7;
  // Cut inside the private key: the message must not quote the file.
  const std::string truncated = KeyJson().dump().substr(0, KeyJson().dump().find("BEGIN PRIVATE KEY") + 60);
  const std::vector<Case> cases = {
      {"missing.json", "", "cannot read: No such file or directory"},
      {"truncated.json", truncated, "not JSON: syntax error at byte"},
      {"array.json", "[1, 2]", "not a JSON object"},
      {"wrong_type.json", wrong_type.dump(), "type is 'authorized_user', expected 'service_account'"},
      {"no_type.json", no_type.dump(), "has no type"},
      {"no_key.json", no_key.dump(), "has no private_key"},
      {"garbage_key.json", garbage_key.dump(), "private_key is not a PEM RSA"},
      {"no_email.json", no_email.dump(), "has no client_email"},
      {"bad_uri.json", bad_uri.dump(), "token_uri"},
  };
  for (const Case& c : cases) {
    const std::string path = dir_.Sub(c.name);
    if (!c.content.empty()) test::WriteStringToFile(path, c.content);
    config_.key_file = path;
    auto creds = MakeCredentials(config_);
    ASSERT_FALSE(creds.ok()) << c.name;
    EXPECT_EQ(creds.status().code(), StatusCode::kInvalidArgument) << creds.status().ToString();
    const std::string& message = creds.status().message();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(c.problem), std::string::npos) << message;
    EXPECT_EQ(message.find("U0VDUkVU"), std::string::npos) << message;
    EXPECT_EQ(message.find(pem.substr(28, 40)), std::string::npos) << message;
  }
  // A directory cannot be read either.
  config_.key_file = dir_.path();
  auto dir = MakeCredentials(config_);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("cannot read"), std::string::npos) << dir.status().message();
  EXPECT_TRUE(http_.seen().empty());
  EXPECT_TRUE(http_.unexpected().empty());
}

TEST_F(CredentialsTest, DirectAccessTokenWinsAndMakesNoRequests) {
  config_.access_token = "ya29.direct";
  config_.key_file = dir_.Sub("never-read.json");
  config_.use_metadata_server = true;
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.direct");
  EXPECT_EQ(creds->Describe(), "access token from GOOGLE_OAUTH_ACCESS_TOKEN");
  EXPECT_TRUE(http_.seen().empty());
  EXPECT_TRUE(http_.unexpected().empty());

  config_.access_token = "ya29.with\nnewline";
  auto bad = MakeCredentials(config_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("ya29"), std::string::npos) << bad.status().message();
}

TEST_F(CredentialsTest, AnonymousHasNoHeaderAndMakesNoRequests) {
  // Forced anonymous wins over the metadata server; nothing set: anonymous.
  config_.anonymous = true;
  config_.use_metadata_server = true;
  for (int i = 0; i < 2; ++i) {
    auto creds = Make();
    ASSERT_NE(creds, nullptr);
    EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "");
    EXPECT_EQ(creds->Describe(), "anonymous");
    config_ = CredentialsConfig();
  }
  auto without_http = MakeCredentials(CredentialsConfig());
  ASSERT_TRUE(without_http.ok());
  EXPECT_EQ((*without_http)->AuthorizationHeader(http_).value(), "");
  EXPECT_TRUE(http_.seen().empty());
  EXPECT_TRUE(http_.unexpected().empty());
}

TEST_F(CredentialsTest, ForcedAnonymousWinsOverATokenAKeyFileAndTheMetadataServer) {
  // The emulator: whatever else is set, no credential is used.
  config_.anonymous = true;
  config_.access_token = "ya29.direct";
  config_.key_file = WriteKey(KeyJson());
  config_.use_metadata_server = true;
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->Describe(), "anonymous");
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "");
  EXPECT_TRUE(http_.seen().empty());
  EXPECT_TRUE(http_.unexpected().empty());
}

TEST_F(CredentialsTest, MetadataServerTokenIsFetchedWithMetadataFlavorAndCached) {
  config_.use_metadata_server = true;
  config_.metadata_host = "metadata.test:8080";
  const std::string url = "http://metadata.test:8080/computeMetadata/v1/instance/service-accounts/default/token";
  net::ScriptedExchange e;
  e.url = url;
  e.matches = [](const net::HttpRequest& r) { return net::RequestHeader(r, "Metadata-Flavor") == "Google"; };
  // The metadata server hands out tokens with what is left of their life.
  e.body = R"({"access_token":"ya29.gce","expires_in":200,"token_type":"Bearer"})";
  http_.Expect(e);
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(creds->Describe(), "metadata server");
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.gce");
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_LE(seen[0].connect_timeout, seconds(5));
  EXPECT_FALSE(seen[0].follow_redirects);
  EXPECT_TRUE(seen[0].body.empty());

  // A short-lived token is refreshed at half its life, not 5 minutes early.
  Advance(seconds(99));
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.gce");
  EXPECT_EQ(http_.seen().size(), 1u);
  Advance(seconds(1));
  e.body = R"({"access_token":"ya29.gce2","expires_in":3599})";
  http_.Expect(e);
  EXPECT_EQ(creds->AuthorizationHeader(http_).value(), "Authorization: Bearer ya29.gce2");
  EXPECT_EQ(http_.seen().size(), 2u);
  EXPECT_TRUE(http_.unexpected().empty());
}

TEST_F(CredentialsTest, MetadataServerErrorNamesTheUrlAndStatus) {
  config_.use_metadata_server = true;
  const std::string url =
      "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";
  net::ScriptedExchange e;
  e.url = url;
  e.status = 404;
  e.body = "Not Found";
  http_.Expect(e);
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  auto header = creds->AuthorizationHeader(http_);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().code(), StatusCode::kNotFound);
  EXPECT_NE(header.status().message().find(url), std::string::npos) << header.status().message();
  EXPECT_NE(header.status().message().find("404"), std::string::npos) << header.status().message();
}

TEST_F(CredentialsTest, ConcurrentCallersShareOneFetch) {
  config_.key_file = WriteKey(KeyJson());
  http_.Expect(TokenAnswer(kTokenUri, "ya29.shared"));
  auto creds = Make();
  ASSERT_NE(creds, nullptr);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto header = creds->AuthorizationHeader(http_);
      if (header.ok() && *header == "Authorization: Bearer ya29.shared") ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 8);
  EXPECT_EQ(http_.seen().size(), 1u);
  EXPECT_TRUE(http_.unexpected().empty());
}

}  // namespace
}  // namespace tfhub::gcs
