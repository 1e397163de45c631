// GcsClient against scripted HTTP exchanges: the answers the Cloud Storage
// emulator of the integration tests cannot give (412 on preconditions, 308
// with a partial Range, 416, a 200 to a ranged read, paged listings with
// odd tokens, multi-round rewrites), the URL and header shapes of every
// request, and the error mapping.
#include "gcs/gcs_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "net/scripted_http_client.h"

namespace tfhub::gcs {
namespace {

using net::RequestHeader;
using net::ScriptedExchange;

constexpr char kToken[] = "test-token";
constexpr char kObjectUrl[] = "https://gcs.test/storage/v1/b/bkt/o/dir%2Ffile";
constexpr char kUri[] = "gs://bkt/dir/file";

class TestCredentials final : public Credentials {
 public:
  Result<std::string> AuthorizationHeader(net::HttpClient&) override {
    ++calls;
    return std::string("Authorization: Bearer ") + kToken;
  }
  std::string Describe() const override { return "test credentials"; }
  std::atomic<int> calls{0};
};

class FailingCredentials final : public Credentials {
 public:
  Result<std::string> AuthorizationHeader(net::HttpClient&) override {
    return UnavailableError("cannot get an access token from the metadata server http://md.test/token: HTTP 503");
  }
  std::string Describe() const override { return "metadata server"; }
};

GcsClientOptions TestOptions() {
  GcsClientOptions o;
  o.endpoint = "https://gcs.test/";  // the trailing '/' is dropped
  return o;
}

std::string ErrorJson(long code, const std::string& message) {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
         R"(","errors":[{"message":")" + message + R"(","reason":"x"}]}})";
}

using net::Answer;

GcsPath Obj(std::string object = "dir/file") { return GcsPath{"bkt", std::move(object)}; }

class GcsClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(http_.unexpected().empty()) << "first unexpected: " << http_.unexpected().front().method << " "
                                            << http_.unexpected().front().url;
    // Every request carries the credentials' header.
    for (const auto& r : http_.seen()) {
      EXPECT_EQ(RequestHeader(r, "Authorization").value_or("<none>"), std::string("Bearer ") + kToken)
          << r.method << " " << r.url;
      EXPECT_FALSE(r.follow_redirects) << r.url;
    }
  }

  net::ScriptedHttpClient http_;
  std::shared_ptr<TestCredentials> credentials_ = std::make_shared<TestCredentials>();
  GcsClient client_{&http_, credentials_, TestOptions()};
};

// ---- Metadata ---------------------------------------------------------------

TEST_F(GcsClientTest, GetMetadataParsesStringNumbers) {
  http_.Expect(Answer("GET", kObjectUrl, 200,
                      R"({"name":"dir/file","size":"5000000000","generation":"1700000000123456",)"
                      R"("crc32c":"AAAAAA==","md5Hash":"1B2M2Y8AsgTpgAmY7PhCfg=="})"));
  auto meta = client_.GetMetadata(Obj());
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->name, "dir/file");
  EXPECT_EQ(meta->size, 5000000000u);
  EXPECT_EQ(meta->generation, 1700000000123456);
  EXPECT_EQ(meta->crc32c, "AAAAAA==");
  EXPECT_EQ(meta->md5, "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, ObjectNamesArePercentEncoded) {
  http_.Expect(Answer("GET", "https://gcs.test/storage/v1/b/bkt/o/a%20b%2Fc%3Fd%23e%25f", 200, R"({"name":"x"})"));
  EXPECT_TRUE(client_.GetMetadata(Obj("a b/c?d#e%f")).ok());
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, GetMetadataAnswerThatIsNotJsonIsDataLoss) {
  http_.Expect(Answer("GET", kObjectUrl, 200, "<html>captive portal</html>"));
  auto meta = client_.GetMetadata(Obj());
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.status().code(), StatusCode::kDataLoss) << meta.status().ToString();
  EXPECT_NE(meta.status().message().find(kUri), std::string::npos) << meta.status().ToString();
}

// ---- Error mapping ----------------------------------------------------------

struct ErrorCase {
  long http_status;
  StatusCode code;
};

TEST_F(GcsClientTest, ErrorsNameObjectStatusAndServiceMessage) {
  const ErrorCase cases[] = {
      {404, StatusCode::kNotFound},         {410, StatusCode::kNotFound},
      {401, StatusCode::kPermissionDenied}, {403, StatusCode::kPermissionDenied},
      {503, StatusCode::kUnavailable},      {500, StatusCode::kUnavailable},
      {429, StatusCode::kUnavailable},      {408, StatusCode::kUnavailable},
      {400, StatusCode::kInvalidArgument},  {409, StatusCode::kFailedPrecondition},
      {412, StatusCode::kFailedPrecondition}, {416, StatusCode::kOutOfRange},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE("HTTP " + std::to_string(c.http_status));
    const std::string service_message = "service says " + std::to_string(c.http_status) + " for bkt/dir/file";
    http_.Expect(Answer("GET", kObjectUrl, c.http_status, ErrorJson(c.http_status, service_message)));
    Status s = client_.GetMetadata(Obj()).status();
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(std::string("Cloud Storage stat ") + kUri + ": HTTP " + std::to_string(c.http_status)),
              std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find(service_message), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find(kToken), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, ErrorsOfEachOperationNameItAndTheObject) {
  const std::string msg = "No such object: bkt/dir/file";
  http_.Expect(Answer("POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=media&name=dir%2Ffile", 403,
                      ErrorJson(403, "caller does not have storage.objects.create access")));
  http_.Expect(Answer("DELETE", kObjectUrl, 404, ErrorJson(404, msg)));
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 503, ErrorJson(503, "backend error")));
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 404, ErrorJson(404, msg)));

  Status up = client_.Insert(Obj(), "data").status();
  EXPECT_EQ(up.code(), StatusCode::kPermissionDenied) << up.ToString();
  EXPECT_NE(up.message().find(std::string("Cloud Storage upload ") + kUri + ": HTTP 403"), std::string::npos)
      << up.ToString();
  EXPECT_NE(up.message().find("caller does not have storage.objects.create access"), std::string::npos);

  Status del = client_.Delete(Obj());
  EXPECT_EQ(del.code(), StatusCode::kNotFound) << del.ToString();
  EXPECT_NE(del.message().find(std::string("Cloud Storage delete ") + kUri + ": HTTP 404"), std::string::npos)
      << del.ToString();
  EXPECT_NE(del.message().find(msg), std::string::npos) << del.ToString();

  Status read = client_.ReadToString(Obj()).status();
  EXPECT_EQ(read.code(), StatusCode::kUnavailable) << read.ToString();
  EXPECT_NE(read.message().find(std::string("Cloud Storage read ") + kUri + ": HTTP 503"), std::string::npos)
      << read.ToString();
  EXPECT_NE(read.message().find("backend error"), std::string::npos) << read.ToString();

  char buf[4];
  Status ranged = client_.ReadRange(Obj(), 0, 0, 4, buf);
  EXPECT_EQ(ranged.code(), StatusCode::kNotFound) << ranged.ToString();
  EXPECT_NE(ranged.message().find(std::string("Cloud Storage read ") + kUri + ": HTTP 404"), std::string::npos)
      << ranged.ToString();
  EXPECT_NE(ranged.message().find(msg), std::string::npos) << ranged.ToString();

  for (const Status& s : {up, del, read, ranged}) EXPECT_EQ(s.message().find(kToken), std::string::npos);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, ErrorBodiesThatAreNotJsonAreNotQuoted) {
  http_.Expect(Answer("GET", kObjectUrl, 502, "<html><body>Bad Gateway from the proxy</body></html>"));
  http_.Expect(Answer("GET", kObjectUrl, 400, R"({"error":"invalid_request"})"));
  Status s = client_.GetMetadata(Obj()).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 502"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.message().find("<html>"), std::string::npos) << s.ToString();
  // The OAuth-style {"error": "<string>"} form is quoted too.
  Status t = client_.GetMetadata(Obj()).status();
  EXPECT_EQ(t.code(), StatusCode::kInvalidArgument) << t.ToString();
  EXPECT_NE(t.message().find("invalid_request"), std::string::npos) << t.ToString();
}

// ---- Credentials ------------------------------------------------------------

TEST_F(GcsClientTest, AuthorizationHeaderOnEveryRequest) {
  const std::string upload = "https://gcs.test/upload/storage/v1/b/bkt/o?";
  http_.Expect(Answer("GET", kObjectUrl, 200, R"({"name":"dir/file","size":"3"})"));
  http_.Expect(Answer("GET", "https://gcs.test/storage/v1/b/bkt/o?prefix=dir%2F", 200, "{}"));
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 206, "abc", {{"Content-Range", "bytes 0-2/3"}}));
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 200, "abc"));
  http_.Expect(Answer("POST", upload + "uploadType=media&name=dir%2Ffile", 200, R"({"name":"dir/file"})"));
  http_.Expect(Answer("POST", upload + "uploadType=resumable&name=dir%2Ffile", 200, "",
                      {{"Location", "https://gcs.test/session/1"}}));
  http_.Expect(Answer("PUT", "https://gcs.test/session/1", 200, R"({"name":"dir/file"})"));
  http_.Expect(Answer("POST", std::string(kObjectUrl) + "/rewriteTo/b/bkt/o/other", 200, R"({"done":true})"));
  http_.Expect(Answer("DELETE", kObjectUrl, 204));

  char buf[3];
  EXPECT_TRUE(client_.GetMetadata(Obj()).ok());
  EXPECT_TRUE(client_.List("bkt", "dir/", "").ok());
  EXPECT_TRUE(client_.ReadRange(Obj(), 0, 0, 3, buf).ok());
  EXPECT_TRUE(client_.ReadToString(Obj()).ok());
  EXPECT_TRUE(client_.Insert(Obj(), "abc").ok());
  auto session = client_.StartResumableUpload(Obj());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_TRUE(client_.UploadChunk(Obj(), *session, 0, "abc", true).ok());
  EXPECT_TRUE(client_.Rewrite(Obj(), Obj("other")).ok());
  EXPECT_TRUE(client_.Delete(Obj()).ok());

  EXPECT_EQ(http_.pending(), 0u);
  EXPECT_EQ(http_.seen().size(), 9u);
  EXPECT_EQ(credentials_->calls.load(), 9);  // asked every time: it may refresh the token
}

TEST(GcsClientCredentialsTest, CredentialsErrorFailsWithoutSendingAnything) {
  net::ScriptedHttpClient http;
  GcsClient client(&http, std::make_shared<FailingCredentials>(), TestOptions());
  Status s = client.GetMetadata(Obj()).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("metadata server"), std::string::npos) << s.ToString();
  char buf[1];
  EXPECT_EQ(client.ReadRange(Obj(), 0, 0, 1, buf).code(), StatusCode::kUnavailable);
  EXPECT_EQ(client.Insert(Obj(), "x", 0).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(http.seen().empty());
  EXPECT_TRUE(http.unexpected().empty());
}

TEST(GcsClientCredentialsTest, AnonymousSendsNoAuthorizationAndAccessTokenSendsBearer) {
  net::ScriptedHttpClient http;
  http.Expect(Answer("GET", kObjectUrl, 200, R"({"name":"dir/file"})"));
  http.Expect(Answer("GET", kObjectUrl, 200, R"({"name":"dir/file"})"));
  http.Expect(Answer("GET", kObjectUrl, 200, R"({"name":"dir/file"})"));

  GcsClient no_credentials(&http, nullptr, TestOptions());
  EXPECT_TRUE(no_credentials.GetMetadata(Obj()).ok());
  CredentialsConfig anonymous;
  anonymous.anonymous = true;
  auto anon = MakeCredentials(anonymous);
  ASSERT_TRUE(anon.ok()) << anon.status().ToString();
  EXPECT_TRUE(GcsClient(&http, *anon, TestOptions()).GetMetadata(Obj()).ok());
  CredentialsConfig direct;
  direct.access_token = "ya29.direct";
  auto token = MakeCredentials(direct);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_TRUE(GcsClient(&http, *token, TestOptions()).GetMetadata(Obj()).ok());

  const auto seen = http.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_FALSE(RequestHeader(seen[0], "Authorization").has_value());
  EXPECT_FALSE(RequestHeader(seen[1], "Authorization").has_value());
  EXPECT_EQ(RequestHeader(seen[2], "Authorization").value_or(""), "Bearer ya29.direct");
}

TEST(GcsClientCredentialsTest, TokenOverPlainHttpToANonLoopbackHostFailsAndSendsNothing) {
  net::ScriptedHttpClient http;
  GcsClientOptions options;
  options.endpoint = "http://gcs.example:8080";
  auto credentials = std::make_shared<TestCredentials>();
  GcsClient client(&http, credentials, options);
  char buf[1];
  const Status statuses[] = {client.GetMetadata(Obj()).status(), client.ReadRange(Obj(), 0, 0, 1, buf),
                             client.Insert(Obj(), "x").status(), client.Delete(Obj())};
  for (const Status& s : statuses) {
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
    EXPECT_NE(s.message().find("test credentials"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("refusing to send credentials to http://gcs.example:8080:"), std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find("loopback"), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find(kToken), std::string::npos) << s.ToString();
  }
  EXPECT_TRUE(http.seen().empty());
  EXPECT_TRUE(http.unexpected().empty());

  // Without credentials the same endpoint is fine.
  http.Expect(Answer("GET", "http://gcs.example:8080/storage/v1/b/bkt/o/dir%2Ffile", 200, R"({"name":"dir/file"})"));
  EXPECT_TRUE(GcsClient(&http, nullptr, options).GetMetadata(Obj()).ok());
  ASSERT_EQ(http.seen().size(), 1u);
  EXPECT_FALSE(RequestHeader(http.seen()[0], "Authorization").has_value());
}

TEST(GcsClientCredentialsTest, TokenOverPlainHttpToLoopbackIsSent) {
  for (const std::string endpoint : {"http://127.0.0.1:9023", "http://localhost:9023", "http://[::1]:9023"}) {
    net::ScriptedHttpClient http;
    http.Expect(Answer("GET", endpoint + "/storage/v1/b/bkt/o/dir%2Ffile", 200, R"({"name":"dir/file"})"));
    GcsClientOptions options;
    options.endpoint = endpoint;
    auto meta = GcsClient(&http, std::make_shared<TestCredentials>(), options).GetMetadata(Obj());
    EXPECT_TRUE(meta.ok()) << endpoint << ": " << meta.status().ToString();
    ASSERT_EQ(http.seen().size(), 1u) << endpoint;
    EXPECT_EQ(RequestHeader(http.seen()[0], "Authorization").value_or(""), std::string("Bearer ") + kToken);
  }
}

TEST_F(GcsClientTest, PlainHttpSessionUrlToANonLoopbackHostIsNotSentTheToken) {
  const std::string session = "http://uploads.example/session?upload_id=S1";
  http_.Expect(Answer("POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&name=dir%2Ffile", 200,
                      "", {{"Location", session}}));
  auto started = client_.StartResumableUpload(Obj());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto chunk = client_.UploadChunk(Obj(), *started, 0, "abc", true);
  ASSERT_FALSE(chunk.ok());
  EXPECT_EQ(chunk.status().code(), StatusCode::kFailedPrecondition) << chunk.status().ToString();
  EXPECT_NE(chunk.status().message().find("http://uploads.example"), std::string::npos) << chunk.status().ToString();
  EXPECT_EQ(chunk.status().message().find("S1"), std::string::npos) << chunk.status().ToString();
  EXPECT_EQ(http_.seen().size(), 1u);
}

TEST(GcsClientCredentialsTest, EndpointFromEmulatorHost) {
  EXPECT_EQ(EndpointFromEmulatorHost("localhost:9023"), "http://localhost:9023");
  EXPECT_EQ(EndpointFromEmulatorHost("http://127.0.0.1:9023/"), "http://127.0.0.1:9023");
  EXPECT_EQ(EndpointFromEmulatorHost("https://gcs.example//"), "https://gcs.example");
}

// ---- Insert and preconditions -------------------------------------------------

TEST_F(GcsClientTest, InsertSendsTheBodyAndReturnsTheNewObject) {
  http_.Expect(Answer("POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=media&name=dir%2Ffile", 200,
                      R"({"name":"dir/file","size":"5","generation":"77"})"));
  auto meta = client_.Insert(Obj(), "hello");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->size, 5u);
  EXPECT_EQ(meta->generation, 77);
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "hello");
  EXPECT_EQ(RequestHeader(seen[0], "Content-Type").value_or(""), "application/octet-stream");
}

TEST_F(GcsClientTest, InsertIfGenerationMatchZeroAnswered412IsAlreadyExists) {
  http_.Expect(Answer("POST",
                      "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=media&name=dir%2Ffile&ifGenerationMatch=0",
                      412, ErrorJson(412, "At least one of the pre-conditions you specified did not hold.")));
  auto meta = client_.Insert(Obj(), "mine", 0);
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.status().code(), StatusCode::kAlreadyExists) << meta.status().ToString();
  EXPECT_NE(meta.status().message().find(kUri), std::string::npos) << meta.status().ToString();
  EXPECT_EQ(meta.status().message().find(kToken), std::string::npos);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, Insert412OnAnotherGenerationIsFailedPrecondition) {
  http_.Expect(Answer(
      "POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=media&name=dir%2Ffile&ifGenerationMatch=41", 412,
      ErrorJson(412, "At least one of the pre-conditions you specified did not hold.")));
  Status s = client_.Insert(Obj(), "mine", 41).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 412"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("pre-conditions"), std::string::npos) << s.ToString();
}

// ---- List -------------------------------------------------------------------

TEST_F(GcsClientTest, ListFollowsNextPageTokenAndMergesPages) {
  const std::string base = "https://gcs.test/storage/v1/b/bkt/o?prefix=dir%2F&delimiter=%2F";
  http_.Expect(Answer("GET", base, 200,
                      R"({"kind":"storage#objects","items":[{"name":"dir/a","size":"1"},{"name":"dir/b","size":"2"}],)"
                      R"("prefixes":["dir/sub1/"],"nextPageToken":"page 2/+="})"));
  http_.Expect(Answer("GET", base + "&pageToken=page%202%2F%2B%3D", 200,
                      R"({"items":[{"name":"dir/c","size":3}],"prefixes":["dir/sub2/"]})"));
  auto list = client_.List("bkt", "dir/", "/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->objects.size(), 3u);
  EXPECT_EQ(list->objects[0].name, "dir/a");
  EXPECT_EQ(list->objects[1].name, "dir/b");
  EXPECT_EQ(list->objects[2].name, "dir/c");
  EXPECT_EQ(list->objects[2].size, 3u);
  EXPECT_EQ(list->prefixes, (std::vector<std::string>{"dir/sub1/", "dir/sub2/"}));
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].url.find("pageToken"), std::string::npos);
  EXPECT_NE(seen[1].url.find("&pageToken=page%202%2F%2B%3D"), std::string::npos);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, ListWithMaxResultsStopsOnceItHasEnough) {
  const std::string base = "https://gcs.test/storage/v1/b/bkt/o?prefix=d%2F&delimiter=%2F&maxResults=1";
  // An empty page with a token (the service may send one) is followed...
  http_.Expect(Answer("GET", base, 200, R"({"nextPageToken":"t1"})"));
  // ...a page with an entry and another token is not.
  http_.Expect(Answer("GET", base + "&pageToken=t1", 200, R"({"prefixes":["d/x/"],"nextPageToken":"t2"})"));
  auto list = client_.List("bkt", "d/", "/", 1);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->objects.empty());
  EXPECT_EQ(list->prefixes, std::vector<std::string>{"d/x/"});
  EXPECT_EQ(http_.seen().size(), 2u);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, ListErrorOnASecondPageIsReturned) {
  const std::string base = "https://gcs.test/storage/v1/b/bkt/o?prefix=d%2F";
  http_.Expect(Answer("GET", base, 200, R"({"items":[{"name":"d/a"}],"nextPageToken":"t1"})"));
  http_.Expect(Answer("GET", base + "&pageToken=t1", 503, ErrorJson(503, "try later")));
  Status s = client_.List("bkt", "d/", "").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("Cloud Storage list gs://bkt/d/: HTTP 503"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("try later"), std::string::npos) << s.ToString();
}

// ---- Ranged reads -----------------------------------------------------------

TEST_F(GcsClientTest, ReadRangeSendsRangeAndGenerationAndFillsTheBuffer) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media&generation=42", 206, "KLMNO",
                      {{"Content-Range", "bytes 10-14/26"}}));
  char buf[5] = {};
  Status s = client_.ReadRange(Obj(), 42, 10, 5, buf);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(std::string(buf, 5), "KLMNO");
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(RequestHeader(seen[0], "Range").value_or(""), "bytes=10-14");
}

TEST_F(GcsClientTest, ReadRangeAnsweredFromAnotherOffsetIsDataLoss) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 206, "abcde",
                      {{"Content-Range", "bytes 0-4/26"}}));
  char buf[5];
  Status s = client_.ReadRange(Obj(), 0, 10, 5, buf);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("gs://bkt/dir/file"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("bytes 0-4/26"), std::string::npos) << s.message();
}

TEST_F(GcsClientTest, ReadRangeOfNothingSendsNothing) {
  EXPECT_TRUE(client_.ReadRange(Obj(), 0, 1000, 0, nullptr).ok());
  EXPECT_TRUE(http_.seen().empty());
}

TEST_F(GcsClientTest, ReadRangeWholeObjectAnswered200IsFine) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 200, "abcde"));
  char buf[5] = {};
  Status s = client_.ReadRange(Obj(), 0, 0, 5, buf);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(std::string(buf, 5), "abcde");
}

TEST_F(GcsClientTest, ReadRangeIgnoredAtNonZeroOffsetIsDataLoss) {
  // The whole 26-byte object instead of bytes 10-14.
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 200, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  // A 200 whose body happens to have the length asked for is no better.
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 200, "ABCDE"));
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    char buf[5] = {};
    Status s = client_.ReadRange(Obj(), 0, 10, 5, buf);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    EXPECT_NE(s.message().find(kUri), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("ignored the range"), std::string::npos) << s.ToString();
    EXPECT_EQ(std::string(buf, 5), std::string(5, '\0')) << "the wrong bytes were copied";
  }
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, ReadRangeAnswered200WithMoreThanAskedAtOffsetZeroIsDataLoss) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 200, "ABCDEFGHIJ"));
  char buf[5] = {};
  Status s = client_.ReadRange(Obj(), 0, 0, 5, buf);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(kUri), std::string::npos) << s.ToString();
}

TEST_F(GcsClientTest, ReadRangeUnsatisfiableIsOutOfRange) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 416,
                      ErrorJson(416, "The requested range cannot be satisfied.")));
  char buf[5];
  Status s = client_.ReadRange(Obj(), 0, 100, 5, buf);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.ToString();
  EXPECT_NE(s.message().find(std::string("Cloud Storage read ") + kUri + ": HTTP 416"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("cannot be satisfied"), std::string::npos) << s.ToString();
}

TEST_F(GcsClientTest, ReadRangeShortBodyIsDataLoss) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 206, "KLM", {{"Content-Range", "bytes 10-12/13"}}));
  char buf[5];
  Status s = client_.ReadRange(Obj(), 0, 10, 5, buf);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(kUri), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("expected 5 bytes at offset 10, got 3"), std::string::npos) << s.ToString();
}

TEST_F(GcsClientTest, ReadToStringRefusesMoreThanMaxBytes) {
  http_.Expect(Answer("GET", std::string(kObjectUrl) + "?alt=media", 200, std::string(100, 'x')));
  Status s = client_.ReadToString(Obj(), 99).status();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
}

// ---- Resumable uploads --------------------------------------------------------

TEST_F(GcsClientTest, StartResumableUploadReturnsTheSessionUrl) {
  http_.Expect(Answer("POST",
                      "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&name=dir%2Ffile&ifGenerationMatch=0",
                      200, "", {{"location", "https://gcs.test/upload/storage/v1/b/bkt/o?upload_id=XYZ"}}));
  auto session = client_.StartResumableUpload(Obj(), 0);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(*session, "https://gcs.test/upload/storage/v1/b/bkt/o?upload_id=XYZ");
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(RequestHeader(seen[0], "X-Upload-Content-Type").value_or(""), "application/octet-stream");
}

TEST_F(GcsClientTest, StartResumableUploadErrors) {
  const std::string url = "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&name=dir%2Ffile";
  http_.Expect(Answer("POST", url, 200, "{}"));  // no Location
  http_.Expect(Answer("POST", url + "&ifGenerationMatch=0", 412, ErrorJson(412, "precondition")));
  Status none = client_.StartResumableUpload(Obj()).status();
  EXPECT_EQ(none.code(), StatusCode::kDataLoss) << none.ToString();
  EXPECT_NE(none.message().find(kUri), std::string::npos) << none.ToString();
  Status exists = client_.StartResumableUpload(Obj(), 0).status();
  EXPECT_EQ(exists.code(), StatusCode::kAlreadyExists) << exists.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, UploadChunkContentRangeAndPersistedBytes) {
  const std::string session = "https://gcs.test/session/abc";
  auto put = [&](long status, std::vector<std::pair<std::string, std::string>> headers, std::string body = "") {
    http_.Expect(Answer("PUT", session, status, std::move(body), std::move(headers)));
  };
  put(308, {{"Range", "bytes=0-3"}});  // kept 4 of 10
  put(308, {});                        // kept nothing yet
  put(200, {}, R"({"name":"dir/file","size":"10"})");
  put(308, {{"Range", "bytes=0-9"}});  // the status query
  put(308, {{"Range", "garbage"}});
  put(404, {}, ErrorJson(404, "upload session expired"));

  auto a = client_.UploadChunk(Obj(), session, 0, "0123456789", false);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, 4u);
  auto b = client_.UploadChunk(Obj(), session, 4, "456789", false);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*b, 0u);
  auto c = client_.UploadChunk(Obj(), session, 4, "456789", true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, 10u);
  auto d = client_.UploadChunk(Obj(), session, 10, "", false);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, 10u);
  Status e = client_.UploadChunk(Obj(), session, 10, "", true).status();
  EXPECT_EQ(e.code(), StatusCode::kDataLoss) << e.ToString();
  EXPECT_NE(e.message().find(kUri), std::string::npos) << e.ToString();
  Status f = client_.UploadChunk(Obj(), session, 10, "x", true).status();
  EXPECT_EQ(f.code(), StatusCode::kNotFound) << f.ToString();
  EXPECT_NE(f.message().find("upload session expired"), std::string::npos) << f.ToString();

  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 6u);
  const char* ranges[] = {"bytes 0-9/*", "bytes 4-9/*", "bytes 4-9/10", "bytes */*", "bytes */10", "bytes 10-10/11"};
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(RequestHeader(seen[i], "Content-Range").value_or("<none>"), ranges[i]) << i;
  }
  EXPECT_EQ(seen[0].body, "0123456789");
  EXPECT_EQ(seen[2].body, "456789");
}

TEST_F(GcsClientTest, UploadChunkCommittedBeforeTheLastIsFailedPrecondition) {
  // What the firebase emulator does: every PUT commits the object.
  const std::string session = "https://gcs.test/session/abc";
  http_.Expect(Answer("PUT", session, 200, R"({"name":"dir/file","size":"4"})"));
  Status s = client_.UploadChunk(Obj(), session, 0, "0123", false).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("committed the object after 4 bytes"), std::string::npos) << s.ToString();
}

TEST_F(GcsClientTest, ComposeNamesItsSourcesInOrder) {
  const std::string url = "https://gcs.test/storage/v1/b/bkt/o/dir%2Ffile/compose";
  http_.Expect(Answer("POST", url, 200, R"({"name":"dir/file","size":"9","generation":"5","crc32c":"AAAAAA=="})"));
  http_.Expect(Answer("POST", url + "?ifGenerationMatch=0", 412, ErrorJson(412, "exists")));
  auto m = client_.Compose(Obj(), {{"dir/a", 3}, {"dir/b", 0}});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->size, 9u);
  EXPECT_EQ(m->generation, 5);
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body,
            R"({"destination":{"contentType":"application/octet-stream"},"sourceObjects":[{"generation":"3","name":"dir/a"},{"name":"dir/b"}]})");
  EXPECT_EQ(client_.Compose(Obj(), {{"dir/a", 0}}, 0).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(client_.Compose(Obj(), {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client_.Compose(Obj(), std::vector<GcsClient::ComposeSource>(33, {"x", 0})).status().code(),
            StatusCode::kInvalidArgument);
}

// ---- Delete and rewrite -------------------------------------------------------

TEST_F(GcsClientTest, DeleteAcceptsNoContent) {
  http_.Expect(Answer("DELETE", kObjectUrl, 204));
  EXPECT_TRUE(client_.Delete(Obj()).ok());
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, RewriteLoopsOnRewriteToken) {
  const std::string url = std::string(kObjectUrl) + "/rewriteTo/b/bkt2/o/new%2Ffile";
  http_.Expect(Answer("POST", url, 200,
                      R"({"kind":"storage#rewriteResponse","totalBytesRewritten":"1048576",)"
                      R"("objectSize":"3145728","done":false,"rewriteToken":"t1"})"));
  http_.Expect(Answer("POST", url + "?rewriteToken=t1", 200,
                      R"({"totalBytesRewritten":"2097152","done":false,"rewriteToken":"t/2+"})"));
  http_.Expect(Answer("POST", url + "?rewriteToken=t%2F2%2B", 200,
                      R"({"done":true,"resource":{"name":"new/file","size":"3145728","generation":"9"}})"));
  auto meta = client_.Rewrite(Obj(), GcsPath{"bkt2", "new/file"});
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->name, "new/file");
  EXPECT_EQ(meta->size, 3145728u);
  EXPECT_EQ(meta->generation, 9);
  EXPECT_EQ(http_.pending(), 0u);
  EXPECT_EQ(http_.seen().size(), 3u);
}

TEST_F(GcsClientTest, RewriteLoopKeepsThePrecondition) {
  const std::string url = std::string(kObjectUrl) + "/rewriteTo/b/bkt/o/to?ifGenerationMatch=0";
  http_.Expect(Answer("POST", url, 200, R"({"done":false,"rewriteToken":"t1"})"));
  http_.Expect(Answer("POST", url + "&rewriteToken=t1", 412, ErrorJson(412, "precondition")));
  Status s = client_.Rewrite(Obj(), Obj("to"), 0).status();
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_NE(s.message().find("gs://bkt/to"), std::string::npos) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsClientTest, RewriteNotDoneWithoutTokenIsDataLoss) {
  http_.Expect(Answer("POST", std::string(kObjectUrl) + "/rewriteTo/b/bkt/o/to", 200, R"({"done":false})"));
  Status s = client_.Rewrite(Obj(), Obj("to")).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(kUri), std::string::npos) << s.ToString();
}

TEST_F(GcsClientTest, RewriteErrorNamesBothObjects) {
  http_.Expect(Answer("POST", std::string(kObjectUrl) + "/rewriteTo/b/bkt/o/to", 403, ErrorJson(403, "no access")));
  Status s = client_.Rewrite(Obj(), Obj("to")).status();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("gs://bkt/to"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find(kUri), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("no access"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace tfhub::gcs
